/**
 * Runs tasks one at a time in the order they arrive. The desktop has one screen, one keyboard and one
 * clipboard: a session start, a wipe and a text injection must never overlap, or two texts interleave
 * and a wipe could run under a paste.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
