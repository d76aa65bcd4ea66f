/**
 * The same network in TensorFlow.js (WebGPU backend): the baseline our kernels are measured
 * against. Layouts differ from the engine's, so the parameters are converted once, outside any
 * timer:
 *  - templates W(l) are [Cout, Cin, k, k]; tfjs wants [k, k, Cin, Cout];
 *  - images are NCHW; tfjs works in NHWC;
 *  - a `dense` class template mu_c is over the CHW flattening of the top map, so the NHWC top map
 *    is transposed to NCHW before flattening; `gap` is the mean over H, W.
 * Our pooling drops a trailing odd row/column, which is tfjs's 'valid' 2x2/2 max-pool.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { shapesOf, type ModelParams, type ModelSpec } from '../src/engine';

export interface TfjsNet {
  /** Scores and probabilities of n images (NCHW floats, as the engine takes them). Caller disposes. */
  forward(images: Float32Array, n: number): { scores: tf.Tensor2D; probs: tf.Tensor2D };
  dispose(): void;
}

export async function useWebGpuBackend(): Promise<void> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its WebGPU backend');
  await tf.ready();
}

/**
 * `fused` (the default baseline) uses tf.fused.conv2d with the bias and ReLU folded into the
 * convolution, tfjs's fastest path for this layer; unfused is conv2d, add, relu as three ops.
 */
export function buildTfjsNet(spec: ModelSpec, params: ModelParams, fused = true): TfjsNet {
  const shapes = shapesOf(spec);
  const levels = shapes.levels.map((l, i) => ({
    l,
    // [Cout, Cin, k, k] -> [k, k, Cin, Cout]
    filter: tf.tidy(() => tf.transpose(tf.tensor4d(params.weights[i], [l.c, l.cin, l.k, l.k]), [2, 3, 1, 0]) as tf.Tensor4D),
    bias: tf.tensor1d(params.biases[i]),
  }));
  const { top } = shapes;
  // mu is [classes, templateLength]; scores = feature . mu^T + b
  const muT = tf.tidy(() => tf.transpose(tf.tensor2d(params.mu, [spec.classes, shapes.templateLength])) as tf.Tensor2D);
  const classBias = tf.tensor1d(params.classBias);
  const { channels: C, height: H, width: W } = spec.input;

  return {
    forward(images, n) {
      return tf.tidy(() => {
        const nchw = tf.tensor4d(images.subarray(0, n * C * H * W), [n, C, H, W]);
        let x: tf.Tensor4D = C === 1 ? tf.reshape(nchw, [n, H, W, 1]) : tf.transpose(nchw, [0, 2, 3, 1]);
        for (const { l, filter, bias } of levels) {
          const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [l.pad, l.pad], [l.pad, l.pad], [0, 0]];
          const r = fused
            ? tf.fused.conv2d({ x, filter, strides: 1, pad, dataFormat: 'NHWC', bias, activation: 'relu' })
            : tf.relu(tf.add(tf.conv2d(x, filter, 1, pad, 'NHWC'), bias) as tf.Tensor4D);
          x = l.pool ? tf.maxPool(r, 2, 2, 'valid') : r;
        }
        const feature: tf.Tensor2D =
          spec.readout === 'gap'
            ? tf.mean(x, [1, 2])
            : tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n, top.c * top.h * top.w]);
        const scores = tf.add(tf.matMul(feature, muT), classBias) as tf.Tensor2D;
        return { scores, probs: tf.softmax(scores) };
      });
    },
    dispose() {
      for (const { filter, bias } of levels) tf.dispose([filter, bias]);
      tf.dispose([muT, classBias]);
    },
  };
}

export { tf };
