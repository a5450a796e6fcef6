#!/usr/bin/python3
"""The session's watermark, drawn into the desktop's own pixels.

    DISPLAY=:N watermark.py --size WIDTHxHEIGHT --scale SCALE USER ORGANISATION
    watermark.py --mask FILE --size WIDTHxHEIGHT --scale SCALE --at 'YYYY-MM-DD HH:MM' USER ORGANISATION

On a display, it keeps above every other window the letters of its label (who is signed in, their
organisation, and the time in Japan) repeated across the screen at a slant, and nothing else: its windows
are shaped to the letters, and their input region is empty, so every click and touch passes through to the
kiosk, and they never take the keyboard. Only every other pixel of each letter is drawn (a checkerboard), so
the page beneath shows through; on a phone, where the desktop is shown scaled down, that reads as half-tone
grey text. It redraws itself at every minute.

It takes commands on standard input, one a line, and answers each with "ok" on standard output once done
(and once after its first drawing): "screen WIDTH HEIGHT SCALE" when the desktop changes size or scale, and
"raise" to take the top of the screen back at once. The desktop agent sends them.

With --mask it opens no display: it writes the pixels it would draw, for the given screen, scale and time,
as a PNG (drawn pixels opaque black, the rest transparent). Tests compare a received frame with it.
"""

import argparse
import math
import sys
from datetime import datetime, timedelta, timezone

import cairo
import gi

gi.require_version("Pango", "1.0")
gi.require_version("PangoCairo", "1.0")
from gi.repository import Pango, PangoCairo  # noqa: E402

# Japan keeps UTC+9 all year (no daylight saving time since 1951), so a fixed offset needs no time zone data.
JAPAN = timezone(timedelta(hours=9), "JST")
# Sizes in CSS pixels of the kiosk; multiplied by the desktop's scale, so they look the same on every device.
FONT_PX = 14
ROW_PX = 190
GAP_PX = 140
ANGLE = math.radians(-28)
COLOUR = (0x7A / 255, 0x7A / 255, 0x7A / 255)
# Screen pixels per side of one of the windows the watermark is made of (see run_on_display).
TILE = 192
FONT_FAMILY = "Noto Sans CJK JP"


def label_text(user, organisation, stamp):
    return f"{user}  {organisation}  {stamp} JST"


def japan_minute(now=None):
    return (now or datetime.now(JAPAN)).astimezone(JAPAN).strftime("%Y-%m-%d %H:%M")


def render_mask(width, height, scale, text):
    """The pixels the watermark draws on a screen of this size, as a 1-bit cairo surface."""
    mask = cairo.ImageSurface(cairo.FORMAT_A1, width, height)
    cr = cairo.Context(mask)
    # The checkerboard is locked to the screen's pixels: set as the source before the text is rotated.
    checker = cairo.ImageSurface(cairo.FORMAT_A1, 2, 2)
    checker_cr = cairo.Context(checker)
    checker_cr.rectangle(0, 0, 1, 1)
    checker_cr.rectangle(1, 1, 1, 1)
    checker_cr.fill()
    checker.flush()
    pattern = cairo.SurfacePattern(checker)
    pattern.set_extend(cairo.EXTEND_REPEAT)
    pattern.set_filter(cairo.FILTER_NEAREST)
    cr.set_source(pattern)

    layout = PangoCairo.create_layout(cr)
    options = cairo.FontOptions()
    # Whole pixels only: the window's shape is 1-bit, and a test must be able to predict every pixel.
    options.set_antialias(cairo.ANTIALIAS_NONE)
    options.set_hint_style(cairo.HINT_STYLE_FULL)
    PangoCairo.context_set_font_options(layout.get_context(), options)
    font = Pango.FontDescription(FONT_FAMILY)
    font.set_weight(Pango.Weight.BOLD)
    font.set_absolute_size(round(FONT_PX * scale) * Pango.SCALE)
    layout.set_font_description(font)
    layout.set_text(text, -1)
    label_width, label_height = layout.get_pixel_size()

    cr.rotate(ANGLE)
    step_x = label_width + GAP_PX * scale
    step_y = ROW_PX * scale
    # The screen's corners in the slanted coordinates, so the rows cover all of it.
    corners = [(0, 0), (width, 0), (0, height), (width, height)]
    cos, sin = math.cos(-ANGLE), math.sin(-ANGLE)
    xs = [x * cos - y * sin for x, y in corners]
    ys = [x * sin + y * cos for x, y in corners]
    first_row, last_row = math.floor(min(ys) / step_y) - 1, math.ceil(max(ys) / step_y) + 1
    for row in range(first_row, last_row + 1):
        offset = (row % 2) * step_x / 2
        first_col = math.floor((min(xs) - offset) / step_x) - 1
        last_col = math.ceil((max(xs) - offset) / step_x) + 1
        for col in range(first_col, last_col + 1):
            cr.move_to(round(col * step_x + offset), round(row * step_y))
            PangoCairo.update_layout(cr, layout)
            PangoCairo.show_layout(cr, layout)
    mask.flush()
    return mask


