// The story's cards: what each one puts into the store, for each preset architecture, with and
// without a result; the unit, digit and step each card picks; opening a card on a real store (the
// whole view when navigating, only the picture from a link); and the helpers the cards read.
import { describe, expect, it } from 'vitest';
import { PRESETS, shapesOf, type ForwardMaps, type ModelSpec } from '../../src/engine';
import { stepsFor } from '../../src/ui/stepper/steps';
import { NO_CLUTTER, createAppStore, type TestPredictions, type ViewResult } from '../../src/ui/store';
import { moveCard, openCard } from '../../src/ui/story/apply';
import { COUNTERFACTUAL_CLASS, COUNTERFACTUAL_FALLBACK_DIGIT, STORY_CARDS, STORY_CLUTTER, STORY_COUNT, cardState, clampCard, resolveStep, type StoryContext } from '../../src/ui/story/cards';
import { ambiguousDigit, log10Settings, mostActiveUnit, onFraction, switchFlips } from '../../src/ui/story/pick';
import { STORY_TEXTS } from '../../src/ui/story/StoryTexts';

const compact = PRESETS['drmm-compact'];
const idx = (id: string) => STORY_CARDS.findIndex((c) => c.id === id);
const ctx = (spec: ModelSpec, over: Partial<StoryContext> = {}): StoryContext => ({ spec, result: null, labels: null, predictions: null, ...over });
const stepId = (spec: ModelSpec, i: number | null) => (i === null ? null : stepsFor(spec)[i].id);

/** A bottom-up result for `spec` whose maps are zero but for one value (level, stage, channel, y, x). */
function fakeResult(spec: ModelSpec, hot: { level: number; stage: 'relu' | 'pool'; channel: number; y: number; x: number }): ViewResult {
  const shapes = shapesOf(spec).levels;
  const levels = shapes.map((s, i) => {
    const r = new Float32Array(s.c * s.hc * s.wc);
    const x = s.pool ? new Float32Array(s.c * s.hout * s.wout) : r;
    if (hot.level === i + 1) {
      const [h, w] = hot.stage === 'pool' ? [s.hout, s.wout] : [s.hc, s.wc];
      (hot.stage === 'pool' ? x : r)[(hot.channel * h + hot.y) * w + hot.x] = 5;
    }
    return { u: r, r, a: new Uint8Array(r.length), x, t: s.pool ? new Uint8Array(x.length) : null };
  });
  const forward: ForwardMaps = { n: 1, levels, scores: new Float32Array(spec.classes), probs: new Float32Array(spec.classes), pred: new Int32Array(1) };
  return { key: 'k', spec, digitIndex: 0, custom: null, clutter: NO_CLUTTER, label: 7, image: new Float32Array(784), variant: 'rendering', start: 'predicted', startClass: 0, backend: 'cpu', ms: 1, result: { forward, backtrace: { variant: 'rendering', levels: [], pixels: new Float32Array(784) } } };
}

