/**
 * One descriptor per kernel: its WGSL family (file), entry point and bindings after the uniform at
 * binding 0. 'read' is read-only storage, 'rw' read-write storage. Explicit layouts (not 'auto')
 * so a kernel may leave a binding of its family unused.
 */
import common from '../../../shaders/common.wgsl?raw';
import conv from '../../../shaders/conv.wgsl?raw';
import relu from '../../../shaders/relu.wgsl?raw';
import pool from '../../../shaders/pool.wgsl?raw';
import readout from '../../../shaders/readout.wgsl?raw';
import softmax from '../../../shaders/softmax.wgsl?raw';
import start from '../../../shaders/start.wgsl?raw';
import paths from '../../../shaders/paths.wgsl?raw';
import grad from '../../../shaders/grad.wgsl?raw';
import loss from '../../../shaders/loss.wgsl?raw';
import adam from '../../../shaders/adam.wgsl?raw';

export type Access = 'read' | 'rw';

export interface KernelDesc {
  name: string;
  family: string;
  entry: string;
  bindings: Access[];
  /** Runs as exactly one workgroup (reductions), whatever `total` is. */
  single?: boolean;
  /** Values of the family's `override` constants for this kernel's pipeline (the rest keep their defaults). */
  constants?: Record<string, number>;
}

const FAMILIES: Record<string, string> = { conv, relu, pool, readout, softmax, start, paths, grad, loss, adam };

export function familySource(family: string): string {
  const src = FAMILIES[family];
  if (src === undefined) throw new Error(`no WGSL family ${family}`);
  return `${common}\n${src}`;
}

const k = (family: string, entry: string, bindings: Access[], single = false, constants?: Record<string, number>): KernelDesc => ({
  name: `${family}.${entry}${constants ? `[${Object.entries(constants).map(([c, v]) => `${c}=${v}`).join(',')}]` : ''}`,
  family,
  entry,
  bindings,
  single,
  ...(constants ? { constants } : {}),
});

export const KERNELS = {
  convForward: k('conv', 'conv_forward', ['read', 'read', 'read', 'rw']),
  convForward8: k('conv', 'conv_forward', ['read', 'read', 'read', 'rw'], false, { CB: 8 }),
  convTranspose8: k('conv', 'conv_transpose', ['read', 'read', 'read', 'rw'], false, { CB: 8 }),
  convTranspose: k('conv', 'conv_transpose', ['read', 'read', 'read', 'rw']),
  convTransposeRows: k('conv', 'conv_transpose_rows', ['read', 'read', 'read', 'rw']),
  reluForward: k('relu', 'relu_forward', ['read', 'rw', 'rw']),
  reluTopDown: k('relu', 'relu_topdown', ['read', 'rw', 'rw']),
  maxPool: k('pool', 'maxpool_forward', ['read', 'rw', 'rw']),
  unpool: k('pool', 'unpool', ['read', 'rw', 'rw']),
  readoutScores: k('readout', 'readout_scores', ['read', 'read', 'read', 'rw']),
  softmaxArgmax: k('softmax', 'softmax_argmax', ['read', 'rw', 'rw']),
  classStart: k('start', 'class_start', ['read', 'read', 'rw']),
  unitStart: k('start', 'unit_start', ['read', 'read', 'rw']),
  pathsDownConv: k('paths', 'paths_down_conv', ['read', 'read', 'rw']),
  pathsDownPool: k('paths', 'paths_down_pool', ['read', 'read', 'rw']),
  pathsUpUnpool: k('paths', 'paths_up_unpool', ['read', 'read', 'rw']),
  pathsUpConv: k('paths', 'paths_up_conv', ['read', 'read', 'rw']),
  pathsStart: k('paths', 'paths_start', ['read', 'read', 'rw']),
  pathsActive: k('paths', 'paths_active', ['read', 'read', 'rw']),
  poolGather: k('pool', 'pool_gather', ['read', 'rw', 'rw']),
  convWeightGrad: k('grad', 'conv_weight_grad', ['read', 'read', 'rw']),
  convWeightGrad8: k('grad', 'conv_weight_grad', ['read', 'read', 'rw'], false, { WB: 8 }),
  convWeightGradTaps: k('grad', 'conv_weight_grad_taps', ['read', 'read', 'rw']),
  wgradReduce: k('grad', 'wgrad_reduce', ['read', 'read', 'rw']),
  convBiasGrad: k('grad', 'conv_bias_grad', ['read', 'read', 'rw']),
  readoutBackward: k('grad', 'readout_backward', ['read', 'read', 'rw']),
  readoutGradMu: k('grad', 'readout_grad_mu', ['read', 'read', 'rw']),
  readoutGradBias: k('grad', 'readout_grad_bias', ['read', 'read', 'rw']),
  scoresGrad: k('loss', 'scores_grad', ['read', 'read', 'read', 'rw', 'rw']),
  reconGrad: k('loss', 'recon_grad', ['read', 'read', 'read', 'rw', 'rw']),
  topdownBackward: k('loss', 'topdown_backward', ['read', 'read', 'read', 'rw', 'rw']),
  classStartBackward: k('loss', 'class_start_backward', ['read', 'read', 'read', 'rw', 'rw']),
  metricsScores: k('loss', 'metrics_scores', ['read', 'read', 'read', 'rw', 'rw'], true),
  metricsSq: k('loss', 'metrics_sq', ['read', 'read', 'read', 'rw', 'rw'], true),
  evalAccumulate: k('loss', 'eval_accumulate', ['read', 'read', 'read', 'rw', 'rw'], true),
  adamStep: k('adam', 'adam_step', ['read', 'rw', 'rw', 'rw']),
} satisfies Record<string, KernelDesc>;

