/**
 * The same network in TensorFlow.js: the baseline our kernels are measured against (inference on
 * the WebGPU backend; training, in bench/trainTfjs.ts, on the WebGPU and WebGL backends). Layouts
 * differ from the engine's, so the parameters are converted once, outside any timer:
 *  - templates W(l) are [Cout, Cin, k, k]; tfjs wants [k, k, Cin, Cout];
 *  - images are NCHW; tfjs works in NHWC;
 *  - a `dense` class template mu_c is over the CHW flattening of the top map, so the NHWC top map
 *    is transposed to NCHW before flattening; `gap` is the mean over H, W.
 * Our pooling drops a trailing odd row/column, which is tfjs's 'valid' 2x2/2 max-pool.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself (the @tensorflow/tfjs bundle imports these). After
// tfjs-core: registering reads tfjs-core's DEBUG flag, which must be defined by then.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-webgl';
import { shapesOf, type ModelParams, type ModelSpec } from '../src/engine';

export interface TfjsNet {
  /** Scores and probabilities of n images (NCHW floats, as the engine takes them). Caller disposes. */
  forward(images: Float32Array, n: number): { scores: tf.Tensor2D; probs: tf.Tensor2D };
  dispose(): void;
}

export async function useWebGpuBackend(): Promise<void> {
  await useBackend('webgpu');
}

/** Makes `name` tfjs's active backend (tensors stay on the backend that created them). */
export async function useBackend(name: 'webgpu' | 'webgl'): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not start its ${name === 'webgl' ? 'WebGL' : 'WebGPU'} backend`);
  await tf.ready();
}

/** The network's trainable tensors in tfjs layouts (tensors for inference, variables for training). */
export interface TfjsParams {
  /** Per level: filter [k, k, Cin, Cout] and bias [Cout]. */
  levels: { filter: tf.Tensor4D; bias: tf.Tensor1D }[];
  /** mu^T: [templateLength, classes], so scores = feature . muT + classBias. */
  muT: tf.Tensor2D;
  classBias: tf.Tensor1D;
}

/** Our parameters converted to tfjs layouts; `make` wraps each tensor (e.g. tf.variable). */
export function tfjsParams(spec: ModelSpec, params: ModelParams, make: <T extends tf.Tensor>(t: T) => T = (t) => t): TfjsParams {
  const shapes = shapesOf(spec);
  return {
    levels: shapes.levels.map((l, i) => ({
      // [Cout, Cin, k, k] -> [k, k, Cin, Cout]
      filter: make(tf.tidy(() => tf.transpose(tf.tensor4d(params.weights[i], [l.c, l.cin, l.k, l.k]), [2, 3, 1, 0]) as tf.Tensor4D)),
      bias: make(tf.tensor1d(params.biases[i])),
    })),
    muT: make(tf.tidy(() => tf.transpose(tf.tensor2d(params.mu, [spec.classes, shapes.templateLength])) as tf.Tensor2D)),
    classBias: make(tf.tensor1d(params.classBias)),
  };
}

export function disposeTfjsParams(p: TfjsParams): void {
  for (const { filter, bias } of p.levels) tf.dispose([filter, bias]);
  tf.dispose([p.muT, p.classBias]);
}

/**
 * The class scores of n images (NCHW floats, as the engine takes them), as tfjs ops: call it
 * inside tf.tidy or a gradient scope. `fused` (the default baseline) uses tf.fused.conv2d with
 * the bias and ReLU folded into the convolution, tfjs's fastest path for this layer; unfused is
 * conv2d, add, relu as three ops.
 */
export function tfjsScores(spec: ModelSpec, p: TfjsParams, images: Float32Array, n: number, fused: boolean): tf.Tensor2D {
  const shapes = shapesOf(spec);
  const { top } = shapes;
  const { channels: C, height: H, width: W } = spec.input;
  const nchw = tf.tensor4d(images.subarray(0, n * C * H * W), [n, C, H, W]);
  let x: tf.Tensor4D = C === 1 ? tf.reshape(nchw, [n, H, W, 1]) : tf.transpose(nchw, [0, 2, 3, 1]);
  shapes.levels.forEach((l, i) => {
    const { filter, bias } = p.levels[i];
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [l.pad, l.pad], [l.pad, l.pad], [0, 0]];
    const r = fused
      ? tf.fused.conv2d({ x, filter, strides: 1, pad, dataFormat: 'NHWC', bias, activation: 'relu' })
      : tf.relu(tf.add(tf.conv2d(x, filter, 1, pad, 'NHWC'), bias) as tf.Tensor4D);
    x = l.pool ? tf.maxPool(r, 2, 2, 'valid') : r;
  });
  const feature: tf.Tensor2D =
    spec.readout === 'gap' ? tf.mean(x, [1, 2]) : tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n, top.c * top.h * top.w]);
  return tf.add(tf.matMul(feature, p.muT), p.classBias) as tf.Tensor2D;
}

export function buildTfjsNet(spec: ModelSpec, params: ModelParams, fused = true): TfjsNet {
  const p = tfjsParams(spec, params);
  return {
    forward(images, n) {
      return tf.tidy(() => {
        const scores = tfjsScores(spec, p, images, n, fused);
        return { scores, probs: tf.softmax(scores) };
      });
    },
    dispose() {
      disposeTfjsParams(p);
    },
  };
}

export { tf };
