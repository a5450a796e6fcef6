/** A small deterministic random source: the same seed always gives the same sequence. */
export interface SeededRandom {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  integer(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<Item>(items: readonly Item[]): Item;
  weightedPick<Item>(items: readonly Item[], weightOf: (item: Item) => number): Item;
}

/**
 * A Weyl sequence passed through a 32-bit integer mixer: fast, stateless apart from one counter,
 * and good enough for test data (not for anything secret).
 */
export function createSeededRandom(seed: number): SeededRandom {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  let state = (seed ^ Math.floor(seed / 0x1_0000_0000)) | 0;

  const next = (): number => {
    state = (state + 0x9e3779b9) | 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
    mixed ^= mixed >>> 16;
    return (mixed >>> 0) / 0x1_0000_0000;
  };

  const pick = <Item>(items: readonly Item[]): Item => {
    const item = items[Math.floor(next() * items.length)];
    if (item === undefined) throw new RangeError('cannot pick from an empty list');
    return item;
  };

  return {
    next,
    integer: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick,
    weightedPick(items, weightOf) {
      const total = items.reduce((sum, item) => sum + weightOf(item), 0);
      if (!(total > 0)) throw new RangeError('weights must add up to more than zero');
      let remaining = next() * total;
      for (const item of items) {
        remaining -= weightOf(item);
        if (remaining < 0) return item;
      }
      // Rounding can leave a sliver at the very end; it belongs to the last weighted item.
      return pick(items.filter((item) => weightOf(item) > 0).slice(-1));
    },
  };
}
