/**
 * The tuner's measurement: every kernel variant of every family at every level, on the model's
 * own shapes, at a small batch (TUNE_BATCH). A variant's time is the best of TRIALS submits of
 * REPS repetitions of its work (after one warm-up submit; a variant whose warm-up already takes
 * PRUNE times the best so far keeps that time and is not timed further), from the CPU clock around
 * submit and onSubmittedWorkDone: what a user waits for, and the same on every adapter (timestamp
 * queries are an optional feature).
 *
 * What each family's time covers, so that variants that move work between dispatches compare like
 * for like (the trainer's EG step, trainer.ts, and the engine's rendering backtrace):
 * - forward: the level's whole bottom-up pass: direct conv_forward + relu_forward (+ maxpool_forward)
 *   against one fused GEMM dispatch. The trainer's top-down template matching follows this choice.
 * - transpose, weight gradient at a level without pooling: the product alone (with wgrad_reduce),
 *   on a fine signal of random values; every variant there is preceded by the same a-mask.
 * - transpose at a pooled level: its use in the rendering, the direct or GEMM product on su (the
 *   fine signal, nonzero only at switched, ON positions) against pool_gather + sparse_transpose;
 *   above level 1 plus its use in the bottom-up gradient: unpool (through the t-switch) + the
 *   a-mask + the product on the fine g_u, against switch_mask + sparse_transpose on the coarse
 *   g_c. (Level 1's transpose, to the pixels, is only in the rendering.)
 * - weight gradient at a pooled level: its top-down use (the product on su, against pool_gather +
 *   sparse_weight_grad) plus its bottom-up use (unpool + a-mask + product, against switch_mask +
 *   sparse_weight_grad), each with its wgrad_reduce.
 * Not counted: the bias gradient, which reads the fine or the coarse map (4x fewer values) after
 * either. The bottom-up preparation is one per level in the trainer, whichever product reads it;
 * both families count it, so at a pooled level above the first the two are chosen together with
 * it counted once (choosePooledPair, from the preparations timed alone: `shared`). An engine that
 * only renders (the app's inference) uses just the rendering's part of the transpose's time.
 * The operands: fixed pseudo-random values; at a pooled level a valid t-switch, a coarse signal,
 * a-switches about half ON (levelBench).
 */
import { shapesOf, type LevelShape, type ModelSpec } from '../model';
import { KERNEL_FAMILIES, KERNEL_VARIANTS, LevelForward, Transpose, WeightGrad, variantFits, wgradScratch, type KernelChoice, type KernelFamily, type KernelVariant, type Switched } from './convSteps';
import { GEMM_TILES, gemmKernel, type GemmEntry, type GemmTileName } from './gemm';
import { KERNELS } from './kernels';
import { levelPool, reluTopDownParams, switchMaskParams, unpoolParams } from './params';
import { GpuOwner, preparePipelines } from './runner';
import { SPARSE_KERNELS } from './sparse';

