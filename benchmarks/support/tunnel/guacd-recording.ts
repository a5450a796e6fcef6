import { performance } from 'node:perf_hooks';
import { encodeInstruction } from '#broker/tunnel/guacamole-protocol.js';
import type { DirectGuacdSession } from './direct-guacd-session.js';

/** One frame as guacd sent it: everything up to its `sync`, which is left out so a replay can stamp its own. */
export interface RecordedFrame {
  /** Milliseconds after the recording began. */
  at: number;
  wire: string;
}

/** A few seconds of what a real guacd sent a client, kept as frames with their timing. */
export interface GuacdRecording {
  argNames: readonly string[];
  /** The frames up to and including the first one with an image: what every new connection gets first. */
  opening: RecordedFrame[];
  /** The rest, replayed in a loop. */
  steady: RecordedFrame[];
  durationMs: number;
  /** What the looped part sends a browser per second, `sync`s left out. */
  steadyBytesPerSecond: number;
}

/**
 * Records a live session's instructions from now until `durationMs` has passed, while `drive` makes the
 * desktop do something. Instructions are kept whole, so frames can be replayed and looped at any cut.
 */
export async function recordGuacd(
  session: DirectGuacdSession,
  durationMs: number,
  drive: (signal: AbortSignal) => Promise<void>,
): Promise<GuacdRecording> {
  const frames: RecordedFrame[] = [];
  const startedAt = performance.now();
  let wire = '';
  let firstImageFrame: number | undefined;
  const stop = session.onInstruction((opcode, args, at) => {
    if (opcode === 'sync') {
      // Empty frames too: guacd's `sync` about once a second on a still screen is part of the stream.
      frames.push({ at: at - startedAt, wire });
      wire = '';
      return;
    }
    if (opcode === 'img') firstImageFrame ??= frames.length;
    wire += encodeInstruction(opcode, ...args);
  });
  const abort = new AbortController();
  const driving = drive(abort.signal);
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  abort.abort();
  await driving;
  stop();
  const split = firstImageFrame === undefined ? 0 : firstImageFrame + 1;
  const steady = frames.slice(split);
  const steadyMs = durationMs - (steady[0]?.at ?? durationMs);
  const steadyBytes = steady.reduce((sum, frame) => sum + Buffer.byteLength(frame.wire), 0);
  return {
    argNames: session.argNames,
    opening: frames.slice(0, split),
    steady,
    durationMs,
    steadyBytesPerSecond: steadyMs > 0 ? steadyBytes / (steadyMs / 1000) : 0,
  };
}
