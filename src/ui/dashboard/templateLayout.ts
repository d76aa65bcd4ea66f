/**
 * Every level's templates W(l) as one image per level, shown per input channel: a template of
 * level l is a cin x k x k tensor, so it is drawn as a row of cin k x k tiles (tile j: its weights
 * on input channel j), one row per output channel. Level 1 has one input channel (the pixels), so
 * its templates wrap into a plain grid instead. Each template (a row) is on its own symmetric
 * diverging scale (red positive, blue negative, as every signed map in the app), so its shape
 * shows whatever its size, and its slices stay comparable with each other. Pure; tested in
 * tests/unit/dashboardTemplates.test.ts.
 */
import { divergingScale, lutIndex, maxAbs } from '../scales';
import type { LevelTemplates } from '../train/slice';

export interface TemplateLayout {
  rgba: Uint8ClampedArray<ArrayBuffer>;
  width: number;
  height: number;
  /** Output channels (templates) and input channels drawn; the rest are left out. */
  rows: number;
  cols: number;
  /** Level 1 (cin = 1): templates wrap, `perRow` a row. */
  wrapped: boolean;
  perRow: number;
}

export interface LayoutLimits {
  /** Templates drawn at most (rows of a level above 1). */
  maxTemplates: number;
  /** Input channels drawn at most per template. */
  maxInputs: number;
  /** Level 1: templates a row. */
  perRow: number;
}

export const DEFAULT_LIMITS: LayoutLimits = { maxTemplates: 32, maxInputs: 32, perRow: 8 };

/** The tiles of one level's templates with 1-pixel white gaps. */
export function templateLayout(t: LevelTemplates, limits: LayoutLimits = DEFAULT_LIMITS): TemplateLayout {
  const { k, cin } = t;
  const size = k * k;
  const rows = Math.min(t.channels, limits.maxTemplates);
  const wrapped = cin === 1;
  const cols = wrapped ? 1 : Math.min(cin, limits.maxInputs);
  const perRow = wrapped ? Math.min(rows, limits.perRow) : 1;
  // Tile (template c, input j) sits at grid cell (gx, gy).
  const gridW = wrapped ? perRow : cols;
  const gridH = wrapped ? Math.ceil(rows / perRow) : rows;
  const width = gridW * (k + 1) - 1;
  const height = gridH * (k + 1) - 1;
  const rgba = new Uint8ClampedArray(4 * width * height).fill(255);
  for (let c = 0; c < rows; c++) {
    const tpl = t.data.subarray(c * cin * size, (c + 1) * cin * size);
    const scale = divergingScale(maxAbs(tpl));
    for (let j = 0; j < cols; j++) {
      const gx = wrapped ? c % perRow : j;
      const gy = wrapped ? Math.floor(c / perRow) : c;
      for (let i = 0; i < size; i++) {
        const m = 3 * lutIndex(scale, tpl[j * size + i]);
        const p = 4 * ((gy * (k + 1) + Math.floor(i / k)) * width + gx * (k + 1) + (i % k));
        rgba[p] = scale.lut[m];
        rgba[p + 1] = scale.lut[m + 1];
        rgba[p + 2] = scale.lut[m + 2];
      }
    }
  }
  return { rgba, width, height, rows, cols, wrapped, perRow };
}
