import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import {
  buildSamlResponse,
  MFA_CONTEXT,
  PASSWORD_CONTEXT,
  type ResponseParams,
} from '../../broker/src/auth/saml-response.js';
import type { WorkspaceStack } from '../../scripts/stack/workspace-stack.js';
import { Cookies } from './http-sign-in.js';

/**
 * Sends hand-made SAML responses to the broker's real assertion consumer service: the same XML the
 * development IdP would send, with one thing wrong at a time.
 */
export async function startLogin(stack: WorkspaceStack): Promise<{ requestId: string; cookies: Cookies }> {
  const cookies = new Cookies();
  const response = await fetch(`${stack.brokerUrl}/auth/login`, { redirect: 'manual' });
  cookies.take(response);
  const location = new URL(response.headers.get('location') ?? '');
  const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64')).toString(
    'utf8',
  );
  const requestId = /ID="([^"]+)"/.exec(xml)?.[1];
  if (!requestId) throw new Error('no AuthnRequest ID');
  return { requestId, cookies };
}

export function aResponse(
  stack: WorkspaceStack,
  requestId: string | undefined,
  overrides: Partial<ResponseParams> = {},
  username = 'nurse.sato',
): string {
  const { xml } = buildSamlResponse({
    issuer: stack.devIdp.entityId,
    audience: `${stack.brokerUrl}/auth/saml/metadata`,
    destination: `${stack.brokerUrl}/auth/saml/acs`,
    inResponseTo: requestId,
    signingKey: readFileSync(stack.devIdp.keyFile, 'utf8'),
    signingCert: readFileSync(stack.devIdp.certFile, 'utf8'),
    subject: {
      nameId: username,
      authnContextClassRef: overrides.subject?.authnContextClassRef ?? PASSWORD_CONTEXT,
      attributes: {
        displayName: '佐藤 花子',
        organisation: '新宿訪問看護ステーション',
        profession: '看護師',
        roles: ['practitioner'],
      },
    },
    ...overrides,
  });
  return xml;
}

export { MFA_CONTEXT, PASSWORD_CONTEXT };

export async function postToAcs(
  stack: WorkspaceStack,
  xml: string,
  cookies = new Cookies(),
): Promise<Response> {
  return fetch(`${stack.brokerUrl}/auth/saml/acs`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies.header() },
    body: new URLSearchParams({ SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') }),
  });
}
