/**
 * The page's side of the kernel tuner, made once in services.ts and handed down (never module
 * state). It answers the engine host's `kernelsFor` whenever an inference engine is built: the
 * choice timed in this page, else the one stored in this browser for the adapter and the model's
 * shapes (kernelChoice.ts's bootKernels), else the direct kernels; nothing is timed at boot. It
 * records every answer, as plain data, in the store's deviceKernels slice for the "About this
 * device" section.
 *
 * `timeVariants` is the section's button: it times every variant (the engine's tuneKernels) on the
 * page's device inside the host's operation queue, so no inference runs on the device meanwhile
 * (the panels wait; the page stays responsive, the work is asynchronous), stores the choice in the
 * tuner's record format, and rebuilds the host's engines on it. A lost device or any error leaves
 * everything as it was and says why.
 *
 * Training runs build their own engines without asking the host (src/engine/train/gpuRun.ts) and
 * the page installs no device-wide tuner, so they keep the direct kernels: a run's kernels never
 * change while it runs, and a page checkpoint resumes bit for bit in the CLI, whose resume of a
 * checkpoint without a log runs the direct kernels (docs/TRAINING.md).
 */
import { TUNE_BATCH, adapterKey, formatChoice, parseChoice, storeKey, tuneKernels, webStorageStore, type AdapterReport, type KernelChoice, type KernelStore, type KernelTiming, type ModelSpec } from '../../engine';
import { INFERENCE_BATCH } from '../../engine/host/engineHost';
import type { AppStore } from '../store';
import { bootKernels, deviceKernels, recordText, type DeviceKernels, type KernelRecord } from './kernelChoice';

/** The engine host's part that the kernels use (EngineHost; tests hand in a fake). */
export interface KernelHost {
  readonly adapter: AdapterReport | null;
  readonly device: GPUDevice | null;
  onDevice<T>(fn: (device: GPUDevice) => Promise<T>): Promise<T>;
  rebuildEngines(): Promise<string[]>;
}

/** tuneKernels' signature (tests hand in a fake). */
export type TuneFn = (device: GPUDevice, spec: ModelSpec, maxBatch: number) => Promise<{ choice: KernelChoice; timings: KernelTiming[]; ms: number; compileMs: number }>;

/** A store, or why there is none. */
export interface KernelStorage {
  store: KernelStore | null;
  problem: string | null;
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The page's localStorage as a KernelStore; reading `localStorage` itself throws where storage is blocked. */
export function pageKernelStorage(): KernelStorage {
  try {
    const ls = (globalThis as { localStorage?: Storage }).localStorage;
    if (!ls) return { store: null, problem: 'this page has no localStorage' };
    return { store: webStorageStore(ls), problem: null };
  } catch (e) {
    return { store: null, problem: reason(e) };
  }
}

/** The adapter's name in the store's keys (tuner.ts's adapterKey of the page's adapter report). */
export function adapterName(a: AdapterReport): string {
  return adapterKey(a);
}

export interface PageKernelsOptions {
  /** The store (default: localStorage, looked up at first use). */
  storage?: () => KernelStorage;
  tune?: TuneFn;
  /** ms since the epoch (the record's date, the run's wall time). */
  now?: () => number;
}

export class PageKernels {
  private host: KernelHost | null = null;
  private storage: KernelStorage | null = null;
  /** Choices timed in this page, by storeKey: they hold even where they could not be stored. */
  private readonly session = new Map<string, DeviceKernels>();
  private readonly getStorage: () => KernelStorage;
  private readonly tune: TuneFn;
  private readonly now: () => number;

  constructor(private readonly app: AppStore, opts: PageKernelsOptions = {}) {
    this.getStorage = opts.storage ?? pageKernelStorage;
    this.tune = opts.tune ?? tuneKernels;
    this.now = opts.now ?? (() => Date.now());
  }

  /** The host whose device and engines these are (services.ts, right after making it). */
  attach(host: KernelHost): void {
    this.host = host;
  }

  private kv(): KernelStorage {
    return (this.storage ??= this.getStorage());
  }

  /** The choice for `spec` on the adapter named `adapter`, without timing anything. */
  decide(spec: ModelSpec, adapter: string): DeviceKernels {
    const kv = this.kv();
    return this.session.get(storeKey(adapter, spec)) ?? bootKernels(kv.store, adapter, spec, kv.problem);
  }

  /** The host's hook: the kernels of an inference engine of `spec` (undefined: the direct kernels). */
  readonly kernelsFor = (spec: ModelSpec, adapter: AdapterReport): KernelChoice | undefined => {
    const d = this.decide(spec, adapterName(adapter));
    this.app.getState().setDeviceKernels(d);
    return d.source === 'default' ? undefined : parseChoice(d.choice, spec.levels.length);
  };

  /**
   * Times every kernel variant for `spec` on the host's device (in its queue), stores the fastest
   * per family and level, and rebuilds the host's engines on it. Resolves true when the new choice
   * is in use; false when it failed (the slice's timing says why) or a timing is already running.
   */
  async timeVariants(spec: ModelSpec): Promise<boolean> {
    const st = () => this.app.getState();
    if (st().deviceKernels.timing.status === 'running') return false;
    const t0 = this.now();
    st().setKernelTiming({ status: 'running', startedAt: t0, ms: null, message: null });
    try {
      const host = this.host;
      if (!host) throw new Error('no engine host');
      const { tuned, adapter } = await host.onDevice(async (device) => {
        const a = host.adapter;
        if (!a) throw new Error('there is no GPU adapter');
        // A lost device makes the GPU's work no-ops that finish at once: stop with the loss, never store its "timings".
        const lost = device.lost.then((info) => ({ lost: info.message || `reason: ${info.reason}` }));
        const out = await Promise.race([this.tune(device, spec, INFERENCE_BATCH), lost]);
        if ('lost' in out) throw new Error(`the GPU device was lost (${out.lost})`);
        if (host.device !== device) throw new Error('the GPU device was lost while the variants were timed');
        return { tuned: out, adapter: adapterName(a) };
      });
      const record: KernelRecord = {
        choice: formatChoice(tuned.choice),
        timings: tuned.timings,
        tuneMs: tuned.ms,
        compileMs: tuned.compileMs,
        batch: Math.max(1, Math.min(INFERENCE_BATCH, TUNE_BATCH)),
        date: new Date(this.now()).toISOString(),
      };
      const kv = this.kv();
      let note: string | null = null;
      if (!kv.store) note = `This browser’s storage is not available here${kv.problem ? ` (${kv.problem})` : ''}: the choice holds until this page is closed.`;
      else {
        try {
          await kv.store.set(storeKey(adapter, spec), recordText(record));
        } catch (e) {
          note = `The choice could not be stored (${reason(e)}): it holds until this page is closed.`;
        }
      }
      const d = deviceKernels(spec, adapter, tuned.choice, 'tuned', record, note);
      this.session.set(storeKey(adapter, spec), d);
      st().setDeviceKernels(d);
      await host.rebuildEngines();
      st().setKernelTiming({ status: 'done', startedAt: null, ms: this.now() - t0, message: null });
      return true;
    } catch (e) {
      st().setKernelTiming({ status: 'error', startedAt: null, ms: null, message: `Timing the kernel variants failed: ${reason(e)}. Nothing was changed: the engines keep their kernels.` });
      return false;
    }
  }
}
