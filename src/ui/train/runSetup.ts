/**
 * How the page's training settings become a run of the training core and back: the RunConfig of a
 * new run (the page's cadence: loss terms read every REPORT_EVERY steps, the test set evaluated at
 * each epoch's end, a checkpoint every AUTOSAVE_EVERY steps), the settings a loaded run shows, the
 * store's MNIST splits as the run's data, and a checkpoint's file name. Pure; no GPU.
 */
import { PRESETS, type ModelSpec, type PresetName } from '../../engine';
import { CR_MARGIN, byteSplit, defaultRunConfig, type RunConfig, type RunData } from '../../engine/train';
import type { MnistSplit } from '../../data/mnistLoader';
import { presetOf } from '../modelFiles';
import type { TrainingSettings } from './slice';

/** Loss terms are read (one read-back) every this many steps. */
export const REPORT_EVERY = 10;
/** The IndexedDB autosave (and the run's checkpoint point) every this many steps. */
export const AUTOSAVE_EVERY = 300;

/** The RunConfig of a new page run from the settings, at a batch the device allows. */
export function configFromSettings(s: TrainingSettings, batch: number, trainCount: number): RunConfig {
  return defaultRunConfig(s.mode, {
    labelled: s.mode === 'semi-supervised' ? s.labelled : null,
    seed: s.seed,
    batchSize: batch,
    weights: { ...s.weights },
    crMargin: s.crMargin,
    lr: s.lr,
    epochs: s.epochs,
    data: { source: 'mnist', trainCount, validation: { count: 0, seed: defaultRunConfig().data.validation.seed }, subset: null },
    cadence: { logEvery: REPORT_EVERY, evalsPerEpoch: 1, checkpointEvery: AUTOSAVE_EVERY },
  });
}

/**
 * What the settings show for a run (a loaded checkpoint's, or one the CLI trained). A config from
 * before the class-balance and contrastive terms has no bal / cr (parseRunConfig makes them 0; a
 * config that skipped it still shows 0) and keeps the default margin.
 */
export function settingsFromConfig(c: RunConfig, spec: ModelSpec, preset: string | null, s: TrainingSettings): Partial<TrainingSettings> {
  return {
    preset: presetOf(spec, preset) ?? s.preset,
    mode: c.mode,
    labelled: c.labelled ?? s.labelled,
    seed: c.seed,
    lr: c.lr,
    weights: { rc: c.weights.rc, kl: c.weights.kl, nn: c.weights.nn, bal: c.weights.bal ?? 0, cr: c.weights.cr ?? 0 },
    crMargin: c.crMargin ?? CR_MARGIN,
    batch: c.batchSize,
    epochs: c.epochs,
  };
}

/** The store's MNIST splits as a run's data (bytes, read as pixel / 255). */
export function runData(train: MnistSplit, test: MnistSplit | null): RunData {
  return { train: byteSplit(train.pixels, train.labels), test: test ? byteSplit(test.pixels, test.labels) : null };
}

/** The architecture of a preset, for a new run. */
export function presetSpec(name: PresetName): ModelSpec {
  return PRESETS[name];
}

export function checkpointFileName(r: { preset: string | null; mode: string; labelled: number | null; seed: number; epoch: number; step: number }): string {
  const nl = r.mode === 'semi-supervised' && r.labelled ? `-NL${r.labelled}` : '';
  return `${r.preset ?? 'model'}-${r.mode}${nl}-seed${r.seed}-epoch${r.epoch}-step${r.step}.drmm`;
}
