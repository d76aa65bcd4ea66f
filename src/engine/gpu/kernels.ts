/**
 * One descriptor per kernel: its WGSL family (file), entry point, bindings after the uniform at
 * binding 0, and which parameter builder (gpu/params.ts) fills its uniform. 'read' is read-only
 * storage, 'rw' read-write storage. Explicit layouts (not 'auto') so a kernel may leave a binding
 * of its family unused.
 *
 * The sizes the dispatch grid and the shaders share are written here once and reach the WGSL as
 * `override` constants (no string templating): every pipeline gets SHADER_CONSTANTS (the
 * workgroup size and the values of `Dims.mode`), its family's FAMILY_CONSTANTS (register blocks)
 * and its own `constants` (a wider block). The WGSL declares them without defaults, so a value
 * missing here fails pipeline creation instead of diverging silently.
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
import gemm from '../../../shaders/gemm.wgsl?raw';
import sparse from '../../../shaders/sparse.wgsl?raw';

export type Access = 'read' | 'rw';

/** Threads a workgroup: the WGSL's `@workgroup_size(WG)` and the grid of gridFor (runner.ts). */
export const WORKGROUP = 64;
/** Workgroups in one row of the dispatch grid (WebGPU's default maxComputeWorkgroupsPerDimension); flat_id spans rows. */
export const GRID_ROW = 65535;

/**
 * The values of `Dims.mode` (common.wgsl declares each as an override; gpu/params.ts's builders
 * are the only writers). Each kernel's header says which of them it reads:
 * - MODE_ACCUMULATE (bit): add into dst instead of overwriting it (gradient kernels);
 * - MODE_DENSE (bit): the read-out is dense (mu_c spans the whole top map, C x H x W entries),
 *   else the global average (mu_c has C entries): the read-out kind, for every read-out kernel;
 * - VARIANT_*: the top-down step relu_topdown applies (and topdown_backward's rendering or gradient);
 * - SQ_*: what metrics_sq squares; PATHS_POSSIBLE: the path DP with every switch ON;
 * - ADAM_NONNEGATIVE: adam_step projects the updated tensor onto p >= 0.
 */
export const MODE = {
  MODE_ACCUMULATE: 1,
  MODE_DENSE: 2,
  VARIANT_GRADIENT: 0,
  VARIANT_RENDERING: 1,
  VARIANT_DECONVNET: 2,
  SQ_DIFFERENCE: 0,
  SQ_NEGATIVE_PART: 1,
  PATHS_ACTIVE: 0,
  PATHS_POSSIBLE: 1,
  ADAM_NONNEGATIVE: 1,
} as const;

/** conv.wgsl's register block: each thread computes CB channels (CONV_TC, or CONV_TC_WIDE for the
 * `...8` kernels) x CONV_TX x-positions. TX and TR are the four lanes of the WGSL's vec4
 * accumulators: only the channel block may change. */
export const CONV_TX = 4;
export const CONV_TC = 4;
/** The wide channel block (conv.wgsl's CB = 8), used where it divides the channels. */
export const CONV_TC_WIDE = 8;

/** conv_transpose_rows's register block: CONV_TR rows x CONV_TX x-positions of one channel. */
export const CONV_TR = 4;

/** gemm.wgsl's products (its `OP`): template matching, its transpose, the weight gradient. */
export const GEMM_OP = { GEMM_FORWARD: 0, GEMM_TRANSPOSE: 1, GEMM_WGRAD: 2 } as const;

/** Every pipeline's override constants (see the file's comment). */
export const SHADER_CONSTANTS: Record<string, number> = { WG: WORKGROUP, ...MODE };

/** Each family's register blocks; a kernel's own `constants` override them (CB = 8, WB = 8). */
export const FAMILY_CONSTANTS: Record<string, Record<string, number>> = {
  conv: { TX: CONV_TX, TR: CONV_TR, CB: CONV_TC },
  grad: { WB: CONV_TC },
  gemm: { ...GEMM_OP },
  sparse: { TX: CONV_TX, CB: CONV_TC, IB: 4 },
};

/** Which builder of gpu/params.ts fills a kernel's uniform (Step.setDims checks it). */
export type ParamKind =
  | 'conv' | 'relu' | 'reluTopDown' | 'maxPool' | 'unpool' | 'poolGather'
  | 'readoutScores' | 'softmax' | 'classStart' | 'unitStart'
  | 'pathsDownConv' | 'pathsDownPool' | 'pathsUpUnpool' | 'pathsUpConv' | 'pathsStart' | 'pathsActive'
  | 'weightGrad' | 'wgradReduce' | 'biasGrad' | 'readoutBackward' | 'readoutGradMu' | 'readoutGradBias'
  | 'scoresGrad' | 'reconGrad' | 'topdownBackward' | 'classStartBackward' | 'metricsScores' | 'metricsSq' | 'evalAccumulate'
  | 'adam' | 'gemm' | 'sparseConv' | 'sparseWgrad' | 'switchMask'
  | 'crRival' | 'crError' | 'crReconGrad' | 'metricsCr';

export interface KernelDesc {
  name: string;
  family: string;
  entry: string;
  bindings: Access[];
  /** The builder in gpu/params.ts whose parameters this kernel reads. */
  params: ParamKind;
  /** Runs as exactly one workgroup (reductions), whatever `total` is. */
  single?: boolean;
  /** This kernel's own override constants, over its family's (part of its name and pipeline key). */
  constants?: Record<string, number>;
}

const FAMILIES: Record<string, string> = { conv, relu, pool, readout, softmax, start, paths, grad, loss, adam, gemm, sparse };

