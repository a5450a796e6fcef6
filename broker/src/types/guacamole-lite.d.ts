// The parts of guacamole-lite 1.2.0 the broker uses and extends; the package ships no types.
declare module 'guacamole-lite' {
  import type { EventEmitter } from 'node:events';
  import type { Server as HttpServer, IncomingMessage } from 'node:http';
  import type { WebSocket } from 'ws';

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

  class GuacamoleLite extends EventEmitter {
    constructor(
      wsOptions: WsOptions,
      guacdOptions: GuacdOptions,
      clientOptions: Record<string, unknown>,
      callbacks?: Record<string, unknown>,
    );
    clientOptions: Record<string, unknown>;
    connectionsCount: number;
    activeConnections: Map<number, { close(error?: Error): void }>;
    webSocketServer: { close(): void };
    sigTermHandler: (() => void) | null;
    sigIntHandler: (() => void) | null;
    newConnection(webSocket: WebSocket, request: IncomingMessage): Promise<void>;
    close(): void;
  }
  export = GuacamoleLite;
}

declare module 'guacamole-lite/lib/ClientConnection.js' {
  import { EventEmitter } from 'node:events';
  import type { WebSocket } from 'ws';
  import type GuacdClient from 'guacamole-lite/lib/GuacdClient.js';

  class ClientConnection extends EventEmitter {
    constructor(
      clientOptions: Record<string, unknown>,
      connectionId: number,
      webSocket: WebSocket,
      query: Record<string, unknown>,
      callbacks: {
        processConnectionSettings(
          settings: Record<string, unknown>,
          callback: (error: Error | undefined, settings: Record<string, unknown>) => void,
        ): void;
      },
    );
    readonly STATE_OPEN: number;
    readonly STATE_CLOSED: number;
    state: number;
    connectionId: number;
    webSocket: WebSocket;
    query: Record<string, unknown>;
    logger: unknown;
    clientOptions: Record<string, unknown>;
    connectionSelector: string;
    connectionSettings: { connection: Record<string, unknown> };
    guacdClient: GuacdClient | undefined;
    guacamoleConnectionId: string | undefined;
    lastActivity: number;
    activityCheckInterval: NodeJS.Timeout | null;
    decryptToken(): { connection: Record<string, unknown> };
    connect(guacdOptions: { host: string; port: number }): void;
    close(error?: Error): void;
    send(message: string): void;
    sendMessageToGuacd(message: unknown): void;
    handleGuacdError(error: unknown): void;
    checkActivity(): void;
  }
  export = ClientConnection;
}

declare module 'guacamole-lite/lib/GuacdClient.js' {
  import { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  class GuacdClient extends EventEmitter {
    constructor(
      guacdOptions: { host: string; port: number },
      connectionSelector: string,
      connectionSettings: Record<string, unknown>,
      logger: unknown,
    );
    readonly STATE_OPEN: number;
    readonly STATE_CLOSED: number;
    state: number;
    guacdConnection: Socket;
    guacamoleConnectionId: string | null;
    lastActivity: number;
    send(data: string, afterOpened?: boolean): void;
    close(error?: Error): void;
    processConnectionOpen(): void;
    processInstruction(opcode: string, params: string[]): void;
  }
  export = GuacdClient;
}
