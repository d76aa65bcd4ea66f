// The engine's CPU path DP (src/engine/paths/) against brute-force enumeration of every path
// on tiny architectures, against the engine's own countPaths on a real one, and the receptive
// field against the set of pixels the possible paths reach.
import { describe, expect, it } from 'vitest';
import { CpuEngine, PathModel, PRESETS, initParams, shapesOf, switchesOf, unitNode, type ModelSpec, type PathSelection, type SwitchSet } from '../../src/engine';
import { rng } from '../../src/engine/model';
import { cellAt, cellOrigin, fieldAt, receptiveField, tileLayout } from '../../src/ui/paths/geometry';
import type { UnitRef } from '../../src/ui/store';

// ---------------------------------------------------------------------------------------------
// brute force: the path graph built node by node, every path enumerated

interface Graph {
  /** Downward edges; 'class' is the root, pixels are leaves. */
  children: Map<string, string[]>;
  alive: (id: string) => boolean;
  rNodes: string[][]; // per level (index l-1)
  pixels: string[];
}

const rId = (l: number, c: number, y: number, x: number) => `r${l}:${c}:${y}:${x}`;
const xId = (l: number, c: number, y: number, x: number) => `x${l}:${c}:${y}:${x}`;
const pId = (c: number, y: number, x: number) => `p:${c}:${y}:${x}`;

