/**
 * The backtraces the saliency panel needs beyond the current result: a unit start on the
 * installed model (through engineHost, so it queues behind every other engine operation), and the
 * same start on a randomly initialised model of the same shape (a CPU reference engine of its
 * own: one image, and it must not replace the installed engine).
 */
import { useEffect, useMemo, useState } from 'react';
import { CpuEngine, initParams, shapesOf, type BacktraceMaps, type FloatArr, type ForwardMaps, type ModelSpec, type Start } from '../../engine';
import { useServices } from '../services';
import type { ViewResult } from '../store';

export interface BacktraceState {
  key: string;
  bt: BacktraceMaps | null;
  /** The model's own prediction and p(c | image) (random model only). */
  pred: number;
  probs: FloatArr | null;
  /** For a unit start: whether the unit is ON in this model (an OFF unit has no active path). */
  unitOn: boolean | null;
  error: string | null;
  ms: number;
}

const failed = (key: string, e: unknown): BacktraceState => ({ key, bt: null, pred: -1, probs: null, unitOn: null, error: e instanceof Error ? e.message : String(e), ms: 0 });

/**
 * Whether a start unit is ON: its a-switch for an r(l) unit; for a pooled unit, whether its
 * window's maximum is positive (some unit of the window is ON). Null for a class start.
 */
export function unitIsOn(spec: ModelSpec, fwd: ForwardMaps, start: Start): boolean | null {
  if (start.kind !== 'unit') return null;
  const s = shapesOf(spec).levels[start.level - 1];
  const lv = fwd.levels[start.level - 1];
  if (start.stage === 'pool' && s.pool) return lv.x[(start.channel * s.hout + start.y) * s.wout + start.x] > 0;
  return lv.a[(start.channel * s.hc + start.y) * s.wc + start.x] === 1;
}

/**
 * A unit start on the installed model, for the result shown (run only while that result is
 * current, so its switches are the engine's). Null while it runs; the last answer stays until a
 * new one arrives.
 */
export function useInstalledUnitBacktrace(view: ViewResult, start: Start | null, current: boolean, modelVersion: number): { state: BacktraceState | null; key: string } {
  const { engines, store } = useServices();
  const key = `${view.key}|${JSON.stringify(start)}`;
  const [state, setState] = useState<BacktraceState | null>(null);
  useEffect(() => {
    if (!start || start.kind !== 'unit' || !current) return;
    let live = true;
    // The unit's backtrace through the switches of the result's own bottom-up pass (no second pass
    // unless another operation has replaced the engine's maps since).
    const t0 = performance.now();
    engines
      .backtrace(store.getState().shownSlot, view.image, 1, { start, variant: view.variant }, modelVersion)
      .then((out) => {
        if (!live) return;
        const fwd = view.result.forward;
        if (!out) setState(failed(key, 'the model was replaced meanwhile; waiting for the new result'));
        else setState({ key, bt: out.maps, pred: fwd.pred[0], probs: fwd.probs, unitOn: unitIsOn(view.spec, fwd, start), error: null, ms: performance.now() - t0 });
      })
      .catch((e) => live && setState(failed(key, e)));
    return () => {
      live = false;
    };
    // key stands for view, start and the variant.
  }, [key, current, modelVersion]);
  return { state, key };
}

/** The start on a randomly initialised model of the view's architecture (seeded). */
export function useRandomBacktrace(view: ViewResult, seed: number, start: Start): { state: BacktraceState | null; key: string } {
  const specKey = JSON.stringify(view.spec);
  // A CPU engine holds plain arrays only (no GPU objects), so it is left to the garbage collector.
  const engine = useMemo(() => new CpuEngine(view.spec, initParams(view.spec, seed)), [specKey, seed]);
  const key = `${view.key}|seed${seed}|${JSON.stringify(start)}`;
  const [state, setState] = useState<BacktraceState | null>(null);
  useEffect(() => {
    let live = true;
    // A macrotask first, so "computing…" is painted before the CPU work blocks the thread.
    const timer = setTimeout(() => {
      const t0 = performance.now();
      engine
        .infer({ images: view.image, n: 1, start, variant: view.variant })
        .then((res) => live && setState({ key, bt: res.backtrace, pred: res.forward.pred[0], probs: res.forward.probs, unitOn: unitIsOn(view.spec, res.forward, start), error: null, ms: performance.now() - t0 }))
        .catch((e) => live && setState(failed(key, e)));
    }, 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, engine]);
  return { state, key };
}
