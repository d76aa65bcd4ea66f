// The URL state: strict parsing (malicious and unknown parameters are dropped and listed), the
// canonical format, drawings at 4 bits, and the sync with a store through a fake window.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PRESETS } from '../../src/engine';
import { TWO_LEVEL } from '../helpers/specs';
import { createAppStore, type AppStore } from '../../src/ui/store';
import {
  DRAWING_SIZE,
  MAX_HASH_LENGTH,
  decodeDrawing,
  drawingLength,
  encodeDrawing,
  formatUrlState,
  parseUrlState,
  sameModel,
  stateFromStore,
  type UrlState,
} from '../../src/ui/url/state';
import { startUrlSync, unitProblem } from '../../src/ui/url/sync';
import { fakeUrlHost } from '../helpers/urlHost';

/** The app served under /app/, so the written URLs show that the path is kept. */
const fakeHost = (hash: string) => fakeUrlHost(hash, '/app/');

describe('drawings at 4 bits, base64url', () => {
  it('round-trips 16 levels exactly and quantises everything else to the nearest level', () => {
    const px = new Float32Array(DRAWING_SIZE);
    for (let i = 0; i < px.length; i++) px[i] = (i % 16) / 15;
    const text = encodeDrawing(px);
    expect(text).toHaveLength(523);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Array.from(decodeDrawing(text)!)).toEqual(Array.from(px));
    const odd = new Float32Array(DRAWING_SIZE).fill(0.52); // 0.52 * 15 = 7.8 -> 8/15
    expect(decodeDrawing(encodeDrawing(odd))![0]).toBeCloseTo(8 / 15, 6);
    // Out-of-range and non-finite pixels are clamped / zeroed, never wrap around.
    const wild = new Float32Array(DRAWING_SIZE);
    wild[0] = 7;
    wild[1] = -3;
    wild[2] = NaN;
    const back = decodeDrawing(encodeDrawing(wild))!;
    expect([back[0], back[1], back[2]]).toEqual([1, 0, 0]);
  });
  it('has one spelling: wrong length, foreign characters or non-zero padding bits are refused', () => {
    const text = encodeDrawing(new Float32Array(DRAWING_SIZE).fill(1));
    expect(decodeDrawing(text.slice(1))).toBeNull();
    expect(decodeDrawing(`${text}A`)).toBeNull();
    expect(decodeDrawing(`${text.slice(0, -1)}+`)).toBeNull();
    expect(decodeDrawing(`${text.slice(0, -1)}=`)).toBeNull();
    // 392 bytes = 523 characters of 6 bits: the last character carries 2 padding bits, which must be 0.
    const last = text[text.length - 1];
    expect(last).toBe('8'); // four data bits 1111, then padding 00: 111100 = 60 = '8'
    expect(decodeDrawing(`${text.slice(0, -1)}9`)).toBeNull(); // 111101: a padding bit set
  });
  it('sizes', () => {
    expect(drawingLength(784)).toBe(523);
    expect(drawingLength(2)).toBe(2);
  });
});

