/**
 * The DP as a list of steps, derived from the architecture alone (pure, no result needed), so the
 * step count and order are known before any inference and the URL can name a step by index.
 *
 * Bottom-up, for each level l: template matching (u), the max over the ON/OFF switch a (r and the
 * a-switches), and, when the level pools, the max over the translation t (x and the t-switches).
 * Then the read-out: the class scores, and the argmax (the MAP class, the backtrace's root).
 * Top-down, from level L to 1: what arrives at x(l), the unpooling through t (pooling levels
 * only: without pooling x(l) = r(l), so nothing moves), the step through the a-switches; and
 * last the pixels, the reconstruction.
 */
import type { ModelSpec } from '../../engine';

export type StepKind = 'match' | 'relu' | 'pool' | 'scores' | 'argmax' | 'arrive' | 'unpool' | 'mask' | 'pixels';
export type StepPhase = 'bottom-up' | 'read-out' | 'top-down';

export interface Step {
  /** Stable within one architecture: 'match-1', 'scores', 'unpool-2', 'pixels'. */
  id: string;
  kind: StepKind;
  phase: StepPhase;
  /** 1-based level the step works on; 0 for the read-out and the pixels. */
  level: number;
  /** One line naming the operation (the step selector's entries and the announcement). */
  title: string;
  /** A few characters for the progress strip. */
  short: string;
}

export const PHASE_NAMES: Record<StepPhase, string> = {
  'bottom-up': 'Bottom-up max-sum',
  'read-out': 'Read-out',
  'top-down': 'Top-down backtrace',
};

export function stepsFor(spec: ModelSpec): Step[] {
  const L = spec.levels.length;
  const steps: Step[] = [];
  spec.levels.forEach((lv, i) => {
    const l = i + 1;
    steps.push({ id: `match-${l}`, kind: 'match', phase: 'bottom-up', level: l, title: `Level ${l}: template matching, u(${l}) = W(${l}) * x(${l - 1}) + b(${l})`, short: `u${l}` });
    steps.push({ id: `relu-${l}`, kind: 'relu', phase: 'bottom-up', level: l, title: `Level ${l}: max over the switch a (ReLU), r(${l}) = max(0, u(${l}))`, short: `a${l}` });
    if (lv.pool) steps.push({ id: `pool-${l}`, kind: 'pool', phase: 'bottom-up', level: l, title: `Level ${l}: max over the translation t (max-pool), x(${l})`, short: `t${l}` });
  });
  steps.push({ id: 'scores', kind: 'scores', phase: 'read-out', level: 0, title: `Class scores s_c = ⟨μ_c, R(x(${L}))⟩ + b_c`, short: 's' });
  steps.push({ id: 'argmax', kind: 'argmax', phase: 'read-out', level: 0, title: 'MAP class ĉ = argmax_c s_c and the posterior p(c | I)', short: 'ĉ' });
  for (let l = L; l >= 1; l--) {
    const pool = spec.levels[l - 1].pool;
    steps.push({ id: `arrive-${l}`, kind: 'arrive', phase: 'top-down', level: l, title: l === L ? `Backtrace: the class template placed on x(${l})` : `Backtrace: what level ${l + 1} renders into x(${l})`, short: `↓x${l}` });
    if (pool) steps.push({ id: `unpool-${l}`, kind: 'unpool', phase: 'top-down', level: l, title: `Backtrace: level ${l} unpooled through the t-switches`, short: `↓t${l}` });
    steps.push({ id: `mask-${l}`, kind: 'mask', phase: 'top-down', level: l, title: `Backtrace: level ${l} through the a-switches`, short: `↓a${l}` });
  }
  steps.push({ id: 'pixels', kind: 'pixels', phase: 'top-down', level: 0, title: 'Backtrace: the pixels, the reconstruction Î', short: 'Î' });
  return steps;
}

/** A step index made valid for `count` steps (0 when there are none). */
export function clampStep(i: number, count: number): number {
  if (!Number.isFinite(i) || count <= 0) return 0;
  return Math.min(count - 1, Math.max(0, Math.trunc(i)));
}

export type StepAction = 'next' | 'prev' | 'first' | 'last' | 'toggle-play';

/**
 * What a key does in the stepper. Keys typed into a form field are never taken (a text box or a
 * select needs its arrows and Space); Space on a button or link is that control's own click.
 */
export function stepKeyAction(key: string, target: { tag: string; editable?: boolean; type?: string }): StepAction | null {
  const tag = target.tag.toUpperCase();
  if (target.editable || tag === 'TEXTAREA' || tag === 'SELECT') return null;
  if (tag === 'INPUT' && !['button', 'submit', 'reset', 'checkbox', 'radio'].includes((target.type ?? 'text').toLowerCase())) return null;
  switch (key) {
    case 'ArrowRight':
    case 'PageDown':
      return 'next';
    case 'ArrowLeft':
    case 'PageUp':
      return 'prev';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case ' ':
    case 'Spacebar':
      return tag === 'BUTTON' || tag === 'A' || tag === 'INPUT' ? null : 'toggle-play';
    default:
      return null;
  }
}

/** The index a step action leads to (toggle-play leaves it). */
export function applyStepAction(action: StepAction, index: number, count: number): number {
  switch (action) {
    case 'next':
      return clampStep(index + 1, count);
    case 'prev':
      return clampStep(index - 1, count);
    case 'first':
      return 0;
    case 'last':
      return clampStep(count - 1, count);
    default:
      return clampStep(index, count);
  }
}
