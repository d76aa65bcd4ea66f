/**
 * The page's kernel choice, as plain data (no GPU object, no DOM): what the boot reads from the
 * browser's storage for this adapter and the model's shapes, the record a timing run stores, and
 * the words the "About this device" section shows. The engine's tuner (src/engine/gpu/tuner.ts)
 * owns the key and the record's format; the page writes the same record, so the tuner (the bench
 * in a page, on the same origin) reads what the page stored and the page reads what it stored.
 *
 * The decision at boot never times anything: a stored choice is used as it is, and without one
 * (none stored, storage unavailable, a damaged entry) the engines run the direct kernels, today's
 * default. Timing the variants is the user's choice (pageKernels.ts), because it takes tens of
 * seconds on a software GPU.
 */
import {
  KERNEL_FAMILIES,
  describeKernels,
  directChoice,
  formatChoice,
  parseChoice,
  shapeKey,
  storeKey,
  type KernelChoice,
  type KernelFamily,
  type KernelReport,
  type KernelStore,
  type KernelTiming,
  type ModelSpec,
} from '../../engine';

/** default: the direct kernels, nothing timed; stored: timed earlier on this adapter (remembered); tuned: timed in this page. */
export type KernelSource = 'default' | 'stored' | 'tuned';

/** What the section shows for one model's shapes on one adapter (plain data: it goes into the store). */
export interface DeviceKernels {
  /** shapeKey(spec): what the choice depends on. */
  shapes: string;
  /** adapterKey of the adapter the choice is for. */
  adapter: string;
  /** formatChoice's text (the engine's and the CLI's --kernels form). */
  choice: string;
  source: KernelSource;
  /** When the variants were timed (ISO 8601), for stored and tuned choices. */
  date: string | null;
  timings: KernelTiming[];
  /** The tuning's wall time and, of it, the pipelines' compilation (ms); its batch. */
  tuneMs: number | null;
  compileMs: number | null;
  batch: number | null;
  /** describeKernels' line: every family's variant per level, how it was chosen, the timing ratio. */
  about: string;
  /** A quiet note (storage unavailable, a damaged entry, a choice that could not be stored), or null. */
  note: string | null;
}

/** The record the tuner stores (tuner.ts chooseKernels): JSON text under storeKey(adapter, spec). */
export interface KernelRecord {
  choice: string;
  timings: KernelTiming[];
  tuneMs: number;
  compileMs: number;
  batch: number;
  date: string;
}

export function recordText(r: KernelRecord): string {
  return JSON.stringify(r);
}

function finite(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function isTiming(t: unknown): t is KernelTiming {
  if (!t || typeof t !== 'object') return false;
  const o = t as Record<string, unknown>;
  return (KERNEL_FAMILIES as readonly string[]).includes(o.family as string) && Number.isInteger(o.level) && typeof o.variant === 'string' && finite(o.ms) !== null;
}

/** A stored record checked for a model of `levels` levels; throws, saying what is wrong, on a damaged one. */
export function parseRecord(text: string, levels: number): { choice: KernelChoice; record: Partial<KernelRecord> & { choice: string } } {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new Error('it is not JSON');
  }
  if (!j || typeof j !== 'object' || typeof (j as { choice?: unknown }).choice !== 'string') throw new Error('it names no choice');
  const o = j as Record<string, unknown>;
  const choice = parseChoice(o.choice as string, levels);
  if (o.timings !== undefined && !(Array.isArray(o.timings) && o.timings.every(isTiming))) throw new Error('its timings are malformed');
  return {
    choice,
    record: {
      choice: o.choice as string,
      timings: (o.timings as KernelTiming[] | undefined) ?? [],
      ...(finite(o.tuneMs) !== null ? { tuneMs: o.tuneMs as number } : {}),
      ...(finite(o.compileMs) !== null ? { compileMs: o.compileMs as number } : {}),
      ...(finite(o.batch) !== null ? { batch: o.batch as number } : {}),
      ...(typeof o.date === 'string' && !Number.isNaN(Date.parse(o.date)) ? { date: o.date } : {}),
    },
  };
}

