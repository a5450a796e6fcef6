import { z } from 'zod';
import { DESKTOP_SCREEN_LIMITS, type DesktopScreen } from '@hcw/common';

/**
 * What the client page reports of the device: the size of the area it shows the desktop in, in CSS pixels,
 * and how many device pixels one CSS pixel has. Whole CSS pixels only; anything outside these bounds is
 * refused rather than guessed at.
 */
export const DeviceViewport = z
  .object({
    width: z
      .number({ required_error: 'width is required', invalid_type_error: 'width must be a number' })
      .int('width must be a whole number of CSS pixels')
      .min(DESKTOP_SCREEN_LIMITS.minSide)
      .max(3840),
    height: z
      .number({ required_error: 'height is required', invalid_type_error: 'height must be a number' })
      .int('height must be a whole number of CSS pixels')
      .min(DESKTOP_SCREEN_LIMITS.minSide)
      .max(3840),
    pixelRatio: z
      .number({ required_error: 'pixelRatio is required', invalid_type_error: 'pixelRatio must be a number' })
      .min(0.5)
      .max(8),
  })
  .strict();
export type DeviceViewport = z.infer<typeof DeviceViewport>;

/**
 * The desktop's screen for a device: its window's CSS size times a scale, and the kiosk renders at that
 * scale, so the portal lays out at exactly the device's CSS width and its text reaches the device at the
 * size the portal's style sheet gives it. The scale follows the device's pixel ratio for sharpness, in
 * quarter steps, at most 2 (a 3× phone gets 2×: sharp enough, less than half the pixels to send), and comes
 * down while the screen would exceed the pixel bound. A window too large even at scale 1 gets a screen of
 * the same shape within the bound, which the device shows enlarged.
 */
export function desktopScreenFor(viewport: DeviceViewport): DesktopScreen {
  const { maxPixels, maxSide, maxScale, minSide } = DESKTOP_SCREEN_LIMITS;
  const fits = (scale: number): boolean => {
    const width = Math.round(viewport.width * scale);
    const height = Math.round(viewport.height * scale);
    return width * height <= maxPixels && width <= maxSide && height <= maxSide;
  };
  let scale = Math.min(maxScale, Math.max(1, Math.floor(viewport.pixelRatio * 4) / 4));
  while (scale > 1 && !fits(scale)) scale -= 0.25;
  let width = Math.round(viewport.width * scale);
  let height = Math.round(viewport.height * scale);
  const shrink = Math.min(1, Math.sqrt(maxPixels / (width * height)), maxSide / width, maxSide / height);
  if (shrink < 1) {
    width = Math.floor(width * shrink);
    height = Math.floor(height * shrink);
  }
  return { width: Math.max(minSide, width), height: Math.max(minSide, height), scale };
}
