/**
 * The correctness gate: before any timing counts, our bottom-up scores and probabilities must
 * match tfjs's on the same weights and images to 1e-4 relative, with an absolute floor of 1e-5
 * (|ours - tfjs| <= max(1e-4 * |tfjs|, 1e-5) for every element).
 */
import type { GateResult } from './types';

const REL = 1e-4;
const ABS = 1e-5;

export function compareOutputs(
  ours: { scores: Float32Array; probs: Float32Array; pred: Int32Array },
  ref: { scores: Float32Array; probs: Float32Array },
  n: number,
  classes: number,
): GateResult {
  let worst = 0;
  const maxErr = (a: Float32Array, b: Float32Array) => {
    let abs = 0;
    let rel = 0;
    if (a.length !== b.length) throw new Error(`gate: ${a.length} values vs ${b.length}`);
    for (let i = 0; i < a.length; i++) {
      const e = Math.abs(a[i] - b[i]);
      if (!Number.isFinite(e)) return { abs: Infinity, rel: Infinity, over: Infinity };
      abs = Math.max(abs, e);
      rel = Math.max(rel, e / Math.max(Math.abs(b[i]), ABS));
      worst = Math.max(worst, e / Math.max(REL * Math.abs(b[i]), ABS));
    }
    return { abs, rel };
  };
  const s = maxErr(ours.scores, ref.scores);
  const p = maxErr(ours.probs, ref.probs);
  let agree = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (ref.scores[i * classes + c] > ref.scores[i * classes + best]) best = c;
    if (best === ours.pred[i]) agree++;
  }
  const pass = worst <= 1;
  return {
    pass,
    batch: n,
    maxAbsErrScores: s.abs,
    maxAbsErrProbs: p.abs,
    maxRelErrScores: s.rel,
    worstOverTol: worst,
    predAgree: agree / n,
    message: pass ? undefined : `scores/probs differ from tfjs by up to ${worst.toFixed(2)}x the tolerance (max |err| scores ${s.abs.toExponential(2)}, probs ${p.abs.toExponential(2)})`,
  };
}
