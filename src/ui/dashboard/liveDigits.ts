/**
 * A few fixed test digits run through the installed model after every model change (each
 * live-sync of the training weights is one), so the dashboard shows how the predictions, the
 * reconstructions and the saliency evolve while training runs. Runs on the inference engine
 * through engineHost, one image at a time (its batch size is 1), queued with the other panels'
 * inferences.
 */
import type { ModelSpec } from '../../engine';
import { digitAsFloat } from '../../data/mnistLoader';
import type { MnistSplit } from '../../data/mnistLoader';
import { infer } from '../engineHost';

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
 * Runs the fixed digits through model `version`; null when that model was replaced meanwhile
 * (the caller asks again for the newer one).
 */
export async function inferLiveDigits(test: MnistSplit, spec: ModelSpec, version: number, indices: readonly number[] = FIXED_DIGITS): Promise<LiveDigits | null> {
  const t0 = performance.now();
  const digits: LiveDigit[] = [];
  const start = { kind: 'class' as const, classes: 'predicted' as const };
  for (const index of indices) {
    if (index >= test.count) continue;
    const image = digitAsFloat(test, index);
    if (image.length !== spec.input.channels * spec.input.height * spec.input.width) return null;
    const rendering = await infer({ images: image, n: 1, start, variant: 'rendering' }, version);
    if (!rendering) return null;
    const gradient = await infer({ images: image, n: 1, start, variant: 'gradient' }, version);
    if (!gradient) return null;
    const fwd = rendering.result.forward;
    const pred = fwd.pred[0];
    digits.push({
      index,
      label: test.labels[index],
      image,
      pred,
      prob: fwd.probs[pred],
      reconstruction: Float32Array.from(rendering.result.backtrace.pixels),
      saliency: Float32Array.from(gradient.result.backtrace.pixels),
    });
  }
  return { modelVersion: version, digits, ms: performance.now() - t0 };
}
