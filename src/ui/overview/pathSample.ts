/**
 * Actual rendering paths, sampled for drawing: where there are millions of active paths through a
 * selection (the class, one unit, one pixel), the overview draws a few of them, each a real path
 * of the graph (class -> x(L) -> r(L) -> x(L-1) -> ... -> r(1) -> a pixel) on which every switch
 * is ON and every pooling step passes through the chosen t.
 *
 * Sampling is uniform over the active class-to-pixel paths through the selection. With
 * U(n) = active paths from the class down to node n (its own switch not included) and
 * D(n) = active paths from n down to the pixels (its own switch included), the paths through n
 * number U(n) D(n). Walking down from n, each child m is taken with probability D(m) / sum D, and
 * walking up, each parent p with probability U(p) a(p) / sum U a (a parent r unit must be ON);
 * the product telescopes to 1 / (U(n) D(n)) for every path, so every path is equally likely.
 * U and D are the count passes of the engine's path DP (src/engine/paths/counts.ts), kept scaled
 * per layer, so relative weights within a layer are plain ratios.
 */
import { downPass, rng, shapesOf, unitNode, upPass, type Layers, type LevelShape, type ModelSpec, type NodeRef, type SwitchSet } from '../../engine';

/** One r(l) unit of a path (1-based level). */
export interface PathUnit {
  level: number;
  channel: number;
  y: number;
  x: number;
}

/** One sampled path, from the top level down: r(L), ..., r(1), then the pixel it paints. */
export interface SampledPath {
  units: PathUnit[];
  pixel: { channel: number; y: number; x: number };
}

export type SampleSelection =
  | { kind: 'class' }
  | { kind: 'unit'; unit: { level: number; stage: 'relu' | 'pool'; channel: number; y: number; x: number } }
  | { kind: 'pixel'; y: number; x: number; channel?: number };

/** Picks index i of `weights` with probability weights[i] / sum (null when all are zero). */
function pick(weights: number[], rand: () => number): number | null {
  let total = 0;
  for (const w of weights) total += w;
  if (!(total > 0)) return null;
  let r = rand() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0 && weights[i] > 0) return i;
  }
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return null;
}

const val = (ls: Layers, layer: 'r' | 'x', level: number, i: number) => {
  const c = layer === 'r' ? ls.r[level] : ls.x[level];
  return c ? c.v[i] : 0;
};

/** The path DP's passes of one image, kept to sample paths from any selection. */
export class PathSampler {
  readonly spec: ModelSpec;
  readonly shapes: LevelShape[];
  private readonly sw: SwitchSet;
  private readonly down: Layers;
  private readonly up: Layers;

  constructor(spec: ModelSpec, sw: SwitchSet) {
    this.spec = spec;
    this.shapes = shapesOf(spec).levels;
    this.sw = sw;
    const pixels = spec.input.channels * spec.input.height * spec.input.width;
    this.down = downPass(this.shapes, pixels, sw, false, null);
    this.up = upPass(this.shapes, sw, false, 'class');
  }

  /** Index of r(l) unit (c, y, x) in its map. */
  private rIndex(l: number, c: number, y: number, x: number): number {
    const s = this.shapes[l - 1];
    return (c * s.hc + y) * s.wc + x;
  }

  /**
   * Walks down from x(l) unit `i` (l = 0: a pixel, the end) to a pixel, appending each r unit;
   * false when no active path continues (cannot happen for a node with D > 0).
   */
  private walkDown(l: number, i: number, out: SampledPath, rand: () => number): boolean {
    if (l === 0) {
      const { height, width } = this.spec.input;
      out.pixel = { channel: Math.floor(i / (height * width)), y: Math.floor(i / width) % height, x: i % width };
      return true;
    }
    const s = this.shapes[l - 1];
    let r: number;
    if (s.pool) {
      // x(l) -> the one r(l) unit its t-switch chose.
      const c = Math.floor(i / (s.hout * s.wout));
      const y = Math.floor(i / s.wout) % s.hout;
      const x = i % s.wout;
      const q = this.sw.t[l - 1]![i];
      r = this.rIndex(l, c, 2 * y + (q >> 1), 2 * x + (q & 1));
    } else r = i;
    return this.walkDownR(l, r, out, rand);
  }

