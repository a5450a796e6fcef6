import { createSign, createVerify } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { samlId, xml } from './saml-response.js';

/**
 * SAML 2.0 single logout messages and the HTTP-Redirect binding, as the development IdP sends and reads
 * them and as tests forge them. The broker's own side uses node-saml; this is the other end of the wire.
 */

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const NS =
  'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"';

export interface LogoutRequestParams {
  issuer: string;
  destination: string;
  nameId: string;
  /** Without one, the request ends every session of the name ID. */
  sessionIndex?: string;
  issueInstant?: Date;
  id?: string;
}

export function buildLogoutRequest(p: LogoutRequestParams): { xml: string; id: string } {
  const id = p.id ?? samlId();
  const instant = (p.issueInstant ?? new Date()).toISOString();
  const sessionIndex = p.sessionIndex
    ? `<samlp:SessionIndex>${xml(p.sessionIndex)}</samlp:SessionIndex>`
    : '';
  return {
    id,
    xml:
      `<samlp:LogoutRequest ${NS} ID="${id}" Version="2.0" IssueInstant="${instant}" Destination="${xml(p.destination)}">` +
      `<saml:Issuer>${xml(p.issuer)}</saml:Issuer>` +
      `<saml:NameID Format="${PERSISTENT}">${xml(p.nameId)}</saml:NameID>${sessionIndex}` +
      `</samlp:LogoutRequest>`,
  };
}

export interface LogoutResponseParams {
  issuer: string;
  destination: string;
  inResponseTo: string | undefined;
  success?: boolean;
  issueInstant?: Date;
}

export function buildLogoutResponse(p: LogoutResponseParams): { xml: string; id: string } {
  const id = samlId();
  const inResponseTo = p.inResponseTo ? ` InResponseTo="${xml(p.inResponseTo)}"` : '';
  const status =
    p.success === false
      ? 'urn:oasis:names:tc:SAML:2.0:status:Responder'
      : 'urn:oasis:names:tc:SAML:2.0:status:Success';
  return {
    id,
    xml:
      `<samlp:LogoutResponse ${NS} ID="${id}" Version="2.0" IssueInstant="${(p.issueInstant ?? new Date()).toISOString()}" Destination="${xml(p.destination)}"${inResponseTo}>` +
      `<saml:Issuer>${xml(p.issuer)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="${status}"/></samlp:Status>` +
      `</samlp:LogoutResponse>`,
  };
}

export type RedirectMessageKind = 'SAMLRequest' | 'SAMLResponse';

/**
 * A message in the HTTP-Redirect binding: deflated, base64, URL-encoded, and signed over the query string
 * exactly as sent (`SAMLRequest=…&RelayState=…&SigAlg=…`) when a key is given.
 */
export function redirectBindingUrl(
  target: string,
  kind: RedirectMessageKind,
  message: string,
  options: { relayState?: string; signingKey?: string } = {},
): string {
  let query = `${kind}=${encodeURIComponent(deflateRawSync(Buffer.from(message, 'utf8')).toString('base64'))}`;
  if (options.relayState) query += `&RelayState=${encodeURIComponent(options.relayState)}`;
  if (options.signingKey) {
    query += `&SigAlg=${encodeURIComponent(RSA_SHA256)}`;
    const signature = createSign('RSA-SHA256').update(query).sign(options.signingKey, 'base64');
    query += `&Signature=${encodeURIComponent(signature)}`;
  }
  return `${target}${target.includes('?') ? '&' : '?'}${query}`;
}

export interface RedirectMessage {
  kind: RedirectMessageKind;
  xml: string;
  relayState: string | undefined;
  /** Whether the query carried an RSA-SHA256 signature that the given certificate verifies. */
  signatureValid: boolean;
}

/** Reads a message in the HTTP-Redirect binding from the raw query string; undefined when it is not one. */
export function readRedirectBinding(rawQuery: string, cert: string | undefined): RedirectMessage | undefined {
  const parts = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq);
    if (parts.has(name)) return undefined;
    parts.set(name, part.slice(eq + 1));
  }
  const kind: RedirectMessageKind | undefined = parts.has('SAMLRequest')
    ? 'SAMLRequest'
    : parts.has('SAMLResponse')
      ? 'SAMLResponse'
      : undefined;
  if (!kind || (parts.has('SAMLRequest') && parts.has('SAMLResponse'))) return undefined;
  try {
    const decode = (v: string) => decodeURIComponent(v.replaceAll('+', ' '));
    const message = inflateRawSync(Buffer.from(decode(parts.get(kind)!), 'base64'), {
      maxOutputLength: 64 * 1024,
    }).toString('utf8');
    const relayState = parts.has('RelayState') ? decode(parts.get('RelayState')!) : undefined;
    let signatureValid = false;
    const sigAlg = parts.get('SigAlg');
    const signature = parts.get('Signature');
    if (cert && sigAlg && signature && decode(sigAlg) === RSA_SHA256) {
      const signed = [kind, 'RelayState', 'SigAlg']
        .filter((name) => parts.has(name))
        .map((name) => `${name}=${parts.get(name)}`)
        .join('&');
      signatureValid = createVerify('RSA-SHA256').update(signed).verify(cert, decode(signature), 'base64');
    }
    return { kind, xml: message, relayState, signatureValid };
  } catch {
    return undefined;
  }
}
