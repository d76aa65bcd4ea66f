// The overview's geometry (src/ui/overview/layout.ts) at the first screen's sizes (1280x720 gives
// the picture about 820x370, 1920x1080 about 1300x650, a tablet 740x330) for every preset and
// every expanded level: everything inside the picture, columns in order without overlap, a
// collapsed level a stack of at most four maps, an expanded one a grid of all its channels, and
// hit-testing a cell's centre finds that cell. Also where the unit card goes (never off-screen)
// and the keyboard cursor.
import { describe, expect, it } from 'vitest';
import { PRESETS, type PresetName } from '../../src/engine';
import { cellRect, hitTest, overviewLayout, STACK_BEHIND } from '../../src/ui/overview/layout';
import { cellStyle, placeCard } from '../../src/ui/overview/UnitCard';
import { divergingScale, imageScale, sequentialScale } from '../../src/ui/scales';
import { moveCursor } from '../../src/ui/overview/Keys';

const SIZES = [
  [820, 370],
  [1300, 650],
  [740, 330],
  [500, 200],
];

describe.each(['rmm-shallow', 'drmm-compact', 'drmm-mnist'] as PresetName[])('%s', (preset) => {
  const spec = PRESETS[preset];
  const L = spec.levels.length;
  it.each(SIZES)('at %i x %i, collapsed and with each level expanded', (width, height) => {
    for (const expanded of [null, ...Array.from({ length: L }, (_, i) => i + 1)]) {
      const lay = overviewLayout({ width, height, spec, expanded });
      const what = `${width}x${height}, expanded ${expanded}`;
      expect(lay.rowH, what).toBeGreaterThan(20);
      expect(lay.bottomY + lay.rowH, what).toBeLessThanOrEqual(height);
      expect(lay.classes.x + lay.classes.w, what).toBeLessThanOrEqual(width);
      // Columns left to right: the input, each level's stack and gates, the classes.
      let right = lay.input.x + lay.input.size;
      for (const lv of lay.levels) {
        expect(lv.stackX, what).toBeGreaterThanOrEqual(right);
        for (const g of lv.gates) expect(g.x, what).toBeGreaterThanOrEqual(lv.stackX + lv.stackW);
        right = Math.max(lv.stackX + lv.stackW, ...lv.gates.map((g) => g.x + g.w));
        expect(lv.expanded).toBe(lv.level === expanded);
        const shown = lv.tiles.filter((t) => t.shown);
        if (lv.expanded) {
          expect(shown, what).toHaveLength(lv.channels);
          expect(lv.grid!.cols * lv.grid!.rows).toBeGreaterThanOrEqual(lv.channels);
          // No two tiles of the grid overlap.
          for (let a = 0; a < shown.length; a++)
            for (let b = a + 1; b < shown.length; b++) {
              const p = shown[a];
              const q = shown[b];
              expect(p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y, `${what}: tiles ${a} and ${b}`).toBe(true);
            }
        } else {
          expect(shown.length, what).toBe(Math.min(lv.channels, STACK_BEHIND + 1));
          expect(lv.tiles[lv.order[0]].z).toBe(Math.max(...lv.tiles.map((t) => t.z)));
        }
        for (const t of lv.tiles) {
          expect(t.x, what).toBeGreaterThanOrEqual(lv.stackX - 0.01);
          expect(t.x + t.w, what).toBeLessThanOrEqual(lv.stackX + lv.stackW + 0.01);
          expect(t.y, what).toBeGreaterThanOrEqual(lay.topY - 0.01);
          expect(t.y + t.h, what).toBeLessThanOrEqual(lay.topY + lay.rowH + 0.01);
          // Legible at the first screen's sizes (at 500 x 200 a 128-channel grid gets 2 px maps, but still fits).
          expect(t.w, what).toBeGreaterThan(width >= 740 ? 4 : 1);
        }
      }
      expect(lay.classes.x, what).toBeGreaterThanOrEqual(right);
    }
  });

  it('hit-testing the centre of a cell finds it, in both rows; a stack behind its front map answers as the stack', () => {
    for (const expanded of [null, 1, L]) {
      const lay = overviewLayout({ width: 820, height: 370, spec, expanded });
      for (const lv of lay.levels) {
        const tiles = lv.expanded ? lv.tiles : [lv.tiles[lv.order[0]]];
        for (const t of tiles.slice(0, 5)) {
          for (const [y, x] of [[0, 0], [lv.mapH - 1, lv.mapW - 1], [lv.mapH >> 1, lv.mapW >> 2]]) {
            for (const [row, shift] of [['up', 0], ['down', lay.rowShift]] as const) {
              const r = cellRect(t, lv.mapH, lv.mapW, shift, { y0: y, x0: x, y1: y, x1: x });
              expect(hitTest(lay, spec, r.x + r.w / 2, r.y + r.h / 2)).toEqual({ kind: 'unit', row, level: lv.level, channel: t.channel, y, x });
            }
          }
        }
        if (!lv.expanded && lv.channels > 1) {
          const back = lv.tiles[lv.order[1]];
          // The back map's top edge shows above the front one.
          expect(hitTest(lay, spec, back.x + back.w - 1, back.y + 1)).toEqual({ kind: 'stack', row: 'up', level: lv.level });
        }
      }
      const inp = lay.input;
      expect(hitTest(lay, spec, inp.x + 0.5, inp.y + inp.size - 0.5)).toEqual({ kind: 'pixel', row: 'up', y: 27, x: 0 });
      expect(hitTest(lay, spec, inp.x + inp.size / 2, inp.y + lay.rowShift + 1)).toEqual({ kind: 'pixel', row: 'down', y: 0, x: 14 });
      expect(hitTest(lay, spec, lay.width - 1, lay.height - 1)).toBeNull();
    }
  });

  it('a stack puts the channel it is given first in front', () => {
    const order = spec.levels.map((lv) => Array.from({ length: lv.channels }, (_, c) => lv.channels - 1 - c));
    const lay = overviewLayout({ width: 820, height: 370, spec, expanded: null, order });
    for (const lv of lay.levels) {
      expect(lv.order[0]).toBe(lv.channels - 1);
      expect(lv.tiles[lv.channels - 1].z).toBe(Math.max(...lv.tiles.map((t) => t.z)));
    }
  });
});