  /** From r(l) unit `r` down: record it, then one x(l-1) unit of its template window in proportion to D. */
  private walkDownR(l: number, r: number, out: SampledPath, rand: () => number): boolean {
    const s = this.shapes[l - 1];
    if (!this.sw.a[l - 1][r]) return false;
    const c = Math.floor(r / (s.hc * s.wc));
    const y = Math.floor(r / s.wc) % s.hc;
    const x = r % s.wc;
    out.units.push({ level: l, channel: c, y, x });
    const kids: number[] = [];
    const w: number[] = [];
    for (let ci = 0; ci < s.cin; ci++)
      for (let dy = 0; dy < s.k; dy++) {
        const yy = y + dy - s.pad;
        if (yy < 0 || yy >= s.hin) continue;
        for (let dx = 0; dx < s.k; dx++) {
          const xx = x + dx - s.pad;
          if (xx < 0 || xx >= s.win) continue;
          const j = (ci * s.hin + yy) * s.win + xx;
          kids.push(j);
          w.push(val(this.down, 'x', l - 1, j));
        }
      }
    const k = pick(w, rand);
    return k !== null && this.walkDown(l - 1, kids[k], out, rand);
  }

  /**
   * Walks up from x(l) unit `i` (l = 0: a pixel) to the class, prepending each r unit: its parents
   * are the ON r(l+1) units whose templates cover it, in proportion to U.
   */
  private walkUp(l: number, i: number, out: SampledPath, rand: () => number): boolean {
    const L = this.shapes.length;
    if (l === L) return true;
    const s = this.shapes[l]; // level l + 1
    const c = Math.floor(i / (s.hin * s.win));
    void c; // every channel of r(l+1) reads every input channel
    const y = Math.floor(i / s.win) % s.hin;
    const x = i % s.win;
    const parents: number[] = [];
    const w: number[] = [];
    const a = this.sw.a[l];
    for (let co = 0; co < s.c; co++)
      for (let dy = 0; dy < s.k; dy++) {
        const yr = y - dy + s.pad;
        if (yr < 0 || yr >= s.hc) continue;
        for (let dx = 0; dx < s.k; dx++) {
          const xr = x - dx + s.pad;
          if (xr < 0 || xr >= s.wc) continue;
          const j = this.rIndex(l + 1, co, yr, xr);
          if (!a[j]) continue;
          parents.push(j);
          w.push(val(this.up, 'r', l + 1, j));
        }
      }
    const k = pick(w, rand);
    return k !== null && this.walkUpR(l + 1, parents[k], out, rand);
  }

  /** From r(l) unit `r` up: record it, then its x(l) unit (the pooled unit whose t chose it). */
  private walkUpR(l: number, r: number, out: SampledPath, rand: () => number): boolean {
    const s = this.shapes[l - 1];
    const c = Math.floor(r / (s.hc * s.wc));
    const y = Math.floor(r / s.wc) % s.hc;
    const x = r % s.wc;
    out.units.unshift({ level: l, channel: c, y, x });
    if (!s.pool) return this.walkUp(l, r, out, rand);
    if (y >= 2 * s.hout || x >= 2 * s.wout) return false; // a trailing row or column the pooling drops
    const i = (c * s.hout + (y >> 1)) * s.wout + (x >> 1);
    if (this.sw.t[l - 1]![i] !== (y & 1) * 2 + (x & 1)) return false;
    return this.walkUp(l, i, out, rand);
  }

  /** Active paths through a node: U(n) D(n) > 0 (in relative terms: both factors nonzero). */
  private through(n: NodeRef): boolean {
    const d = val(this.down, n.layer, n.level, n.index);
    const u = n.level === this.shapes.length && n.layer === 'x' ? 1 : val(this.up, n.layer, n.level, n.index);
    return d > 0 && u > 0;
  }

