/**
 * The implicit-GEMM kernels of shaders/gemm.wgsl: their tile shapes, one descriptor per (entry
 * point, tile) and the plan that sizes a dispatch. A tile is WM x WN threads (WM WN = WORKGROUP),
 * each computing TM rows x TN columns, stepping K by BK; the shapes below keep the loads even
 * (BM BK and BN BK multiples of the workgroup) and WORKGROUP % BN == 0 (a thread's B column is
 * fixed), which `tileDims` checks.
 */
import { GEMM_OP, WORKGROUP, k, type Access, type KernelDesc } from './kernels';
import type { ConvGeometry } from './params';

export interface GemmTile {
  WM: number;
  TM: number;
  TN: number;
  BK: number;
}

/** The tile shapes the tuner may choose from, named by BM x BN. */
export const GEMM_TILES = {
  '32x32': { WM: 8, TM: 4, TN: 4, BK: 8 },
  '16x64': { WM: 4, TM: 4, TN: 4, BK: 8 },
  '32x64': { WM: 8, TM: 4, TN: 8, BK: 8 },
  '8x64': { WM: 4, TM: 2, TN: 4, BK: 16 },
} as const satisfies Record<string, GemmTile>;

export type GemmTileName = keyof typeof GEMM_TILES;

/** The tile's BM x BN, checked against the rules above. */
export function tileDims(t: GemmTile): { BM: number; BN: number } {
  const WN = WORKGROUP / t.WM;
  const BM = t.WM * t.TM;
  const BN = WN * t.TN;
  const ok = Number.isInteger(WN) && t.TM >= 1 && t.TM <= 4 && (t.TN === 4 || t.TN === 8) && WORKGROUP % BN === 0 && (BM * t.BK) % WORKGROUP === 0 && (BN * t.BK) % WORKGROUP === 0;
  if (!ok) throw new Error(`gemm tile ${JSON.stringify(t)} breaks gemm.wgsl's rules`);
  return { BM, BN };
}

/** The products: template matching (u only, + ReLU, + ReLU and max-pool), its transpose, the weight gradient. */
export type GemmEntry = 'forward' | 'forwardRelu' | 'forwardPool' | 'transpose' | 'wgrad';

const ENTRY: Record<GemmEntry, { entry: string; op: number; bindings: Access[] }> = {
  forward: { entry: 'gemm_forward', op: GEMM_OP.GEMM_FORWARD, bindings: ['read', 'read', 'read', 'rw'] },
  forwardRelu: { entry: 'gemm_forward_relu', op: GEMM_OP.GEMM_FORWARD, bindings: ['read', 'read', 'read', 'rw', 'rw', 'rw', 'rw', 'rw'] },
  forwardPool: { entry: 'gemm_forward_pool', op: GEMM_OP.GEMM_FORWARD, bindings: ['read', 'read', 'read', 'rw', 'rw', 'rw', 'rw', 'rw'] },
  transpose: { entry: 'gemm_store', op: GEMM_OP.GEMM_TRANSPOSE, bindings: ['read', 'read', 'read', 'rw'] },
  wgrad: { entry: 'gemm_store', op: GEMM_OP.GEMM_WGRAD, bindings: ['read', 'read', 'read', 'rw'] },
};

const descs = new Map<string, KernelDesc>();

/**
 * The descriptor of one product with one tile (made once, so its name keys the pipeline cache).
 * Bindings: src (x / s / A), aux (W / W / B), bias (read by the forward products only), dst (u /
 * out / partial dW), then for _relu and _pool r, the a-switch, the pooled map and the t-switch.
 */
export function gemmKernel(entry: GemmEntry, tile: GemmTileName): KernelDesc {
  const key = `${entry}.${tile}`;
  let d = descs.get(key);
  if (!d) {
    const e = ENTRY[entry];
    const t = GEMM_TILES[tile];
    tileDims(t);
    d = k('gemm', e.entry, e.bindings, 'gemm', false, { OP: e.op, WM: t.WM, TM: t.TM, TN: t.TN, BK: t.BK });
    descs.set(key, d);
  }
  return d;
}

export interface GemmPlan {
  chunks: number;
  colTiles: number;
  rowTiles: number;
  threads: number;
  poolOrder: boolean;
  /** The weight gradient's partial sums: chunks x weights floats (0 for the other products). */
  scratch: number;
}

/**
 * Sizes one dispatch: M x N tiles (see gemm.wgsl for M, N, K of each product) and, for the
 * weight gradient, enough batch chunks that the tiles x chunks fill about 32 workgroups (at most
 * one chunk an image): the product's K is the batch's positions, far longer than M or N.
 */
export function gemmPlan(entry: GemmEntry, g: ConvGeometry, tile: GemmTileName): GemmPlan {
  const { BM, BN } = tileDims(GEMM_TILES[tile]);
  const poolOrder = entry === 'forwardPool';
  const perImage = poolOrder ? 4 * Math.ceil(g.hout / 2) * Math.ceil(g.wout / 2) : entry === 'transpose' ? g.hin * g.win : g.hout * g.wout;
  const M = entry === 'transpose' ? g.cin : g.cout;
  const N = entry === 'wgrad' ? g.cin * g.k * g.k : g.n * perImage;
  const colTiles = Math.ceil(N / BN);
  const rowTiles = Math.ceil(M / BM);
  const chunks = entry === 'wgrad' ? Math.max(1, Math.min(g.n, Math.ceil(32 / (colTiles * rowTiles)))) : 1;
  const weights = g.cout * g.cin * g.k * g.k;
  return { chunks, colTiles, rowTiles, threads: colTiles * rowTiles * chunks * WORKGROUP, poolOrder, scratch: entry === 'wgrad' ? chunks * weights : 0 };
}
