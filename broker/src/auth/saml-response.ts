import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';

/**
 * Builds signed SAML 2.0 responses for the development identity provider. The variations exist so the
 * service provider's checks can be attacked with real, well-formed responses in tests.
 */
export interface AssertionSubject {
  nameId: string;
  /** Persistent unless given; null leaves the Format out (unspecified). */
  nameIdFormat?: string | null;
  attributes: Record<string, string | string[]>;
  authnContextClassRef: string;
}

export interface ResponseParams {
  issuer: string;
  audience: string;
  destination: string;
  inResponseTo: string | undefined;
  subject: AssertionSubject;
  signingKey: string;
  signingCert: string;
  now?: Date;
  /** How long the assertion is valid from `now`. */
  lifetimeSeconds?: number;
  /** Shifts the validity window, e.g. -3600 for an expired response or +3600 for one not yet valid. */
  shiftSeconds?: number;
  sign?: boolean;
}

export const PASSWORD_CONTEXT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
export const MFA_CONTEXT = 'https://refeds.org/profile/mfa';

/** Text made safe for XML content and attribute values. */
export function xml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

export function samlId(): string {
  // SAML IDs are xs:ID: they must not start with a digit.
  return `_${randomBytes(20).toString('hex')}`;
}

export function buildSamlResponse(p: ResponseParams): { xml: string; assertionId: string } {
  const now = p.now ?? new Date();
  const shift = (p.shiftSeconds ?? 0) * 1000;
  const issueInstant = new Date(now.getTime() + shift).toISOString();
  const notBefore = new Date(now.getTime() + shift - 5000).toISOString();
  const notOnOrAfter = new Date(now.getTime() + shift + (p.lifetimeSeconds ?? 300) * 1000).toISOString();
  const responseId = samlId();
  const assertionId = samlId();
  const inResponseTo = p.inResponseTo ? ` InResponseTo="${xml(p.inResponseTo)}"` : '';
  const format =
    p.subject.nameIdFormat === undefined
      ? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'
      : p.subject.nameIdFormat;
  const nameIdFormat = format === null ? '' : ` Format="${xml(format)}"`;
  const attributes = Object.entries(p.subject.attributes)
    .map(([name, value]) => {
      const values = (Array.isArray(value) ? value : [value])
        .map((v) => `<saml:AttributeValue xsi:type="xs:string">${xml(v)}</saml:AttributeValue>`)
        .join('');
      return `<saml:Attribute Name="${xml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values}</saml:Attribute>`;
    })
    .join('');

  const assertion =
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${assertionId}" Version="2.0" IssueInstant="${issueInstant}">` +
    `<saml:Issuer>${xml(p.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID${nameIdFormat}>${xml(p.subject.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${xml(p.destination)}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${xml(p.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${issueInstant}" SessionIndex="${assertionId}"><saml:AuthnContext><saml:AuthnContextClassRef>${xml(p.subject.authnContextClassRef)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` +
    `</saml:Assertion>`;

  const response =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${responseId}" Version="2.0" IssueInstant="${issueInstant}" Destination="${xml(p.destination)}"${inResponseTo}>` +
    `<saml:Issuer>${xml(p.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    assertion +
    `</samlp:Response>`;

  if (p.sign === false) return { xml: response, assertionId };
  return { xml: signAssertion(response, p.signingKey, p.signingCert), assertionId };
}

function signAssertion(response: string, key: string, cert: string): string {
  return signElement(response, "//*[local-name(.)='Assertion']", key, cert);
}

/** Signs a whole protocol message (a LogoutRequest in the HTTP-POST binding, say), the signature after its Issuer. */
export function signMessage(message: string, key: string, cert: string): string {
  return signElement(message, '/*', key, cert);
}

function signElement(document: string, elementXpath: string, key: string, cert: string): string {
  const signer = new SignedXml({
    privateKey: key,
    publicCert: cert,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  signer.addReference({
    xpath: elementXpath,
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signer.computeSignature(document, {
    prefix: 'ds',
    location: { reference: `${elementXpath}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return signer.getSignedXml();
}