describe('the story cards', () => {
  it('are 10 to 15, with unique ids, a title, words and things to try each', () => {
    expect(STORY_COUNT).toBeGreaterThanOrEqual(10);
    expect(STORY_COUNT).toBeLessThanOrEqual(15);
    expect(new Set(STORY_CARDS.map((c) => c.id)).size).toBe(STORY_COUNT);
    expect(Object.keys(STORY_TEXTS).sort()).toEqual(STORY_CARDS.map((c) => c.id).sort());
    for (const c of STORY_CARDS) {
      expect(c.title.length, c.id).toBeGreaterThan(8);
      expect(STORY_TEXTS[c.id].tries.length, c.id).toBeGreaterThan(0);
    }
  });

  it('tell the issue’s story in order: rendering, the two warm-ups, the DP, the backtrace, the levels, learning', () => {
    const order = ['rendered', 'shortest-path', 'unrolled', 'relu', 'match', 'max-a', 'max-t', 'convnet-is-dp', 'backtrace', 'counterfactual', 'levels', 'learning'];
    const at = order.map(idx);
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(STORY_CARDS[idx('shortest-path')].widget).toBe('shortest-path');
    expect(STORY_CARDS[idx('unrolled')].widget).toBe('unrolled');
    expect(STORY_CARDS[idx('relu')].widget).toBe('relu');
    // Claims that are not the paper's say where they come from.
    for (const id of ['shortest-path', 'unrolled', 'relu', 'levels', 'learning']) expect(STORY_TEXTS[id].source, id).toMatch(/slides|derived|paper/);
  });

  it('each card names its DP step, whole picture or playback, level, paths, class, clutter and tab (drmm-compact)', () => {
    const want: Record<string, { step: string | null; complete: boolean; playing: boolean; expanded: number | null; paths: boolean; start: unknown; clutter: unknown; panel: string | null; unit: string | null }> = {
      rendered: { step: null, complete: true, playing: false, expanded: null, paths: false, start: 'predicted', clutter: NO_CLUTTER, panel: null, unit: null },
      unrolled: { step: 'match-1', complete: false, playing: false, expanded: null, paths: false, start: 'predicted', clutter: NO_CLUTTER, panel: null, unit: null },
      relu: { step: 'relu-1', complete: false, playing: false, expanded: 1, paths: false, start: 'predicted', clutter: NO_CLUTTER, panel: null, unit: null },
      match: { step: 'match-1', complete: false, playing: false, expanded: 1, paths: false, start: 'predicted', clutter: NO_CLUTTER, panel: null, unit: '1.relu' },
      'max-a': { step: 'relu-1', complete: false, playing: false, expanded: 1, paths: false, start: 'predicted', clutter: NO_CLUTTER, panel: null, unit: '1.relu' },
      'max-t': { step: 'pool-1', complete: false, playing: false, expanded: 1, paths: false, start: 'predicted', clutter: NO_CLUTTER, panel: null, unit: '1.pool' },
      'convnet-is-dp': { step: 'match-1', complete: false, playing: true, expanded: null, paths: false, start: 'predicted', clutter: NO_CLUTTER, panel: null, unit: null },
      scores: { step: 'argmax', complete: false, playing: false, expanded: null, paths: false, start: 'predicted', clutter: NO_CLUTTER, panel: null, unit: null },
      backtrace: { step: 'arrive-3', complete: false, playing: true, expanded: null, paths: false, start: 'predicted', clutter: NO_CLUTTER, panel: null, unit: null },
      paths: { step: null, complete: true, playing: false, expanded: null, paths: true, start: 'predicted', clutter: NO_CLUTTER, panel: 'paths', unit: null },
      counterfactual: { step: null, complete: true, playing: false, expanded: null, paths: false, start: COUNTERFACTUAL_CLASS, clutter: NO_CLUTTER, panel: null, unit: null },
      levels: { step: null, complete: true, playing: false, expanded: null, paths: false, start: 'predicted', clutter: STORY_CLUTTER, panel: 'saliency', unit: null },
      learning: { step: null, complete: true, playing: false, expanded: null, paths: false, start: 'predicted', clutter: NO_CLUTTER, panel: 'dashboard', unit: null },
    };
    for (const [id, w] of Object.entries(want)) {
      const st = cardState(idx(id), ctx(compact));
      expect({
        step: stepId(compact, st.stepIndex), complete: st.picture.complete, playing: st.picture.playing, expanded: st.picture.expanded, paths: st.picture.paths,
        start: st.start, clutter: st.clutter, panel: st.panel, unit: st.unit ? `${st.unit.level}.${st.unit.stage}` : null,
      }, id).toEqual(w);
    }
    expect(cardState(idx('backtrace'), ctx(compact)).variant).toBe('rendering');
    expect(cardState(idx('rendered'), ctx(compact)).variant).toBeNull();
  });

  it('resolve steps, levels and units for every preset, and for a model without pooling', () => {
    for (const spec of Object.values(PRESETS)) {
      const steps = stepsFor(spec);
      for (let i = 0; i < STORY_COUNT; i++) {
        const st = cardState(i, ctx(spec));
        if (st.stepIndex !== null) expect(st.stepIndex).toBeLessThan(steps.length);
        if (st.picture.expanded !== null) expect(st.picture.expanded).toBeLessThanOrEqual(spec.levels.length);
      }
      expect(steps[resolveStep('top-down', steps)].id).toBe(`arrive-${spec.levels.length}`);
      expect(steps[resolveStep('pixels', steps)].id).toBe('pixels');
    }
    const flat: ModelSpec = { input: { channels: 1, height: 8, width: 8 }, levels: [{ kernel: 3, channels: 2, pad: 1, pool: false }], readout: 'gap', classes: 3 };
    const st = cardState(idx('max-t'), ctx(flat));
    expect(stepId(flat, st.stepIndex)).toBe('relu-1');
    expect(st.unit).toEqual({ level: 1, stage: 'relu', channel: 0, y: 4, x: 4 });
    // A class start the model does not have falls back to the prediction.
    expect(cardState(idx('counterfactual'), ctx(flat)).start).toBe('predicted');
  });

  it('select the most active unit of the current result, or the middle of channel 0 without one', () => {
    expect(cardState(idx('match'), ctx(compact)).unit).toEqual({ level: 1, stage: 'relu', channel: 0, y: 14, x: 14 });
    const r1 = fakeResult(compact, { level: 1, stage: 'relu', channel: 7, y: 3, x: 21 });
    expect(cardState(idx('match'), ctx(compact, { result: r1 })).unit).toEqual({ level: 1, stage: 'relu', channel: 7, y: 3, x: 21 });
    const r2 = fakeResult(compact, { level: 1, stage: 'pool', channel: 11, y: 13, x: 0 });
    expect(cardState(idx('max-t'), ctx(compact, { result: r2 })).unit).toEqual({ level: 1, stage: 'pool', channel: 11, y: 13, x: 0 });
    // A result of another architecture is not read.
    expect(mostActiveUnit(PRESETS['rmm-shallow'], r1, 1, 'relu')).toEqual({ level: 1, stage: 'relu', channel: 0, y: 14, x: 14 });
    expect(() => mostActiveUnit(compact, null, 4, 'relu')).toThrow(/no level 4/);
  });

  it('bring in the test 4 most like a 9 once the test set is classified, else the first 4, else digit 4', () => {
    const labels = new Uint8Array([7, 4, 2, 4, 4, 9]);
    const probs = new Float32Array(6 * 10);
    probs[1 * 10 + 9] = 0.1;
    probs[3 * 10 + 9] = 0.4;
    probs[4 * 10 + 9] = 0.2;
    probs[5 * 10 + 9] = 0.99; // a 9: not a candidate
    const predictions: TestPredictions = { modelVersion: 1, done: 6, count: 6, pred: new Int32Array([7, 4, 2, 4, 4, 9]), probs, classes: 10 };
    expect(cardState(idx('counterfactual'), ctx(compact, { labels, predictions })).digitIndex).toBe(3);
    expect(cardState(idx('counterfactual'), ctx(compact, { labels })).digitIndex).toBe(1);
    expect(cardState(idx('counterfactual'), ctx(compact)).digitIndex).toBe(COUNTERFACTUAL_FALLBACK_DIGIT);
    // Digits not yet classified are not candidates.
    expect(ambiguousDigit(labels, { ...predictions, done: 2 }, 4, 9, 0)).toBe(1);
    for (const c of STORY_CARDS) if (c.id !== 'counterfactual') expect(cardState(idx(c.id), ctx(compact, { labels, predictions })).digitIndex, c.id).toBeNull();
  });

  it('move one card at a time without wrapping', () => {
    expect(moveCard(0, 'prev')).toBe(0);
    expect(moveCard(0, 'next')).toBe(1);
    expect(moveCard(STORY_COUNT - 1, 'next')).toBe(STORY_COUNT - 1);
    expect(moveCard(5, 'first')).toBe(0);
    expect(moveCard(5, 'last')).toBe(STORY_COUNT - 1);
    expect(clampCard(99)).toBe(STORY_COUNT - 1);
    expect(clampCard(-3)).toBe(0);
    expect(clampCard(Number.NaN)).toBe(0);
  });
});

