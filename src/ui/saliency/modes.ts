/**
 * The saliency modes the issue names, and the engine's backtrace variant each one is
 * (docs/ENGINE.md, reference/ops.ts reluTopDown). The same three variants run on the same saved
 * switches; they differ only in the step taken at each level's ReLU on the way down.
 */
import type { Variant } from '../../engine';

export interface SaliencyMode {
  id: 'drmm' | 'guided' | 'deconvnet';
  variant: Variant;
  /** The step at each level, s being the top-down signal and a the a-switches. */
  step: string;
  text: string;
}

export const SALIENCY_MODES: SaliencyMode[] = [
  {
    id: 'drmm',
    variant: 'gradient',
    step: 'a · s',
    text: 'the DRMM backtrace through the saved switches alone, signed: the input gradient of the start’s score (engine variant “gradient”)',
  },
  {
    id: 'guided',
    variant: 'rendering',
    step: 'a · max(0, s)',
    text: 'guided backprop, which is the NN-DRMM’s nonnegative top-down rendering (engine variant “rendering”)',
  },
  {
    id: 'deconvnet',
    variant: 'deconvnet',
    step: 'max(0, s)',
    text: 'Zeiler & Fergus’s deconvnet: the signal is rectified but not masked by the a-switches (engine variant “deconvnet”)',
  },
];

export function modeOf(v: Variant): SaliencyMode {
  return SALIENCY_MODES.find((m) => m.variant === v) ?? SALIENCY_MODES[1];
}
