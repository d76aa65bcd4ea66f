/**
 * The numbers behind the overview's figures, as CSV tables (one row per class, pixel or unit),
 * for ExportButtons. Pure functions of a ViewResult.
 */
import { shapesOf } from '../../engine';
import type { ViewResult } from '../store';
import type { CsvTable } from './csv';

/** p(c | I) and the class scores, one row per class. */
export function probsTable(view: ViewResult): CsvTable {
  const { probs, scores, pred } = view.result.forward;
  const rows = Array.from({ length: probs.length }, (_, c) => [c, probs[c], scores[c], c === pred[0] ? 1 : 0, view.label === c ? 1 : 0]);
  return { columns: ['class', 'p', 'score', 'predicted', 'label'], rows };
}

/** The input the model saw and what the backtrace drew at the pixels, one row per pixel. */
export function pixelsTable(view: ViewResult): CsvTable {
  const { height, width } = view.spec.input;
  const out = view.result.backtrace.pixels;
  const rows = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows.push([y, x, view.image[y * width + x], out[y * width + x]]);
  return { columns: ['y', 'x', 'input', `backtrace_from_class_${view.startClass}_${view.variant}`], rows };
}

/**
 * One level's maps, one row per unit of r(l): u, r, the a-switch, whether the unit is the
 * t-switch's choice in its pooling window (empty without pooling, or outside every window),
 * the top-down signal sr and su, and the active paths through it (log10).
 */
export function levelTable(view: ViewResult, index: number): CsvTable {
  const shape = shapesOf(view.spec).levels[index];
  const fwd = view.result.forward.levels[index];
  const bt = view.result.backtrace.levels[index];
  const through = view.result.paths?.levels[index]?.throughLog10;
  const { c: C, hc: H, wc: W, hout: Ho, wout: Wo } = shape;
  const rows = [];
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (c * H + y) * W + x;
        let chosen: number | null = null;
        if (fwd.t && (y >> 1) < Ho && (x >> 1) < Wo) chosen = fwd.t[(c * Ho + (y >> 1)) * Wo + (x >> 1)] === (y & 1) * 2 + (x & 1) ? 1 : 0;
        rows.push([index + 1, c, y, x, fwd.u[i], fwd.r[i], fwd.a[i], chosen, bt.sr[i], bt.su[i], through ? through[i] : null]);
      }
    }
  }
  return { columns: ['level', 'channel', 'y', 'x', 'u', 'r', 'a', 't_chosen', 'sr', 'su', 'paths_through_log10'], rows };
}

/** A file-name stem for the current input: `digit-12`, `drawing`, plus the clutter. */
export function inputStem(view: ViewResult): string {
  const base = view.custom ? view.custom.kind : `digit-${view.digitIndex}`;
  return view.clutter.kind === 'none' ? base : `${base}-${view.clutter.kind}`;
}
