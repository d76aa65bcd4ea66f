/**
 * Whether a model file's architecture can run here, decided from its header alone, before the
 * file's tensors are read or any engine buffer is made (controller.ts calls it for every file,
 * saved model and shipped model it loads).
 *
 * On a WebGPU device a model must fit
 * - the device's own limits (gpu/limits.ts: one image's largest buffer, the weights' buffer, the
 *   largest dispatch, 64 invocations a workgroup), and
 * - GPU_MAX_BYTES, the app's budget for every buffer the inference engine and its path DP
 *   allocate for one image (gpu/limits.ts: bufferPlan). WebGPU does not say how much memory a
 *   device has; a device that runs out loses itself (and the tab's GPU work) instead of failing
 *   one allocation, so the app stays well inside what any device it runs on has.
 * A model that misses either runs on the CPU reference engine instead (engineHost.ts), where it
 * must fit the CPU budgets: CPU_MAX_VALUES values (float64) for one image's maps and the weights,
 * and CPU_MAX_MACS multiply-adds for one image's bottom-up pass (the reference engine runs on the
 * page's one thread: past that one inference takes seconds and freezes the tab). A model that fits
 * neither is refused, and the message names each limit it misses.
 *
 * For scale, drmm-mnist (the largest preset) needs 13.5 million multiply-adds and a few MiB.
 */
import {
  MODEL_FILE_MAGIC, MODEL_FILE_MAX_HEADER, MODEL_FILE_VERSIONS_READ, bufferPlan, capBatch, plannedBytes, shapesOf, validateSpec,
  type LimitsLike, type ModelSpec,
} from '../../engine';
import { Invalid, at, attempt, bool, int, oneOf, record, type Check } from './validate';

/** Every GPU buffer of one image's inference with path counts, at most (bytes). */
export const GPU_MAX_BYTES = 1024 * 2 ** 20;
/** Values (weights and one image's maps, held as float64) the CPU reference engine may hold. */
export const CPU_MAX_VALUES = 32 * 2 ** 20;
/** Multiply-adds of one image's bottom-up pass on the CPU reference engine. */
export const CPU_MAX_MACS = 200e6;

/** The numbers the limits are checked against. */
export interface ModelCost {
  /** Bytes of every buffer the GPU engine and its path DP allocate for one image. */
  gpuBytes: number;
  /** Values of the weights and one image's maps (the same maps the CPU engine keeps). */
  values: number;
  /** Multiply-adds of one image's bottom-up pass (template matching and the class read-out). */
  macs: number;
}

export function modelCost(spec: ModelSpec): ModelCost {
  const plan = bufferPlan(spec, 1, { paths: true });
  const sh = shapesOf(spec);
  let macs = spec.classes * sh.templateLength;
  for (const l of sh.levels) macs += l.c * l.hc * l.wc * l.cin * l.k * l.k;
  return {
    gpuBytes: plan.reduce((a, b) => a + plannedBytes(b, 1), 0),
    values: plan.reduce((a, b) => a + b.fixed + b.perImage, 0),
    macs,
  };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toLocaleString('en', { maximumFractionDigits: 1 })} MiB`;
const big = (n: number) => (n >= 1e9 ? `${(n / 1e9).toLocaleString('en', { maximumFractionDigits: 1 })} billion` : `${(n / 1e6).toLocaleString('en', { maximumFractionDigits: 1 })} million`);

/** Why the model cannot run on this device's GPU engine (its limits, then the app's budget), or null. */
export function gpuProblem(spec: ModelSpec, limits: LimitsLike, cost = modelCost(spec)): string | null {
  try {
    capBatch(spec, limits, 1, { paths: true });
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).replace(/^This model does not fit this GPU: /, 'on the GPU: ').replace(/\.$/, '');
  }
  if (cost.gpuBytes > GPU_MAX_BYTES) return `on the GPU, one image's buffers need ${mib(cost.gpuBytes)}, above the app's limit of ${mib(GPU_MAX_BYTES)}`;
  return null;
}

/** Why the model cannot run on the CPU reference engine, or null. */
export function cpuProblem(spec: ModelSpec, cost = modelCost(spec)): string | null {
  if (cost.macs > CPU_MAX_MACS) return `on the CPU engine, one image needs ${big(cost.macs)} multiply-adds, above its limit of ${big(CPU_MAX_MACS)}`;
  if (cost.values > CPU_MAX_VALUES) return `on the CPU engine, the weights and one image's maps need ${mib(cost.values * 8)}, above its limit of ${mib(CPU_MAX_VALUES * 8)}`;
  return null;
}

/**
 * Null when the model can run here: on the GPU (`limits`: the device's; null: no device), else on
 * the CPU engine. Otherwise the refusal, naming each limit.
 */
export function fitProblem(spec: ModelSpec, limits: LimitsLike | null): string | null {
  const cost = modelCost(spec);
  const gpu = limits ? gpuProblem(spec, limits, cost) : null;
  if (limits && !gpu) return null;
  const cpu = cpuProblem(spec, cost);
  if (!cpu) return null;
  return `this architecture is too large to run here: ${gpu ? `${gpu}; and ` : ''}${cpu}`;
}

// ---------------------------------------------------------------------------------------------
// the header alone

const level: Check<ModelSpec['levels'][number]> = (v, path) => {
  const o = record(v, path);
  return { kernel: at(o, 'kernel', int(1, 1e6), path), channels: at(o, 'channels', int(1, 1e9), path), pad: at(o, 'pad', int(0, 1e6), path), pool: at(o, 'pool', bool, path) };
};

const architecture: Check<ModelSpec> = (v, path) => {
  const o = record(v, path);
  const inp = at(o, 'input', record, path);
  const levels = at(
    o,
    'levels',
    (x, p) => {
      if (!Array.isArray(x) || x.length > 64) throw new Invalid(p, 'is not a list of levels');
      return x.map((l, i) => level(l, `${p}[${i}]`));
    },
    path,
  );
  const spec: ModelSpec = {
    input: { channels: at(inp, 'channels', int(1, 1e6), `${path}.input`), height: at(inp, 'height', int(1, 1e6), `${path}.input`), width: at(inp, 'width', int(1, 1e6), `${path}.input`) },
    levels,
    readout: at(o, 'readout', oneOf(['gap', 'dense'] as const), path),
    classes: at(o, 'classes', int(1, 1e6), path),
  };
  validateSpec(spec);
  return spec;
};

/**
 * The architecture a model file's header describes, read from the prefix and the JSON header only
 * (no tensor is touched); null when the file is not a model file this app reads, which the full
 * reader (readModelFile) then refuses with its own message.
 */
export function peekArchitecture(bytes: Uint8Array): ModelSpec | null {
  if (bytes.length < 16) return null;
  if (String.fromCharCode(...bytes.subarray(0, 8)) !== MODEL_FILE_MAGIC) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!MODEL_FILE_VERSIONS_READ.includes(dv.getUint32(8, true))) return null;
  const h = dv.getUint32(12, true);
  if (h > MODEL_FILE_MAX_HEADER || 16 + h > bytes.length) return null;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + h)));
  } catch {
    return null;
  }
  const got = attempt((v, p) => at(record(v, p), 'architecture', architecture, p), header, 'header');
  return got.ok ? got.value : null;
}
