/**
 * The current input rendered from every class through its own switches (engineHost.renderClasses),
 * then each rendering shown to the same model (scaled by its least-squares factor and clipped to
 * [0, 1], as `npm run eval`'s third figure does): the class it sees in it. Kept for the last
 * inference result only: leaving and reopening the panel reuses it.
 */
import { useEffect, useState } from 'react';
import { counterfactualInput } from '../../engine';
import { useServices } from '../services';
import type { ViewResult } from '../store';

export type Counterfactuals =
  | { state: 'running'; key: string }
  | {
      state: 'ready';
      key: string;
      pixels: (Float32Array | Float64Array)[];
      pred: number;
      backend: 'webgpu' | 'cpu';
      ms: number;
      passes: number;
      /** The class the model predicts for each rendering, scaled and clipped (counterfactualInput). */
      seenAs: Int32Array;
    }
  | { state: 'error'; key: string; message: string };

let cached: Counterfactuals | null = null;

/** Runs the ten renderings for `view` when it is current; `modelVersion` names its model. */
export function useCounterfactuals(view: ViewResult, current: boolean, modelVersion: number): Counterfactuals | null {
  const { engines, store } = useServices();
  const key = view.key;
  const [state, setState] = useState<Counterfactuals | null>(cached?.key === key ? cached : null);

  useEffect(() => {
    if (cached?.key === key) {
      setState(cached);
      if (cached.state !== 'running') return;
    }
    // A result that is being replaced is not worth ten more backtraces.
    if (!current) return;
    let stopped = false;
    const publish = (c: Counterfactuals) => {
      cached = c;
      if (!stopped) setState(c);
    };
    publish({ state: 'running', key });
    const classes = Array.from({ length: view.spec.classes }, (_, c) => c);
    const slot = store.getState().shownSlot;
    engines
      .renderClasses(slot, view.image, classes, modelVersion, () => stopped)
      .then(async (out) => {
        const D = view.image.length;
        const inputs = new Float32Array(classes.length * D);
        out?.pixels.forEach((px, c) => counterfactualInput(view.image, px, inputs, c * D));
        const seenAs = out && !stopped ? await engines.classify(slot, inputs, classes.length, modelVersion) : null;
        if (out && seenAs) publish({ state: 'ready', key, ...out, seenAs });
        else if (cached?.key === key) cached = null; // replaced or left: ask again next time
      })
      .catch((e: unknown) => publish({ state: 'error', key, message: e instanceof Error ? e.message : String(e) }));
    return () => {
      stopped = true;
      if (cached?.key === key && cached.state === 'running') cached = null;
    };
  }, [key, current, modelVersion, view.image, view.spec.classes]);

  return state?.key === key ? state : null;
}
