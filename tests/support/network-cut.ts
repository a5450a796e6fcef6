import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * The device's network, as a test controls it: an HTTP proxy the test browser sends everything through
 * (page loads as proxied requests, the tunnel's WebSocket as a CONNECT tunnel), so a test can take the
 * network away the ways a phone loses it while the broker and the browser both keep running:
 *
 * - `closeSockets()`: every connection is closed at once, as when the phone drops a Wi-Fi network;
 * - `block()`: nothing passes any more and new connections are refused, but the open ones are not
 *   closed: they just go silent, as a locked phone's or a dead network's do, until both ends notice;
 * - `restore()`: the network is back; what was left open from before is gone (a new network address).
 */
export class NetworkCut {
  private readonly sockets = new Set<net.Socket>();
  private readonly tunnels = new Set<{ browser: net.Socket; upstream: net.Socket }>();
  private isBlocked = false;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<NetworkCut> {
    const server = http.createServer();
    const cut = new NetworkCut(server);
    server.on('connection', (socket: net.Socket) => {
      if (cut.isBlocked) {
        socket.destroy();
        return;
      }
      cut.track(socket);
    });
    server.on('request', (req, res) => cut.forward(req, res));
    server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
      cut.tunnel(req, socket, head),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return cut;
  }

  /** The address to give the browser as its proxy. */
  get proxyServer(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** How many connections are open through the proxy now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  closeSockets(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  block(): void {
    this.isBlocked = true;
    // A pipe resumes its source whenever its destination drains: undo the pipes, then stop reading.
    for (const { browser, upstream } of this.tunnels) {
      upstream.unpipe(browser);
      browser.unpipe(upstream);
    }
    for (const socket of this.sockets) socket.pause();
  }

  restore(): void {
    this.closeSockets();
    this.isBlocked = false;
  }

  async close(): Promise<void> {
    this.closeSockets();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: net.Socket): void {
    // A kept-alive upstream connection is handed to request after request: count it once.
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (this.isBlocked) socket.pause();
  }

  /** A plain request: the browser names the whole URL; the answer comes back on the same connection. */
  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    // The browser's own background traffic is not the test's business, and leaves this machine: refused.
    if (!isLoopback(target.hostname)) {
      res.writeHead(403).end();
      return;
    }
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('socket', (socket) => this.track(socket));
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  /** A CONNECT tunnel (the WebSocket): bytes both ways until either side or the test ends it. */
  private tunnel(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const [host, port] = (req.url ?? '').split(':');
    if (this.isBlocked || !host || !isLoopback(host) || !port) {
      socket.destroy();
      return;
    }
    const upstream = net.connect({ host, port: Number(port) }, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const pair = { browser: socket, upstream };
    this.tunnels.add(pair);
    this.track(upstream);
    upstream.once('close', () => {
      this.tunnels.delete(pair);
      socket.destroy();
    });
    socket.once('close', () => upstream.destroy());
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}
