// Recovering by itself (src/ui/recovery/*, controller.recoverDevice): the notices slice, what the
// user is told after a hidden tab, the test-hook switch, and the inference device's recovery in
// Node (no WebGPU here, so a lost device falls back to the CPU engine with the model restored).
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams } from '../../src/engine';
import { formatSpan, hiddenReport } from '../../src/ui/recovery/hiddenTab';
import { testHooksWanted } from '../../src/ui/recovery/testHooks';
import { createAppStore } from '../../src/ui/store';
import { cpuController } from '../helpers/services';

const NO_WEBGPU = 'This browser has no WebGPU (navigator.gpu is missing).';

describe('recovery notices', () => {
  it('one per topic; counted ones keep their first text and count', () => {
    const { store, controller } = cpuController();
    const s = () => store.getState();
    s().reportRecovery({ topic: 'device', kind: 'warn', text: 'a' });
    s().reportRecovery({ topic: 'device', kind: 'warn', text: 'b' });
    expect(s().recovery.notices).toEqual([{ topic: 'device', kind: 'warn', text: 'b', count: 1 }]);
    controller.reportGpuError('first');
    controller.reportGpuError('second');
    controller.reportGpuError('third');
    const g = s().recovery.notices.find((n) => n.topic === 'gpu-error')!;
    expect(g.count).toBe(3);
    expect(g.text).toBe('The GPU reported an error: first. Results computed since may be wrong; if it happens again, reload the page.');
    s().dismissRecovery('gpu-error');
    expect(s().recovery.notices.map((n) => n.topic)).toEqual(['device']);
  });
});

describe('hidden tab', () => {
  it('says how many steps were done while hidden, or that training was paused', () => {
    expect(formatSpan(42_400)).toBe('42 s');
    expect(formatSpan(200_000)).toBe('3 min 20 s');
    expect(hiddenReport({ at: 1000, step: 100, how: 'hidden' }, 61_000, 220, 'running')).toEqual({
      kind: 'info',
      text: 'While the tab was hidden (1 min 0 s), training went on: 120 steps done (2.0 a second).',
    });
    expect(hiddenReport({ at: 0, step: 100, how: 'frozen' }, 30_000, 100, 'running')).toEqual({
      kind: 'warn',
      text: 'Training was paused while the browser froze the tab (30 s): the browser suspended the page, so no step was done. It goes on now.',
    });
    expect(hiddenReport({ at: 0, step: 5, how: 'hidden' }, 10_000, 9, 'paused')?.text).toBe(
      'While the tab was hidden (10 s), training went on: 4 steps done (0.4 a second). Training is paused (see the training dashboard).',
    );
  });
});

describe('test hooks', () => {
  it('only with ?test-hooks in the URL', () => {
    expect(testHooksWanted('?test-hooks')).toBe(true);
    expect(testHooksWanted('?panel=about&test-hooks=1')).toBe(true);
    expect(testHooksWanted('')).toBe(false);
    expect(testHooksWanted('?panel=test-hooks')).toBe(false);
  });
});

describe('a lost inference device', () => {
  it('rebuilds the engine from the weights the store keeps, on the CPU when no device can be had, and says so', async () => {
    const { store, controller } = cpuController(createAppStore(), NO_WEBGPU);
    store.getState().setBackend({ kind: 'webgpu', adapter: 'test adapter' });
    expect(await controller.choosePreset('rmm-shallow', 5)).toBe(true);
    const before = store.getState();
    const weights = before.params.mu.slice();
    await controller.recoverDevice('driver reset');
    const after = store.getState();
    expect(after.modelVersion).toBeGreaterThan(before.modelVersion);
    expect(after.engineState).toBe('ready');
    expect(after.engineBackend).toBe('cpu');
    expect(after.presetName).toBe('rmm-shallow');
    expect(after.source).toEqual({ kind: 'random', seed: 5 });
    expect(Array.from(after.params.mu)).toEqual(Array.from(weights));
    expect(after.backend.kind).toBe('cpu');
    expect(after.backend.kind === 'cpu' && after.backend.reason).toMatch(/^the GPU device was lost \(driver reset\) and no new one could be had: This browser has no WebGPU/);
    expect(after.recovery.notices.find((n) => n.topic === 'device')).toMatchObject({
      kind: 'warn',
      text: 'The GPU device was lost (driver reset); the app now runs on the CPU reference engine and the model was restored from the weights kept in memory, without a reload.',
    });
    expect(Array.from(initParams(PRESETS['rmm-shallow'], 5).mu)).toEqual(Array.from(weights));
  });

  it('stays on the CPU after more than three losses within a minute', async () => {
    const { store, controller } = cpuController();
    expect(await controller.choosePreset('rmm-shallow', 1)).toBe(true);
    for (let i = 0; i < 3; i++) await controller.recoverDevice(`loss ${i}`);
    expect(store.getState().backend.kind === 'cpu' && (store.getState().backend as { reason: string }).reason).not.toMatch(/times within a minute/);
    await controller.recoverDevice('loss 3');
    const b = store.getState().backend;
    expect(b.kind === 'cpu' && b.reason).toMatch(/^the GPU device was lost \d+ times within a minute, so the app stays on the CPU/);
  });
});
