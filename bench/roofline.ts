/**
 * The roofline figures (issue 16 item 4), for the browser bench and the Node bench alike (no
 * Node or DOM API here). FLOPs are the nominal multiply-adds of the convolution-shaped products,
 * 2 FLOPs each, counting every tap of every template at every output position (the padded taps
 * too, as FLOP counts of convolutions usually do); the read-out, the element-wise kernels and
 * Adam are left out (under 1% of the products' count in every preset). Per image:
 *
 *   F(l) = C(l) Hc(l) Wc(l) C(l-1) k(l)^2 multiply-adds (level l's template matching)
 *   inference forward: sum_l F(l)
 *   convnet step:      sum_l F(l) [forward] + F(l) [weight gradient] + F(l), l >= 2 [input gradient]
 *   EG step:           the convnet step + sum_l 3 F(l) [the rendering's transpose, the top-down
 *                      template matching of its error, the top-down weight gradient]
 *
 * The matrix-product peak is the best FLOP/s of a plain matrix product (a 1x1 template matching:
 * M = K = 256 channels, N = 16 images x 16 x 16 positions) over our kernels that can run it (every
 * GEMM tile, and the direct conv_forward), measured on the same adapter in the same run.
 */
import { shapesOf, type ModelSpec } from '../src/engine/model';
import { GEMM_TILES, gemmKernel, gemmPlan, type GemmTileName } from '../src/engine/gpu/gemm';
import { KERNELS, convForwardPlan, type KernelDesc } from '../src/engine/gpu/kernels';
import { convParams, gemmParams, type KernelParams } from '../src/engine/gpu/params';
import { GpuOwner, preparePipelines } from '../src/engine/gpu/runner';

export type StepKind = 'forward' | 'convnet' | 'eg';

/** Nominal FLOPs per image of a step kind (see the file's comment). */
export function stepFlops(spec: ModelSpec, kind: StepKind): number {
  const F = shapesOf(spec).levels.map((l) => l.c * l.hc * l.wc * l.cin * l.k * l.k);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const fwd = sum(F);
  const convnet = fwd + sum(F) + sum(F.slice(1));
  return 2 * (kind === 'forward' ? fwd : kind === 'convnet' ? convnet : convnet + 3 * fwd);
}

export interface MatmulRow {
  kernel: string;
  ms: number;
  gflops: number;
}

export interface MatmulPeak {
  shape: string;
  flops: number;
  best: MatmulRow;
  rows: MatmulRow[];
}

/** Times the plain matrix product with every kernel that can run it; the best is the peak. */
export async function matmulPeak(device: GPUDevice, trials = 3): Promise<MatmulPeak> {
  const g = { n: 16, cin: 256, hin: 16, win: 16, cout: 256, hout: 16, wout: 16, k: 1, pad: 0 };
  const flops = 2 * g.cout * g.cin * g.n * g.hout * g.wout;
  const own = new GpuOwner(device, 'bench.matmul');
  try {
    const x = own.buffer('x', g.n * g.cin * g.hin * g.win);
    const W = own.buffer('W', g.cout * g.cin);
    const b = own.buffer('b', g.cout);
    const u = own.buffer('u', g.n * g.cout * g.hout * g.wout);
    device.queue.writeBuffer(x, 0, new Float32Array(g.n * g.cin * g.hin * g.win).fill(0.5));
    device.queue.writeBuffer(W, 0, new Float32Array(g.cout * g.cin).fill(0.25));
    const cands: [string, KernelDesc, KernelParams][] = (Object.keys(GEMM_TILES) as GemmTileName[]).map((t) => [`gemm ${t}`, gemmKernel('forward', t), gemmParams(g, gemmPlan('forward', g, t))]);
    const direct = convForwardPlan(g.n, g.cout, g.hout, g.wout);
    cands.push([`direct ${KERNELS[direct.kernel].name}`, KERNELS[direct.kernel], convParams(g, direct.threads)]);
    await preparePipelines(device, cands.map((c) => c[1]));
    const rows: MatmulRow[] = [];
    for (const [name, desc, params] of cands) {
      const step = own.step(desc, [x, W, b, u], `matmul.${name}`);
      step.setDims(params);
      const once = async () => {
        const enc = device.createCommandEncoder();
        const pass = enc.beginComputePass();
        step.encode(pass);
        pass.end();
        const t0 = performance.now();
        device.queue.submit([enc.finish()]);
        await device.queue.onSubmittedWorkDone();
        return performance.now() - t0;
      };
      await once();
      let ms = Infinity;
      for (let i = 0; i < trials; i++) ms = Math.min(ms, await once());
      rows.push({ kernel: name, ms, gflops: flops / ms / 1e6 });
    }
    const best = rows.reduce((a, r) => (r.gflops > a.gflops ? r : a));
    return { shape: `M = K = ${g.cout}, N = ${g.n} x ${g.hout} x ${g.wout}`, flops, best, rows };
  } finally {
    own.destroy();
  }
}

/** GFLOP/s of a step kind at `msPerStep` for `batch` images. */
export function gflopsOf(spec: ModelSpec, kind: StepKind, batch: number, msPerStep: number): number {
  return (stepFlops(spec, kind) * batch) / msPerStep / 1e6;
}
