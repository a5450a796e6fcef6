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