describe('parseUrlState', () => {
  it('reads every field', () => {
    const draw = encodeDrawing(new Float32Array(DRAWING_SIZE).fill(1 / 15));
    const { state, ignored } = parseUrlState(
      `#model=drmm-mnist&seed=42&digit=123&draw=${draw}&clutter=noise&amount=0.45&cseed=9&variant=gradient&start=3&unit=2.relu.5.3.4&step=7&maps=r&sal=sr&ch=0&panel=stepper&lecture=1`,
    );
    expect(ignored).toEqual([]);
    expect(state.model).toEqual({ kind: 'preset', preset: 'drmm-mnist', seed: 42 });
    expect(state.digit).toBe(123);
    expect(state.drawing![5]).toBeCloseTo(1 / 15, 6);
    expect(state.clutter).toEqual({ kind: 'noise', amount: 0.45, seed: 9 });
    expect(state.variant).toBe('gradient');
    expect(state.start).toBe(3);
    expect(state.unit).toEqual({ level: 2, stage: 'relu', channel: 5, y: 3, x: 4 });
    expect(state.step).toBe(7);
    expect([state.featureStage, state.saliencyStage, state.maxChannels]).toEqual(['r', 'sr', 0]);
    expect(state.panel).toBe('stepper');
    expect(state.lecture).toBe(true);
  });

  it('drops malicious and unknown parameters, naming each, and keeps the rest', () => {
    const hash = `#panel=${encodeURIComponent('<img src=x onerror=alert(1)>')}&digit=1e99&foo=bar&variant=gradient`;
    const { state, ignored } = parseUrlState(hash);
    expect(state).toEqual({ variant: 'gradient' });
    expect(ignored).toHaveLength(3);
    expect(ignored.find((l) => l.startsWith('panel='))).toContain('<img src=x onerror=alert(1)>');
    expect(ignored.find((l) => l.startsWith('panel='))).toContain('not one of overview');
    expect(ignored).toContain('digit=“1e99” (not a test digit index 0–9999)');
    expect(ignored).toContain('“foo” (unknown parameter)');
  });

  it('refuses numbers in any spelling but plain digits, and out-of-range values', () => {
    for (const v of ['1e3', '-1', '+1', '0x10', '1.0', ' 1', '', '10000', '99999999999', 'Infinity', 'NaN']) {
      const { state, ignored } = parseUrlState(`digit=${encodeURIComponent(v)}`);
      expect(state.digit, v).toBeUndefined();
      expect(ignored, v).toHaveLength(1);
    }
    expect(parseUrlState('digit=9999').state.digit).toBe(9999);
    expect(parseUrlState('seed=4294967296').ignored).toHaveLength(1);
    expect(parseUrlState('seed=4294967295').state.model).toEqual({ kind: 'preset', preset: 'drmm-compact', seed: 4294967295 });
    expect(parseUrlState('clutter=noise&amount=1.5').state.clutter).toEqual({ kind: 'noise', amount: 0.3, seed: 1 });
    expect(parseUrlState('clutter=noise&amount=1e-1').ignored).toEqual(['amount=“1e-1” (not a decimal 0–1)']);
    expect(parseUrlState('clutter=noise&cseed=0').ignored).toHaveLength(1);
    expect(parseUrlState('start=1000').ignored).toHaveLength(1);
    expect(parseUrlState('unit=0.relu.1.1.1').ignored).toHaveLength(1);
    expect(parseUrlState('unit=1.conv.1.1.1').ignored).toHaveLength(1);
    expect(parseUrlState('unit=1.relu.1.1').ignored).toHaveLength(1);
    expect(parseUrlState('lecture=yes').ignored).toHaveLength(1);
    expect(parseUrlState('lecture=0').state.lecture).toBe(false);
  });

  it('never lets a key reach an object prototype or match by prefix', () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'panelx', 'PANEL', 'panel ']) {
      const { state, ignored } = parseUrlState(`${encodeURIComponent(key)}=about`);
      expect(state, key).toEqual({});
      expect(ignored, key).toHaveLength(1);
    }
    expect(({} as Record<string, unknown>).about).toBeUndefined();
    expect(parseUrlState('panel=__proto__').state.panel).toBeUndefined();
    expect(parseUrlState('model=constructor').state.model).toBeUndefined();
    expect(parseUrlState('variant=toString').state.variant).toBeUndefined();
  });

  it('reports malformed percent-encoding, repeats and over-long links without throwing', () => {
    expect(parseUrlState('panel=%E0%A4%A&digit=3')).toEqual({ state: { digit: 3 }, ignored: ['“panel=%E0%A4%A” (malformed percent-encoding)'] });
    expect(parseUrlState('digit=3&digit=4')).toEqual({ state: { digit: 3 }, ignored: ['digit (repeated; the first one is used)'] });
    const long = parseUrlState(`digit=1&x=${'a'.repeat(MAX_HASH_LENGTH)}`);
    expect(long.state).toEqual({});
    expect(long.ignored[0]).toContain('more than 2048');
    expect(parseUrlState('')).toEqual({ state: {}, ignored: [] });
    expect(parseUrlState('#')).toEqual({ state: {}, ignored: [] });
    expect(parseUrlState('&&digit=2&').state.digit).toBe(2);
  });

  it('shortens and strips control characters from values it quotes', () => {
    const { ignored } = parseUrlState(`variant=${encodeURIComponent(`a\u0000\n${'b'.repeat(100)}`)}`);
    expect(ignored[0]).not.toMatch(/[\u0000\n]/);
    expect(ignored[0]).toContain('…');
    expect(ignored[0].length).toBeLessThan(120);
  });

  it('models: presets with a seed, files and shipped models by name (which a link cannot reopen)', () => {
    expect(parseUrlState('model=rmm-shallow').state.model).toEqual({ kind: 'preset', preset: 'rmm-shallow', seed: 1 });
    expect(parseUrlState('model=file&file=my%20model.drmm').state.model).toEqual({ kind: 'file', fileName: 'my model.drmm' });
    expect(parseUrlState('model=shipped&file=drmm-compact.drmm').state.model).toEqual({ kind: 'shipped', fileName: 'drmm-compact.drmm' });
    expect(parseUrlState('model=file').ignored).toEqual(['model=file (no file name given)']);
    expect(parseUrlState('model=drmm-compact&file=x.drmm').ignored).toEqual(['file (only with model=file or model=shipped)']);
    expect(parseUrlState('model=resnet50').ignored).toHaveLength(1);
    expect(parseUrlState(`model=file&file=${'x'.repeat(201)}`).ignored).toHaveLength(2);
  });

  it('clutter parameters without a kind are dropped', () => {
    expect(parseUrlState('amount=0.5&cseed=3')).toEqual({ state: {}, ignored: ['amount (no clutter kind given)', 'cseed (no clutter kind given)'] });
  });

  it('the glossary form #term-<id> opens the About panel at a known term only', () => {
    expect(parseUrlState('#term-relu')).toEqual({ state: { panel: 'about', term: 'relu' }, ignored: [] });
    expect(parseUrlState('#term-nope').ignored).toHaveLength(1);
    expect(parseUrlState('#term-nope').state).toEqual({});
  });
});

