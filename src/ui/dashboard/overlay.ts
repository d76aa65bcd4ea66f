/**
 * The accuracy-vs-epoch overlay: the current run's curves and those of earlier runs and loaded
 * CLI training logs (scripts/train.ts writes `<model>.log.json`), their CSV, and the log reader.
 * Pure (no DOM, no React); tested in tests/unit/dashboardOverlay.test.ts.
 */
import type { CsvCell, CsvTable } from '../export/csv';
import type { PastRun, RunPoint } from '../train/runs';
import { runLabel } from '../train/runs';

export interface OverlayRun {
  id: string;
  label: string;
  points: RunPoint[];
  /** The run being trained now: drawn in the foreground colour, its series always present. */
  current: boolean;
  /** A fixed colour (the shipped models' logs keep theirs whatever else is drawn); else the next of RUN_COLOURS. */
  color?: string;
}

export interface OverlaySeries {
  /** The run's id and which accuracy. */
  runId: string;
  kind: 'train' | 'test';
  name: string;
  color: string;
  points: { x: number; y: number }[];
  dashed: boolean;
  dots: boolean;
}

/** The current run's colour, then Okabe-Ito colours (colour-blind safe) for earlier runs, in order. */
export const CURRENT_COLOUR = '#1d1d1f';
export const RUN_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#8c6d31', '#999999'];

function pointsOf(points: RunPoint[], key: 'trainAccuracy' | 'testAccuracy'): { x: number; y: number }[] {
  return points.filter((p) => Number.isFinite(p[key]) && Number.isFinite(p.epoch)).map((p) => ({ x: p.epoch, y: p[key] }));
}

/**
 * Two series a run: train accuracy (dashed: measured on the recent training batches) and test
 * accuracy (solid, with dots: each an evaluation of the test set). Earlier runs' empty series are
 * left out; the current run's are kept so its legend is stable while it starts.
 */
export function overlaySeries(runs: readonly OverlayRun[]): OverlaySeries[] {
  const out: OverlaySeries[] = [];
  let k = 0;
  for (const r of runs) {
    const color = r.current ? CURRENT_COLOUR : (r.color ?? RUN_COLOURS[k++ % RUN_COLOURS.length]);
    for (const kind of ['train', 'test'] as const) {
      const points = pointsOf(r.points, kind === 'train' ? 'trainAccuracy' : 'testAccuracy');
      if (!r.current && points.length === 0) continue;
      out.push({ runId: r.id, kind, name: `${r.label} · ${kind}`, color, points, dashed: kind === 'train', dots: kind === 'test' });
    }
  }
  return out;
}

/** 7 significant digits; empty for a value not measured (NaN). */
function num(v: number): number | null {
  return Number.isFinite(v) ? Number(v.toPrecision(7)) : null;
}

/**
 * Every point of every run, one row each: run, epoch, step, train and test accuracy (empty: not
 * measured). As a table for export/csv.ts, which also keeps a run label taken from a loaded log
 * file from reading as a spreadsheet formula.
 */
export function overlayTable(runs: readonly OverlayRun[]): CsvTable {
  const rows: CsvCell[][] = [];
  for (const r of runs) for (const p of r.points) rows.push([r.label, num(p.epoch), num(p.step), num(p.trainAccuracy), num(p.testAccuracy)]);
  return { columns: ['run', 'epoch', 'step', 'trainAccuracy', 'testAccuracy'], rows };
}

/**
 * MNIST's training images. The page's epoch is one pass over them (semi-supervised: as the
 * unlabelled half of each batch; src/engine/train/schedule.ts), so a log's epochs are drawn as
 * epochs over these 60,000: a CLI run that held 1,000 images out for validation made its epochs of
 * the 59,000 left, and its epoch e is drawn at e * 59,000 / 60,000.
 */
export const MNIST_TRAIN_IMAGES = 60000;

/** The factor from a log's epochs to epochs over MNIST_TRAIN_IMAGES: its `trainImages` / 60,000 (1 when the log does not say). */
export function epochScale(log: Record<string, unknown>): number {
  const n = log.trainImages;
  if (n === undefined || n === null) return 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MNIST_TRAIN_IMAGES)
    throw new Error(`"trainImages" is ${JSON.stringify(n)}, not a count of training images in 1..${MNIST_TRAIN_IMAGES}`);
  return n / MNIST_TRAIN_IMAGES;
}

function field(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}

/**
 * Reads a CLI training log (JSON: preset, mode, seed, labelled, trainImages, metrics[] of {epoch,
 * step, trainAccuracy, testAccuracy, ...}), its epochs made epochs over the 60,000 images (epochScale). Throws an Error whose message says what is wrong; the
 * caller prefixes the file name.
 */
export function parseTrainingLog(text: string, id: string, fileName: string): PastRun {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('not a training log: expected a JSON object');
  const log = o as Record<string, unknown>;
  if (!Array.isArray(log.metrics)) throw new Error('not a training log: it has no "metrics" array (scripts/train.ts writes one in <model>.log.json)');
  const scale = epochScale(log);
  const points: RunPoint[] = [];
  log.metrics.forEach((m, i) => {
    if (!m || typeof m !== 'object') throw new Error(`metrics[${i}] is not an object`);
    const r = m as Record<string, unknown>;
    const p = { epoch: field(r, 'epoch'), step: field(r, 'step'), trainAccuracy: field(r, 'trainAccuracy'), testAccuracy: field(r, 'testAccuracy') };
    for (const key of ['trainAccuracy', 'testAccuracy'] as const) {
      if (p[key] < 0 || p[key] > 1) throw new Error(`metrics[${i}].${key} is ${p[key]}, not a fraction in [0, 1]`);
    }
    if (!Number.isFinite(p.epoch)) throw new Error(`metrics[${i}] has no numeric "epoch"`);
    p.epoch *= scale;
    if (Number.isFinite(p.trainAccuracy) || Number.isFinite(p.testAccuracy)) points.push(p);
  });
  if (points.length === 0) throw new Error('the log has no accuracy to draw (no metrics entry has trainAccuracy or testAccuracy)');
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const mode = str(log.mode) ?? 'unknown mode';
  const labelled = typeof log.labelled === 'number' ? log.labelled : null;
  const seed = typeof log.seed === 'number' ? log.seed : null;
  const preset = str(log.preset);
  return { id, label: `${runLabel({ preset, mode, labelled, seed })} (CLI log ${fileName})`, mode, preset, labelled, source: 'log', points };
}
