/**
 * The overview's imperative drawing: the map canvases register here, and one paint (at most one
 * per animation frame) redraws the ones whose content changed and the overlay (hover links and
 * the animation's marks). React renders the structure; this draws into it, so the DP's animation
 * and a pointer moving over the maps cost no React render. Each paint's duration is kept, so the
 * bench can report what the drawing costs per frame (bench/interaction.ts).
 */
import { shapesOf, type ModelSpec } from '../../engine';
import { fmt, T_CATEGORIES } from '../scales';
import type { HoverTarget } from '../picture/slice';
import type { ViewResult } from '../store';
import { pictureState, scanIndex, type PictureState } from './frames';
import { cellRect, type OverviewLayout, type TileBox } from './layout';
import { LINK_COLOURS, linkedRegion, type CellRect } from './links';
import { blit, inputPixels, tilePixels, type OverviewScales } from './paint';
import type { Step } from '../stepper/steps';

export type CanvasKey = { kind: 'tile'; level: number; row: 'up' | 'down'; channel: number } | { kind: 'input'; row: 'up' | 'down' };

const UP = '#2b6cb0';
const DOWN = '#c05621';

const keyOf = (k: CanvasKey) => (k.kind === 'tile' ? `t${k.level}:${k.row}:${k.channel}` : `i:${k.row}`);

export class OverviewPainter {
  private canvases = new Map<string, { key: CanvasKey; canvas: HTMLCanvasElement }>();
  private painted = new Map<HTMLCanvasElement, string>();
  private raf = 0;
  overlay: HTMLCanvasElement | null = null;
  view: ViewResult | null = null;
  scales: OverviewScales | null = null;
  steps: Step[] = [];
  layout: OverviewLayout | null = null;
  index = 0;
  progress = 1;
  complete = true;
  hover: HoverTarget | null = null;
  /** Durations of the last paints (ms), newest last, at most 240. */
  readonly paintMs: number[] = [];

  register(key: CanvasKey, canvas: HTMLCanvasElement | null): void {
    const k = keyOf(key);
    const old = this.canvases.get(k);
    if (old) this.painted.delete(old.canvas);
    if (canvas) {
      this.canvases.set(k, { key, canvas });
      this.schedule();
    } else this.canvases.delete(k);
  }

