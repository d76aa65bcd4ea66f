/**
 * The convnet baseline trained by TensorFlow.js on one of its backends (WebGPU or WebGL): the
 * network of bench/tfjsNet.ts (conv + bias + ReLU, 2x2 max-pool per level, the read-out), our
 * initial parameters copied into tf.variables, softmax cross-entropy averaged over the batch
 * (tf.losses.softmaxCrossEntropy), and tfjs-core's own Adam (tf.train.adam) with the same
 * learning rate, betas and epsilon as ours, through `optimizer.minimize` (variableGrads and
 * applyGradients). Each step uploads the batch (images and one-hot labels) as new tensors.
 *
 * tfjs folds bias and ReLU into its fused convolution only when no gradient is being recorded
 * (fused ops' shouldFuse), so under minimize the `fused` network also runs conv2d, add and relu.
 */
import type { ModelParams, ModelSpec } from '../src/engine';
import { tf, tfjsParams, tfjsScores, useBackend, type TfjsParams } from './tfjsNet';
import type { TrainStepper } from './trainImpl';
import type { KernelSum } from './types';

export async function tfjsStepper(backend: 'webgpu' | 'webgl', spec: ModelSpec, params: ModelParams, lr: number, fused: boolean): Promise<TrainStepper> {
  await useBackend(backend);
  const p: TfjsParams = tfjsParams(spec, params, (t) => {
    const v = tf.variable(t, true);
    t.dispose();
    return v as unknown as typeof t;
  });
  const vars = [...p.levels.flatMap((l) => [l.filter, l.bias]), p.muT, p.classBias] as unknown as tf.Variable[];
  // Created with its backend current: Adam's own state lives on the backend that made it.
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  let last: tf.Scalar | null = null;
  const stepper: TrainStepper = {
    impl: backend === 'webgpu' ? 'tfjsWebgpu' : 'tfjsWebgl',
    description: `tfjs ${tf.version_core} ${backend === 'webgpu' ? 'WebGPU' : 'WebGL'} backend: convnet, CE, tf.train.adam via minimize`,
    activate: () => useBackend(backend),
    step(b) {
      const n = b.labels.length;
      const y = tf.tensor2d(b.oneHot, [n, spec.classes]);
      const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, tfjsScores(spec, p, b.images, n, fused)) as tf.Scalar, true, vars);
      y.dispose();
      last?.dispose();
      last = cost;
    },
    async sync() {
      if (!last) throw new Error('tfjs: sync before any step');
      const [ce] = await last.data();
      return { ce, total: ce };
    },
    async profileStep(b) {
      await useBackend(backend);
      const info = await tf.profile(async () => {
        stepper.step(b);
        await stepper.sync();
      });
      const sums = new Map<string, KernelSum>();
      for (const k of info.kernels) {
        const s = sums.get(k.name) ?? { kernel: k.name, ms: 0, count: 0 };
        s.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : NaN; // {error}: the backend has no GPU timer
        s.count++;
        sums.set(k.name, s);
      }
      return [...sums.values()].sort((a, b) => (b.ms || 0) - (a.ms || 0));
    },
    dispose() {
      last?.dispose();
      opt.dispose();
      tf.dispose(vars);
    },
  };
  return stepper;
}

/** What tfjs's WebGL backend runs on, read from its own GL context. */
export async function webglInfo(): Promise<{ renderer: string; version: string; float32Textures: boolean; flags: Record<string, unknown> }> {
  await useBackend('webgl');
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } };
  const gl = backend.gpgpu?.gl;
  if (!gl) throw new Error('tfjs WebGL backend has no GL context');
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return {
    renderer: String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)),
    version: String(gl.getParameter(gl.VERSION)),
    // What the arithmetic runs in. (The backend's floatPrecision() reports 16 whenever float32
    // rendering is enabled: it only probes for underflow when it is not, so it is not recorded.)
    float32Textures: Boolean(tf.env().get('WEBGL_RENDER_FLOAT32_ENABLED')),
    flags: Object.fromEntries(
      ['WEBGL_VERSION', 'WEBGL_RENDER_FLOAT32_CAPABLE', 'WEBGL_RENDER_FLOAT32_ENABLED', 'WEBGL_FORCE_F16_TEXTURES', 'WEBGL_PACK', 'WEBGL_CONV_IM2COL'].map((f) => [f, tf.env().get(f)]),
    ),
  };
}
