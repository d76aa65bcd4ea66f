/**
 * Drawing the overview's maps into their canvases (one canvas pixel per map cell; CSS scales it
 * up, pixelated). Called imperatively: when the result changes, and on every frame of the DP's
 * animation, so no React render happens per frame. The colour scales follow scales.ts: one
 * diverging scale per level and row across its channels (bottom-up: u and r = max(0, u) share
 * the +-max|u| scale, so the max over a visibly turns the blue cells white; top-down: sx, sr and
 * su share +-max|sx, sr|), the input in greys, the reconstruction diverging.
 */
import { shapesOf } from '../../engine';
import { divergingScale, imageScale, lutIndex, maxAbs, type ColourScale, type MapData } from '../scales';
import type { ViewResult } from '../store';
import { cellKind, type DownKind, type Phase, type PictureState, type UpKind } from './frames';

/** The empty cell: a map that has not been computed yet. */
const EMPTY: [number, number, number] = [236, 238, 241];

export interface OverviewScales {
  up: ColourScale[];
  down: ColourScale[];
  image: ColourScale;
  pixels: ColourScale;
}

const IMAGE = imageScale();

export function overviewScales(view: ViewResult): OverviewScales {
  const f = view.result.forward.levels;
  const b = view.result.backtrace.levels;
  return {
    up: f.map((lv) => divergingScale(maxAbs(lv.u))),
    down: b.map((lv) => divergingScale(Math.max(maxAbs(lv.sx), maxAbs(lv.sr)))),
    image: IMAGE,
    pixels: divergingScale(maxAbs(view.result.backtrace.pixels)),
  };
}

function put(out: Uint8ClampedArray, i: number, s: ColourScale, v: number): void {
  const k = 3 * lutIndex(s, v);
  out[4 * i] = s.lut[k];
  out[4 * i + 1] = s.lut[k + 1];
  out[4 * i + 2] = s.lut[k + 2];
  out[4 * i + 3] = 255;
}

function empty(out: Uint8ClampedArray, i: number): void {
  out[4 * i] = EMPTY[0];
  out[4 * i + 1] = EMPTY[1];
  out[4 * i + 2] = EMPTY[2];
  out[4 * i + 3] = 255;
}

/** The value a bottom-up cell shows, by kind. */
function upValue(view: ViewResult, l: number, kind: UpKind, j: number): number | null {
  const lv = view.result.forward.levels[l - 1];
  return kind === 'u' ? lv.u[j] : kind === 'r' ? lv.r[j] : null;
}

/** The value a top-down cell (c, y, x) of r(l)'s grid shows, by kind: sx over its whole pooling window. */
function downValue(view: ViewResult, l: number, kind: DownKind, c: number, y: number, x: number, s: { hc: number; wc: number; hout: number; wout: number; pool: boolean }): number | null {
  const lv = view.result.backtrace.levels[l - 1];
  if (kind === 'none') return null;
  if (kind === 'sx') {
    if (!s.pool) return lv.sx[(c * s.hc + y) * s.wc + x];
    if (y >= 2 * s.hout || x >= 2 * s.wout) return 0;
    return lv.sx[(c * s.hout + (y >> 1)) * s.wout + (x >> 1)];
  }
  const j = (c * s.hc + y) * s.wc + x;
  return kind === 'sr' ? lv.sr[j] : lv.su[j];
}

/** Whether a top-down phase scans the coarse (pooled) grid: arriving and unpooling on a pooling level go window by window. */
function coarse(ph: Phase<DownKind>, pool: boolean): boolean {
  return pool && (ph.next === 'sx' || ph.next === 'sr');
}

/** RGBA pixels of one channel of one level's row at this point of the timeline. */
export function tilePixels(view: ViewResult, scales: OverviewScales, state: PictureState, level: number, row: 'up' | 'down', channel: number, out?: Uint8ClampedArray): Uint8ClampedArray<ArrayBuffer> {
  const s = shapesOf(view.spec).levels[level - 1];
  const n = s.hc * s.wc;
  const buf = (out && out.length === 4 * n ? out : new Uint8ClampedArray(4 * n)) as Uint8ClampedArray<ArrayBuffer>;
  if (row === 'up') {
    const ph = state.up[level - 1];
    const scale = scales.up[level - 1];
    for (let p = 0; p < n; p++) {
      const v = upValue(view, level, cellKind(ph, p, n), channel * n + p);
      if (v === null) empty(buf, p);
      else put(buf, p, scale, v);
    }
  } else {
    const ph = state.down[level - 1];
    const scale = scales.down[level - 1];
    const c = coarse(ph, s.pool);
    const nc = s.hout * s.wout;
    for (let y = 0; y < s.hc; y++)
      for (let x = 0; x < s.wc; x++) {
        const p = y * s.wc + x;
        const ri = c ? Math.min(nc, (y >> 1) * s.wout + Math.min(s.wout, x >> 1)) : p;
        const v = downValue(view, level, cellKind(ph, ri, c ? nc : n), channel, y, x, s);
        if (v === null) empty(buf, p);
        else put(buf, p, scale, v);
      }
  }
  return buf;
}

/** RGBA pixels of the input (row 'up') or of the reconstruction as far as it has been rendered (row 'down'). */
export function inputPixels(view: ViewResult, scales: OverviewScales, state: PictureState, row: 'up' | 'down'): Uint8ClampedArray<ArrayBuffer> {
  const { height, width } = view.spec.input;
  const n = height * width;
  const buf = new Uint8ClampedArray(4 * n);
  const data: MapData = row === 'up' ? view.image : view.result.backtrace.pixels;
  for (let p = 0; p < n; p++) {
    if (row === 'down' && cellKind(state.pixels, p, n) === 'none') empty(buf, p);
    else put(buf, p, row === 'up' ? scales.image : scales.pixels, data[p]);
  }
  return buf;
}

/** Draws RGBA pixels into a canvas of the map's size. */
export function blit(canvas: HTMLCanvasElement | null, rgba: Uint8ClampedArray<ArrayBuffer>, w: number, h: number): void {
  // A CPU-backed context (willReadFrequently): the maps are tiny and written whole, and a context
  // of the GPU-backed kind costs more to create than a map costs to draw (hundreds of them on an
  // expanded level of drmm-mnist).
  const ctx = canvas?.getContext('2d', { willReadFrequently: true });
  if (!ctx || canvas!.width !== w || canvas!.height !== h) return;
  ctx.putImageData(new ImageData(rgba, w, h), 0, 0);
}

/** Per level, its channels ordered for the stack: the focus channel first, then by how strongly each fires (max r). */
export function stackOrder(view: ViewResult, focus: (number | null)[]): number[][] {
  const shapes = shapesOf(view.spec).levels;
  return shapes.map((s, i) => {
    const r = view.result.forward.levels[i].r;
    const n = s.hc * s.wc;
    const peak = Array.from({ length: s.c }, (_, c) => {
      let m = 0;
      for (let p = 0; p < n; p++) if (r[c * n + p] > m) m = r[c * n + p];
      return m;
    });
    const order = Array.from({ length: s.c }, (_, c) => c).sort((a, b) => peak[b] - peak[a] || a - b);
    const f = focus[i];
    return f !== null && f !== undefined && f >= 0 && f < s.c ? [f, ...order.filter((c) => c !== f)] : order;
  });
}