  /** A paint on the next animation frame (several requests in one frame paint once). */
  schedule(): void {
    if (this.raf || typeof requestAnimationFrame === 'undefined') return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.paint();
    });
  }

  dispose(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.canvases.clear();
    this.painted.clear();
  }

  state(): PictureState | null {
    if (!this.view) return null;
    return pictureState(this.view.spec, this.index, this.progress, this.complete, this.steps);
  }

  paint(): void {
    const view = this.view;
    const scales = this.scales;
    const state = this.state();
    if (!view || !scales || !state) return;
    const t0 = performance.now();
    const shapes = shapesOf(view.spec).levels;
    for (const { key, canvas } of this.canvases.values()) {
      let sig: string;
      if (key.kind === 'input') {
        const n = view.spec.input.height * view.spec.input.width;
        sig = `${view.key}|${key.row === 'down' ? `${state.pixels.base}${state.pixels.next}${Math.floor(state.pixels.reveal * n)}` : ''}`;
        if (this.painted.get(canvas) === sig) continue;
        blit(canvas, inputPixels(view, scales, state, key.row), view.spec.input.width, view.spec.input.height);
      } else {
        const s = shapes[key.level - 1];
        if (!s) continue;
        const ph = key.row === 'up' ? state.up[key.level - 1] : state.down[key.level - 1];
        const n = s.hc * s.wc;
        sig = `${view.key}|${ph.base}${ph.next}${ph.reveal >= 1 ? 'all' : Math.floor(ph.reveal * n)}`;
        if (this.painted.get(canvas) === sig) continue;
        blit(canvas, tilePixels(view, scales, state, key.level, key.row, key.channel), s.wc, s.hc);
      }
      this.painted.set(canvas, sig);
    }
    this.drawOverlay(state);
    this.paintMs.push(performance.now() - t0);
    if (this.paintMs.length > 240) this.paintMs.shift();
  }

  /** The tiles of a level that marks go on: every tile when expanded, else the stack's front one. */
  private markTiles(level: number): TileBox[] {
    const lv = this.layout?.levels[level - 1];
    if (!lv) return [];
    return lv.expanded ? lv.tiles : [lv.tiles[lv.order[0]]];
  }

  private drawOverlay(state: PictureState): void {
    const canvas = this.overlay;
    const layout = this.layout;
    const view = this.view;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !layout || !view) return;
    const dpr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1;
    const w = Math.round(layout.width * dpr);
    const h = Math.round(layout.height * dpr);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (this.hover) this.drawHover(ctx, layout, view.spec, this.hover);
    if (state.current) this.drawStep(ctx, layout, view, state.current.step, state.current.progress);
  }

  private box(ctx: CanvasRenderingContext2D, r: { x: number; y: number; w: number; h: number }, colour: string, width: number, dashed = false): void {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.setLineDash(dashed ? [3, 2] : []);
    ctx.strokeRect(r.x - width / 2, r.y - width / 2, r.w + width, r.h + width);
  }

  private inputRect(layout: OverviewLayout, spec: ModelSpec, row: 'up' | 'down', r: CellRect) {
    const { height, width } = spec.input;
    const k = layout.input.size / width;
    const kh = layout.input.size / height;
    return { x: layout.input.x + r.x0 * k, y: layout.input.y + (row === 'down' ? layout.rowShift : 0) + r.y0 * kh, w: (r.x1 - r.x0 + 1) * k, h: (r.y1 - r.y0 + 1) * kh };
  }

  private drawHover(ctx: CanvasRenderingContext2D, layout: OverviewLayout, spec: ModelSpec, hover: HoverTarget): void {
    for (const row of ['up', 'down'] as const) {
      const shift = row === 'down' ? layout.rowShift : 0;
      const field = linkedRegion(spec, hover, { level: 0, stage: 'pixel' });
      if (field) this.box(ctx, this.inputRect(layout, spec, row, field.rect), LINK_COLOURS[field.kind], 2);
      for (const lv of layout.levels) {
        const reg = linkedRegion(spec, hover, { level: lv.level, stage: 'relu' });
        if (!reg) continue;
        for (const t of this.markTiles(lv.level)) {
          if (reg.kind === 'self' && hover.kind === 'unit' && hover.unit.channel !== t.channel && lv.expanded) continue;
          const off = reg.kind === 'self' && hover.kind === 'unit' && hover.unit.channel !== t.channel;
          this.box(ctx, cellRect(t, lv.mapH, lv.mapW, shift, reg.rect), LINK_COLOURS[reg.kind], reg.kind === 'self' ? 2 : 1.5, off);
        }
      }
    }
  }

  private label(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, colour: string, layout: OverviewLayout): void {
    ctx.font = '11px system-ui, sans-serif';
    const tw = ctx.measureText(text).width + 8;
    const lx = Math.min(Math.max(2, x - tw / 2), layout.width - tw - 2);
    const ly = Math.max(0, y - 16);
    ctx.fillStyle = 'rgba(255,255,255,0.92)';
    ctx.fillRect(lx, ly, tw, 15);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1;
    ctx.setLineDash([]);
    ctx.strokeRect(lx + 0.5, ly + 0.5, tw - 1, 14);
    ctx.fillStyle = '#111';
    ctx.fillText(text, lx + 4, ly + 11);
  }

  /** The marks of the step being animated: the sliding template and its running score, the switch decided, the window's max; the backtrace's counterparts. */
  private drawStep(ctx: CanvasRenderingContext2D, layout: OverviewLayout, view: ViewResult, step: Step, p: number): void {
    const spec = view.spec;
    const l = step.level;
    const shapes = shapesOf(spec).levels;
    if (step.kind === 'pixels') {
      const { height, width } = spec.input;
      const i = scanIndex(p, height * width);
      const y = Math.floor(i / width);
      const x = i % width;
      this.box(ctx, this.inputRect(layout, spec, 'down', { y0: y, x0: 0, y1: y, x1: width - 1 }), DOWN, 2);
      const reg = linkedRegion(spec, { kind: 'pixel', y, x }, { level: 1, stage: 'relu' });
      if (reg) for (const t of this.markTiles(1)) this.box(ctx, cellRect(t, layout.levels[0].mapH, layout.levels[0].mapW, layout.rowShift, reg.rect), DOWN, 1.5, true);
      return;
    }
    if (l < 1 || !shapes[l - 1]) return;
    const s = shapes[l - 1];
    const lv = layout.levels[l - 1];
    const front = lv.tiles[lv.order[0]];
    const c = front.channel;
    const up = step.phase === 'bottom-up';
    const shift = up ? 0 : layout.rowShift;
    const fwd = view.result.forward.levels[l - 1];
    const bt = view.result.backtrace.levels[l - 1];
    const windowed = (step.kind === 'pool' || step.kind === 'unpool' || (step.kind === 'arrive' && s.pool));
    if (windowed) {
      const i = scanIndex(p, s.hout * s.wout);
      const py = Math.floor(i / s.wout);
      const px = i % s.wout;
      const j = (c * s.hout + py) * s.wout + px;
      const q = fwd.t![j];
      const r = cellRect(front, lv.mapH, lv.mapW, shift, { y0: 2 * py, x0: 2 * px, y1: 2 * py + 1, x1: 2 * px + 1 });
      this.box(ctx, r, up ? UP : DOWN, 2);
      if (step.kind !== 'arrive') this.box(ctx, cellRect(front, lv.mapH, lv.mapW, shift, { y0: 2 * py + (q >> 1), x0: 2 * px + (q & 1), y1: 2 * py + (q >> 1), x1: 2 * px + (q & 1) }), T_CATEGORIES[q].css, 2);
      const text =
        step.kind === 'pool'
          ? `max over t = ${fmt(fwd.x[j])}, t = ${fwd.x[j] > 0 ? T_CATEGORIES[q].name : 'none (all OFF)'}`
          : step.kind === 'unpool'
            ? `sx = ${fmt(bt.sx[j])} → ${T_CATEGORIES[q].name}`
            : `sx = ${fmt(bt.sx[j])}`;
      this.label(ctx, text, r.x + r.w / 2, front.y + shift, up ? UP : DOWN, layout);
      if (step.kind === 'arrive') this.drawSource(ctx, layout, spec, l, { level: l, stage: 'pool', channel: c, y: py, x: px });
      return;
    }
    const i = scanIndex(p, s.hc * s.wc);
    const y = Math.floor(i / s.wc);
    const x = i % s.wc;
    const j = (c * s.hc + y) * s.wc + x;
    const r = cellRect(front, lv.mapH, lv.mapW, shift, { y0: y, x0: x, y1: y, x1: x });
    this.box(ctx, r, up ? UP : DOWN, 2);
    let text = '';
    if (step.kind === 'match') {
      text = `u = ${fmt(fwd.u[j])}`;
      // The template's window on the map below (or on the input), sliding with the scan.
      const hover: HoverTarget = { kind: 'unit', unit: { level: l, stage: 'relu', channel: c, y, x } };
      if (l === 1) {
        const f = linkedRegion(spec, hover, { level: 0, stage: 'pixel' });
        if (f) this.box(ctx, this.inputRect(layout, spec, 'up', f.rect), UP, 1.5, true);
      } else {
        const reg = linkedRegion(spec, hover, { level: l - 1, stage: 'relu' });
        if (reg) for (const t of this.markTiles(l - 1)) this.box(ctx, cellRect(t, layout.levels[l - 2].mapH, layout.levels[l - 2].mapW, 0, reg.rect), UP, 1.5, true);
      }
    } else if (step.kind === 'relu') text = `u = ${fmt(fwd.u[j])} → a = ${fwd.a[j] ? 'ON' : 'OFF'}, r = ${fmt(fwd.r[j])}`;
    else if (step.kind === 'mask') text = `a = ${fwd.a[j] ? 'ON' : 'OFF'}: su = ${fmt(bt.su[j])}`;
    else if (step.kind === 'arrive') {
      text = `sx = ${fmt(bt.sx[j])}`;
      this.drawSource(ctx, layout, spec, l, { level: l, stage: 'relu', channel: c, y, x });
    }
    if (text) this.label(ctx, text, r.x + r.w / 2, front.y + shift, up ? UP : DOWN, layout);
  }

  /** Where an arriving top-down value is painted from: the units of the level above whose templates cover it. */
  private drawSource(ctx: CanvasRenderingContext2D, layout: OverviewLayout, spec: ModelSpec, l: number, unit: { level: number; stage: 'relu' | 'pool'; channel: number; y: number; x: number }): void {
    if (l >= layout.levels.length) return;
    const reg = linkedRegion(spec, { kind: 'unit', unit }, { level: l + 1, stage: 'relu' });
    const up = layout.levels[l];
    if (reg) for (const t of this.markTiles(l + 1)) this.box(ctx, cellRect(t, up.mapH, up.mapW, layout.rowShift, reg.rect), DOWN, 1.5, true);
  }
}

/** The a-switches' ON share of a level, and the t-switches' counts per window position (windows with an ON unit). */
export function switchStats(view: ViewResult, level: number): { on: number; units: number; t: number[] | null } {
  const lv = view.result.forward.levels[level - 1];
  let on = 0;
  for (let i = 0; i < lv.a.length; i++) on += lv.a[i];
  let t: number[] | null = null;
  if (lv.t) {
    t = [0, 0, 0, 0];
    for (let i = 0; i < lv.t.length; i++) if (lv.x[i] > 0) t[lv.t[i]]++;
  }
  return { on, units: lv.a.length, t };
}

