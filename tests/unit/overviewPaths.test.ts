// The overview's path sampler (src/ui/overview/pathSample.ts): on a model small enough to list
// every active rendering path by brute force, the sampled paths are exactly active paths through
// the selection (the class, a unit, a pixel), all of them come up, each about equally often, and
// their number is the engine's path count; on the presets, every sampled path is active.
import { describe, expect, it } from 'vitest';
import { CpuEngine, PRESETS, PathModel, initParams, shapesOf, switchesOf, type ModelSpec, type PresetName, type SwitchSet } from '../../src/engine';
import { PathSampler, pathIsActive, type SampledPath } from '../../src/ui/overview/pathSample';

const TINY: ModelSpec = {
  input: { channels: 1, height: 6, width: 6 },
  levels: [
    { kernel: 3, channels: 2, pad: 1, pool: true },
    { kernel: 2, channels: 2, pad: 0, pool: false },
  ],
  readout: 'dense',
  classes: 2,
};

async function switches(spec: ModelSpec, seed: number, image: Float32Array): Promise<SwitchSet> {
  const engine = new CpuEngine(spec, initParams(spec, seed));
  const r = await engine.infer({ images: image, n: 1, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering', paths: false });
  engine.destroy();
  return switchesOf(spec, r.forward);
}

const key = (p: SampledPath) => `${p.units.map((u) => `${u.level}:${u.channel}:${u.y}:${u.x}`).join('|')}>${p.pixel.y}:${p.pixel.x}`;

/** Every active class-to-pixel path of the tiny model (two levels: pooled level 1, unpooled level 2). */
function allPaths(spec: ModelSpec, sw: SwitchSet): SampledPath[] {
  const [s1, s2] = shapesOf(spec).levels;
  const out: SampledPath[] = [];
  for (let c2 = 0; c2 < s2.c; c2++)
    for (let y2 = 0; y2 < s2.hc; y2++)
      for (let x2 = 0; x2 < s2.wc; x2++) {
        if (!sw.a[1][(c2 * s2.hc + y2) * s2.wc + x2]) continue;
        for (let c1 = 0; c1 < s1.c; c1++)
          for (let dy = 0; dy < s2.k; dy++)
            for (let dx = 0; dx < s2.k; dx++) {
              const py = y2 + dy - s2.pad;
              const px = x2 + dx - s2.pad;
              if (py < 0 || py >= s1.hout || px < 0 || px >= s1.wout) continue;
              const q = sw.t[0]![(c1 * s1.hout + py) * s1.wout + px];
              const y1 = 2 * py + (q >> 1);
              const x1 = 2 * px + (q & 1);
              if (!sw.a[0][(c1 * s1.hc + y1) * s1.wc + x1]) continue;
              for (let ey = 0; ey < s1.k; ey++)
                for (let ex = 0; ex < s1.k; ex++) {
                  const iy = y1 + ey - s1.pad;
                  const ix = x1 + ex - s1.pad;
                  if (iy < 0 || iy >= s1.hin || ix < 0 || ix >= s1.win) continue;
                  out.push({ units: [{ level: 2, channel: c2, y: y2, x: x2 }, { level: 1, channel: c1, y: y1, x: x1 }], pixel: { channel: 0, y: iy, x: ix } });
                }
            }
      }
  return out;
}

/** Samples many paths and checks they are exactly `expected`, each about equally often (within 5 standard deviations). */
function checkUniform(sampler: PathSampler, sel: Parameters<PathSampler['sample']>[0], expected: SampledPath[]) {
  const want = new Set(expected.map(key));
  expect(want.size).toBe(expected.length);
  const n = 200 * expected.length;
  const counts = new Map<string, number>();
  // Many seeds of modest batches: the same seed gives the same paths.
  for (let seed = 1; counts.size === 0 || [...counts.values()].reduce((a, b) => a + b, 0) < n; seed++) {
    for (const p of sampler.sample(sel, 200, seed)) {
      const k = key(p);
      expect(want.has(k), `sampled path ${k} is not an active path through the selection`).toBe(true);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  expect(counts.size).toBe(expected.length);
  const mean = total / expected.length;
  const sd = Math.sqrt(mean * (1 - 1 / expected.length));
  for (const [k, c] of counts) expect(Math.abs(c - mean), `path ${k}: ${c} samples against ${mean.toFixed(1)}`).toBeLessThan(5 * sd + 1);
}

describe('path sampling on a model whose paths can be listed', () => {
  const image = new Float32Array(36).map((_, i) => ((i * 7) % 11) / 10);

  it('samples every active path of the class, uniformly; their number is the engine’s count', async () => {
    for (const seed of [1, 2, 5]) {
      const sw = await switches(TINY, seed, image);
      const all = allPaths(TINY, sw);
      if (all.length === 0) continue;
      const total = new PathModel(TINY, sw).select({ kind: 'class' }).totalLog10;
      expect(10 ** total).toBeCloseTo(all.length, 6);
      checkUniform(new PathSampler(TINY, sw), { kind: 'class' }, all);
    }
  }, 120_000);

  it('through a unit (r or pooled) and through a pixel: exactly the paths through it, uniformly', async () => {
    const sw = await switches(TINY, 2, image);
    const all = allPaths(TINY, sw);
    expect(all.length).toBeGreaterThan(10);
    const sampler = new PathSampler(TINY, sw);
    // An r(1) unit on some path, the same unit named by its pooled unit, a level-2 unit, a pixel.
    const r1 = all[Math.floor(all.length / 2)].units[1];
    const through1 = all.filter((p) => p.units[1].channel === r1.channel && p.units[1].y === r1.y && p.units[1].x === r1.x);
    checkUniform(sampler, { kind: 'unit', unit: { stage: 'relu', ...r1 } }, through1);
    checkUniform(sampler, { kind: 'unit', unit: { level: 1, stage: 'pool', channel: r1.channel, y: r1.y >> 1, x: r1.x >> 1 } }, through1);
    const r2 = all[0].units[0];
    checkUniform(sampler, { kind: 'unit', unit: { stage: 'relu', ...r2 } }, all.filter((p) => p.units[0].channel === r2.channel && p.units[0].y === r2.y && p.units[0].x === r2.x));
    const px = all[all.length - 1].pixel;
    checkUniform(sampler, { kind: 'pixel', y: px.y, x: px.x }, all.filter((p) => p.pixel.y === px.y && p.pixel.x === px.x));
  }, 120_000);

  it('no path through an OFF unit or a window position t did not choose; a unit outside the model throws', async () => {
    const sw = await switches(TINY, 2, image);
    const s1 = shapesOf(TINY).levels[0];
    const sampler = new PathSampler(TINY, sw);
    let off = -1;
    for (let i = 0; i < sw.a[0].length && off < 0; i++) if (!sw.a[0][i]) off = i;
    expect(off).toBeGreaterThanOrEqual(0);
    const unit = { level: 1, stage: 'relu' as const, channel: Math.floor(off / (s1.hc * s1.wc)), y: Math.floor(off / s1.wc) % s1.hc, x: off % s1.wc };
    expect(sampler.sample({ kind: 'unit', unit }, 10)).toEqual([]);
    // A window position the t-switch did not choose.
    const q = sw.t[0]![0];
    const other = (q + 1) % 4;
    expect(sampler.sample({ kind: 'unit', unit: { level: 1, stage: 'relu', channel: 0, y: other >> 1, x: other & 1 } }, 10)).toEqual([]);
    expect(() => sampler.sample({ kind: 'unit', unit: { level: 1, stage: 'relu', channel: 0, y: 99, x: 0 } }, 1)).toThrow(/outside/);
    expect(() => sampler.sample({ kind: 'pixel', y: -1, x: 0 }, 1)).toThrow(/outside/);
  }, 120_000);
});

describe.each(['rmm-shallow', 'drmm-compact', 'drmm-mnist'] as PresetName[])('%s', (preset) => {
  it('every sampled path is active and passes through its selection', async () => {
    const spec = PRESETS[preset];
    const image = new Float32Array(28 * 28);
    for (let y = 4; y < 24; y++) for (let d = -2; d <= 2; d++) image[y * 28 + Math.min(27, Math.max(0, y + d))] = 1;
    const sw = await switches(spec, 4, image);
    const sampler = new PathSampler(spec, sw);
    const cls = sampler.sample({ kind: 'class' }, 30, 3);
    expect(cls).toHaveLength(30);
    for (const p of cls) expect(pathIsActive(spec, sw, p)).toBe(true);
    // Through a unit some class path uses, and through a pixel one reaches.
    const u = cls[0].units[cls[0].units.length - 1];
    for (const p of sampler.sample({ kind: 'unit', unit: { ...u, stage: 'relu' } }, 20, 5)) {
      expect(pathIsActive(spec, sw, p)).toBe(true);
      expect(p.units.some((v) => v.level === u.level && v.channel === u.channel && v.y === u.y && v.x === u.x)).toBe(true);
    }
    const px = cls[1].pixel;
    for (const p of sampler.sample({ kind: 'pixel', y: px.y, x: px.x }, 20, 6)) {
      expect(pathIsActive(spec, sw, p)).toBe(true);
      expect(p.pixel).toEqual(px);
    }
  }, 120_000);
});
