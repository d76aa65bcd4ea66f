/**
 * The per-adapter kernel tuner. The engine keeps several variants of its convolution-shaped
 * kernels (gpu/convSteps.ts: today's direct kernels, the implicit GEMM with four tiles, and at a
 * pooled level's transpose and weight gradient the t-switch-sparse kernels); on an adapter's first
 * use for a model's shapes, `chooseKernels` times them (tunerTiming.ts, which says what each
 * family's time covers) and remembers the fastest per family and level, in memory for the device and in the store the
 * caller injects: the page's (localStorage, through `webStorageStore`) or the CLI's (a JSON file
 * under a cache directory, scripts/lib/kernelCache.ts). The engine touches neither the DOM nor the
 * file system itself.
 *
 * Numerics: variants sum in different orders, so results differ by float rounding; a given choice
 * is deterministic. A run's log records the choice (`formatChoice`), and passing that text back
 * (`useKernelTuner({ kernels })`, the CLI's --kernels) reproduces it bit for bit on the same
 * adapter, whatever the store holds.
 *
 * Without `useKernelTuner` for a device, engines on it run the direct kernels (the choice before
 * the tuner, and the tests' default).
 */
import { shapesOf, type ModelSpec } from '../model';
import { directChoice, formatChoice, parseChoice, type KernelChoice, type KernelVariant } from './convSteps';
import { TUNE_BATCH, tuneKernels, type KernelTiming } from './tunerTiming';

export type { KernelTiming } from './tunerTiming';

/** Where choices persist, keyed by adapter and model shapes (values are JSON text). */
export interface KernelStore {
  get(key: string): Promise<string | null> | string | null;
  set(key: string, value: string): Promise<void> | void;
}

export interface KernelReport {
  choice: KernelChoice;
  /** given: the caller named it (engine option); forced: the device's policy named it (--kernels);
   * stored: read from the store; tuned: measured now; default: no tuner for this device. */
  source: 'given' | 'forced' | 'stored' | 'tuned' | 'default';
  /** The measurements behind the choice (tuned, or stored with it); empty otherwise. */
  timings: KernelTiming[];
  adapter?: string;
  /** Wall time of the tuning (tuned, or when the stored choice was tuned), and of it the pipelines' compilation. */
  tuneMs?: number;
  compileMs?: number;
  /** The tuning batch. */
  batch?: number;
}

export interface TunerPolicy {
  /** Names the adapter in the store's keys (vendor, architecture, description, driver). */
  adapter: string;
  store?: KernelStore;
  /** A choice in formatChoice's text form: used as is, nothing timed (a resumed run's log). */
  kernels?: string;
  /** The variants to time (default all). */
  candidates?: readonly KernelVariant[];
}

interface DeviceTuner extends TunerPolicy {
  memo: Map<string, Promise<KernelReport>>;
  last: KernelReport | null;
}

const tuners = new WeakMap<GPUDevice, DeviceTuner>();

/** Turns the tuner on for a device: every engine created on it afterwards uses its choice. */
export function useKernelTuner(device: GPUDevice, policy: TunerPolicy): void {
  tuners.set(device, { ...policy, memo: new Map(), last: null });
}

/** A one-line adapter name for the store's keys, from a GPUAdapterInfo. */
export function adapterKey(info: { vendor?: string; architecture?: string; description?: string; device?: string }): string {
  return [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length).join(' / ') || 'unknown adapter';
}

/** The model's convolution shapes: what the choice depends on (not the weights or the batch). */
export function shapeKey(spec: ModelSpec): string {
  const s = shapesOf(spec);
  return s.levels.map((l) => `${l.cin}x${l.hin}x${l.win}>${l.c}k${l.k}p${l.pad}${l.pool ? 'P' : ''}`).join('|');
}

// 2: a pooled level's transpose and weight gradient are timed with the bottom-up work each variant
// needs (tunerTiming.ts), so choices stored by version 1 are timed again.
const STORE_VERSION = 2;
/** The store's key of a choice: the adapter and the model's shapes (the page reads it at boot, src/ui/device). */
export const storeKey = (adapter: string, spec: ModelSpec) => `drmm.kernels.v${STORE_VERSION}|${adapter}|${shapeKey(spec)}`;

