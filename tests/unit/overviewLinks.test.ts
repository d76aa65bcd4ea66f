// What a hovered unit is linked to (src/ui/overview/links.ts), against brute force: below it, the
// region it depends on (the receptive field on the input, as the stepper computes it); above it,
// exactly the units whose own region below contains it. And the timeline's picture states
// (frames.ts): nothing before the first step, everything when complete, each step part done.
import { describe, expect, it } from 'vitest';
import { PRESETS, rng, type ModelSpec, type PresetName } from '../../src/engine';
import { linkedRegion, type MapRef } from '../../src/ui/overview/links';
import { cellKind, flowsLit, pictureState, scanIndex } from '../../src/ui/overview/frames';
import { receptiveField, mapSize } from '../../src/ui/stepper/receptiveField';
import { stepsFor } from '../../src/ui/stepper/steps';

const ODD: ModelSpec = {
  input: { channels: 1, height: 13, width: 11 },
  levels: [
    { kernel: 3, channels: 2, pad: 0, pool: true },
    { kernel: 2, channels: 3, pad: 1, pool: true },
    { kernel: 3, channels: 2, pad: 2, pool: false },
  ],
  readout: 'gap',
  classes: 3,
};

/** Every map of a model, bottom to top. */
function maps(spec: ModelSpec): MapRef[] {
  const out: MapRef[] = [{ level: 0, stage: 'pixel' }];
  spec.levels.forEach((lv, i) => {
    out.push({ level: i + 1, stage: 'relu' });
    if (lv.pool) out.push({ level: i + 1, stage: 'pool' });
  });
  return out;
}

const size = (spec: ModelSpec, m: MapRef, axis: 'height' | 'width') => (m.stage === 'pixel' ? spec.input[axis] : mapSize(spec, { level: m.level, stage: m.stage }, axis));
const inRect = (r: { y0: number; y1: number; x0: number; x1: number }, y: number, x: number) => y >= r.y0 && y <= r.y1 && x >= r.x0 && x <= r.x1;

describe.each([...(['rmm-shallow', 'drmm-compact', 'drmm-mnist'] as PresetName[]).map((p) => [p, PRESETS[p]] as const), ['odd sizes', ODD] as const])('%s', (_, spec) => {
  const all = maps(spec);
  const rand = rng(11);
  it('below a unit: its receptive field on the input is the stepper’s; its own map answers itself', () => {
    for (const m of all.slice(1)) {
      for (let k = 0; k < 12; k++) {
        const y = Math.floor(rand() * size(spec, m, 'height'));
        const x = Math.floor(rand() * size(spec, m, 'width'));
        const hover = { kind: 'unit' as const, unit: { level: m.level, stage: m.stage as 'relu' | 'pool', channel: 0, y, x } };
        const field = linkedRegion(spec, hover, { level: 0, stage: 'pixel' });
        expect(field?.kind).toBe('field');
        expect(field?.rect).toEqual(receptiveField(spec, { level: m.level, stage: m.stage as 'relu' | 'pool', y, x }));
        expect(linkedRegion(spec, hover, m)).toEqual({ kind: 'self', rect: { y0: y, y1: y, x0: x, x1: x } });
      }
    }
  });

  it('above a unit: exactly the units of every higher map whose region below contains it', () => {
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const lo = all[i];
        const hi = all[j];
        for (let k = 0; k < 4; k++) {
          const y = Math.floor(rand() * size(spec, lo, 'height'));
          const x = Math.floor(rand() * size(spec, lo, 'width'));
          const hover = lo.stage === 'pixel' ? { kind: 'pixel' as const, y, x } : { kind: 'unit' as const, unit: { level: lo.level, stage: lo.stage, channel: 0, y, x } };
          const up = linkedRegion(spec, hover, hi);
          const H = size(spec, hi, 'height');
          const W = size(spec, hi, 'width');
          let any = false;
          for (let v = 0; v < H; v++)
            for (let w = 0; w < W; w++) {
              const down = linkedRegion(spec, { kind: 'unit', unit: { level: hi.level, stage: hi.stage as 'relu' | 'pool', channel: 0, y: v, x: w } }, lo);
              const feeds = !!down && inRect(down.rect, y, x);
              any ||= feeds;
              expect(!!up && inRect(up.rect, v, w), `${JSON.stringify(lo)} (${y}, ${x}) -> ${JSON.stringify(hi)} (${v}, ${w})`).toBe(feeds);
            }
          if (up) expect(up.kind).toBe('above');
          expect(!!up).toBe(any);
        }
      }
    }
  });
});

describe('the timeline’s picture states', () => {
  const spec = PRESETS['drmm-compact'];
  const steps = stepsFor(spec);
  const L = spec.levels.length;

  it('complete: every map final; the first step at 0: nothing computed', () => {
    const done = pictureState(spec, 0, 0, true);
    expect(done.current).toBeNull();
    for (let l = 0; l < L; l++) {
      expect(done.up[l]).toEqual({ base: 'r', next: 'r', reveal: 1 });
      expect(done.down[l].next).toBe('su');
      expect(done.down[l].reveal).toBe(1);
    }
    expect(done.pixels.next).toBe('pixels');
    expect(flowsLit(done, L)).toEqual({ up: new Array(L + 1).fill(1), down: new Array(L + 1).fill(1) });
    const start = pictureState(spec, 0, 0, false);
    expect(start.current?.step.id).toBe('match-1');
    expect(start.up[0]).toEqual({ base: 'none', next: 'u', reveal: 0 });
    expect(start.up.slice(1).every((p) => p.next === 'none')).toBe(true);
    expect(start.down.every((p) => p.next === 'none')).toBe(true);
    expect(flowsLit(start, L).down.every((v) => v === 0)).toBe(true);
  });

  it('each step part done: its map shows the new kind before the scan and the old one after', () => {
    const relu2 = steps.findIndex((s) => s.id === 'relu-2');
    const st = pictureState(spec, relu2, 0.5, false);
    expect(st.up[0]).toEqual({ base: 'r', next: 'r', reveal: 1 });
    expect(st.up[1]).toEqual({ base: 'u', next: 'r', reveal: 0.5 });
    expect(st.aWritten[1]).toBe(0.5);
    expect(cellKind(st.up[1], 10, 100)).toBe('r');
    expect(cellKind(st.up[1], 60, 100)).toBe('u');
    const mask1 = steps.findIndex((s) => s.id === 'mask-1');
    const m = pictureState(spec, mask1, 0.25, false);
    expect(m.down[0]).toEqual({ base: 'sr', next: 'su', reveal: 0.25 });
    expect(m.down[2].next).toBe('su');
    expect(m.scores).toBe(1);
    expect(m.pixels.next).toBe('none');
    // Level 3 does not pool: its mask step starts from sx (which is sr there).
    const mask3 = steps.findIndex((s) => s.id === 'mask-3');
    expect(pictureState(spec, mask3, 0.5, false).down[2]).toEqual({ base: 'sx', next: 'su', reveal: 0.5 });
    // The last step at progress 1 is the complete picture.
    const last = pictureState(spec, steps.length - 1, 1, false);
    const done = pictureState(spec, 0, 0, true);
    expect({ ...last, current: null }).toEqual(done);
    expect(scanIndex(0, 10)).toBe(0);
    expect(scanIndex(1, 10)).toBe(9);
    expect(scanIndex(0.55, 10)).toBe(5);
  });
});