function buildGraph(spec: ModelSpec, sw: SwitchSet, possible: boolean): Graph {
  const shapes = shapesOf(spec).levels;
  const children = new Map<string, string[]>();
  const on = new Set<string>();
  const rNodes: string[][] = [];
  const pixels: string[] = [];
  const { channels, height, width } = spec.input;
  for (let c = 0; c < channels; c++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.push(pId(c, y, x));
  // The id of x(l) unit (c, y, x): a pixel at level 0, r(l) itself without pooling.
  const below = (l: number, c: number, y: number, x: number) => (l === 0 ? pId(c, y, x) : shapes[l - 1].pool ? xId(l, c, y, x) : rId(l, c, y, x));
  shapes.forEach((s, i) => {
    const l = i + 1;
    const ids: string[] = [];
    for (let c = 0; c < s.c; c++)
      for (let y = 0; y < s.hc; y++)
        for (let x = 0; x < s.wc; x++) {
          const id = rId(l, c, y, x);
          ids.push(id);
          if (possible || sw.a[i][(c * s.hc + y) * s.wc + x]) on.add(id);
          const kids: string[] = [];
          for (let ci = 0; ci < s.cin; ci++)
            for (let dy = 0; dy < s.k; dy++)
              for (let dx = 0; dx < s.k; dx++) {
                const yy = y + dy - s.pad;
                const xx = x + dx - s.pad;
                if (yy >= 0 && yy < s.hin && xx >= 0 && xx < s.win) kids.push(below(l - 1, ci, yy, xx));
              }
          children.set(id, kids);
        }
    rNodes.push(ids);
    if (s.pool)
      for (let c = 0; c < s.c; c++)
        for (let y = 0; y < s.hout; y++)
          for (let x = 0; x < s.wout; x++) {
            const t = sw.t[i]![(c * s.hout + y) * s.wout + x];
            const kids: string[] = [];
            for (let q = 0; q < 4; q++) if (possible || q === t) kids.push(rId(l, c, 2 * y + (q >> 1), 2 * x + (q & 1)));
            children.set(xId(l, c, y, x), kids);
          }
  });
  const L = shapes.length;
  const top = shapes[L - 1];
  const tops: string[] = [];
  for (let c = 0; c < top.c; c++) for (let y = 0; y < top.hout; y++) for (let x = 0; x < top.wout; x++) tops.push(below(L, c, y, x));
  children.set('class', tops);
  return { children, alive: (id) => !id.startsWith('r') || on.has(id), rNodes, pixels };
}

/** Every path from `from` to a node satisfying `end`, every node alive except (optionally) the end. */
function paths(g: Graph, from: string, end: (id: string) => boolean, endMayBeDead = false): string[][] {
  const out: string[][] = [];
  const walk = (id: string, trail: string[]) => {
    const t = [...trail, id];
    if (end(id)) {
      if (endMayBeDead || g.alive(id)) out.push(t);
      return;
    }
    if (!g.alive(id)) return;
    for (const k of g.children.get(id) ?? []) walk(k, t);
  };
  walk(from, []);
  return out;
}

function expectLog(actual: number, count: number, what: string) {
  if (count === 0) expect(actual, what).toBe(-Infinity);
  else expect(actual, what).toBeCloseTo(Math.log10(count), 9);
}

/** The selected node's id in the brute-force graph. */
function selectedId(spec: ModelSpec, sel: PathSelection): string | null {
  if (sel.kind === 'class') return null;
  if (sel.kind === 'pixel') return pId(sel.channel ?? 0, sel.y, sel.x);
  const u = sel.unit;
  const pool = shapesOf(spec).levels[u.level - 1].pool;
  return u.stage === 'pool' && pool ? xId(u.level, u.channel, u.y, u.x) : rId(u.level, u.channel, u.y, u.x);
}

function checkSelection(spec: ModelSpec, sw: SwitchSet, sel: PathSelection) {
  const shapes = shapesOf(spec).levels;
  const g = buildGraph(spec, sw, false);
  const gp = buildGraph(spec, sw, true);
  const isPixel = (id: string) => id.startsWith('p:');
  const sid = selectedId(spec, sel);
  const full = paths(g, 'class', isPixel).filter((p) => !sid || p.includes(sid));
  const fullPossible = paths(gp, 'class', isPixel).filter((p) => !sid || p.includes(sid));
  const view = new PathModel(spec, sw).select(sel);
  const what = JSON.stringify(sel);

  expectLog(view.totalLog10, full.length, `${what} total`);
  expectLog(view.totalPossibleLog10, fullPossible.length, `${what} total possible`);

  // Through every r(l) and x(l) unit, and every pixel.
  const through = new Map<string, number>();
  for (const p of full) for (const id of p) through.set(id, (through.get(id) ?? 0) + 1);
  shapes.forEach((s, i) => {
    const lv = view.levels[i];
    let n = 0;
    let max = 0;
    const perChannel = new Array(s.c).fill(0);
    for (let c = 0; c < s.c; c++)
      for (let y = 0; y < s.hc; y++)
        for (let x = 0; x < s.wc; x++) {
          const cnt = through.get(rId(i + 1, c, y, x)) ?? 0;
          expectLog(lv.throughR[(c * s.hc + y) * s.wc + x], cnt, `${what} through r${i + 1}(${c},${y},${x})`);
          if (cnt) n++;
          max = Math.max(max, cnt);
          perChannel[c] += cnt;
        }
    expect(lv.unitsThrough, `${what} units through at level ${i + 1}`).toBe(n);
    expectLog(lv.maxLog10, max, `${what} max at level ${i + 1}`);
    perChannel.forEach((cnt, c) => expectLog(lv.channelLog10[c], cnt, `${what} channel ${c} of level ${i + 1}`));
    if (s.pool)
      for (let c = 0; c < s.c; c++)
        for (let y = 0; y < s.hout; y++)
          for (let x = 0; x < s.wout; x++)
            expectLog(lv.throughX[(c * s.hout + y) * s.wout + x], through.get(xId(i + 1, c, y, x)) ?? 0, `${what} through x${i + 1}(${c},${y},${x})`);
  });
  let reached = 0;
  g.pixels.forEach((id, j) => {
    const cnt = through.get(id) ?? 0;
    if (cnt) reached++;
    expectLog(view.pixels.through[j], cnt, `${what} pixel ${id}`);
  });
  expect(view.pixels.reached).toBe(reached);

  // Anchored per-level counts: partial paths between the anchor and each level's ON units.
  const anchor = sid ?? 'class';
  const anchorLevel = sel.kind === 'class' ? Infinity : sel.kind === 'pixel' ? 0 : sel.unit.level;
  const anchorIsPooled = sid?.startsWith('x') ?? false;
  shapes.forEach((_, i) => {
    const l = i + 1;
    const lv = view.levels[i];
    const rSet = new Set(g.rNodes[i]);
    const rSetP = new Set(gp.rNodes[i]);
    if (l < anchorLevel || (l === anchorLevel && anchorIsPooled)) {
      expect(lv.side).toBe('below');
      expectLog(lv.activeLog10, paths(g, anchor, (id) => rSet.has(id)).length, `${what} active from anchor to level ${l}`);
      expectLog(lv.possibleLog10, paths(gp, anchor, (id) => rSetP.has(id)).length, `${what} possible from anchor to level ${l}`);
    } else if (l > anchorLevel) {
      expect(lv.side).toBe('above');
      const count = (gr: Graph, ids: string[]) => ids.reduce((acc, id) => acc + paths(gr, id, (x) => x === anchor, true).length, 0);
      expectLog(lv.activeLog10, count(g, g.rNodes[i]), `${what} active from level ${l} to the anchor`);
      expectLog(lv.possibleLog10, count(gp, gp.rNodes[i]), `${what} possible from level ${l} to the anchor`);
    } else {
      expect(lv.side).toBe('at');
      expect(lv.activeLog10).toBeNaN();
    }
  });
  if (sid) {
    expectLog(view.fromClassLog10, paths(g, 'class', (id) => id === sid, true).length, `${what} class to the selection`);
    expectLog(view.fromClassPossibleLog10, paths(gp, 'class', (id) => id === sid, true).length, `${what} class to the selection, possible`);
    expectLog(view.toPixelsLog10, paths(g, sid, isPixel).length, `${what} selection to the pixels`);
  } else {
    expect(view.fromClassLog10).toBeNaN();
  }
  if (sel.kind !== 'pixel') {
    expectLog(view.pixels.activeLog10, paths(g, anchor, isPixel).length, `${what} anchor to pixels`);
    expectLog(view.pixels.possibleLog10, paths(gp, anchor, isPixel).length, `${what} anchor to pixels, possible`);
  }
}

/** Random switches: about 60% ON, random window positions. */
function randomSwitches(spec: ModelSpec, seed: number): SwitchSet {
  const u = rng(seed);
  const shapes = shapesOf(spec).levels;
  return {
    a: shapes.map((s) => Uint8Array.from({ length: s.c * s.hc * s.wc }, () => (u() < 0.6 ? 1 : 0))),
    t: shapes.map((s) => (s.pool ? Uint8Array.from({ length: s.c * s.hout * s.wout }, () => Math.floor(u() * 4)) : null)),
  };
}

// Pool then no pool, global average read-out.
const SPEC_A: ModelSpec = {
  input: { channels: 1, height: 6, width: 6 },
  levels: [
    { kernel: 3, channels: 2, pad: 1, pool: true },
    { kernel: 2, channels: 2, pad: 0, pool: false },
  ],
  readout: 'gap',
  classes: 2,
};
// Two input channels, no pool then pool with an odd map (its last row and column are dropped).
const SPEC_B: ModelSpec = {
  input: { channels: 2, height: 5, width: 5 },
  levels: [
    { kernel: 2, channels: 2, pad: 1, pool: false },
    { kernel: 2, channels: 2, pad: 0, pool: true },
  ],
  readout: 'dense',
  classes: 3,
};

const unit = (level: number, stage: 'relu' | 'pool', channel: number, y: number, x: number): PathSelection => ({ kind: 'unit', unit: { level, stage, channel, y, x } });

describe('active paths through a selection vs brute-force enumeration', () => {
  for (const [name, spec] of [['A', SPEC_A], ['B', SPEC_B]] as const) {
    for (const seed of [1, 2, 3]) {
      const sw = randomSwitches(spec, seed);
      const shapes = shapesOf(spec).levels;
      it(`spec ${name}, switches ${seed}: the class, every unit of every level and stage, and pixels`, () => {
        checkSelection(spec, sw, { kind: 'class' });
        shapes.forEach((s, i) => {
          // Every r unit and every pooled unit (a few per level is not enough to catch edge effects).
          for (let c = 0; c < s.c; c++)
            for (let y = 0; y < s.hc; y++) for (let x = 0; x < s.wc; x++) checkSelection(spec, sw, unit(i + 1, 'relu', c, y, x));
          if (s.pool) for (let c = 0; c < s.c; c++) for (let y = 0; y < s.hout; y++) for (let x = 0; x < s.wout; x++) checkSelection(spec, sw, unit(i + 1, 'pool', c, y, x));
        });
        for (const [y, x] of [[0, 0], [2, 3], [spec.input.height - 1, spec.input.width - 1]])
          checkSelection(spec, sw, { kind: 'pixel', y, x, channel: spec.input.channels - 1 });
      });
    }
  }

  it('counts nothing through an OFF unit, and says so by -Infinity everywhere', () => {
    const sw = randomSwitches(SPEC_A, 4);
    const s = shapesOf(SPEC_A).levels[0];
    const off = Array.from(sw.a[0]).findIndex((v) => v === 0);
    expect(off).toBeGreaterThanOrEqual(0);
    const c = Math.floor(off / (s.hc * s.wc));
    const y = Math.floor((off % (s.hc * s.wc)) / s.wc);
    const x = off % s.wc;
    const view = new PathModel(SPEC_A, sw).select(unit(1, 'relu', c, y, x));
    expect(view.totalLog10).toBe(-Infinity);
    expect(view.pixels.reached).toBe(0);
    for (const lv of view.levels) expect(lv.unitsThrough).toBe(0);
  });

  it('rejects units and pixels outside the maps with a message', () => {
    const m = new PathModel(SPEC_A, randomSwitches(SPEC_A, 1));
    expect(() => m.select(unit(3, 'relu', 0, 0, 0))).toThrow(/no level 3/);
    expect(() => m.select(unit(1, 'pool', 0, 3, 0))).toThrow(/outside level 1's 2×3×3 pooled map/);
    expect(() => m.select(unit(2, 'relu', 2, 0, 0))).toThrow(/outside level 2/);
    expect(() => m.select({ kind: 'pixel', y: 6, x: 0 })).toThrow(/outside the 6×6 input/);
    expect(unitNode(SPEC_A, { level: 2, stage: 'pool', channel: 1, y: 1, x: 0 })).toEqual({ level: 2, layer: 'r', index: 6 });
  });

  it('handles counts far beyond float range (a deep stack of wide levels)', () => {
    const deep: ModelSpec = {
      input: { channels: 1, height: 8, width: 8 },
      levels: Array.from({ length: 16 }, () => ({ kernel: 3, channels: 1024, pad: 1, pool: false })),
      readout: 'gap',
      classes: 2,
    };
    const shapes = shapesOf(deep).levels;
    const sw: SwitchSet = { a: shapes.map((s) => new Uint8Array(s.c * s.hc * s.wc).fill(1)), t: shapes.map(() => null) };
    const view = new PathModel(deep, sw).select({ kind: 'class' });
    // Each level multiplies by at most 1024 * 9 < 10^4: far past 1e308 after 16 levels and 64 top units.
    expect(view.totalLog10).toBeGreaterThan(60);
    expect(Number.isFinite(view.totalLog10)).toBe(true);
    expect(view.totalLog10).toBeCloseTo(view.totalPossibleLog10, 9);
  });
});

describe('agrees with the engine’s countPaths on drmm-compact', () => {
  const spec = PRESETS['drmm-compact'];
  const engine = new CpuEngine(spec, initParams(spec, 3));
  const image = new Float32Array(784).map((_, i) => ((i * 11) % 17 < 6 ? (i % 5) / 4 : 0));

  it('class start: per-level active and possible counts, through-counts of every r unit, pixels', async () => {
    const res = await engine.infer({ images: image, n: 1, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering', paths: true });
    const view = new PathModel(spec, switchesOf(spec, res.forward)).select({ kind: 'class' });
    const p = res.paths!;
    p.levels.forEach((lv, i) => {
      expect(view.levels[i].activeLog10).toBeCloseTo(lv.activeLog10, 6);
      expect(view.levels[i].possibleLog10).toBeCloseTo(lv.possibleLog10, 6);
      expect(view.levels[i].unitsOn).toBe(lv.unitsOn);
      for (let j = 0; j < lv.throughLog10.length; j++) {
        const e = lv.throughLog10[j];
        if (e === -Infinity) expect(view.levels[i].throughR[j]).toBe(-Infinity);
        else expect(view.levels[i].throughR[j]).toBeCloseTo(e, 6);
      }
    });
    expect(view.pixels.activeLog10).toBeCloseTo(p.pixelsActiveLog10, 6);
    expect(view.pixels.possibleLog10).toBeCloseTo(p.pixelsPossibleLog10, 6);
    expect(view.totalLog10).toBeCloseTo(p.pixelsActiveLog10, 6);
  });

  it('unit start: the counts below the unit are the engine’s, shifted by the paths from the class to it', async () => {
    const first = await engine.infer({ images: image, n: 1, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering', paths: false });
    const model = new PathModel(spec, switchesOf(spec, first.forward));
    const s2 = shapesOf(spec).levels[1];
    // An ON unit of level 2 with the most paths through it.
    const cls = model.select({ kind: 'class' });
    const best = cls.levels[1].throughR.reduce((b, v, j, arr) => (v > arr[b] ? j : b), 0);
    const u: UnitRef = { level: 2, stage: 'relu', channel: Math.floor(best / (s2.hc * s2.wc)), y: Math.floor((best % (s2.hc * s2.wc)) / s2.wc), x: best % s2.wc };
    const res = await engine.infer({ images: image, n: 1, start: { kind: 'unit', ...u }, variant: 'rendering', paths: true });
    const view = model.select({ kind: 'unit', unit: u });
    const lv1 = res.paths!.levels[0];
    expect(view.levels[0].activeLog10).toBeCloseTo(lv1.activeLog10, 6);
    expect(view.levels[0].possibleLog10).toBeCloseTo(lv1.possibleLog10, 6);
    expect(view.pixels.activeLog10).toBeCloseTo(res.paths!.pixelsActiveLog10, 6);
    // Through the unit and a level-1 unit = (class -> unit) x (unit -> level-1 unit -> pixels).
    const U = view.totalLog10 - res.paths!.pixelsActiveLog10;
    for (let j = 0; j < lv1.throughLog10.length; j++) {
      const e = lv1.throughLog10[j];
      if (e === -Infinity) expect(view.levels[0].throughR[j]).toBe(-Infinity);
      else expect(view.levels[0].throughR[j]).toBeCloseTo(e + U, 6);
    }
    // The unit's own through-count is the class-start view's.
    expect(view.totalLog10).toBeCloseTo(cls.levels[1].throughR[best], 9);
  });
});

describe('receptive field', () => {
  for (const [name, spec] of [['A', SPEC_A], ['B', SPEC_B], ['drmm-compact', PRESETS['drmm-compact']]] as const) {
    it(`is exactly the set of pixels the possible paths from a unit reach, and holds every active one (spec ${name})`, () => {
      const shapes = shapesOf(spec).levels;
      const sw = randomSwitches(spec, 9);
      const gp = buildGraph(spec, sw, true);
      const model = new PathModel(spec, sw);
      const { height, width } = spec.input;
      shapes.forEach((s, i) => {
        const picks: UnitRef[] = [
          { level: i + 1, stage: 'relu', channel: 0, y: 0, x: 0 },
          { level: i + 1, stage: 'relu', channel: s.c - 1, y: s.hc - 1, x: Math.floor(s.wc / 2) },
        ];
        if (s.pool) picks.push({ level: i + 1, stage: 'pool', channel: 0, y: s.hout - 1, x: 0 });
        for (const u of picks) {
          const box = receptiveField(spec, u);
          const inBox = (y: number, x: number) => y >= box.y0 && y <= box.y1 && x >= box.x0 && x <= box.x1;
          const reach = new Set(paths(gp, selectedId(spec, { kind: 'unit', unit: u })!, (id) => id.startsWith('p:')).map((p) => p[p.length - 1].split(':').slice(2).join(':')));
          const area = (box.y1 - box.y0 + 1) * (box.x1 - box.x0 + 1);
          expect(reach.size, `${name} ${JSON.stringify(u)} ${JSON.stringify(box)}`).toBe(area);
          for (const key of reach) {
            const [y, x] = key.split(':').map(Number);
            expect(inBox(y, x)).toBe(true);
          }
          // At every level in between, the r(l) positions the possible paths reach are fieldAt's box.
          for (let below = 1; below < u.level; below++) {
            const b = fieldAt(spec, u, below);
            const ids = new Set(gp.rNodes[below - 1]);
            const at = new Set(paths(gp, selectedId(spec, { kind: 'unit', unit: u })!, (id) => ids.has(id), true).map((p) => p[p.length - 1].split(':').slice(2).join(':')));
            expect(at.size, `${name} ${JSON.stringify(u)} at level ${below}`).toBe((b.y1 - b.y0 + 1) * (b.x1 - b.x0 + 1));
            for (const key of at) {
              const [y, x] = key.split(':').map(Number);
              expect(y >= b.y0 && y <= b.y1 && x >= b.x0 && x <= b.x1).toBe(true);
            }
          }
          // The active paths reach a subset of it.
          model.select({ kind: 'unit', unit: u }).pixels.through.forEach((v, j) => {
            const q = j % (height * width);
            if (v > -Infinity) expect(inBox(Math.floor(q / width), q % width)).toBe(true);
          });
        }
      });
    });
  }
});

describe('tile layout', () => {
  it('fits the grid in the box, and cellAt inverts cellOrigin', () => {
    const lay = tileLayout(32, 32, 32, 700, 200);
    expect(lay.width).toBeLessThanOrEqual(700);
    expect(lay.height).toBeLessThanOrEqual(200);
    expect(lay.cols * lay.rows).toBeGreaterThanOrEqual(32);
    for (const [tile, y, x] of [[0, 0, 0], [5, 31, 2], [31, 17, 31]]) {
      const o = cellOrigin(lay, 32, 32, tile, y, x);
      expect(cellAt(lay, 32, 32, 32, o.left + lay.cell / 2, o.top + lay.cell / 2)).toEqual({ tile, y, x });
    }
    // A point in the gap between tiles is no cell.
    expect(cellAt(lay, 32, 32, 32, 32 * lay.cell + lay.gap / 2, 1)).toBeNull();
  });
});
