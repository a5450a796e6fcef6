import { encodeInstruction } from '#broker/tunnel/guacamole-protocol.js';

export type InstructionListener = (opcode: string, args: readonly string[], at: number) => void;

/**
 * One open Guacamole connection as a browser sees it, whichever way it goes (through the broker's tunnel
 * or straight to guacd). Like guacamole-common-js, it answers every `sync` at once, which is what lets
 * guacd send the next frame.
 */
export abstract class GuacamoleSession {
  private readonly listeners = new Set<InstructionListener>();
  private closeReason: string | undefined;
  private resolveClosed!: (reason: string) => void;
  /** Resolves with why the connection ended, once it has. */
  readonly closed = new Promise<string>((resolve) => (this.resolveClosed = resolve));

  /** Bytes read from the socket so far, framing included. */
  abstract get bytesReceived(): number;
  /** Socket reads or WebSocket messages received so far. */
  abstract get messagesReceived(): number;
  protected abstract write(wire: string): void;
  abstract close(): Promise<void>;

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  onInstruction(listener: InstructionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(opcode: string, ...args: string[]): void {
    if (!this.isClosed) this.write(encodeInstruction(opcode, ...args));
  }

  protected dispatch(opcode: string, args: readonly string[], at: number): void {
    if (opcode === 'sync' && args[0] !== undefined) this.send('sync', args[0]);
    for (const listener of this.listeners) listener(opcode, args, at);
  }

  protected markClosed(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.resolveClosed(reason);
  }
}
