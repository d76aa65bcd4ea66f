// The UI's effects (src/ui/controller.ts) in Node on the CPU reference engine (the engine host
// has no device here): model installs, the inference loop, and model files that must not replace the
// model in use when they are bad.
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams, writeModelFile, type ModelSpec } from '../../src/engine';
import type { MnistSplit } from '../../src/data/mnistLoader';
import { dataErrorMessage, fitsMnist, trainingSummary } from '../../src/ui/modelFiles';
import { cpuController } from '../helpers/services';
import { createAppStore, type AppStore, type ViewResult } from '../../src/ui/store';

function fakeSplit(count: number): MnistSplit {
  const pixels = new Uint8Array(count * 784);
  // A different blob per digit, so results differ between digits.
  for (let i = 0; i < count; i++) for (let p = 0; p < 784; p++) if ((p * (i + 3)) % 7 === 0) pixels[i * 784 + p] = 200;
  return { count, rows: 28, cols: 28, labels: Uint8Array.from({ length: count }, (_, i) => (i * 3) % 10), pixels };
}

/** Resolves with the first result the store holds that satisfies pred. */
function nextResult(store: AppStore, pred: (r: ViewResult) => boolean, timeoutMs = 20_000): Promise<ViewResult> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const r = store.getState().result;
      if (r && pred(r)) {
        unsub();
        clearTimeout(timer);
        resolve(r);
      }
    };
    const unsub = store.subscribe(check);
    const timer = setTimeout(() => {
      unsub();
      reject(new Error(`no matching result; state error: ${store.getState().inferError}`));
    }, timeoutMs);
    check();
  });
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);

describe('pure helpers', () => {
  it('data errors tell how to get the files', () => {
    expect(dataErrorMessage('could not load mnist-test.bin from ./data/mnist-test.bin: HTTP 404 Not Found')).toMatch(/npm run data/);
    expect(dataErrorMessage('mnist-test.bin: truncated')).toMatch(/npm run data/);
  });
  it('fitsMnist checks the input shape', () => {
    expect(fitsMnist(PRESETS['drmm-mnist'])).toBe(true);
    expect(fitsMnist({ ...PRESETS['drmm-compact'], input: { channels: 3, height: 28, width: 28 } })).toBe(false);
  });
  it('summarises training records honestly', () => {
    expect(trainingSummary(null)).toEqual({ trained: false, summary: 'the file has no training record' });
    const t = trainingSummary({ mode: 'supervised', epoch: 3, metrics: [{ testAccuracy: 0.5 }, { testAccuracy: 0.9812 }] });
    expect(t.trained).toBe(true);
    expect(t.summary).toBe('trained: supervised, epoch 3, test accuracy 98.12%');
  });
});

describe('inference loop on the CPU engine', () => {
  it('follows the view state, keeps the model on a bad file, installs a good one', async () => {
    const { store, controller } = cpuController(createAppStore());
    const st = () => store.getState();
    const stop = controller.startInferenceLoop();
    try {
      expect(await controller.choosePreset('drmm-compact', 1)).toBe(true);
      expect(st()).toMatchObject({ engineState: 'ready', engineBackend: 'cpu', source: { kind: 'random', seed: 1 } });
      expect(st().result).toBeNull(); // no digits yet
      st().setSplitReady('test', fakeSplit(20));

      const r0 = await nextResult(store, (r) => r.digitIndex === 0);
      expect(r0.backend).toBe('cpu');
      expect(r0.label).toBe(0);
      expect(Math.abs(sum(r0.result.forward.probs) - 1)).toBeLessThan(1e-9);
      expect(r0.startClass).toBe(r0.result.forward.pred[0]);
      expect(r0.result.paths?.levels).toHaveLength(PRESETS['drmm-compact'].levels.length);
      expect(r0.result.backtrace.variant).toBe('rendering');

      st().setDigitIndex(4);
      st().setVariant('gradient');
      st().setStart(3);
      const r4 = await nextResult(store, (r) => r.digitIndex === 4 && r.variant === 'gradient' && r.start === 3);
      expect(r4.label).toBe(2);
      expect(r4.startClass).toBe(3);
      expect(r4.result.backtrace.variant).toBe('gradient');

      // A bad file: error shown, model and result kept.
      const version = st().modelVersion;
      const bad = new File([new Uint8Array([1, 2, 3])], 'bad.drmm');
      expect(await controller.loadModelFile(bad)).toBe(false);
      expect(st().modelError).toMatch(/^bad\.drmm: Not a valid DRMM model file: .*previous model is still in use/);
      expect(st().modelVersion).toBe(version);
      expect(st().result?.key).toBe(r4.key);

      // A valid file whose input is not an MNIST digit: refused too.
      const wide: ModelSpec = { ...PRESETS['rmm-shallow'], input: { channels: 1, height: 32, width: 32 } };
      const wideFile = new File([writeModelFile({ spec: wide, params: initParams(wide, 2) })], 'wide.drmm');
      expect(await controller.loadModelFile(wideFile)).toBe(false);
      expect(st().modelError).toMatch(/expects 1x32x32 inputs/);
      expect(st().modelVersion).toBe(version);

      // A good file replaces the model, and the result follows.
      const spec = PRESETS['rmm-shallow'];
      const good = new File([writeModelFile({ spec, preset: 'rmm-shallow', params: initParams(spec, 5), training: { mode: 'supervised', epoch: 1 } })], 'good.drmm');
      expect(await controller.loadModelFile(good)).toBe(true);
      expect(st()).toMatchObject({ presetName: 'rmm-shallow', modelError: null, source: { kind: 'file', fileName: 'good.drmm', trained: true } });
      const rs = await nextResult(store, (r) => r.key.startsWith(`m${st().modelVersion}|`));
      expect(rs.result.forward.levels).toHaveLength(1);
    } finally {
      stop();
    }
  });
});
