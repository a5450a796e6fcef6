import net from 'node:net';
import tls from 'node:tls';

export function canConnect(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether guacd answers: with the internal CA given, a TLS handshake that verifies guacd's certificate for
 * this address (a guacd with a wrong certificate is as good as down, since no tunnel would open through it).
 * The connection is then closed the polite way, so guacd does not log a failed handshake for each probe.
 */
export function canReachGuacd(
  host: string,
  port: number,
  ca: string | undefined,
  timeoutMs = 1500,
): Promise<boolean> {
  if (ca === undefined) return canConnect(host, port, timeoutMs);
  return new Promise((resolve) => {
    let result = false;
    const socket = tls.connect({ host, port, ca, servername: net.isIP(host) ? undefined : host });
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.once('secureConnect', () => {
      result = socket.authorized;
      socket.end();
    });
    socket.on('data', () => undefined);
    socket.once('error', () => socket.destroy());
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}
