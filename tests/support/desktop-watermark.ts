import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#scripts/stack/workspace-stack.js';
import { hexToRgb } from './pixels.js';
import { scratchDir } from './scratch-dir.js';

/** The watermark's colour (session/watermark.py's COLOUR). */
export const WATERMARK_COLOUR = hexToRgb('#7a7a7a');

/** The minute the watermark shows now, in Japan: `YYYY-MM-DD HH:MM`. */
export function japanMinute(at = new Date()): string {
  return new Date(at.getTime() + 9 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * The pixels the desktop's watermark draws for this screen, scale, user, organisation and minute, as a PNG
 * mask rendered by the watermark program itself (its --mask mode), so a test can look for exactly them.
 */
export function watermarkMask(options: {
  width: number;
  height: number;
  scale: number;
  user: string;
  organisation: string;
  minute: string;
}): Buffer {
  const file = path.join(scratchDir('hcw-watermark'), 'mask.png');
  execFileSync(
    path.join(repoRoot, 'vdi-images/session/watermark.py'),
    [
      '--mask',
      file,
      '--size',
      `${options.width}x${options.height}`,
      '--scale',
      String(options.scale),
      '--at',
      options.minute,
      options.user,
      options.organisation,
    ],
    { timeout: 30000, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } },
  );
  return readFileSync(file);
}
