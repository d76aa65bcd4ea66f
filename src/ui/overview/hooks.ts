/**
 * Small hooks of the overview: an element's size (ResizeObserver), the reduced-motion preference
 * and where the DP's timeline stands.
 */
import { useEffect, useMemo, useState, type RefObject } from 'react';
import type { ModelSpec } from '../../engine';
import { useApp } from '../store';
import { clampStep, stepsFor, type Step } from '../stepper/steps';

/** The content-box size of an element, updated as it resizes (0 x 0 until measured). */
export function useElementSize(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const set = (w: number, h: number) => setSize((s) => (Math.abs(s.width - w) < 0.5 && Math.abs(s.height - h) < 0.5 ? s : { width: Math.floor(w), height: Math.floor(h) }));
    set(el.clientWidth, el.clientHeight);
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver((entries) => {
      const r = entries[entries.length - 1]?.contentRect;
      if (r) set(r.width, r.height);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

/** Whether the user asked for reduced motion (then the DP steps without moving). */
export function prefersReducedMotion(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

export function useReducedMotion(): boolean {
  const [reduced, setReduced] = useState(prefersReducedMotion);
  useEffect(() => {
    if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return;
    const mq = window.matchMedia('(prefers-reduced-motion: reduce)');
    const on = () => setReduced(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return reduced;
}

/**
 * Where the DP's timeline stands, as the picture and the timeline both read it: the steps of the
 * architecture, the store's step (clamped to them), whether the whole DP is shown, whether it is
 * playing and at what speed.
 */
export function useDpTimeline(spec: ModelSpec): { steps: Step[]; count: number; index: number; complete: boolean; playing: boolean; speed: number } {
  const steps = useMemo(() => stepsFor(spec), [spec]);
  const count = steps.length;
  const index = clampStep(useApp((s) => s.stepIndex), count);
  const complete = useApp((s) => s.picture.complete);
  const playing = useApp((s) => s.picture.playing);
  const speed = useApp((s) => s.picture.speed);
  return { steps, count, index, complete, playing, speed };
}