describe('opening a card on the store', () => {
  it('navigating sets the whole view the card states, and the next card undoes what it does not state', () => {
    const store = createAppStore();
    store.getState().setDigitIndex(12);
    openCard(store, idx('levels'), 'navigate');
    let s = store.getState();
    expect(s.picture.story).toBe(idx('levels'));
    expect(s.clutter).toEqual(STORY_CLUTTER);
    expect(s.panel).toBe('saliency');
    expect(s.digitIndex).toBe(12);
    openCard(store, idx('max-t'), 'navigate');
    s = store.getState();
    expect(s.clutter).toEqual(NO_CLUTTER);
    expect(stepsFor(s.spec)[s.stepIndex].id).toBe('pool-1');
    expect(s.picture).toMatchObject({ story: idx('max-t'), complete: false, playing: false, expanded: 1, paths: false });
    expect(s.unit).toMatchObject({ level: 1, stage: 'pool' });
    openCard(store, idx('counterfactual'), 'navigate');
    s = store.getState();
    expect(s.start).toBe(COUNTERFACTUAL_CLASS);
    expect(s.digitIndex).toBe(COUNTERFACTUAL_FALLBACK_DIGIT);
    expect(s.unit).toBeNull();
    openCard(store, idx('rendered'), 'navigate');
    expect(store.getState().start).toBe('predicted');
  });

  it('from a link only the picture follows the card: the link’s digit, step, unit, class and clutter stay', () => {
    const store = createAppStore();
    store.getState().setDigitIndex(33);
    store.getState().setStepIndex(5);
    store.getState().setClutter({ kind: 'noise', amount: 0.2, seed: 3 });
    openCard(store, idx('max-t'), 'link');
    const s = store.getState();
    expect(s.picture).toMatchObject({ story: idx('max-t'), complete: false, expanded: 1, paths: false, playing: false });
    expect(s.digitIndex).toBe(33);
    expect(s.stepIndex).toBe(5);
    expect(s.clutter.kind).toBe('noise');
    expect(s.unit).toBeNull();
    // A card that plays does not start playing from a link.
    openCard(store, idx('convnet-is-dp'), 'link');
    expect(store.getState().picture.playing).toBe(false);
  });
});

