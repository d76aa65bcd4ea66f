/**
 * The tuner's measurement: every kernel variant of every family at every level, on the model's
 * own shapes, at a small batch, on buffers of fixed pseudo-random values. A variant's time is the
 * best of TRIALS submits of REPS dispatches each (after one warm-up submit; a variant whose warm-up already
 * takes PRUNE times the best so far keeps that time and is not timed further), from the CPU clock around submit and onSubmittedWorkDone: what a user waits for,
 * and the same on every adapter (timestamp queries are an optional feature). The forward family
 * is timed as a whole level's bottom-up work (the direct variant's three dispatches against the
 * fused GEMM's one); the weight gradient with its reduction. The sparse variant runs only where it
 * fits (a pooled level's transpose and weight gradient), timed from the fine signal as the
 * rendering reads it (pool_gather, then the sparse kernel), on values with no zeros (none skipped)
 * and valid t-switches: what it saves in the trainer's bottom-up gradient (no unpool) is not counted.
 */
import { shapesOf, type LevelShape, type ModelSpec } from '../model';
import { KERNEL_FAMILIES, KERNEL_VARIANTS, LevelForward, Transpose, WeightGrad, variantFits, wgradScratch, type KernelChoice, type KernelFamily, type KernelVariant } from './convSteps';
import { GEMM_TILES, gemmKernel, type GemmEntry, type GemmTileName } from './gemm';
import { GpuOwner, preparePipelines } from './runner';
import { SPARSE_KERNELS } from './sparse';

export interface KernelTiming {
  family: KernelFamily;
  /** 1-based. */
  level: number;
  variant: KernelVariant;
  /** Milliseconds a dispatch (a level's forward: all its dispatches) at the tuning batch. */
  ms: number;
}

/** The batch the variants are timed at (or the engine's largest batch, if smaller). */
export const TUNE_BATCH = 8;
const REPS = 3;
const TRIALS = 2;
/** The warm-up run (pipeline built, so mostly the dispatch) past this many times the best so far ends a variant's timing. */
const PRUNE = 4;

const now = () => performance.now();

