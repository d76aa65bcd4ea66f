/**
 * The DP animation's clock: each time the picture goes to a step (and is not showing the whole
 * DP), that step's animation runs from progress 0 to 1 on requestAnimationFrame (d3-timer), and,
 * while playing, the next step follows once it is done. A step lasts 1 / speed seconds: 75% of it
 * moving, the rest held. Under prefers-reduced-motion a step shows finished at once (the DP steps
 * without motion, at the same pace when playing).
 */
import { useEffect, useRef } from 'react';
import { timer, type Timer } from 'd3';
import { appStore } from '../store';
import { clampStep } from '../stepper/steps';
import { prefersReducedMotion } from './hooks';

export interface ClockTarget {
  /** Sets the current step's progress (0..1) and repaints. */
  setProgress(p: number): void;
  /** Called when a step's animation has finished (progress 1). */
  settled(done: boolean): void;
}

export function stepTiming(speed: number, reduced: boolean): { moveMs: number; holdMs: number } {
  const total = 1000 / (Number.isFinite(speed) && speed > 0 ? speed : 1);
  return reduced ? { moveMs: 0, holdMs: total } : { moveMs: 0.75 * total, holdMs: 0.25 * total };
}

export function useStepClock(target: ClockTarget, index: number, count: number, complete: boolean, playing: boolean, speed: number, reduced: boolean): void {
  // The step whose animation last finished: pausing, or playing on from it, does not replay it.
  const done = useRef<number | null>(null);
  useEffect(() => {
    if (complete) {
      done.current = null;
      target.setProgress(1);
      target.settled(true);
      return;
    }
    // Asked again at each step: the preference can change while the page is open.
    const { moveMs, holdMs } = stepTiming(speed, reduced || prefersReducedMotion());
    let t: Timer | null = null;
    let hold: ReturnType<typeof setTimeout> | null = null;
    const finish = () => {
      done.current = index;
      target.setProgress(1);
      target.settled(true);
      if (!playing) return;
      hold = setTimeout(() => {
        const s = appStore.getState();
        const i = clampStep(s.stepIndex, count);
        if (i < count - 1) s.setStepIndex(i + 1);
        else s.setPicture({ playing: false });
      }, holdMs);
    };
    if (done.current === index || moveMs <= 0) finish();
    else {
      target.settled(false);
      target.setProgress(0);
      t = timer((elapsed) => {
        if (elapsed >= moveMs) {
          t?.stop();
          t = null;
          finish();
        } else target.setProgress(elapsed / moveMs);
      });
    }
    return () => {
      t?.stop();
      if (hold) clearTimeout(hold);
    };
  }, [target, index, count, complete, playing, speed, reduced]);
}