describe('the unit card’s place and the keyboard cursor', () => {
  it('the card lies inside the window wherever the pointer is, beside it when there is room', () => {
    for (const [vw, vh] of [[1280, 720], [1920, 1080], [768, 1024], [400, 300]]) {
      for (const ax of [0, 10, vw / 2, vw - 5, vw]) {
        for (const ay of [0, vh / 3, vh - 1]) {
          for (const [w, h] of [[470, 500], [470, 900], [300, 120]]) {
            const cw = Math.min(w, vw - 16);
            const p = placeCard({ x: ax, y: ay }, cw, h, vw, vh);
            const hh = Math.min(h, p.maxHeight);
            expect(p.left).toBeGreaterThanOrEqual(8);
            expect(p.left + cw).toBeLessThanOrEqual(vw - 8 + 1e-9);
            expect(p.top).toBeGreaterThanOrEqual(8);
            expect(p.top + hh).toBeLessThanOrEqual(vh - 8 + 1e-9);
            // Beside the pointer, not over it, when one side has room.
            if (ax + 14 + cw <= vw - 8) expect(p.left).toBe(ax + 14);
            else if (ax - 14 - cw >= 8) expect(p.left + cw).toBe(ax - 14);
          }
        }
      }
    }
  });

  it('the cursor moves within the map and through the stack’s channels', () => {
    const lv = { mapH: 5, mapW: 4, order: [2, 0, 1] };
    expect(moveCursor({ channel: 2, y: 0, x: 0 }, 'ArrowUp', lv)).toEqual({ channel: 2, y: 0, x: 0 });
    expect(moveCursor({ channel: 2, y: 4, x: 3 }, 'ArrowDown', lv)).toEqual({ channel: 2, y: 4, x: 3 });
    expect(moveCursor({ channel: 2, y: 1, x: 3 }, 'ArrowRight', lv)).toEqual({ channel: 2, y: 1, x: 3 });
    expect(moveCursor({ channel: 2, y: 1, x: 1 }, 'ArrowLeft', lv)).toEqual({ channel: 2, y: 1, x: 0 });
    expect(moveCursor({ channel: 2, y: 1, x: 1 }, 'PageDown', lv)).toEqual({ channel: 0, y: 1, x: 1 });
    expect(moveCursor({ channel: 1, y: 1, x: 1 }, 'PageDown', lv)).toEqual({ channel: 1, y: 1, x: 1 });
    expect(moveCursor({ channel: 0, y: 1, x: 1 }, 'PageUp', lv)).toEqual({ channel: 2, y: 1, x: 1 });
    expect(moveCursor({ channel: 0, y: 1, x: 1 }, 'q', lv)).toBeNull();
  });
});

describe('the card’s number cells', () => {
  /** WCAG contrast of two #rrggbb colours. */
  const contrast = (a: string, b: string) => {
    const lum = (hex: string) => {
      const full = hex.length === 4 ? `#${hex[1]}${hex[1]}${hex[2]}${hex[2]}${hex[3]}${hex[3]}` : hex;
      const c = [1, 3, 5].map((i) => parseInt(full.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  it('every colour of every scale gets text of at least 4.5:1 contrast', () => {
    for (const scale of [divergingScale(2), sequentialScale(3), imageScale()]) {
      for (let k = 0; k <= 100; k++) {
        const v = scale.lo + ((scale.hi - scale.lo) * k) / 100;
        const st = cellStyle(scale, v);
        expect(contrast(st.background, st.color), `${scale.kind} ${v}`).toBeGreaterThanOrEqual(4.5);
      }
    }
  });
});
