/**
 * The CLI's side of the kernel tuner (src/engine/gpu/tuner.ts): the store is a JSON file under a
 * cache directory (--kernel-cache DIR, else $DRMM_KERNEL_CACHE, else $XDG_CACHE_HOME/drmm-explainer
 * or ~/.cache/drmm-explainer), one entry per adapter and model shapes. A run names its kernels
 * with --kernels TEXT (the `kernels.choice` of an earlier log); a resumed run without --kernels
 * takes them from its own log, so it continues on the same variants (bit for bit on the adapter).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeKernels, lastKernelReport, useKernelTuner, type KernelStore } from '../../src/engine/gpu/tuner';
import { formatChoice } from '../../src/engine/gpu/convSteps';

/** A KernelStore over one JSON file ({ key: value }), written atomically; an unreadable file reads as empty. */
export function jsonFileStore(file: string): KernelStore {
  const read = (): Record<string, string> => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  return {
    get: (k) => read()[k] ?? null,
    set: (k, v) => {
      const all = { ...read(), [k]: v };
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(all, null, 2) + '\n');
      fs.renameSync(`${file}.tmp`, file);
    },
  };
}

export function defaultKernelCacheDir(): string {
  return process.env.DRMM_KERNEL_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'drmm-explainer');
}

/** The kernels an earlier log of this run recorded (for a resume), or undefined. */
export function loggedKernels(logFile: string): string | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(logFile, 'utf8')) as { kernels?: { choice?: string } };
    return j.kernels?.choice;
  } catch {
    return undefined;
  }
}

/** Turns the tuner on for the CLI's device. */
export function cliKernelTuner(device: GPUDevice, adapter: string, opts: { kernels?: string; cacheDir?: string }): string {
  const file = path.join(opts.cacheDir ?? defaultKernelCacheDir(), 'kernels.json');
  useKernelTuner(device, { adapter, store: jsonFileStore(file), ...(opts.kernels ? { kernels: opts.kernels } : {}) });
  return file;
}

/** What a training log records of the kernels: the choice (reusable as --kernels), how it was made, the timings. */
export function kernelLogEntry(device: GPUDevice): Record<string, unknown> | null {
  const r = lastKernelReport(device);
  if (!r) return null;
  return { choice: formatChoice(r.choice), source: r.source, about: describeKernels(r), tuneMs: r.tuneMs, tuneBatch: r.batch, timings: r.timings };
}