export interface KernelTiming {
  family: KernelFamily;
  /** 1-based. */
  level: number;
  variant: KernelVariant;
  /** Milliseconds of the family's work at the level at the tuning batch, every dispatch the file's comment lists. */
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

type Encode = (pass: GPUComputePassEncoder) => void;

/** Runs the encoders in order: one family's work made of several dispatches. */
const all = (...es: Encode[]): Encode => (pass) => es.forEach((e) => e(pass));

/** A u32 buffer of n words from f(index). */
function fillU32(device: GPUDevice, b: GPUBuffer, n: number, f: (j: number) => number): void {
  device.queue.writeBuffer(b, 0, Uint32Array.from({ length: n }, (_, j) => f(j)));
}

/**
 * One level's operands at batch n, and a runner of each family's variant on them (the file's
 * comment says what each covers). At a pooled level the signals are shaped like the trainer's:
 * a valid t-switch, a coarse signal g_x of random values, a-switches about half ON, and the
 * rendering's fine signal su = that signal unpooled through t and masked by a (filled once here by
 * the same dispatches), so a quarter of its values or fewer are nonzero and the sparse kernels skip what they would skip.
 */
function levelBench(own: GpuOwner, l: LevelShape, n: number, i: number) {
  const { device } = own;
  const fineN = n * l.c * l.hc * l.wc;
  const coarseN = n * l.c * l.hout * l.wout;
  const inN = n * l.cin * l.hin * l.win;
  const wN = l.c * l.cin * l.k * l.k;
  const name = `tune.level${i + 1}`;
  const buf = (what: string, elems: number, seed?: number) => {
    const b = own.buffer(`${name}.${what}`, elems);
    if (seed !== undefined) fill(device, b, elems, seed);
    return b;
  };
  const src = buf('src', inN, 1);
  const W = buf('W', wN, 2);
  const bias = buf('b', l.c, 3);
  const [u, r, a] = [buf('u', fineN), buf('r', fineN), buf('a', fineN)];
  const [x, t] = l.pool ? [buf('x', coarseN), buf('t', coarseN)] : [null, null];
  const out = buf('out', inN);
  const dW = buf('dW', wN);
  const unused = buf('unused', 1);
  const scratch = buf('scratch', Math.max(...KERNEL_VARIANTS.map((v) => wgradScratch(v, n, l))));
  const forward = (v: KernelVariant): Encode => {
    const f = new LevelForward(own, v, l, { src, W, b: bias, u, r, a, x, t }, `${name}.forward.${v}`);
    return (pass) => f.encode(pass, n);
  };
  const transpose = (v: KernelVariant, s: GPUBuffer, sw: Switched | null, tag: string): Encode => {
    const tr = new Transpose(own, v, l, s, W, bias, out, `${name}.transpose.${tag}.${v}`, sw);
    return (pass) => tr.encode(pass, n);
  };
  const wgrad = (v: KernelVariant, A: GPUBuffer, sw: Switched | null, tag: string, accumulate: boolean): Encode => {
    const g = new WeightGrad(own, v, l, A, src, unused, scratch, dW, `${name}.wgrad.${tag}.${v}`, sw);
    return (pass) => g.encode(pass, n, accumulate);
  };
  if (!l.pool) {
    // Without pooling every variant reads the same fine signal after the same mask: the product alone.
    const s = buf('s', fineN, 4);
    return {
      shared: null,
      run: (family: KernelFamily, v: KernelVariant): Encode =>
        family === 'forward' ? forward(v) : family === 'transpose' ? transpose(v, s, null, 'fine') : wgrad(v, s, null, 'fine', false),
    };
  }
  // The switches the products read: separate from the forward variants' t and a, which they overwrite.
  const tSw = buf('tSwitch', coarseN);
  fillU32(device, tSw, coarseN, (j) => (j * 7 + (j >> 3)) % 4);
  const aSw = buf('aSwitch', fineN);
  fillU32(device, aSw, fineN, (j) => (Math.imul(j + 1, 2654435761) >>> 31) & 1);
  const gx = buf('gx', coarseN, 5);
  const [gr, gu, gc, suCoarse] = [buf('gr', fineN), buf('gu', fineN), buf('gc', coarseN), buf('suCoarse', coarseN)];
  const g = levelPool(n, l);
  const unpool = own.step(KERNELS.unpool, [gx, gr, tSw], `${name}.unpool`);
  const mask = own.step(KERNELS.reluTopDown, [gr, gu, aSw], `${name}.mask`);
  const switchMask = own.step(SPARSE_KERNELS.switchMask, [gx, tSw, unused, gc, aSw], `${name}.switchMask`);
  // The trainer's bottom-up work before a pooled level's products: unpool + mask (fine g_u), or switch_mask (coarse g_c).
  const fine: Encode = (pass) => {
    unpool.setDims(unpoolParams(g)).encode(pass);
    mask.setDims(reluTopDownParams('gradient', fineN)).encode(pass);
  };
  const coarse: Encode = (pass) => switchMask.setDims(switchMaskParams(g)).encode(pass);
  // su (the rendering's signal) = gu: the timed bottom-up work rewrites it with the same values.
  const enc = device.createCommandEncoder({ label: `${name}.su` });
  const pass = enc.beginComputePass();
  fine(pass);
  pass.end();
  device.queue.submit([enc.finish()]);
  const su = gu;
  const render: Switched = { t: tSw, coarse: suCoarse, gatherFrom: su };
  const bottomUp: Switched = { t: tSw, coarse: gc };
  const prep = (v: KernelVariant) => (v === 'sparse' ? coarse : fine);
  return {
    shared: { fine, coarse },
    run: (family: KernelFamily, v: KernelVariant): Encode => {
      if (family === 'forward') return forward(v);
      if (family === 'transpose') {
        const td = transpose(v, su, render, 'render');
        return i === 0 ? td : all(td, prep(v), transpose(v, gu, bottomUp, 'bu'));
      }
      return all(wgrad(v, su, render, 'td', false), prep(v), wgrad(v, gu, bottomUp, 'bu', true));
    },
  };
}

/** A pooled level's shared bottom-up work, timed alone (ms): what the trainer runs once whichever product needs it. */
export interface SharedTiming {
  /** 1-based. */
  level: number;
  /** unpool + the a-mask: fine g_u, which any non-sparse transpose or weight gradient reads. */
  unpoolMask: number;
  /** switch_mask: coarse g_c, which any sparse one reads. */
  switchMask: number;
}

type Timed = Pick<KernelTiming, 'variant' | 'ms'>;

/**
 * The transpose and weight-gradient variants at a pooled level above the first, chosen together.
 * Each family's time counts its bottom-up preparation (unpool + mask for a non-sparse variant,
 * switch_mask for sparse), but the trainer runs each preparation once for the level: so two
 * non-sparse products share one unpool + mask (subtract it once) and two sparse ones one
 * switch_mask; one of each runs both. The fastest pair in the order (non-sparse, non-sparse),
 * (non-sparse, sparse), (sparse, non-sparse), (sparse, sparse) wins, the first on a tie, where the
 * non-sparse one is each family's fastest non-sparse variant (the first listed on a tie).
 */
export function choosePooledPair(transpose: readonly Timed[], wgrad: readonly Timed[], shared: SharedTiming): [KernelVariant, KernelVariant] {
  const bestOf = (rows: readonly Timed[], sparse: boolean) =>
    rows.filter((r) => (r.variant === 'sparse') === sparse).reduce<Timed | null>((b, r) => (!b || r.ms < b.ms ? r : b), null);
  let best: { pair: [KernelVariant, KernelVariant]; ms: number } | null = null;
  for (const ts of [false, true])
    for (const ws of [false, true]) {
      const [tr, wg] = [bestOf(transpose, ts), bestOf(wgrad, ws)];
      if (!tr || !wg) continue;
      const ms = tr.ms + wg.ms - (!ts && !ws ? shared.unpoolMask : ts && ws ? shared.switchMask : 0);
      if (!best || ms < best.ms) best = { pair: [tr.variant, wg.variant], ms };
    }
  if (!best) throw new Error(`choosePooledPair: no timing for level ${shared.level}'s transpose or weight gradient`);
  return best.pair;
}

/**
 * Times every variant and returns the fastest per family and level (the first listed on a tie:
 * 'direct'; at a pooled level above the first, the transpose and weight gradient together,
 * choosePooledPair), with all the timings and each pooled level's shared preparation. The trainer's top-down template matching (convSteps' Match)
 * follows the forward family's choice: the same product without its epilogue.
 */
export async function tuneKernels(device: GPUDevice, spec: ModelSpec, maxBatch: number, candidates: readonly KernelVariant[] = KERNEL_VARIANTS): Promise<{ choice: KernelChoice; timings: KernelTiming[]; shared: SharedTiming[]; ms: number; compileMs: number }> {
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
  const shared: SharedTiming[] = [];
  try {
    for (const [i, l] of shapes.levels.entries()) {
      const bench = levelBench(own, l, n, i);
      const rows = (family: KernelFamily) => timings.filter((x) => x.family === family && x.level === i + 1);
      for (const family of KERNEL_FAMILIES) {
        let best: KernelTiming | null = null;
        for (const variant of candidates) {
          if (!variantFits(family, variant, l)) continue;
          const ms = await timeIt(device, bench.run(family, variant), best?.ms);
          const tm: KernelTiming = { family, level: i + 1, variant, ms };
          timings.push(tm);
          if (!best || ms < best.ms) best = tm;
        }
        choice[family].push(best!.variant);
      }
      if (bench.shared) {
        const sh: SharedTiming = { level: i + 1, unpoolMask: await timeIt(device, bench.shared.fine), switchMask: await timeIt(device, bench.shared.coarse) };
        shared.push(sh);
        // Level 1 has no bottom-up transpose: its weight gradient alone decides which preparation runs, and its time says so exactly.
        if (i > 0) [choice.transpose[i], choice.wgrad[i]] = choosePooledPair(rows('transpose'), rows('wgrad'), sh);
      }
    }
  } finally {
    own.destroy();
  }
  return { choice, timings, shared, ms: now() - t0, compileMs };
}
