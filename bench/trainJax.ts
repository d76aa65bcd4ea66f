/**
 * The convnet in @jax-js/jax (issue 16 item 3): the same network as ours and tfjs's (template
 * matching with bias, ReLU, 2x2 max-pool, the read-out), the same initial parameters, the mean
 * softmax cross-entropy over the batch, and Adam (beta1 0.9, beta2 0.999, eps 1e-8, bias-corrected
 * as in gpu/params.ts's adamParams) written in jax-js ops. The whole step (loss, gradients by
 * valueAndGrad, Adam) is one jit-compiled function, which is how jax-js is meant to be used: its
 * compiler fuses the step's element-wise work into the kernels around it.
 *
 * jax-js owns its arrays by reference count: every function consumes its arguments, `.ref` keeps
 * one for another use (see its README). The step below uses each parameter and moment once
 * except where `.ref` says otherwise.
 */
import { defaultDevice, init, jit, lax, nn, numpy as np, valueAndGrad } from '@jax-js/jax';
import { shapesOf, type ModelParams, type ModelSpec } from '../src/engine/model';
import type { TrainStepper } from './trainImpl';

type A = np.Array;
type Params = { W: A[]; b: A[]; mu: A; bc: A };

export async function jaxStepper(spec: ModelSpec, params: ModelParams, lr: number, device: 'webgpu' | 'wasm' = 'webgpu'): Promise<TrainStepper> {
  const got = await init(device);
  if (!got.includes(device)) throw new Error(`jax-js: no ${device} device (init gave: ${got.join(', ') || 'none'})`);
  defaultDevice(device);
  const sh = shapesOf(spec);
  for (const l of sh.levels)
    if (l.pool && (l.hc % 2 || l.wc % 2)) throw new Error(`jax-js stepper: max-pool over an odd ${l.hc}x${l.wc} map is not built here`);
  const C = spec.classes;
  const top = sh.top;

  // One forward pass to the mean cross-entropy; x [N, C0, H, W], y one-hot [N, classes].
  const loss = (p: Params, x: A, y: A): A => {
    let h = x;
    sh.levels.forEach((l, i) => {
      h = lax.conv(h, p.W[i], [1, 1], [[l.pad, l.pad], [l.pad, l.pad]]).add(p.b[i].reshape([1, l.c, 1, 1]));
      h = nn.relu(h);
      if (l.pool) h = np.max(h.reshape([-1, l.c, l.hc / 2, 2, l.wc / 2, 2]), [3, 5]);
    });
    const feat = spec.readout === 'dense' ? h.reshape([-1, top.c * top.h * top.w]) : np.mean(h, [2, 3]);
    const scores = np.matmul(feat, np.transpose(p.mu)).add(p.bc);
    const logp = nn.logSoftmax(scores, -1);
    return np.sum(y.mul(logp)).mul(-1).div(x.shape[0]);
  };

  const flat = (p: Params): A[] => [...p.W, ...p.b, p.mu, p.bc];
  const unflat = (a: A[]): Params => {
    const L = sh.levels.length;
    return { W: a.slice(0, L), b: a.slice(L, 2 * L), mu: a[2 * L], bc: a[2 * L + 1] };
  };
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  // One step: (params, m, v, x, y, lr_t, eps_t) -> [loss, params', m', v'] (Adam as adamParams folds it).
  const step = jit((p: Params, m: A[], v: A[], x: A, y: A, lrT: A, epsT: A) => {
    const [value, g] = valueAndGrad(loss)({ W: p.W.map((a) => a.ref), b: p.b.map((a) => a.ref), mu: p.mu.ref, bc: p.bc.ref }, x, y);
    const gs = flat(g);
    const ps = flat(p);
    const m2 = m.map((mi, i) => mi.mul(b1).add(gs[i].ref.mul(1 - b1)));
    const v2 = v.map((vi, i) => vi.mul(b2).add(gs[i].ref.mul(gs[i]).mul(1 - b2)));
    const p2 = ps.map((pi, i) => pi.sub(m2[i].ref.mul(lrT.ref).div(np.sqrt(v2[i].ref).add(epsT.ref))));
    lrT.dispose();
    epsT.dispose();
    return [value, unflat(p2), m2, v2] as [A, Params, A[], A[]];
  });

  let p: Params = {
    W: params.weights.map((w, i) => {
      const l = sh.levels[i];
      return np.array(Float32Array.from(w)).reshape([l.c, l.cin, l.k, l.k]);
    }),
    b: params.biases.map((b) => np.array(Float32Array.from(b))),
    mu: np.array(Float32Array.from(params.mu)).reshape([C, sh.templateLength]),
    bc: np.array(Float32Array.from(params.classBias)),
  };
  let m = flat(p).map((a) => np.zerosLike(a.ref));
  let v = flat(p).map((a) => np.zerosLike(a.ref));
  let t = 0;
  let last: A | null = null;
  const per = spec.input.channels * spec.input.height * spec.input.width;
  return {
    impl: 'jaxWebgpu',
    description: `@jax-js/jax on ${device}: convnet, CE, Adam in jax-js ops, the whole step one jit function`,
    activate: async () => {
      defaultDevice(device);
    },
    step(b) {
      t++;
      const c2 = Math.sqrt(1 - b2 ** t);
      const n = b.labels.length;
      const x = np.array(b.images.slice(0, n * per)).reshape([n, spec.input.channels, spec.input.height, spec.input.width]);
      const y = np.array(b.oneHot.slice(0, n * C)).reshape([n, C]);
      last?.dispose();
      [last, p, m, v] = step(p, m, v, x, y, np.array([(lr * c2) / (1 - b1 ** t)]), np.array([eps * c2]));
    },
    async sync() {
      if (!last) throw new Error('jax-js: sync before any step');
      const ce = (await last.ref.data())[0];
      return { ce, total: ce };
    },
    dispose() {
      last?.dispose();
      for (const a of [...flat(p), ...m, ...v]) a.dispose();
      step.dispose();
    },
  };
}
