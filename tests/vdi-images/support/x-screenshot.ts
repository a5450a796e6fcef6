import { execFileSync } from 'node:child_process';

// The desktop's own pixels, read from the X server by an X client, as the VNC server reads them: GDK (part of
// the desktop's packages, for the watermark) copies the root window.
const SCREENSHOT = `
import sys, gi
gi.require_version('Gdk', '3.0')
from gi.repository import Gdk
root = Gdk.get_default_root_window()
pixbuf = Gdk.pixbuf_get_from_window(root, 0, 0, root.get_width(), root.get_height())
ok, data = pixbuf.save_to_bufferv('png', [], [])
sys.stdout.buffer.write(data)
`;

/** A PNG of everything on the display's screen now. */
export function xScreenshot(display: number): Buffer {
  return execFileSync('/usr/bin/python3', ['-c', SCREENSHOT], {
    env: { PATH: '/usr/bin:/bin', DISPLAY: `:${display}`, NO_AT_BRIDGE: '1' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30000,
  });
}
