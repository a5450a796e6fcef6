import type { ChildProcess } from 'node:child_process';
import type { DesktopScreen } from '@hcw/common';

export class WatermarkError extends Error {}

/**
 * The session's watermark program (session/watermark.py), driven over its standard input: each command
 * is answered with "ok" once the X server shows the result, so the agent knows when every frame carries it.
 */
export class Watermark {
  private buffered = '';
  private readonly waiting: { resolve(): void; reject(error: Error): void }[] = [];
  private isExited = false;

  /** `child` must have its standard input and output piped. */
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, newline).trim();
        this.buffered = this.buffered.slice(newline + 1);
        if (line === 'ok') this.waiting.shift()?.resolve();
      }
    });
    child.once('exit', () => {
      this.isExited = true;
      for (const waiter of this.waiting.splice(0)) waiter.reject(new WatermarkError('the watermark exited'));
    });
    child.stdin?.on('error', () => undefined);
  }

  /** Resolves once the first drawing is on the screen. */
  shown(timeoutMs: number): Promise<void> {
    return this.answer(timeoutMs);
  }

  /** Draws the watermark for a new screen. */
  setScreen(screen: DesktopScreen, timeoutMs: number): Promise<void> {
    return this.send(`screen ${screen.width} ${screen.height} ${screen.scale}`, timeoutMs);
  }

  /** Puts the watermark above every window again, at once (the kiosk has just mapped one). */
  raise(timeoutMs: number): Promise<void> {
    return this.send('raise', timeoutMs);
  }

  private send(command: string, timeoutMs: number): Promise<void> {
    if (this.isExited || !this.child.stdin?.writable) {
      return Promise.reject(new WatermarkError('the watermark is not running'));
    }
    const answered = this.answer(timeoutMs);
    this.child.stdin.write(`${command}\n`);
    return answered;
  }

  private answer(timeoutMs: number): Promise<void> {
    if (this.isExited) return Promise.reject(new WatermarkError('the watermark exited'));
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new WatermarkError(`the watermark did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push(waiter);
    });
  }
}
