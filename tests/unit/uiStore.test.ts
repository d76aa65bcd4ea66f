// The UI store's slices and pure reducers (src/ui/store.ts), without React or a browser.
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams } from '../../src/engine';
import type { MnistSplit } from '../../src/data/mnistLoader';
import { NO_CLUTTER, clampIndex, clampStart, createAppStore, digitCount, inferenceKey } from '../../src/ui/store';

function fakeSplit(count: number): MnistSplit {
  return { count, rows: 28, cols: 28, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), pixels: new Uint8Array(count * 784) };
}

describe('pure reducers', () => {
  it('clampIndex keeps indices in range', () => {
    expect(clampIndex(5, 10)).toBe(5);
    expect(clampIndex(-3, 10)).toBe(0);
    expect(clampIndex(12, 10)).toBe(9);
    expect(clampIndex(2.7, 10)).toBe(2);
    expect(clampIndex(NaN, 10)).toBe(0);
    expect(clampIndex(4, 0)).toBe(0);
  });
  it('clampStart drops a class the model does not have', () => {
    expect(clampStart('predicted', 10)).toBe('predicted');
    expect(clampStart(3, 10)).toBe(3);
    expect(clampStart(7, 5)).toBe('predicted');
  });
  it('inferenceKey changes with everything that changes the result', () => {
    const base = { modelVersion: 1, digitIndex: 0, variant: 'rendering' as const, start: 'predicted' as const, custom: null, clutter: NO_CLUTTER };
    const k = inferenceKey(base);
    expect(inferenceKey({ ...base })).toBe(k);
    expect(inferenceKey({ ...base, modelVersion: 2 })).not.toBe(k);
    expect(inferenceKey({ ...base, digitIndex: 1 })).not.toBe(k);
    expect(inferenceKey({ ...base, variant: 'gradient' })).not.toBe(k);
    expect(inferenceKey({ ...base, start: 0 })).not.toBe(k);
    const drawing = { id: 3, kind: 'drawing' as const, name: 'Drawing', pixels: new Float32Array(784) };
    expect(inferenceKey({ ...base, custom: drawing })).not.toBe(k);
    expect(inferenceKey({ ...base, custom: { ...drawing, id: 4 } })).not.toBe(inferenceKey({ ...base, custom: drawing }));
    expect(inferenceKey({ ...base, clutter: { kind: 'noise', amount: 0.3, seed: 1 } })).not.toBe(k);
    expect(inferenceKey({ ...base, clutter: { kind: 'noise', amount: 0.3, seed: 2 } })).not.toBe(inferenceKey({ ...base, clutter: { kind: 'noise', amount: 0.3, seed: 1 } }));
    // Clutter of kind none is none whatever its amount.
    expect(inferenceKey({ ...base, clutter: { ...NO_CLUTTER, amount: 0.9 } })).toBe(k);
  });
  it('a test digit replaces a custom input; the panel only takes known ids', () => {
    const st = createAppStore();
    st.getState().setCustom({ id: 1, kind: 'upload', name: 'x.png', pixels: new Float32Array(784) });
    expect(st.getState().custom?.name).toBe('x.png');
    st.getState().setDigitIndex(5);
    expect(st.getState().custom).toBeNull();
    st.getState().setPanel('stepper');
    expect(st.getState().panel).toBe('stepper');
    st.getState().setPanel('<script>' as never);
    expect(st.getState().panel).toBe('overview');
    st.getState().setClutter({ kind: 'noise', amount: 7, seed: 2.5 });
    expect(st.getState().clutter).toEqual({ kind: 'noise', amount: 1, seed: 2 });
  });
});

describe('store slices', () => {
  it('starts with the default model and nothing loaded', () => {
    const s = createAppStore().getState();
    expect(s.presetName).toBe('drmm-compact');
    expect(s.source).toEqual({ kind: 'random', seed: 1 });
    expect(s.backend).toEqual({ kind: 'pending' });
    expect(s.splits.test.state).toBe('waiting');
    expect(s.test).toBeNull();
    expect(digitCount(s)).toBe(10000);
    expect(s.result).toBeNull();
  });

  it('data: progress, ready (clamping the digit index), errors and retry reset', () => {
    const store = createAppStore();
    const st = () => store.getState();
    st().setDigitIndex(9999);
    expect(st().digitIndex).toBe(9999);
    st().setSplitProgress('test', 100, 1000);
    expect(st().splits.test).toMatchObject({ state: 'loading', loaded: 100, total: 1000 });
    st().setSplitReady('test', fakeSplit(50));
    expect(st().splits.test).toMatchObject({ state: 'ready', count: 50, loaded: 1000 });
    expect(st().test?.count).toBe(50);
    expect(st().digitIndex).toBe(49);
    st().setSplitError('train', 'boom');
    expect(st().splits.train).toMatchObject({ state: 'error', error: 'boom' });
    st().resetSplits();
    expect(st().splits.train.state).toBe('waiting');
    expect(st().splits.test.state).toBe('ready');
  });

  it('view: digit stepping stays in range', () => {
    const store = createAppStore();
    const st = () => store.getState();
    st().setSplitReady('test', fakeSplit(3));
    st().stepDigit(-1);
    expect(st().digitIndex).toBe(0);
    st().stepDigit(5);
    expect(st().digitIndex).toBe(2);
    st().setDigitIndex(1);
    expect(st().digitIndex).toBe(1);
  });

  it('model: installing replaces everything at once; an error keeps the model', () => {
    const store = createAppStore();
    const st = () => store.getState();
    st().setStart(9);
    const spec = { ...PRESETS['rmm-shallow'], classes: 5 };
    st().setEngineCreating();
    expect(st().engineState).toBe('creating');
    st().setModelError('bad file');
    expect(st().engineState).toBe('none'); // no engine yet
    st().installModel({
      presetName: null,
      spec,
      params: initParams(spec, 3),
      source: { kind: 'file', fileName: 'm.drmm', preset: null, trained: false, summary: 'x' },
      modelVersion: 4,
      engineBackend: 'cpu',
      engineNote: null,
    });
    expect(st()).toMatchObject({ presetName: null, modelVersion: 4, engineState: 'ready', engineBackend: 'cpu', modelError: null });
    expect(st().start).toBe('predicted'); // class 9 does not exist in a 5-class model
    st().setModelError('another bad file');
    expect(st().modelError).toBe('another bad file');
    expect(st().modelVersion).toBe(4);
    expect(st().engineState).toBe('ready');
  });

  it('ui: display choices', () => {
    const store = createAppStore();
    store.getState().setFeatureStage('r');
    store.getState().setSaliencyStage('sr');
    store.getState().setMaxChannels(0);
    expect(store.getState()).toMatchObject({ featureStage: 'r', saliencyStage: 'sr', maxChannels: 0 });
    store.getState().setMaxChannels(-2);
    expect(store.getState().maxChannels).toBe(16);
  });
});
