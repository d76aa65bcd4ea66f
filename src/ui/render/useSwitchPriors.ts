/**
 * Empirical switch priors for the sampler (docs/MODEL.md sections 2-3: the relaxed model never
 * learns pi_a or pi_t, so estimate them from the switches the bottom-up pass chooses on real
 * digits). Counted once per model version on the first PRIOR_IMAGES training digits (the test
 * digits while the training split is still loading), through the engine host's switchCounts on the shown model.
 */
import { useEffect, useState } from 'react';
import { priorsFromCounts, type OnPrior, type TPrior } from '../../engine';
import type { MnistSplit } from '../../data/mnistLoader';
import { useServices } from '../services';
import { useApp } from '../store';

export const PRIOR_IMAGES = 100;

export type SwitchPriors =
  | { state: 'off' }
  | { state: 'running'; version: number }
  | { state: 'ready'; version: number; onPrior: OnPrior; tPrior: TPrior; images: number; split: 'training' | 'test' }
  | { state: 'error'; version: number; message: string };

const OFF: SwitchPriors = { state: 'off' };
let cached: SwitchPriors = OFF;

function batchOf(split: MnistSplit) {
  const per = split.rows * split.cols;
  return (first: number, n: number) => {
    const out = new Float32Array(n * per);
    const src = split.pixels.subarray(first * per, (first + n) * per);
    for (let i = 0; i < out.length; i++) out[i] = src[i] / 255;
    return out;
  };
}

/** The empirical priors of the installed model, counted when `wanted`. */
export function useSwitchPriors(wanted: boolean): SwitchPriors {
  const { engines } = useServices();
  const slot = useApp((s) => s.shownSlot);
  const version = useApp((s) => s.modelVersion);
  const train = useApp((s) => s.train);
  const test = useApp((s) => s.test);
  const ready = useApp((s) => s.engineState === 'ready');
  const [state, setState] = useState<SwitchPriors>(cached);

  useEffect(() => {
    if (cached.state !== 'off' && cached.state !== 'error' && cached.version === version) {
      setState(cached);
      if (cached.state === 'ready') return;
    }
    const split = train ?? test;
    if (!wanted || !ready || !split || version === 0 || (cached.state === 'running' && cached.version === version)) return;
    let stopped = false;
    const publish = (p: SwitchPriors) => {
      cached = p;
      if (!stopped) setState(p);
    };
    publish({ state: 'running', version });
    const n = Math.min(PRIOR_IMAGES, split.count);
    engines
      .switchCounts(slot, batchOf(split), n, version, () => stopped)
      .then((counts) => {
        if (counts) publish({ state: 'ready', version, ...priorsFromCounts(counts), images: counts.images, split: split === train ? 'training' : 'test' });
        else if (cached.state === 'running' && cached.version === version) cached = OFF;
      })
      .catch((e: unknown) => publish({ state: 'error', version, message: e instanceof Error ? e.message : String(e) }));
    return () => {
      stopped = true;
      if (cached.state === 'running' && cached.version === version) cached = OFF;
    };
    // The split only matters for the first count of a version (training preferred once loaded).
  }, [wanted, ready, version, slot, train !== null, test !== null]);

  return 'version' in state && state.version !== version ? OFF : state;
}