export type KernelName = keyof typeof KERNELS;

/** conv.wgsl's register block: each thread computes CB channels (CONV_TC, or CONV_TC_WIDE for the
 * `...8` kernels) x CONV_TX x-positions. */
export const CONV_TX = 4;
export const CONV_TC = 4;
/** The wide channel block (conv.wgsl's CB = 8), used where it divides the channels. */
export const CONV_TC_WIDE = 8;

/** conv_transpose_rows's register block: CONV_TR rows x CONV_TX x-positions of one channel. */
export const CONV_TR = 4;

/**
 * The weight gradient's kernel and batch split. Fewer than 4 input channels: the kernel that
 * blocks 4 taps of a template row instead of 4 input channels (no idle accumulators); else 8
 * output channels a thread where 8 divides them, 4 otherwise. Enough chunks that blocks x chunks
 * >= 256 threads, at most one chunk an image. Its threads, and the scratch it writes (chunks x
 * weights floats).
 */
export function wgradPlan(
  n: number, cout: number, cin: number, k: number,
  kernel: 'convWeightGrad' | 'convWeightGrad8' | 'convWeightGradTaps' =
    cin < 4 ? 'convWeightGradTaps' : cout % CONV_TC_WIDE === 0 ? 'convWeightGrad8' : 'convWeightGrad',
): { kernel: KernelName; chunks: number; threads: number; scratch: number } {
  const taps = kernel === 'convWeightGradTaps';
  const outBlock = kernel === 'convWeightGrad8' ? CONV_TC_WIDE : 4;
  const blocks = Math.ceil(cout / outBlock) * (taps ? cin * k * Math.ceil(k / 4) : Math.ceil(cin / 4) * k * k);
  const chunks = Math.max(1, Math.min(n, Math.ceil(256 / blocks)));
  return { kernel, chunks, threads: chunks * blocks, scratch: chunks * cout * cin * k * k };
}

/** Threads of a conv kernel blocked by `block` channels writing an (n, channels, h, w) map. */
export function convThreads(n: number, channels: number, h: number, w: number, block = CONV_TC): number {
  return n * Math.ceil(channels / block) * h * Math.ceil(w / CONV_TX);
}

/** The template-matching kernel and threads for an (n, cout, hout, wout) output: 8 channels a thread where 8 divides cout. */
export function convForwardPlan(
  n: number, cout: number, hout: number, wout: number,
  kernel: 'convForward' | 'convForward8' = cout % CONV_TC_WIDE === 0 ? 'convForward8' : 'convForward',
): { kernel: KernelName; threads: number } {
  return { kernel, threads: convThreads(n, cout, hout, wout, kernel === 'convForward8' ? CONV_TC_WIDE : CONV_TC) };
}

/**
 * The transpose's kernel and threads for a level input of (n, cin, hin, win): blocked by rows
 * when there are fewer input channels than a channel block (the pixels), by 8 channels when 8
 * divides them, by 4 otherwise.
 */
export function convTransposePlan(
  n: number, cin: number, hin: number, win: number,
  kernel: 'convTranspose' | 'convTranspose8' | 'convTransposeRows' =
    cin < CONV_TC ? 'convTransposeRows' : cin % CONV_TC_WIDE === 0 ? 'convTranspose8' : 'convTranspose',
): { kernel: KernelName; threads: number } {
  if (kernel === 'convTransposeRows') return { kernel, threads: n * cin * Math.ceil(hin / CONV_TR) * Math.ceil(win / CONV_TX) };
  return { kernel, threads: convThreads(n, cin, hin, win, kernel === 'convTranspose8' ? CONV_TC_WIDE : CONV_TC) };
}