/** The section's data for a choice (describeKernels gives the technical line). */
export function deviceKernels(spec: ModelSpec, adapter: string, choice: KernelChoice, source: KernelSource, r: Partial<KernelRecord> = {}, note: string | null = null): DeviceKernels {
  const report: KernelReport = {
    choice,
    source: source === 'tuned' ? 'tuned' : source === 'stored' ? 'stored' : 'default',
    timings: r.timings ?? [],
    adapter,
    ...(r.tuneMs !== undefined ? { tuneMs: r.tuneMs } : {}),
    ...(r.compileMs !== undefined ? { compileMs: r.compileMs } : {}),
    ...(r.batch !== undefined ? { batch: r.batch } : {}),
  };
  return {
    shapes: shapeKey(spec),
    adapter,
    choice: formatChoice(choice),
    source,
    date: r.date ?? null,
    timings: r.timings ?? [],
    tuneMs: r.tuneMs ?? null,
    compileMs: r.compileMs ?? null,
    batch: r.batch ?? null,
    about: describeKernels(report),
    note,
  };
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The boot decision for an engine of `spec` on `adapter`: the choice stored for them, or the
 * direct kernels (source 'default') when there is none, when storage is unavailable (store null,
 * or a get that throws: a quiet note), or when the entry is damaged (a note; timing again
 * replaces it). Synchronous: the page's store is Web Storage; an asynchronous store counts as none.
 */
export function bootKernels(store: KernelStore | null, adapter: string, spec: ModelSpec, storeProblem: string | null = null): DeviceKernels {
  const L = spec.levels.length;
  const direct = (note: string | null) => deviceKernels(spec, adapter, directChoice(L), 'default', {}, note);
  if (!store) return direct(storeProblem ? `This browser’s storage is not available here (${storeProblem}), so no kernel choice is remembered.` : null);
  let text: unknown;
  try {
    text = store.get(storeKey(adapter, spec));
  } catch (e) {
    return direct(`This browser’s storage could not be read (${reason(e)}), so no kernel choice is remembered.`);
  }
  if (typeof text !== 'string' || text === '') return direct(null);
  try {
    const { choice, record } = parseRecord(text, L);
    return deviceKernels(spec, adapter, choice, 'stored', record);
  } catch (e) {
    return direct(`A stored kernel choice for this device could not be read (${reason(e)}); timing the variants again replaces it.`);
  }
}

const FAMILY_WORDS: Record<KernelFamily, string> = {
  forward: 'the bottom-up pass',
  transpose: 'the top-down pass',
  wgrad: 'the weight gradient',
};

/** "level 3" / "levels 1 and 3" / "levels 1, 2 and 3". */
function levels(ls: number[]): string {
  if (ls.length === 1) return `level ${ls[0]}`;
  return `levels ${ls.slice(0, -1).join(', ')} and ${ls[ls.length - 1]}`;
}

/**
 * The choice in plain words: "the direct convolution kernels everywhere", or which products run
 * the implicit GEMM at which levels with which tile, the direct kernels elsewhere.
 */
export function plainKernels(choiceText: string, levelCount: number): string {
  const c = parseChoice(choiceText, levelCount);
  const parts: string[] = [];
  for (const f of KERNEL_FAMILIES) {
    const byTile = new Map<string, number[]>();
    c[f].forEach((v, i) => {
      if (v !== 'direct') byTile.set(v, [...(byTile.get(v) ?? []), i + 1]);
    });
    if (byTile.size) parts.push(`${FAMILY_WORDS[f]} at ${[...byTile].map(([tile, ls]) => `${levels(ls)} (${tile} tiles)`).join(' and ')}`);
  }
  if (!parts.length) return 'the direct convolution kernels everywhere';
  return `matrix-product (implicit GEMM) kernels for ${parts.join('; for ')}; the direct convolution kernels everywhere else`;
}
