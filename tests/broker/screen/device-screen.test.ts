import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DESKTOP_SCREEN_LIMITS, DesktopScreen } from '@hcw/common';
import { DeviceViewport, desktopScreenFor } from '#broker/screen/device-screen.js';

describe('the desktop’s screen for a device', () => {
  it('gives a phone held upright its CSS size at twice the pixels, so the kiosk lays out at its width', () => {
    assert.deepEqual(desktopScreenFor({ width: 390, height: 844, pixelRatio: 3 }), {
      width: 780,
      height: 1688,
      scale: 2,
    });
  });

  it('turns with the phone', () => {
    assert.deepEqual(desktopScreenFor({ width: 844, height: 390, pixelRatio: 3 }), {
      width: 1688,
      height: 780,
      scale: 2,
    });
  });

  it('follows a tablet, a PC and a laptop at 125 % at their own pixel ratios', () => {
    assert.deepEqual(desktopScreenFor({ width: 768, height: 1024, pixelRatio: 2 }), {
      width: 1536,
      height: 2048,
      scale: 2,
    });
    assert.deepEqual(desktopScreenFor({ width: 1920, height: 1080, pixelRatio: 1 }), {
      width: 1920,
      height: 1080,
      scale: 1,
    });
    assert.deepEqual(desktopScreenFor({ width: 1536, height: 864, pixelRatio: 1.25 }), {
      width: 1920,
      height: 1080,
      scale: 1.25,
    });
  });

  it('lowers the scale for a large, sharp window rather than send more than the bound allows', () => {
    // 1920×1080 at 2 would be 8.3 million pixels; at 1.25 it is 3.2 million.
    assert.deepEqual(desktopScreenFor({ width: 1920, height: 1080, pixelRatio: 2 }), {
      width: 2400,
      height: 1350,
      scale: 1.25,
    });
  });

  it('keeps the shape of a window too large even at scale 1, within the bound', () => {
    const screen = desktopScreenFor({ width: 3840, height: 2160, pixelRatio: 1 });
    assert.equal(screen.scale, 1);
    assert.ok(screen.width * screen.height <= DESKTOP_SCREEN_LIMITS.maxPixels);
    assert.ok(Math.abs(screen.width / screen.height - 3840 / 2160) < 0.01, 'the same shape');
  });

  it('never chooses a screen the agent would refuse, for any viewport the broker accepts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: DESKTOP_SCREEN_LIMITS.minSide, max: 3840 }),
        fc.integer({ min: DESKTOP_SCREEN_LIMITS.minSide, max: 3840 }),
        fc.double({ min: 0.5, max: 8, noNaN: true }),
        (width, height, pixelRatio) => {
          const screen = desktopScreenFor({ width, height, pixelRatio });
          assert.ok(DesktopScreen.safeParse(screen).success, JSON.stringify(screen));
        },
      ),
    );
  });

  describe('what a device may report', () => {
    it('takes whole CSS pixels within bounds and a pixel ratio', () => {
      assert.ok(DeviceViewport.safeParse({ width: 390, height: 844, pixelRatio: 3 }).success);
    });

    it('refuses fractions, sizes out of bounds, missing or extra fields and non-numbers', () => {
      for (const bad of [
        { width: 390.5, height: 844, pixelRatio: 3 },
        { width: 100, height: 844, pixelRatio: 3 },
        { width: 390, height: 100000, pixelRatio: 3 },
        { width: 390, height: 844, pixelRatio: 0 },
        { width: 390, height: 844, pixelRatio: 100 },
        { width: 390, height: 844 },
        { width: '390', height: 844, pixelRatio: 3 },
        { width: 390, height: 844, pixelRatio: 3, scale: 4 },
        { width: Number.NaN, height: 844, pixelRatio: 3 },
        null,
      ]) {
        assert.equal(DeviceViewport.safeParse(bad).success, false, JSON.stringify(bad));
      }
    });
  });
});
