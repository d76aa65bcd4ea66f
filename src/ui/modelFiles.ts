/**
 * Pure helpers about models and their files as the page shows them (no GPU, no store): whether an
 * architecture takes MNIST digits, a line about a file's training record, the shipped models'
 * index, and the message for missing data files. Unit-tested in tests/unit/uiController.test.ts.
 */
import { PRESETS, type ModelSpec, type PresetName } from '../engine';
import type { ShippedModel } from './store';

const MNIST_INPUT = { channels: 1, height: 28, width: 28 };

/** True when the architecture's input is an MNIST digit. */
export function fitsMnist(spec: ModelSpec): boolean {
  const i = spec.input;
  return i.channels === MNIST_INPUT.channels && i.height === MNIST_INPUT.height && i.width === MNIST_INPUT.width;
}

/** The preset a file names, when its architecture is exactly that preset's. */
export function presetOf(spec: ModelSpec, name: string | null): PresetName | null {
  if (name && Object.hasOwn(PRESETS, name) && JSON.stringify(PRESETS[name as PresetName]) === JSON.stringify(spec)) return name as PresetName;
  return null;
}

/** A line about a loaded file's training record. */
export function trainingSummary(training: Record<string, unknown> | null): { trained: boolean; summary: string } {
  if (!training) return { trained: false, summary: 'the file has no training record' };
  const parts: string[] = [];
  if (typeof training.mode === 'string') parts.push(training.mode);
  if (typeof training.epoch === 'number') parts.push(`epoch ${training.epoch}`);
  if (typeof training.step === 'number') parts.push(`step ${training.step}`);
  if (typeof training.labelled === 'number') parts.push(`${training.labelled} labelled images`);
  const metrics = Array.isArray(training.metrics) ? training.metrics : [];
  const last = metrics[metrics.length - 1] as Record<string, unknown> | undefined;
  if (last && typeof last.testAccuracy === 'number') parts.push(`test accuracy ${(100 * last.testAccuracy).toFixed(2)}%`);
  return { trained: true, summary: parts.length ? `trained: ${parts.join(', ')}` : 'trained (no details recorded)' };
}

/**
 * The shipped NN-DRMM trained so that its renderings show what it claims (issue 15 item 4: its
 * top-down signal is never negative, the true class renders a test digit best for 90.71% of them,
 * 59.38% of counterfactual renderings are recognised; tests/gpu/shippedModels.test.ts re-measures
 * them). The Rendering panel offers it beside the default, whose signal is negative at half its units.
 */
export const RENDERS_MODEL_FILE = 'nndrmm-compact-renders.drmm';

/** Its figures as `npm run eval` measured them over the 10,000 test digits (lavapipe), quoted by the page; the GPU test re-measures them. */
export const RENDERS_FIGURES = { trueClassBest: 0.9071, counterfactualRecognised: 0.5938 } as const;

/**
 * The default model's figures, measured the same way; the story quotes its counterfactual share
 * beside the NN-DRMM's (they mostly keep the digit's own shape). The GPU test re-measures both.
 */
export const DEFAULT_MODEL_FILE = 'drmm-compact.drmm';
export const DEFAULT_RENDERING_FIGURES = { trueClassBest: 0.6386, counterfactualRecognised: 0.0762 } as const;

/** Checks models/index.json's entries; malformed ones are dropped (the app then uses the others). */
export function parseShippedModels(json: unknown): ShippedModel[] {
  const list = json && typeof json === 'object' && Array.isArray((json as { models?: unknown }).models) ? (json as { models: unknown[] }).models : [];
  return list.filter((m): m is ShippedModel => {
    if (!m || typeof m !== 'object') return false;
    const e = m as Record<string, unknown>;
    return (
      typeof e.file === 'string' && /^[\w.-]+\.drmm$/.test(e.file) && typeof e.preset === 'string' && Object.hasOwn(PRESETS, e.preset) &&
      typeof e.title === 'string' && typeof e.testError === 'number' && e.testError >= 0 && e.testError <= 1
    );
  });
}

/** A user-facing message for a failed split, with the fix when the files are simply missing. */
export function dataErrorMessage(raw: string): string {
  if (/HTTP 404/.test(raw)) {
    return `${raw}. The MNIST files are not on this server: in the repository, run \`npm run data\` (it writes public/data/), then restart \`npm start\` or rebuild with \`npm run build\`.`;
  }
  return `${raw}. If you run the app from the repository, \`npm run data\` rebuilds the files in public/data/.`;
}