  /**
   * Up to `count` paths through the selection, uniformly at random among its active paths, from a
   * seeded generator (the same selection and seed give the same paths). Empty when no active path
   * runs through it (an OFF unit, a window position t did not choose); throws on a selection
   * outside the model.
   */
  sample(sel: SampleSelection, count: number, seed = 1): SampledPath[] {
    const rand = rng(seed);
    const L = this.shapes.length;
    const out: SampledPath[] = [];
    let node: NodeRef | null = null;
    if (sel.kind === 'unit') {
      const n = unitNode(this.spec, sel.unit);
      if (typeof n === 'string') throw new Error(n);
      node = n;
    } else if (sel.kind === 'pixel') {
      const { channels, height, width } = this.spec.input;
      const ch = sel.channel ?? 0;
      if (!(ch >= 0 && ch < channels && sel.y >= 0 && sel.y < height && sel.x >= 0 && sel.x < width && Number.isInteger(sel.y) && Number.isInteger(sel.x)))
        throw new Error(`Pixel (${sel.y}, ${sel.x}) is outside the ${height}×${width} input.`);
      node = { level: 0, layer: 'x', index: (ch * height + sel.y) * width + sel.x };
    }
    if (node && node.level > 0 && !this.through(node)) return [];
    const top = this.shapes[L - 1];
    const topCount = top.c * top.hout * top.wout;
    for (let n = 0; n < count * 4 && out.length < count; n++) {
      const p: SampledPath = { units: [], pixel: { channel: 0, y: 0, x: 0 } };
      let ok: boolean;
      if (!node) {
        const w = Array.from({ length: topCount }, (_, i) => val(this.down, 'x', L, i));
        const i = pick(w, rand);
        ok = i !== null && this.walkDown(L, i, p, rand);
      } else if (node.level === 0) {
        p.pixel = { channel: Math.floor(node.index / (this.spec.input.height * this.spec.input.width)), y: (sel as { y: number }).y, x: (sel as { x: number }).x };
        ok = this.walkUp(0, node.index, p, rand);
      } else if (node.layer === 'x' && this.shapes[node.level - 1].pool) {
        ok = this.walkUp(node.level, node.index, p, rand) && this.walkDown(node.level, node.index, p, rand);
      } else {
        // An r unit: walk up from it (it is recorded there), then down from it without recording it twice.
        const up: SampledPath = { units: [], pixel: p.pixel };
        ok = this.walkUpR(node.level, node.index, up, rand);
        if (ok) {
          const down: SampledPath = { units: [], pixel: p.pixel };
          ok = this.walkDownR(node.level, node.index, down, rand);
          p.units = [...up.units, ...down.units.slice(1)];
          p.pixel = down.pixel;
        }
      }
      if (ok && p.units.length === L) out.push(p);
    }
    return out;
  }
}

/** Whether every switch on a path is ON and every pooling step passes its chosen t (for tests and assertions). */
export function pathIsActive(spec: ModelSpec, sw: SwitchSet, path: SampledPath): boolean {
  const shapes = shapesOf(spec).levels;
  if (path.units.length !== shapes.length) return false;
  for (let k = 0; k < path.units.length; k++) {
    const u = path.units[k];
    const s = shapes[u.level - 1];
    if (u.level !== shapes.length - k) return false;
    if (!sw.a[u.level - 1][(u.channel * s.hc + u.y) * s.wc + u.x]) return false;
    if (s.pool) {
      if (u.y >= 2 * s.hout || u.x >= 2 * s.wout) return false;
      const t = sw.t[u.level - 1]![(u.channel * s.hout + (u.y >> 1)) * s.wout + (u.x >> 1)];
      if (t !== (u.y & 1) * 2 + (u.x & 1)) return false;
    }
    // The next node down must lie in this unit's template window.
    const below = k + 1 < path.units.length ? path.units[k + 1] : null;
    let by: number;
    let bx: number;
    if (below) {
      const bs = shapes[below.level - 1];
      by = bs.pool ? below.y >> 1 : below.y;
      bx = bs.pool ? below.x >> 1 : below.x;
    } else {
      by = path.pixel.y;
      bx = path.pixel.x;
    }
    if (by < u.y - s.pad || by > u.y - s.pad + s.k - 1 || bx < u.x - s.pad || bx > u.x - s.pad + s.k - 1) return false;
  }
  return true;
}
