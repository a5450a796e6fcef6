import { performance } from 'node:perf_hooks';
import type { GuacamoleSession } from './guacamole-session.js';

/** Instructions that change pixels; `size`, `cursor` and the like do not count as something drawn. */
export const PIXEL_OPCODES: ReadonlySet<string> = new Set([
  'img',
  'png',
  'jpeg',
  'copy',
  'transfer',
  'cfill',
  'lfill',
  'cstroke',
  'lstroke',
  'video',
]);

type Waiter = (opcode: string, at: number) => boolean;

/** Watches one session's display: when it first drew, when it last drew, and how soon it answers a key. */
export class DisplayProbe {
  private firstDrawAt: number | undefined;
  private lastDrawAt = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly stopListening: () => void;

  constructor(private readonly session: GuacamoleSession) {
    this.stopListening = session.onInstruction((opcode, _args, at) => {
      if (PIXEL_OPCODES.has(opcode)) {
        this.firstDrawAt ??= at;
        this.lastDrawAt = at;
      }
      for (const waiter of [...this.waiters]) if (waiter(opcode, at)) this.waiters.delete(waiter);
    });
  }

  /** Resolves with the arrival time of the first drawing instruction (now, if one already came). */
  firstDraw(timeoutMs = 10000): Promise<number> {
    if (this.firstDrawAt !== undefined) return Promise.resolve(this.firstDrawAt);
    return this.until((opcode) => PIXEL_OPCODES.has(opcode), timeoutMs, 'the first image');
  }

  /** Waits until nothing has been drawn for `quietMs`, so the next change has a single cause. */
  async settle(quietMs = 150, timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() - this.lastDrawAt < quietMs) {
      if (performance.now() > deadline) throw new Error(`the display did not settle within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, quietMs / 3));
    }
  }

  /**
   * Presses and releases a key, as guacamole-common-js sends it, and returns the milliseconds until the
   * `sync` that ends the first frame drawn after it: the moment a browser would show the character.
   */
  async keyToDraw(keysym: number, timeoutMs = 3000): Promise<number> {
    await this.settle();
    const pressedAt = performance.now();
    let drewAt: number | undefined;
    const shown = this.until(
      (opcode, at) => {
        if (PIXEL_OPCODES.has(opcode) && at >= pressedAt) drewAt ??= at;
        return opcode === 'sync' && drewAt !== undefined;
      },
      timeoutMs,
      'a frame after the key press',
    );
    this.session.send('key', String(keysym), '1');
    this.session.send('key', String(keysym), '0');
    return (await shown) - pressedAt;
  }

  dispose(): void {
    this.stopListening();
    this.waiters.clear();
  }

  private until(test: Waiter, timeoutMs: number, what: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter = (opcode, at) => {
        if (!test(opcode, at)) return false;
        clearTimeout(timer);
        resolve(at);
        return true;
      };
      this.waiters.add(waiter);
    });
  }
}
