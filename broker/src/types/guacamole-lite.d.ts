// The parts of guacamole-lite 1.2.0 the broker uses; the package ships no types.
declare module 'guacamole-lite' {
  import type { EventEmitter } from 'node:events';
  import type { Server as HttpServer, IncomingMessage } from 'node:http';

  interface WsOptions {
    server?: HttpServer;
    path?: string;
    port?: number;
    verifyClient?: (
      info: { origin: string; secure: boolean; req: IncomingMessage },
      callback: (result: boolean, code?: number, message?: string) => void,
    ) => void;
  }
  interface GuacdOptions {
    host: string;
    port: number;
  }
  type ConnectionSettings = Record<string, unknown>;
  interface Callbacks {
    processConnectionSettings?: (
      settings: ConnectionSettings,
      callback: (error: Error | undefined, settings?: ConnectionSettings) => void,
    ) => void;
  }

  class GuacamoleLite extends EventEmitter {
    constructor(
      wsOptions: WsOptions,
      guacdOptions: GuacdOptions,
      clientOptions: Record<string, unknown>,
      callbacks?: Callbacks,
    );
    close(): void;
    activeConnections: Map<number, { close(error?: Error): void; connectionSettings?: ConnectionSettings }>;
    webSocketServer: { close(): void };
    sigTermHandler: (() => void) | null;
    sigIntHandler: (() => void) | null;
  }
  export = GuacamoleLite;
}
