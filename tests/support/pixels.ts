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
 * Of the pixels a mask marks (any with alpha), the share that are within `tolerance` of a colour in an
 * image of the same size: how much of a drawing the mask predicts is really there.
 */
export function shareOfMaskInColour(png: Buffer, maskPng: Buffer, colour: Rgb, tolerance = 12): number {
  const image = PNG.sync.read(png);
  const mask = PNG.sync.read(maskPng);
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new Error(`the image is ${image.width}×${image.height}, the mask ${mask.width}×${mask.height}`);
  }
  let marked = 0;
  let matching = 0;
  for (let i = 0; i < mask.data.length; i += 4) {
    if (mask.data[i + 3] === 0) continue;
    marked++;
    const close =
      Math.abs(image.data[i]! - colour.r) <= tolerance &&
      Math.abs(image.data[i + 1]! - colour.g) <= tolerance &&
      Math.abs(image.data[i + 2]! - colour.b) <= tolerance;
    if (close) matching++;
  }
  return marked === 0 ? 0 : matching / marked;
}

/**
 * How alike two pictures are where they show something: of the `block`-pixel squares in the region that hold
 * detail in either picture (text, lines, edges: a brightness range over `detail`), the share whose mean
 * colour differs by at most `tolerance` per channel. Plain background, alike in any two pages, does not
 * count; a faint overlay (the client's watermark) moves a square's mean by less than the tolerance.
 */
export function sameDetailShare(
  a: Buffer,
  b: Buffer,
  region: { width: number; height: number },
  { block = 16, tolerance = 8, detail = 24 } = {},
): number {
  const one = PNG.sync.read(a);
  const two = PNG.sync.read(b);
  const width = Math.min(region.width, one.width, two.width);
  const height = Math.min(region.height, one.height, two.height);
  const square = (image: PNG, bx: number, by: number): { mean: number[]; range: number } => {
    const sum = [0, 0, 0];
    let count = 0;
    let darkest = 255;
    let brightest = 0;
    for (let y = by; y < Math.min(height, by + block); y++) {
      for (let x = bx; x < Math.min(width, bx + block); x++) {
        const i = (y * image.width + x) * 4;
        const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
        sum[0]! += r;
        sum[1]! += g;
        sum[2]! += b;
        count++;
        const brightness = (3 * r + 6 * g + b) / 10;
        darkest = Math.min(darkest, brightness);
        brightest = Math.max(brightest, brightness);
      }
    }
    return { mean: sum.map((s) => s / count), range: brightest - darkest };
  };
  let same = 0;
  let total = 0;
  for (let by = 0; by < height; by += block) {
    for (let bx = 0; bx < width; bx += block) {
      const first = square(one, bx, by);
      const second = square(two, bx, by);
      if (first.range <= detail && second.range <= detail) continue;
      total++;
      if (first.mean.every((m, k) => Math.abs(m - second.mean[k]!) <= tolerance)) same++;
    }
  }
  return total === 0 ? 0 : same / total;
}
