/**
 * The t-switch-sparse kernels of shaders/sparse.wgsl (the 'sparse' kernel variant of a pooled
 * level's transpose and weight gradient): their descriptors and the plans that size a dispatch.
 * They are kept out of kernels.ts's KERNELS table, like the GEMM kernels, so that an engine on the
 * direct kernels never compiles them; a Step builds a pipeline on first use, the tuner prepares
 * them with the others it times.
 */
import { CONV_TC, CONV_TC_WIDE, CONV_TX, k, type Access, type KernelDesc } from './kernels';

const B: Access[] = ['read', 'read', 'read', 'rw', 'read'];

export const SPARSE_KERNELS = {
  /** One input channel block of 1 (the pixels), 4 or 8 channels a thread. */
  transpose1: k('sparse', 'sparse_transpose', B, 'sparseConv', false, { CB: 1 }),
  transpose: k('sparse', 'sparse_transpose', B, 'sparseConv'),
  transpose8: k('sparse', 'sparse_transpose', B, 'sparseConv', false, { CB: CONV_TC_WIDE }),
  /** One input channel a thread (fewer than 4: the pixels), or 4. */
  wgrad1: k('sparse', 'sparse_weight_grad', B, 'sparseWgrad', false, { IB: 1 }),
  wgrad: k('sparse', 'sparse_weight_grad', B, 'sparseWgrad'),
  switchMask: k('sparse', 'switch_mask', B, 'switchMask'),
} satisfies Record<string, KernelDesc>;

/**
 * sparse_transpose's channel block and threads for a level input of (n, cin, hin, win): 1 channel
 * a thread below 4 channels, 8 where 8 divides them, else 4 (as convTransposePlan).
 */
export function sparseTransposePlan(n: number, cin: number, hin: number, win: number): { kernel: KernelDesc; threads: number } {
  const cb = cin < CONV_TC ? 1 : cin % CONV_TC_WIDE === 0 ? CONV_TC_WIDE : CONV_TC;
  const kernel = cb === 1 ? SPARSE_KERNELS.transpose1 : cb === CONV_TC_WIDE ? SPARSE_KERNELS.transpose8 : SPARSE_KERNELS.transpose;
  return { kernel, threads: n * Math.ceil(cin / cb) * hin * Math.ceil(win / CONV_TX) };
}

/**
 * sparse_weight_grad's kernel and batch split (as wgradPlan: enough chunks that the threads reach
 * 256, at most one an image), its threads and its scratch (chunks x weights floats).
 */
export function sparseWgradPlan(n: number, cout: number, cin: number, kk: number): { kernel: KernelDesc; chunks: number; threads: number; scratch: number } {
  const ib = cin < 4 ? 1 : 4;
  const blocks = cout * Math.ceil(cin / ib) * kk * Math.ceil(kk / 4);
  const chunks = Math.max(1, Math.min(n, Math.ceil(256 / blocks)));
  return { kernel: ib === 1 ? SPARSE_KERNELS.wgrad1 : SPARSE_KERNELS.wgrad, chunks, threads: chunks * blocks, scratch: chunks * cout * cin * kk * kk };
}
