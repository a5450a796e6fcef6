import type { Request } from 'express';

/** Where a request came from: the socket's address unless a trusted proxy (BROKER_TRUST_PROXY) says whom it forwards for. */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
