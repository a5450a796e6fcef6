import { PNG } from 'pngjs';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export function hexToRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 };
}

/** Share of pixels in a region within `tolerance` of a colour. */
export function shareOfColour(
  png: Buffer,
  region: { x: number; y: number; width: number; height: number },
  colour: Rgb,
  tolerance = 12,
): number {
  const image = PNG.sync.read(png);
  let matching = 0;
  let total = 0;
  for (let y = region.y; y < Math.min(image.height, region.y + region.height); y++) {
    for (let x = region.x; x < Math.min(image.width, region.x + region.width); x++) {
      const i = (y * image.width + x) * 4;
      const close =
        Math.abs(image.data[i]! - colour.r) <= tolerance &&
        Math.abs(image.data[i + 1]! - colour.g) <= tolerance &&
        Math.abs(image.data[i + 2]! - colour.b) <= tolerance;
      if (close) matching++;
      total++;
    }
  }
  return total === 0 ? 0 : matching / total;
}

/** How many distinct colours an image has (a blank canvas has one). */
export function distinctColours(png: Buffer, limit = 1000): number {
  const image = PNG.sync.read(png);
  const seen = new Set<number>();
  for (let i = 0; i < image.data.length && seen.size < limit; i += 4) {
    seen.add((image.data[i]! << 16) | (image.data[i + 1]! << 8) | image.data[i + 2]!);
  }
  return seen.size;
}

/**
 * How alike two pictures are over a region, block by block: the share of `block`-pixel squares whose mean
 * colour differs by at most `tolerance` per channel. Coarse on purpose, so a faint overlay (the client's
 * watermark) or a pixel of scaling does not count, while a different page does.
 */
export function sameBlocksShare(
  a: Buffer,
  b: Buffer,
  region: { width: number; height: number },
  block = 16,
  tolerance = 24,
): number {
  const one = PNG.sync.read(a);
  const two = PNG.sync.read(b);
  const width = Math.min(region.width, one.width, two.width);
  const height = Math.min(region.height, one.height, two.height);
  const mean = (image: PNG, bx: number, by: number): [number, number, number] => {
    const sum: [number, number, number] = [0, 0, 0];
    let count = 0;
    for (let y = by; y < Math.min(height, by + block); y++) {
      for (let x = bx; x < Math.min(width, bx + block); x++) {
        const i = (y * image.width + x) * 4;
        sum[0] += image.data[i]!;
        sum[1] += image.data[i + 1]!;
        sum[2] += image.data[i + 2]!;
        count++;
      }
    }
    return [sum[0] / count, sum[1] / count, sum[2] / count];
  };
  let same = 0;
  let total = 0;
  for (let by = 0; by < height; by += block) {
    for (let bx = 0; bx < width; bx += block) {
      const [r1, g1, b1] = mean(one, bx, by);
      const [r2, g2, b2] = mean(two, bx, by);
      if (Math.max(Math.abs(r1 - r2), Math.abs(g1 - g2), Math.abs(b1 - b2)) <= tolerance) same++;
      total++;
    }
  }
  return total === 0 ? 0 : same / total;
}