describe('what the cards read', () => {
  it('counts the switch settings: 2 per a-switch, 4 per t-switch, times the classes', () => {
    const tiny: ModelSpec = { input: { channels: 1, height: 2, width: 2 }, levels: [{ kernel: 1, channels: 1, pad: 0, pool: true }], readout: 'gap', classes: 2 };
    // 4 a-switches, one 2x2 window: 2^4 * 4 * 2 = 128 settings.
    expect(log10Settings(tiny)).toBeCloseTo(Math.log10(128), 12);
    // drmm-compact: 15,680 a-switches and 3,528 t-switches.
    expect(log10Settings(compact)).toBeCloseTo(15680 * Math.log10(2) + 3528 * Math.log10(4) + 1, 9);
  });

  it('counts the switches that flip between two passes, per level', () => {
    const a = fakeResult(compact, { level: 1, stage: 'relu', channel: 0, y: 0, x: 0 }).result.forward;
    const b = fakeResult(compact, { level: 1, stage: 'relu', channel: 0, y: 0, x: 0 }).result.forward;
    b.levels[0].a[5] = 1;
    b.levels[0].a[9] = 1;
    b.levels[1].t![3] = 2;
    const f = switchFlips(a, b);
    expect(f.map((l) => [l.level, l.aFlips, l.tFlips])).toEqual([[1, 2, 0], [2, 0, 1], [3, 0, 0]]);
    expect(f[0].aCount).toBe(12 * 28 * 28);
    expect(f[0].tCount).toBe(12 * 14 * 14);
    expect(f[2].tCount).toBe(0);
    expect(onFraction(b, 1)).toBeCloseTo(2 / (12 * 28 * 28), 12);
    const other = fakeResult(PRESETS['rmm-shallow'], { level: 1, stage: 'relu', channel: 0, y: 0, x: 0 }).result.forward;
    expect(() => switchFlips(a, other)).toThrow(/different architectures/);
  });
});
