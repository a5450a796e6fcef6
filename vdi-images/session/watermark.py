#!/usr/bin/python3
"""The session's watermark, drawn into the desktop's own pixels.

    DISPLAY=:N watermark.py USER ORGANISATION
    watermark.py --mask FILE --size WIDTHxHEIGHT --scale SCALE --at 'YYYY-MM-DD HH:MM' USER ORGANISATION

On a display, it keeps a window above every other window, as large as the screen, that shows nothing but
the letters of its label (who is signed in, their organisation, and the time in Japan) repeated across the
screen at a slant. The window's input region is empty, so every click and touch passes through it to the
kiosk, and it never takes the keyboard. Only every other pixel of each letter is drawn (a checkerboard), so
the page beneath shows through; on a phone, where the desktop is shown scaled down, that reads as half-tone
grey text. It follows the screen when the desktop changes size, the desktop's scale (the Xft/DPI setting the
kiosk follows too), and the clock, at every minute.

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
ROW_PX = 150
GAP_PX = 90
ANGLE = math.radians(-28)
COLOUR = (0x7A / 255, 0x7A / 255, 0x7A / 255)
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


def run_on_display(user, organisation):
    gi.require_version("Gtk", "3.0")
    gi.require_version("Gdk", "3.0")
    from gi.repository import Gdk, GLib, Gtk

    window = Gtk.Window(type=Gtk.WindowType.POPUP)
    window.set_app_paintable(True)
    window.set_accept_focus(False)
    window.set_keep_above(True)
    window.set_title("hcw-watermark")
    settings = Gtk.Settings.get_default()
    screen = Gdk.Screen.get_default()

    def scale():
        dpi = settings.get_property("gtk-xft-dpi")
        return max(1.0, dpi / 1024 / 96) if dpi and dpi > 0 else 1.0

    def redraw(*_):
        root = screen.get_root_window()
        width, height = root.get_width(), root.get_height()
        mask = render_mask(width, height, scale(), label_text(user, organisation, japan_minute()))
        window.move(0, 0)
        window.resize(width, height)
        window.shape_combine_region(Gdk.cairo_region_create_from_surface(mask))
        window.input_shape_combine_region(cairo.Region())
        window.queue_draw()
        return False

    def paint(_widget, cr):
        cr.set_source_rgb(*COLOUR)
        cr.paint()
        return True

    def keep_above(*_):
        gdk_window = window.get_window()
        if gdk_window is not None:
            gdk_window.raise_()
        return True

    def next_minute():
        redraw()
        schedule_minute()
        return False

    def schedule_minute():
        now = datetime.now(JAPAN)
        wait_ms = (60 - now.second) * 1000 - now.microsecond // 1000 + 50
        GLib.timeout_add(wait_ms, next_minute)

    window.connect("draw", paint)
    window.add_events(Gdk.EventMask.VISIBILITY_NOTIFY_MASK)
    window.connect("visibility-notify-event", keep_above)
    screen.connect("size-changed", redraw)
    screen.connect("monitors-changed", redraw)
    settings.connect("notify::gtk-xft-dpi", redraw)
    redraw()
    window.show()
    keep_above()
    # Windows the kiosk opens later (a menu, a dialog) are mapped above; take the top back at once.
    GLib.timeout_add(500, keep_above)
    schedule_minute()
    Gtk.main()


def main(argv):
    parser = argparse.ArgumentParser(description="The session's watermark, in the desktop's pixels.")
    parser.add_argument("user")
    parser.add_argument("organisation")
    parser.add_argument("--mask", help="write the pixels it would draw as a PNG, and draw nothing")
    parser.add_argument("--size", help="WIDTHxHEIGHT of the screen, with --mask")
    parser.add_argument("--scale", type=float, default=1.0, help="the desktop's scale, with --mask")
    parser.add_argument("--at", help="the minute shown, 'YYYY-MM-DD HH:MM' in Japan, with --mask")
    args = parser.parse_args(argv)
    if args.mask:
        width, height = (int(n) for n in args.size.split("x"))
        stamp = args.at or japan_minute()
        write_mask_png(args.mask, render_mask(width, height, args.scale, label_text(args.user, args.organisation, stamp)))
        return 0
    run_on_display(args.user, args.organisation)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