def write_mask_png(path, mask):
    out = cairo.ImageSurface(cairo.FORMAT_ARGB32, mask.get_width(), mask.get_height())
    cr = cairo.Context(out)
    cr.set_source_rgb(0, 0, 0)
    cr.mask_surface(mask, 0, 0)
    out.write_to_png(path)


def run_on_display(user, organisation, width, height, scale):
    gi.require_version("Gtk", "3.0")
    gi.require_version("Gdk", "3.0")
    from gi.repository import Gdk, GLib, Gtk

    Gtk.init([])
    current = {"width": width, "height": height, "scale": scale}
    # The screen is covered by square tiles, each a small window above all others shaped to the letters
    # that fall in it: one tile's shape and its paint clip are at most TILE² / 2 rectangles, so no X request
    # grows with the screen (one window over a whole large screen needs requests too long for X).
    tiles = {}

    def paint(_widget, cr):
        cr.set_source_rgb(*COLOUR)
        cr.paint()
        return True

    def tile(key):
        if key not in tiles:
            window = Gtk.Window(type=Gtk.WindowType.POPUP)  # override-redirect: no window manager, no focus
            window.set_app_paintable(True)
            window.set_accept_focus(False)
            window.set_title("hcw-watermark")
            window.resize(TILE, TILE)
            window.move(key[0] * TILE, key[1] * TILE)
            window.connect("draw", paint)
            tiles[key] = window
        return tiles[key]

    def redraw():
        w, h = current["width"], current["height"]
        mask = render_mask(w, h, current["scale"], label_text(user, organisation, japan_minute()))
        wanted = set()
        for row in range(math.ceil(h / TILE)):
            for col in range(math.ceil(w / TILE)):
                x, y = col * TILE, row * TILE
                part = Gdk.cairo_region_create_from_surface(
                    mask.create_for_rectangle(x, y, min(TILE, w - x), min(TILE, h - y))
                )
                if part.is_empty():
                    continue
                window = tile((col, row))
                window.shape_combine_region(part)
                # Every click and touch goes through to the kiosk.
                window.input_shape_combine_region(cairo.Region())
                window.show()
                window.queue_draw()
                wanted.add((col, row))
        for key in [k for k in tiles if k not in wanted]:
            tiles.pop(key).destroy()
        keep_above()

    def keep_above(*_):
        for window in tiles.values():
            gdk_window = window.get_window()
            if gdk_window is not None:
                gdk_window.raise_()
        return True

    def done():
        # Answered once the X server has everything: from then on, the screen shows it.
        Gdk.Display.get_default().sync()
        print("ok", flush=True)

    def on_command(channel, _condition):
        line = channel.readline()
        if not line:
            Gtk.main_quit()
            return False
        words = line.split()
        if len(words) == 4 and words[0] == "screen":
            current.update(width=int(words[1]), height=int(words[2]), scale=float(words[3]))
            redraw()
        elif words == ["raise"]:
            keep_above()
        else:
            print(f"watermark: unknown command {line.strip()[:40]!r}", file=sys.stderr, flush=True)
            return True
        done()
        return True

    def next_minute():
        redraw()
        schedule_minute()
        return False

    def schedule_minute():
        now = datetime.now(JAPAN)
        wait_ms = (60 - now.second) * 1000 - now.microsecond // 1000 + 50
        GLib.timeout_add(wait_ms, next_minute)

    redraw()
    done()
    commands = GLib.IOChannel.unix_new(sys.stdin.fileno())
    GLib.io_add_watch(commands, GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN | GLib.IOCondition.HUP, on_command)
    # Windows the kiosk opens later (a menu, a dialog) are mapped above; take the top back at once.
    GLib.timeout_add(250, keep_above)
    schedule_minute()
    Gtk.main()


def main(argv):
    parser = argparse.ArgumentParser(description="The session's watermark, in the desktop's pixels.")
    parser.add_argument("user")
    parser.add_argument("organisation")
    parser.add_argument("--mask", help="write the pixels it would draw as a PNG, and draw nothing")
    parser.add_argument("--size", required=True, help="WIDTHxHEIGHT of the screen")
    parser.add_argument("--scale", type=float, default=1.0, help="the desktop's scale (pixels per CSS pixel)")
    parser.add_argument("--at", help="the minute shown, 'YYYY-MM-DD HH:MM' in Japan, with --mask")
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.split("x"))
    if args.mask:
        stamp = args.at or japan_minute()
        text = label_text(args.user, args.organisation, stamp)
        write_mask_png(args.mask, render_mask(width, height, args.scale, text))
        return 0
    run_on_display(args.user, args.organisation, width, height, args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