describe('formatUrlState', () => {
  it('writes nothing for the default view', () => {
    const store = createAppStore();
    expect(formatUrlState(stateFromStore(store.getState()))).toBe('');
  });

  it('round-trips through parseUrlState, in a fixed key order', () => {
    const state: UrlState = {
      model: { kind: 'preset', preset: 'drmm-mnist', seed: 7 },
      digit: 42,
      drawing: decodeDrawing(encodeDrawing(new Float32Array(DRAWING_SIZE).map((_, i) => (i % 5) / 4)))!,
      clutter: { kind: 'fragments', amount: 0.35000000000000003, seed: 12 },
      variant: 'deconvnet',
      start: 0,
      unit: { level: 1, stage: 'pool', channel: 3, y: 2, x: 9 },
      step: 4,
      featureStage: 'r',
      saliencyStage: 'sr',
      maxChannels: 0,
      panel: 'paths',
      lecture: true,
    };
    const hash = formatUrlState(state);
    expect(hash.split('&').map((kv) => kv.split('=')[0])).toEqual(['model', 'seed', 'digit', 'draw', 'clutter', 'amount', 'cseed', 'variant', 'start', 'unit', 'step', 'maps', 'sal', 'ch', 'panel', 'lecture']);
    const back = parseUrlState(hash);
    expect(back.ignored).toEqual([]);
    expect(back.state).toEqual(state); // the clutter amount survives to the last bit
    expect(formatUrlState(back.state)).toBe(hash);
  });

  it('encodes file names so no character can break out of its value', () => {
    const name = 'a&b=c#d e<script>.drmm';
    const hash = formatUrlState({ model: { kind: 'file', fileName: name } });
    expect(hash).not.toMatch(/[<>#\s]/);
    expect(hash.split('&')).toHaveLength(2);
    expect(parseUrlState(hash).state.model).toEqual({ kind: 'file', fileName: name });
  });

  it('leaves out the model the app starts with, which may be a shipped trained model', () => {
    const shipped = { kind: 'shipped' as const, fileName: 'drmm-compact.drmm' };
    expect(formatUrlState({ model: shipped }, shipped)).toBe('');
    expect(formatUrlState({ model: shipped })).toBe('model=shipped&file=drmm-compact.drmm');
    // With a shipped default, the random default preset must be named.
    expect(formatUrlState({ model: { kind: 'preset', preset: 'drmm-compact', seed: 1 } }, shipped)).toBe('model=drmm-compact');
    expect(parseUrlState('model=drmm-compact').state.model).toEqual({ kind: 'preset', preset: 'drmm-compact', seed: 1 });
  });

  it('a store model: random preset, a loaded file, a shipped file', () => {
    const s = createAppStore().getState();
    expect(stateFromStore(s).model).toEqual({ kind: 'preset', preset: 'drmm-compact', seed: 1 });
    const file = { kind: 'file' as const, fileName: 'x.drmm', preset: null, trained: true, summary: '' };
    expect(stateFromStore({ ...s, source: file }).model).toEqual({ kind: 'file', fileName: 'x.drmm' });
    expect(stateFromStore({ ...s, source: { ...file, shipped: true } }).model).toEqual({ kind: 'shipped', fileName: 'x.drmm' });
  });

  it('weights trained in the page are a model of their own that links leave out', () => {
    const s = createAppStore().getState();
    for (const fileName of ['in-page training', 'CPU training']) {
      const src = { kind: 'file' as const, fileName, preset: 'drmm-compact', trained: true, summary: 'x' };
      const st = stateFromStore({ ...s, source: src, digitIndex: 4, panel: 'dashboard' });
      expect(st.model).toEqual({ kind: 'page' });
      expect(formatUrlState(st)).toBe('digit=4&panel=dashboard');
      expect(formatUrlState(st, { kind: 'shipped', fileName: 'drmm-compact.drmm' })).toBe('digit=4&panel=dashboard');
      // A shipped file of that name would be a file.
      expect(stateFromStore({ ...s, source: { ...src, shipped: true } }).model).toEqual({ kind: 'shipped', fileName });
    }
    expect(sameModel({ kind: 'page' }, { kind: 'page' })).toBe(true);
    expect(sameModel({ kind: 'page' }, undefined)).toBe(false);
    expect(sameModel({ kind: 'file', fileName: 'in-page training' }, { kind: 'page' })).toBe(false);
  });

  it('sameModel treats a missing model as the default preset', () => {
    expect(sameModel(undefined, { kind: 'preset', preset: 'drmm-compact', seed: 1 })).toBe(true);
    expect(sameModel(undefined, { kind: 'preset', preset: 'drmm-compact', seed: 2 })).toBe(false);
    expect(sameModel({ kind: 'file', fileName: 'a' }, { kind: 'shipped', fileName: 'a' })).toBe(false);
  });
});

describe('unitProblem', () => {
  const spec = TWO_LEVEL; // 5x5x12 padded: 28x28, pool 14x14; 3x3x24 padded: 14x14, pool 7x7
  it('accepts units inside the architecture and says why others are not', () => {
    expect(unitProblem({ level: 2, stage: 'relu', channel: 23, y: 13, x: 13 }, spec)).toBeNull();
    expect(unitProblem({ level: 2, stage: 'pool', channel: 0, y: 6, x: 6 }, spec)).toBeNull();
    expect(unitProblem({ level: 3, stage: 'relu', channel: 0, y: 0, x: 0 }, spec)).toBe('the model has 2 levels');
    expect(unitProblem({ level: 1, stage: 'relu', channel: 12, y: 0, x: 0 }, spec)).toBe('level 1 has 12 channels');
    expect(unitProblem({ level: 2, stage: 'pool', channel: 0, y: 7, x: 0 }, spec)).toBe("level 2's pool map is 7×7");
    expect(unitProblem({ level: 2, stage: 'relu', channel: 0, y: 7, x: 13 }, spec)).toBeNull();
  });
});

/** Marks the store's first model as installed, as the controller's boot does. */
function installDefault(store: AppStore) {
  const s = store.getState();
  s.installModel({ presetName: s.presetName, spec: s.spec, params: s.params, source: s.source, modelVersion: 1, engineBackend: 'cpu', engineNote: null });
}

describe('startUrlSync', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('applies a link on start, lists what it ignored, and rewrites the URL in canonical form', async () => {
    const store = createAppStore();
    const host = fakeHost('#panel=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&digit=1e99&foo=bar&digit=5&variant=gradient&clutter=noise&amount=0.5');
    const choose = vi.fn(async () => true);
    const sync = startUrlSync({ store, host, choosePreset: choose, throttleMs: 50 });
    const s = store.getState();
    expect(s.variant).toBe('gradient');
    expect(s.clutter).toEqual({ kind: 'noise', amount: 0.5, seed: 1 });
    expect(s.digitIndex).toBe(0); // the first digit= was bad; a repeated key is not a second chance
    expect(s.panel).toBe('overview');
    expect(s.linkNotice).toHaveLength(4);
    expect(s.linkNotice.join('\n')).toContain('<img src=x onerror=alert(1)>');
    await vi.advanceTimersByTimeAsync(60);
    expect(host.location.hash).toBe('#clutter=noise&amount=0.5&variant=gradient');
    expect(host.calls).toEqual(['/app/#clutter=noise&amount=0.5&variant=gradient']);
    expect(choose).not.toHaveBeenCalled();
    sync.stop();
  });

  it('writes store changes to the URL at most once per throttle interval', async () => {
    const store = createAppStore();
    const host = fakeHost('');
    const sync = startUrlSync({ store, host, choosePreset: async () => true, throttleMs: 100 });
    for (let i = 1; i <= 20; i++) store.getState().setDigitIndex(i);
    store.getState().setPanel('about');
    expect(host.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(110);
    expect(host.calls).toEqual(['/app/#digit=20&panel=about']);
    store.getState().setLecture(true);
    await vi.advanceTimersByTimeAsync(110);
    expect(host.location.hash).toBe('#digit=20&panel=about&lecture=1');
    // A result arriving (not link state) writes nothing.
    store.getState().setInferError('x');
    await vi.advanceTimersByTimeAsync(110);
    expect(host.calls).toHaveLength(2);
    sync.stop();
  });

  it('chooses the linked preset after the first model is installed, then applies the unit', async () => {
    const store = createAppStore();
    const host = fakeHost('#model=drmm-mnist&seed=3&unit=4.relu.100.2.2');
    const choose = vi.fn(async (name: string, seed: number) => {
      const spec = PRESETS[name as 'drmm-mnist'];
      const s = store.getState();
      s.installModel({ presetName: name as 'drmm-mnist', spec, params: s.params, source: { kind: 'random', seed }, modelVersion: 2, engineBackend: 'cpu', engineNote: null });
      return true;
    });
    const sync = startUrlSync({ store, host, choosePreset: choose, throttleMs: 10 });
    await vi.advanceTimersByTimeAsync(20);
    // Before any model: the URL keeps what the link asked for.
    expect(host.location.hash).toBe('#model=drmm-mnist&seed=3&unit=4.relu.100.2.2');
    expect(choose).not.toHaveBeenCalled();
    installDefault(store);
    await vi.advanceTimersByTimeAsync(20);
    expect(choose).toHaveBeenCalledWith('drmm-mnist', 3);
    expect(store.getState().unit).toEqual({ level: 4, stage: 'relu', channel: 100, y: 2, x: 2 });
    expect(store.getState().linkNotice).toEqual([]);
    expect(host.location.hash).toBe('#model=drmm-mnist&seed=3&unit=4.relu.100.2.2');
    sync.stop();
  });

  it('a unit outside the model is reported, not applied; a file model is reported as not reopenable', async () => {
    const store = createAppStore();
    // A build without the DP stepper's slice.
    store.setState({ setStepIndex: undefined } as never);
    const L = store.getState().spec.levels.length;
    const host = fakeHost(`#model=file&file=mine.drmm&unit=${L + 1}.relu.0.0.0&step=2`);
    const choose = vi.fn(async () => true);
    const sync = startUrlSync({ store, host, choosePreset: choose, throttleMs: 10 });
    installDefault(store);
    await vi.advanceTimersByTimeAsync(20);
    const notice = store.getState().linkNotice.join('\n');
    expect(notice).toContain('"mine.drmm"');
    expect(notice).toContain('cannot reopen a file');
    expect(notice).toContain(`unit=${L + 1}.relu.0.0.0 (the model has ${L} levels)`);
    expect(notice).toContain('step (this version of the app has no DP stepper)');
    expect(store.getState().unit).toBeNull();
    expect(choose).not.toHaveBeenCalled();
    expect(host.location.hash).toBe('');
    sync.stop();
  });

  it('with a shipped model as the start: left out of the URL, reopened by name, reported when not shipped', async () => {
    const store = createAppStore();
    const host = fakeHost('#digit=2');
    const shippedSource = { kind: 'file' as const, fileName: 'drmm-compact.drmm', preset: 'drmm-compact', trained: true, summary: '', shipped: true };
    const loadShipped = vi.fn(async (name: string) => {
      if (name !== 'drmm-compact.drmm' && name !== 'other.drmm') return null;
      const s = store.getState();
      s.installModel({ presetName: 'drmm-compact', spec: s.spec, params: s.params, source: { ...shippedSource, fileName: name }, modelVersion: s.modelVersion + 1, engineBackend: 'cpu', engineNote: null });
      return true;
    });
    const choose = vi.fn(async () => true);
    const sync = startUrlSync({ store, host, choosePreset: choose, loadShipped, throttleMs: 10 });
    // Boot installs the shipped model.
    const s = store.getState();
    s.installModel({ presetName: 'drmm-compact', spec: s.spec, params: s.params, source: shippedSource, modelVersion: 1, engineBackend: 'cpu', engineNote: null });
    await vi.advanceTimersByTimeAsync(20);
    expect(host.location.hash).toBe('#digit=2');
    host.navigate('#model=shipped&file=other.drmm');
    await vi.advanceTimersByTimeAsync(20);
    expect(loadShipped).toHaveBeenCalledWith('other.drmm');
    expect(host.location.hash).toBe('#model=shipped&file=other.drmm');
    // Back to a link without a model: the start model again.
    host.navigate('#digit=3');
    await vi.advanceTimersByTimeAsync(20);
    expect(loadShipped).toHaveBeenLastCalledWith('drmm-compact.drmm');
    expect(host.location.hash).toBe('#digit=3');
    host.navigate('#model=shipped&file=gone.drmm');
    await vi.advanceTimersByTimeAsync(20);
    expect(store.getState().linkNotice.join('\n')).toContain('"gone.drmm", which this copy of the app does not ship');
    expect(choose).not.toHaveBeenCalled();
    sync.stop();
  });

  it("the app's own link while page-trained weights are shown: no notice when opened, and applying it keeps them", async () => {
    const store = createAppStore();
    const host = fakeHost('');
    const choose = vi.fn(async () => true);
    const loadShipped = vi.fn(async () => true);
    const sync = startUrlSync({ store, host, choosePreset: choose, loadShipped, throttleMs: 10 });
    installDefault(store);
    // Live sync installs the weights being trained (train/host.ts), the user opens the dashboard.
    const s = store.getState();
    const trained = { kind: 'file' as const, fileName: 'in-page training', preset: 'drmm-compact', trained: true, summary: 'step 40' };
    s.installModel({ presetName: 'drmm-compact', spec: s.spec, params: s.params, source: trained, modelVersion: 1_000_001, engineBackend: 'cpu', engineNote: null });
    store.getState().setPanel('dashboard');
    store.getState().setDigitIndex(4);
    await vi.advanceTimersByTimeAsync(20);
    const link = host.location.hash;
    expect(link).toBe('#digit=4&panel=dashboard');
    // The same link in a new page (a reload): applied without a notice.
    const store2 = createAppStore();
    const host2 = fakeHost(link);
    const sync2 = startUrlSync({ store: store2, host: host2, choosePreset: choose, loadShipped, throttleMs: 10 });
    installDefault(store2);
    await vi.advanceTimersByTimeAsync(20);
    expect(store2.getState().linkNotice).toEqual([]);
    expect(store2.getState().panel).toBe('dashboard');
    expect(store2.getState().digitIndex).toBe(4);
    sync2.stop();
    // In this page, a hash change without a model (back, an edited hash) keeps the trained weights.
    host.navigate('#digit=5&panel=dashboard');
    await vi.advanceTimersByTimeAsync(20);
    expect(store.getState().source).toBe(trained);
    expect(store.getState().digitIndex).toBe(5);
    // So does a link of an earlier version, which named them as a file, and it raises no notice.
    host.navigate('#model=file&file=in-page%20training&digit=6');
    await vi.advanceTimersByTimeAsync(20);
    expect(store.getState().linkNotice).toEqual([]);
    expect(store.getState().source).toBe(trained);
    expect(choose).not.toHaveBeenCalled();
    expect(loadShipped).not.toHaveBeenCalled();
    sync.stop();
  });

  it('reads and writes the DP step when the store has one', async () => {
    const store = createAppStore();
    let stepIndex = 0;
    // What the stepper's slice adds: a stepIndex and its setter.
    store.setState({ stepIndex, setStepIndex: (i: number) => store.setState({ stepIndex: (stepIndex = i) } as never) } as never);
    const host = fakeHost('#step=5');
    const sync = startUrlSync({ store, host, choosePreset: async () => true, throttleMs: 10 });
    installDefault(store);
    await vi.advanceTimersByTimeAsync(20);
    expect(stepIndex).toBe(5);
    store.setState({ stepIndex: 9 } as never);
    await vi.advanceTimersByTimeAsync(20);
    expect(host.location.hash).toBe('#step=9');
    sync.stop();
  });

  it('follows hash changes (back/forward, an edited hash): a whole view, defaults where the hash is silent', async () => {
    const store = createAppStore();
    const host = fakeHost('#digit=7&variant=gradient&panel=paths');
    const choose = vi.fn(async () => true);
    const sync = startUrlSync({ store, host, choosePreset: choose, throttleMs: 10 });
    installDefault(store);
    await vi.advanceTimersByTimeAsync(20);
    expect(store.getState().digitIndex).toBe(7);
    host.navigate('#digit=9&lecture=1&bogus=1');
    expect(store.getState().digitIndex).toBe(9);
    expect(store.getState().variant).toBe('rendering');
    expect(store.getState().panel).toBe('overview');
    expect(store.getState().lecture).toBe(true);
    expect(store.getState().linkNotice).toEqual(['“bogus” (unknown parameter)']);
    await vi.advanceTimersByTimeAsync(20);
    expect(host.location.hash).toBe('#digit=9&lecture=1');
    expect(choose).not.toHaveBeenCalled(); // same (default) model
    host.navigate('#model=rmm-shallow');
    await vi.advanceTimersByTimeAsync(20);
    expect(choose).toHaveBeenCalledWith('rmm-shallow', 1);
    sync.stop();
    host.navigate('#digit=1');
    expect(store.getState().digitIndex).toBe(0); // stopped: no longer listening
  });

  it('restores a drawing as a custom input, and stores -> URL encode it back identically', async () => {
    const store = createAppStore();
    const px = new Float32Array(DRAWING_SIZE);
    px[100] = 1;
    px[101] = 7 / 15;
    const draw = encodeDrawing(px);
    const host = fakeHost(`#digit=3&draw=${draw}`);
    const sync = startUrlSync({ store, host, choosePreset: async () => true, throttleMs: 10 });
    const custom = store.getState().custom!;
    expect(custom.kind).toBe('drawing');
    expect(custom.id).toBeLessThan(0);
    expect(custom.pixels[101]).toBeCloseTo(7 / 15, 6);
    expect(store.getState().digitIndex).toBe(3);
    await vi.advanceTimersByTimeAsync(20);
    expect(host.location.hash).toBe(`#digit=3&draw=${draw}`);
    sync.stop();
  });
});
