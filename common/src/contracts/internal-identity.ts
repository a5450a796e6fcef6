import { X509Certificate } from 'node:crypto';

/**
 * Who a certificate of the internal CA speaks for, written in its subjectAltName as a URI: a desktop (its
 * agent's server certificate) or a service (the broker's client certificate). Host names say where a party
 * is; these say which party it is, so a desktop's certificate is never taken for another desktop's, nor for
 * the broker's, although one CA issued them all (docs/decisions/0021-internal-tls-and-service-credentials.md).
 */
export const desktopIdentity = (desktopId: string): string => `urn:hcw:desktop:${desktopId}`;

export const BROKER_IDENTITY = 'urn:hcw:service:broker';

/** The URI names of a certificate (DER, as a TLS socket's peer certificate gives it in `raw`). */
export function uriNamesOf(der: Buffer | undefined): string[] {
  if (!der || der.length === 0) return [];
  let altNames: string | undefined;
  try {
    altNames = new X509Certificate(der).subjectAltName;
  } catch {
    return [];
  }
  return (altNames ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice('URI:'.length));
}
