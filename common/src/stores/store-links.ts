/**
 * How the services reach Redis and PostgreSQL: over TLS, each server's certificate verified, never in clear
 * (docs/decisions/0021-internal-tls-and-service-credentials.md). The local stack runs so too; production
 * configuration refuses anything else.
 */

/** Why a Redis URL is not an encrypted one, or undefined when it is (`rediss:`). */
export function redisUrlProblem(url: string): string | undefined {
  return new URL(url).protocol === 'rediss:' ? undefined : 'must be rediss: (Redis over TLS)';
}

/**
 * Why a PostgreSQL URL does not ask for a verified, encrypted connection, or undefined when it does:
 * `sslmode=verify-full` (encrypted, certificate from a trusted CA, for this host name). `sslrootcert` names
 * the internal CA when it is not one of the system's.
 */
export function databaseUrlProblem(url: string): string | undefined {
  const modes = new URL(url).searchParams.getAll('sslmode');
  return modes.length === 1 && modes[0] === 'verify-full'
    ? undefined
    : 'must ask for sslmode=verify-full (TLS with the server certificate and host name verified)';
}

/**
 * Options for node-redis: the URL, and the CA that vouches for the server when it is not a system one (a CA
 * given with a `redis:` URL is refused by node-redis: TLS was asked for and the URL says otherwise).
 */
export function redisClientOptions(
  url: string,
  ca: string | undefined,
): { url: string; socket?: { tls: true; ca: string } } {
  return ca ? { url, socket: { tls: true, ca } } : { url };
}
