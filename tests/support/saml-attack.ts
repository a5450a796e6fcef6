import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import {
  buildSamlResponse,
  MFA_CONTEXT,
  PASSWORD_CONTEXT,
  type ResponseParams,
} from '#broker/auth/saml-response.js';
import { buildLogoutRequest, redirectBindingUrl } from '#broker/auth/saml-logout-messages.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { Cookies } from './http-sign-in.js';
import { scratchDir } from './scratch-dir.js';

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

/** The SessionIndex the IdP gave a sign-in, read from the SAML response that signed it in. */
export function sessionIndexOf(samlResponseBase64: string): string {
  const xml = Buffer.from(samlResponseBase64, 'base64').toString('utf8');
  const index = /SessionIndex="([^"]+)"/.exec(xml)?.[1];
  if (!index) throw new Error('no SessionIndex in the response');
  return index;
}

/**
 * A LogoutRequest from the development IdP to the broker in the HTTP-Redirect binding: signed by the IdP's
 * key unless another key (or none) is given, with one thing changed at a time for the attack tests.
 */
export function idpLogoutRequestUrl(
  stack: WorkspaceStack,
  nameId: string,
  options: {
    sessionIndex?: string;
    signingKey?: string | null;
    destination?: string;
    issueInstant?: Date;
    id?: string;
  } = {},
): { url: string; id: string } {
  const slo = `${stack.brokerUrl}/auth/saml/slo`;
  const { xml, id } = buildLogoutRequest({
    issuer: stack.devIdp.entityId,
    destination: options.destination ?? slo,
    nameId,
    sessionIndex: options.sessionIndex,
    issueInstant: options.issueInstant,
    id: options.id,
  });
  const signingKey =
    options.signingKey === null
      ? undefined
      : (options.signingKey ?? readFileSync(stack.devIdp.keyFile, 'utf8'));
  return { url: redirectBindingUrl(slo, 'SAMLRequest', xml, { signingKey }), id };
}

/** A signing key pair nobody trusts: what an attacker signs with. */
export function anotherKeyPair(): { key: string; cert: string; keyFile: string; certFile: string } {
  const dir = scratchDir('hcw-other-key');
  const keyFile = path.join(dir, 'k.pem');
  const certFile = path.join(dir, 'c.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1', '-subj', '/CN=other'].concat([
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]),
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), keyFile, certFile };
}
