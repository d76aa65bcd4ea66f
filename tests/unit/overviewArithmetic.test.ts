// The overview's unit card arithmetic (src/ui/overview/arithmetic.ts) against the CPU reference
// engine's maps, for every preset, every backtrace variant and a counterfactual start: the sum of
// the template's products plus the bias is u, r = max(0, u), the window's max is x with the first
// argmax as t, and the top-down signal it reconstructs (from the class template or from the level
// above's painting, unpooled, masked) is the engine's sx, sr and su.
import { describe, expect, it } from 'vitest';
import { CpuEngine, PRESETS, initParams, rng, shapesOf, type ModelParams, type PresetName, type Variant } from '../../src/engine';
import { NO_CLUTTER, type ViewResult } from '../../src/ui/store';
import { partialSum, rUnitOf, unitArithmetic } from '../../src/ui/overview/arithmetic';

/** A thick diagonal stroke and a bar: enough ink for many switches to be ON. */
function strokeImage(): Float32Array {
  const img = new Float32Array(28 * 28);
  for (let y = 4; y < 24; y++) for (let d = -2; d <= 2; d++) img[y * 28 + Math.min(27, Math.max(0, y + d))] = 1;
  for (let x = 6; x < 22; x++) img[6 * 28 + x] = 0.8;
  return img;
}

async function viewFor(preset: PresetName, variant: Variant, start: 'predicted' | number): Promise<{ view: ViewResult; params: ModelParams }> {
  const spec = PRESETS[preset];
  const params = initParams(spec, 3);
  const engine = new CpuEngine(spec, params);
  const image = strokeImage();
  const result = await engine.infer({ images: image, n: 1, start: { kind: 'class', classes: start === 'predicted' ? 'predicted' : [start] }, variant, paths: false });
  engine.destroy();
  const view: ViewResult = {
    key: 'test', spec, digitIndex: 0, custom: null, clutter: NO_CLUTTER, label: -1, image, variant, start,
    startClass: start === 'predicted' ? result.forward.pred[0] : start, backend: 'cpu', ms: 0, result,
  };
  return { view, params };
}

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

describe.each(['rmm-shallow', 'drmm-compact', 'drmm-mnist'] as PresetName[])('%s', (preset) => {
  it.each([
    ['rendering', 'predicted'],
    ['gradient', 'predicted'],
    ['deconvnet', 3],
  ] as [Variant, 'predicted' | number][])('%s backtrace from %s: every number of the card is the engine’s', async (variant, start) => {
    const { view, params } = await viewFor(preset, variant, start);
    const shapes = shapesOf(view.spec).levels;
    const rand = rng(7);
    let checked = 0;
    let onUnits = 0;
    let chosenUnits = 0;
    for (let l = 1; l <= shapes.length; l++) {
      const s = shapes[l - 1];
      const fwd = view.result.forward.levels[l - 1];
      const bt = view.result.backtrace.levels[l - 1];
      // The corners (in the padding) and a spread of other units.
      const units = [
        { channel: 0, y: 0, x: 0 },
        { channel: s.c - 1, y: s.hc - 1, x: s.wc - 1 },
        ...Array.from({ length: 40 }, () => ({ channel: Math.floor(rand() * s.c), y: Math.floor(rand() * s.hc), x: Math.floor(rand() * s.wc) })),
      ];
      for (const u of units) {
        const a = unitArithmetic(view, params, { level: l, stage: 'relu', ...u });
        const i = (u.channel * s.hc + u.y) * s.wc + u.x;
        expect(a.match.terms).toHaveLength(s.cin * s.k * s.k);
        // The sum of the products, plus the bias, is u; the running sum ends at the sum.
        expect(close(a.match.u, a.match.sum + a.match.bias)).toBe(true);
        expect(close(partialSum(a.match.terms, a.match.terms.length), a.match.sum)).toBe(true);
        expect(partialSum(a.match.terms, 1) === a.match.terms[0].product).toBe(true);
        for (const t of a.match.terms) {
          expect(t.product === t.w * t.x).toBe(true);
          if (!t.inside) expect(t.x).toBe(0);
        }
        expect(a.match.engineU).toBe(fwd.u[i]);
        expect(close(a.match.u, fwd.u[i], 1e-9)).toBe(true);
        expect(a.relu.engineR).toBe(fwd.r[i]);
        expect(a.relu.r).toBeCloseTo(Math.max(0, fwd.u[i]), 9);
        expect(a.relu.engineA).toBe(fwd.a[i]);
        if (fwd.a[i]) onUnits++;
        if (s.pool && u.y < 2 * s.hout && u.x < 2 * s.wout) {
          const p = a.pool!;
          const j = (u.channel * s.hout + (u.y >> 1)) * s.wout + (u.x >> 1);
          expect(p.engineX).toBe(fwd.x[j]);
          expect(p.max).toBe(fwd.x[j]);
          expect(p.winner).toBe(fwd.t![j]);
          // t is the first argmax of the four values.
          expect(p.values.indexOf(Math.max(...p.values))).toBe(p.winner);
          if (p.chosenHere) chosenUnits++;
        } else expect(a.pool).toBeNull();
        // Top-down: the reconstructed signal is the engine's at every stage.
        expect(close(a.down.sr, bt.sr[i], 1e-9), `sr at level ${l} ${JSON.stringify(u)}`).toBe(true);
        expect(close(a.down.su, bt.su[i], 1e-9), `su at level ${l} ${JSON.stringify(u)}`).toBe(true);
        expect(close(a.down.source.value, a.down.engineSx, 1e-9), `sx at level ${l}`).toBe(true);
        expect(a.down.engineSu).toBe(bt.su[i]);
        if (a.down.source.kind === 'level') {
          expect(a.down.source.level).toBe(l + 1);
          const total = a.down.source.terms.reduce((acc, t) => acc + t.product, 0);
          expect(close(total, a.down.source.value, 1e-9)).toBe(true);
          // Largest terms first.
          for (let k = 1; k < a.down.source.terms.length; k++) expect(Math.abs(a.down.source.terms[k - 1].product)).toBeGreaterThanOrEqual(Math.abs(a.down.source.terms[k].product));
        } else expect(l).toBe(shapes.length);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(onUnits).toBeGreaterThan(0);
    if (shapes.some((s) => s.pool)) expect(chosenUnits).toBeGreaterThan(0);
  }, 120_000);
});

describe('the card’s units', () => {
  it('a pooled unit is shown as the unit its t-switch chose; a unit outside its map throws', async () => {
    const { view, params } = await viewFor('drmm-compact', 'rendering', 'predicted');
    const s = shapesOf(view.spec).levels[0];
    const fwd = view.result.forward.levels[0];
    for (let j = 0; j < 20; j++) {
      const c = j % s.c;
      const y = j % s.hout;
      const x = (3 * j) % s.wout;
      const q = fwd.t![(c * s.hout + y) * s.wout + x];
      expect(rUnitOf(view, { level: 1, stage: 'pool', channel: c, y, x })).toEqual({ level: 1, channel: c, y: 2 * y + (q >> 1), x: 2 * x + (q & 1) });
      const a = unitArithmetic(view, params, { level: 1, stage: 'pool', channel: c, y, x });
      expect(a.pool!.chosenHere).toBe(true);
    }
    expect(() => unitArithmetic(view, params, { level: 1, stage: 'relu', channel: 0, y: s.hc, x: 0 })).toThrow(/outside/);
    expect(() => unitArithmetic(view, params, { level: 9, stage: 'relu', channel: 0, y: 0, x: 0 })).toThrow(/no level 9/);
  });
});