function fill(device: GPUDevice, b: GPUBuffer, elems: number, seed: number): void {
  const a = new Float32Array(elems);
  let s = seed >>> 0;
  for (let i = 0; i < elems; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  device.queue.writeBuffer(b, 0, a);
}

/** Best ms a dispatch; a variant whose first (warm-up) run already takes PRUNE x the best so far is not timed further. */
async function timeIt(device: GPUDevice, encode: (pass: GPUComputePassEncoder) => void, bestSoFar = Infinity): Promise<number> {
  const submit = async (reps: number) => {
    const enc = device.createCommandEncoder({ label: 'drmm.tune' });
    const pass = enc.beginComputePass({ label: 'drmm.tune' });
    for (let r = 0; r < reps; r++) encode(pass);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  const w0 = now();
  await submit(1);
  const warm = now() - w0;
  if (warm > PRUNE * bestSoFar) return warm;
  let best = Infinity;
  for (let t = 0; t < TRIALS; t++) {
    const t0 = now();
    await submit(REPS);
    best = Math.min(best, (now() - t0) / REPS);
  }
  return best;
}

/** One level's operands at batch n, and a runner of each family's variant on them. */
function levelBench(own: GpuOwner, l: LevelShape, n: number, i: number) {
  const { device } = own;
  const fineN = n * l.c * l.hc * l.wc;
  const coarseN = n * l.c * l.hout * l.wout;
  const inN = n * l.cin * l.hin * l.win;
  const wN = l.c * l.cin * l.k * l.k;
  const buf = (name: string, elems: number, seed?: number) => {
    const b = own.buffer(`tune.level${i + 1}.${name}`, elems);
    if (seed !== undefined) fill(device, b, elems, seed);
    return b;
  };
  const src = buf('src', inN, 1);
  const W = buf('W', wN, 2);
  const bias = buf('b', l.c, 3);
  const s = buf('s', fineN, 4);
  const [u, r, a] = [buf('u', fineN), buf('r', fineN), buf('a', fineN)];
  const [x, t] = l.pool ? [buf('x', coarseN), buf('t', coarseN)] : [null, null];
  // Valid t-switches (0..3) for the sparse variant, whatever the forward variants timed before wrote.
  if (t) device.queue.writeBuffer(t, 0, Uint32Array.from({ length: coarseN }, (_, j) => (j * 7 + (j >> 3)) % 4));
  const sw = t ? { t, coarse: buf('sCoarse', coarseN), gatherFrom: s } : null;
  const out = buf('out', inN);
  const dW = buf('dW', wN);
  const unused = buf('unused', 1);
  const scratch = buf('scratch', Math.max(...KERNEL_VARIANTS.map((v) => wgradScratch(v, n, l))));
  const name = `tune.level${i + 1}`;
  return (family: KernelFamily, v: KernelVariant): ((pass: GPUComputePassEncoder) => void) => {
    if (family === 'forward') {
      const f = new LevelForward(own, v, l, { src, W, b: bias, u, r, a, x, t }, `${name}.forward.${v}`);
      return (pass) => f.encode(pass, n);
    }
    if (family === 'transpose') {
      const tr = new Transpose(own, v, l, s, W, bias, out, `${name}.transpose.${v}`, sw);
      return (pass) => tr.encode(pass, n);
    }
    const g = new WeightGrad(own, v, l, s, src, unused, scratch, dW, `${name}.wgrad.${v}`, sw);
    return (pass) => g.encode(pass, n, false);
  };
}

/**
 * Times every variant and returns the fastest per family and level (the first listed on a tie:
 * 'direct'), with all the timings. The trainer's top-down template matching (convSteps' Match)
 * follows the forward family's choice: the same product without its epilogue.
 */
export async function tuneKernels(device: GPUDevice, spec: ModelSpec, maxBatch: number, candidates: readonly KernelVariant[] = KERNEL_VARIANTS): Promise<{ choice: KernelChoice; timings: KernelTiming[]; ms: number; compileMs: number }> {
  const t0 = now();
  const shapes = shapesOf(spec);
  const n = Math.max(1, Math.min(maxBatch, TUNE_BATCH));
  const tiles = candidates.filter((v): v is GemmTileName => v in GEMM_TILES);
  // Build every pipeline the candidates need without blocking, all at once (the model's forward
  // epilogues only; the trainer's plain 'forward' is built when a trainer first needs it).
  const entries: GemmEntry[] = [...new Set(shapes.levels.map((l): GemmEntry => (l.pool ? 'forwardPool' : 'forwardRelu'))), 'transpose', 'wgrad'];
  const sparse = candidates.includes('sparse') && shapes.levels.some((l) => l.pool) ? Object.values(SPARSE_KERNELS) : [];
  await preparePipelines(device, [...tiles.flatMap((tile) => entries.map((e) => gemmKernel(e, tile))), ...sparse]);
  const compileMs = now() - t0;
  const own = new GpuOwner(device, 'drmm.tune');
  const timings: KernelTiming[] = [];
  const choice: KernelChoice = { forward: [], transpose: [], wgrad: [] };
  try {
    for (const [i, l] of shapes.levels.entries()) {
      const bench = levelBench(own, l, n, i);
      for (const family of KERNEL_FAMILIES) {
        let best: KernelTiming | null = null;
        for (const variant of candidates) {
          if (!variantFits(family, variant, l)) continue;
          const ms = await timeIt(device, bench(family, variant), best?.ms);
          const tm: KernelTiming = { family, level: i + 1, variant, ms };
          timings.push(tm);
          if (!best || ms < best.ms) best = tm;
        }
        choice[family].push(best!.variant);
      }
    }
  } finally {
    own.destroy();
  }
  return { choice, timings, ms: now() - t0, compileMs };
}