async function fromStore(t: DeviceTuner, key: string, levels: number): Promise<KernelReport | null> {
  if (!t.store) return null;
  try {
    const text = await t.store.get(key);
    if (!text) return null;
    const j = JSON.parse(text) as { choice: string; timings?: KernelTiming[]; tuneMs?: number; compileMs?: number; batch?: number };
    return { choice: parseChoice(j.choice, levels), source: 'stored', timings: j.timings ?? [], adapter: t.adapter, tuneMs: j.tuneMs, compileMs: j.compileMs, batch: j.batch };
  } catch {
    return null; // a damaged or older entry: tune again and overwrite it
  }
}

/** The kernel choice for an engine of `spec` on `device` (see the file's comment). */
export function chooseKernels(device: GPUDevice, spec: ModelSpec, maxBatch: number): Promise<KernelReport> {
  const L = spec.levels.length;
  const t = tuners.get(device);
  if (!t) return Promise.resolve({ choice: directChoice(L), source: 'default', timings: [] });
  if (t.kernels !== undefined) {
    const r: KernelReport = { choice: parseChoice(t.kernels, L), source: 'forced', timings: [], adapter: t.adapter };
    t.last = r;
    return Promise.resolve(r);
  }
  const key = storeKey(t.adapter, spec);
  let p = t.memo.get(key);
  if (!p) {
    p = (async () => {
      const stored = await fromStore(t, key, L);
      if (stored) return stored;
      const tuned = await tuneKernels(device, spec, maxBatch, t.candidates);
      const batch = Math.min(maxBatch, TUNE_BATCH);
      const r: KernelReport = { choice: tuned.choice, source: 'tuned', timings: tuned.timings, adapter: t.adapter, tuneMs: tuned.ms, compileMs: tuned.compileMs, batch };
      if (t.store) {
        const value = JSON.stringify({ choice: formatChoice(tuned.choice), timings: tuned.timings, tuneMs: tuned.ms, compileMs: tuned.compileMs, batch, date: new Date().toISOString() });
        try {
          await t.store.set(key, value);
        } catch {
          // A full or unavailable store loses only the memory of the choice: the next start tunes again.
        }
      }
      return r;
    })();
    t.memo.set(key, p);
    p.catch(() => t.memo.delete(key));
  }
  return p.then((r) => {
    t.last = r;
    return r;
  });
}

/** The last choice made on this device (null before any engine, or without a tuner). */
export function lastKernelReport(device: GPUDevice): KernelReport | null {
  return tuners.get(device)?.last ?? null;
}

/**
 * The "about this device" line: the adapter, each family's variant per level, how the choice was
 * made and, when timed, what the chosen variants took against the direct kernels.
 */
export function describeKernels(r: KernelReport): string {
  const fams = (['forward', 'transpose', 'wgrad'] as const).map((f) => `${f} ${r.choice[f].join(' ')}`).join('; ');
  const how = r.source === 'tuned' || r.source === 'stored'
    ? `${r.source === 'tuned' ? 'tuned now' : 'tuned earlier'} in ${Math.round(r.tuneMs ?? 0)} ms${r.compileMs !== undefined ? ` (${Math.round(r.tuneMs! - r.compileMs)} ms timing)` : ''} at batch ${r.batch ?? '?'}${speedup(r)}`
    : r.source === 'forced' ? 'as named (--kernels)' : r.source === 'given' ? 'as given' : 'direct kernels, not tuned';
  return `${r.adapter ? `${r.adapter}: ` : ''}kernels ${fams} (${how})`;
}

/** ", x.xx of the direct kernels' time": the chosen variants' summed time over the direct ones'. */
function speedup(r: KernelReport): string {
  const ms = (fam: string, level: number, v: string) => r.timings.find((t) => t.family === fam && t.level === level && t.variant === v)?.ms;
  let chosen = 0;
  let direct = 0;
  for (const f of ['forward', 'transpose', 'wgrad'] as const)
    r.choice[f].forEach((v, i) => {
      const c = ms(f, i + 1, v);
      const d = ms(f, i + 1, 'direct');
      if (c !== undefined && d !== undefined) {
        chosen += c;
        direct += d;
      }
    });
  return direct > 0 ? `, ${(chosen / direct).toFixed(2)} of the direct kernels' time` : '';
}

/** A KernelStore over a Web Storage object the page hands in (localStorage): get/set by key. */
export function webStorageStore(storage: { getItem(k: string): string | null; setItem(k: string, v: string): void }): KernelStore {
  return { get: (k) => storage.getItem(k), set: (k, v) => storage.setItem(k, v) };
}