export function familySource(family: string): string {
  const src = FAMILIES[family];
  if (src === undefined) throw new Error(`no WGSL family ${family}`);
  return `${common}\n${src}`;
}

/** The override constants of a kernel's pipeline: the shared ones, its family's, its own. */
export function pipelineConstants(desc: KernelDesc): Record<string, number> {
  return { ...SHADER_CONSTANTS, ...FAMILY_CONSTANTS[desc.family], ...desc.constants };
}

export const k = (family: string, entry: string, bindings: Access[], params: ParamKind, single = false, constants?: Record<string, number>): KernelDesc => ({
  name: `${family}.${entry}${constants ? `[${Object.entries(constants).map(([c, v]) => `${c}=${v}`).join(',')}]` : ''}`,
  family,
  entry,
  bindings,
  params,
  single,
  ...(constants ? { constants } : {}),
});

export const KERNELS = {
  convForward: k('conv', 'conv_forward', ['read', 'read', 'read', 'rw'], 'conv'),
  convForward8: k('conv', 'conv_forward', ['read', 'read', 'read', 'rw'], 'conv', false, { CB: CONV_TC_WIDE }),
  convTranspose8: k('conv', 'conv_transpose', ['read', 'read', 'read', 'rw'], 'conv', false, { CB: CONV_TC_WIDE }),
  convTranspose: k('conv', 'conv_transpose', ['read', 'read', 'read', 'rw'], 'conv'),
  convTransposeRows: k('conv', 'conv_transpose_rows', ['read', 'read', 'read', 'rw'], 'conv'),
  reluForward: k('relu', 'relu_forward', ['read', 'rw', 'rw'], 'relu'),
  reluTopDown: k('relu', 'relu_topdown', ['read', 'rw', 'rw'], 'reluTopDown'),
  maxPool: k('pool', 'maxpool_forward', ['read', 'rw', 'rw'], 'maxPool'),
  unpool: k('pool', 'unpool', ['read', 'rw', 'rw'], 'unpool'),
  readoutScores: k('readout', 'readout_scores', ['read', 'read', 'read', 'rw'], 'readoutScores'),
  softmaxArgmax: k('softmax', 'softmax_argmax', ['read', 'rw', 'rw'], 'softmax'),
  classStart: k('start', 'class_start', ['read', 'read', 'rw'], 'classStart'),
  unitStart: k('start', 'unit_start', ['read', 'read', 'rw'], 'unitStart'),
  pathsDownConv: k('paths', 'paths_down_conv', ['read', 'read', 'rw'], 'pathsDownConv'),
  pathsDownPool: k('paths', 'paths_down_pool', ['read', 'read', 'rw'], 'pathsDownPool'),
  pathsUpUnpool: k('paths', 'paths_up_unpool', ['read', 'read', 'rw'], 'pathsUpUnpool'),
  pathsUpConv: k('paths', 'paths_up_conv', ['read', 'read', 'rw'], 'pathsUpConv'),
  pathsStart: k('paths', 'paths_start', ['read', 'read', 'rw'], 'pathsStart'),
  pathsActive: k('paths', 'paths_active', ['read', 'read', 'rw'], 'pathsActive'),
  poolGather: k('pool', 'pool_gather', ['read', 'rw', 'rw'], 'poolGather'),
  convWeightGrad: k('grad', 'conv_weight_grad', ['read', 'read', 'rw'], 'weightGrad'),
  convWeightGrad8: k('grad', 'conv_weight_grad', ['read', 'read', 'rw'], 'weightGrad', false, { WB: CONV_TC_WIDE }),
  convWeightGradTaps: k('grad', 'conv_weight_grad_taps', ['read', 'read', 'rw'], 'weightGrad'),
  wgradReduce: k('grad', 'wgrad_reduce', ['read', 'read', 'rw'], 'wgradReduce'),
  convBiasGrad: k('grad', 'conv_bias_grad', ['read', 'read', 'rw'], 'biasGrad'),
  readoutBackward: k('grad', 'readout_backward', ['read', 'read', 'rw'], 'readoutBackward'),
  readoutGradMu: k('grad', 'readout_grad_mu', ['read', 'read', 'rw'], 'readoutGradMu'),
  readoutGradBias: k('grad', 'readout_grad_bias', ['read', 'read', 'rw'], 'readoutGradBias'),
  scoresGrad: k('loss', 'scores_grad', ['read', 'read', 'read', 'rw', 'rw'], 'scoresGrad'),
  reconGrad: k('loss', 'recon_grad', ['read', 'read', 'read', 'rw', 'rw'], 'reconGrad'),
  topdownBackward: k('loss', 'topdown_backward', ['read', 'read', 'read', 'rw', 'rw'], 'topdownBackward'),
  classStartBackward: k('loss', 'class_start_backward', ['read', 'read', 'read', 'rw', 'rw'], 'classStartBackward'),
  metricsScores: k('loss', 'metrics_scores', ['read', 'read', 'read', 'rw', 'rw'], 'metricsScores', true),
  metricsSq: k('loss', 'metrics_sq', ['read', 'read', 'read', 'rw', 'rw'], 'metricsSq', true),
  evalAccumulate: k('loss', 'eval_accumulate', ['read', 'read', 'read', 'rw', 'rw'], 'evalAccumulate', true),
  adamStep: k('adam', 'adam_step', ['read', 'rw', 'rw', 'rw'], 'adam'),
} satisfies Record<string, KernelDesc>;

export type KernelName = keyof typeof KERNELS;

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
  const outBlock = kernel === 'convWeightGrad8' ? CONV_TC_WIDE : CONV_TC;
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
