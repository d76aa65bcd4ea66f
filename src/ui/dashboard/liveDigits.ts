/**
 * A few fixed test digits run through the installed model after every model change (each
 * publish of the training weights is one), so the dashboard shows how the predictions, the
 * reconstructions and the saliency evolve while training runs: the run being trained when there is
 * one, else the model the panels show. One batched pass through the engine host, queued with the
 * other panels' operations.
 */
import type { ModelSpec } from '../../engine';
import { digitAsFloat } from '../../data/mnistLoader';
import type { MnistSplit } from '../../data/mnistLoader';
import type { EngineHost } from '../../engine/host/engineHost';

/** Test digits 0..3 of MNIST (labels 7, 2, 1, 0): the same four in every session. */
export const FIXED_DIGITS = [0, 1, 2, 3] as const;

export interface LiveDigit {
  index: number;
  label: number;
  image: Float32Array;
  pred: number;
  /** p(pred | image). */
  prob: number;
  /** The predicted class's template rendered through the digit's switches (the 'rendering' backtrace). */
  reconstruction: Float32Array;
  /** The input gradient of the predicted class's score (the 'gradient' backtrace): signed saliency. */
  saliency: Float32Array;
}

export interface LiveDigits {
  modelVersion: number;
  digits: LiveDigit[];
  ms: number;
}

/**
 * Runs the fixed digits through model `version` of a slot: one batched bottom-up pass with the
 * rendering backtrace, then the gradient backtrace through the same pass's switches. Null when
 * that model was replaced meanwhile (the caller asks again for the newer one).
 */
export async function inferLiveDigits(engines: EngineHost, slot: string, test: MnistSplit, spec: ModelSpec, version: number, indices: readonly number[] = FIXED_DIGITS): Promise<LiveDigits | null> {
  const t0 = performance.now();
  const per = spec.input.channels * spec.input.height * spec.input.width;
  const idx = indices.filter((i) => i < test.count);
  const images = new Float32Array(idx.length * per);
  for (const [k, i] of idx.entries()) {
    const image = digitAsFloat(test, i);
    if (image.length !== per) return null;
    images.set(image, k * per);
  }
  const n = idx.length;
  const start = { kind: 'class' as const, classes: 'predicted' as const };
  const rendering = await engines.infer(slot, { images, n, start, variant: 'rendering' }, version);
  if (!rendering) return null;
  const gradient = await engines.backtrace(slot, images, n, { start, variant: 'gradient', levels: false }, version);
  if (!gradient) return null;
  const fwd = rendering.result.forward;
  const C = spec.classes;
  const digits = idx.map((index, k): LiveDigit => {
    const pred = fwd.pred[k];
    return {
      index, label: test.labels[index], image: images.slice(k * per, (k + 1) * per), pred, prob: fwd.probs[k * C + pred],
      reconstruction: Float32Array.from(rendering.result.backtrace.pixels.subarray(k * per, (k + 1) * per)),
      saliency: Float32Array.from(gradient.maps.pixels.subarray(k * per, (k + 1) * per)),
    };
  });
  return { modelVersion: version, digits, ms: performance.now() - t0 };
}
