// The stepper's step list (from the architecture alone) and its keyboard mapping.
import { describe, expect, it } from 'vitest';
import { PRESETS, type ModelSpec } from '../../src/engine';
import { createAppStore } from '../../src/ui/store';
import { applyStepAction, clampStep, stepKeyAction, stepsFor } from '../../src/ui/stepper/steps';
import { TWO_LEVEL } from '../helpers/specs';

describe('stepsFor', () => {
  it('rmm-shallow: one pooled level, then the read-out, then the backtrace to the pixels', () => {
    const steps = stepsFor(PRESETS['rmm-shallow']);
    expect(steps.map((s) => s.id)).toEqual(['match-1', 'relu-1', 'pool-1', 'scores', 'argmax', 'arrive-1', 'unpool-1', 'mask-1', 'pixels']);
  });

  it('two pooled levels: bottom-up level 1 then 2, top-down level 2 then 1', () => {
    const steps = stepsFor(TWO_LEVEL);
    expect(steps).toHaveLength(15);
    expect(steps.map((s) => s.id)).toEqual([
      'match-1', 'relu-1', 'pool-1', 'match-2', 'relu-2', 'pool-2', 'scores', 'argmax',
      'arrive-2', 'unpool-2', 'mask-2', 'arrive-1', 'unpool-1', 'mask-1', 'pixels',
    ]);
    expect(steps.map((s) => s.phase)).toEqual([...Array(6).fill('bottom-up'), 'read-out', 'read-out', ...Array(7).fill('top-down')]);
    expect(steps.map((s) => s.level)).toEqual([1, 1, 1, 2, 2, 2, 0, 0, 2, 2, 2, 1, 1, 1, 0]);
  });

  it('drmm-compact: three levels, the third without pooling (no t step there, either way)', () => {
    const steps = stepsFor(PRESETS['drmm-compact']);
    expect(steps.map((s) => s.id)).toEqual([
      'match-1', 'relu-1', 'pool-1', 'match-2', 'relu-2', 'pool-2', 'match-3', 'relu-3', 'scores', 'argmax',
      'arrive-3', 'mask-3', 'arrive-2', 'unpool-2', 'mask-2', 'arrive-1', 'unpool-1', 'mask-1', 'pixels',
    ]);
    expect(steps.map((s) => s.level)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 0, 0, 3, 3, 2, 2, 2, 1, 1, 1, 0]);
  });

  it('drmm-mnist: no t step (bottom-up or top-down) at the levels that do not pool', () => {
    const steps = stepsFor(PRESETS['drmm-mnist']);
    expect(steps).toHaveLength(23);
    expect(steps.map((s) => s.kind)).toEqual([
      'match', 'relu', 'pool', 'match', 'relu', 'match', 'relu', 'pool', 'match', 'relu', 'scores', 'argmax',
      'arrive', 'mask', 'arrive', 'unpool', 'mask', 'arrive', 'mask', 'arrive', 'unpool', 'mask', 'pixels',
    ]);
    expect(steps.filter((s) => s.kind === 'pool').map((s) => s.level)).toEqual([1, 3]);
    expect(steps.filter((s) => s.kind === 'unpool').map((s) => s.level)).toEqual([3, 1]);
  });

  it('ids, titles and strip labels are unique; titles name their level', () => {
    for (const spec of Object.values(PRESETS)) {
      const steps = stepsFor(spec);
      for (const key of ['id', 'title', 'short'] as const) expect(new Set(steps.map((s) => s[key])).size).toBe(steps.length);
      for (const s of steps) if (s.level > 0) expect(s.title).toContain(String(s.level));
    }
  });

  it('follows any architecture: 3 levels, pooling at the last only', () => {
    const spec: ModelSpec = { input: { channels: 1, height: 12, width: 12 }, levels: [{ kernel: 3, channels: 2, pad: 1, pool: false }, { kernel: 3, channels: 2, pad: 1, pool: false }, { kernel: 3, channels: 2, pad: 1, pool: true }], readout: 'gap', classes: 3 };
    const steps = stepsFor(spec);
    expect(steps).toHaveLength(2 + 2 + 3 + 2 + 3 + 2 + 2 + 1);
    expect(steps.find((s) => s.kind === 'arrive')!.title).toContain('class template');
  });
});

describe('step keys', () => {
  const body = { tag: 'DIV' };
  it('arrows and the clicker keys step, Home/End jump, Space plays', () => {
    expect(stepKeyAction('ArrowRight', body)).toBe('next');
    expect(stepKeyAction('PageDown', body)).toBe('next');
    expect(stepKeyAction('ArrowLeft', body)).toBe('prev');
    expect(stepKeyAction('PageUp', body)).toBe('prev');
    expect(stepKeyAction('Home', body)).toBe('first');
    expect(stepKeyAction('End', body)).toBe('last');
    expect(stepKeyAction(' ', body)).toBe('toggle-play');
    expect(stepKeyAction('a', body)).toBeNull();
  });
  it('leaves text fields, selects and editable content alone; Space on a button is its click', () => {
    for (const key of ['ArrowRight', 'ArrowLeft', 'Home', 'End', ' ', 'PageDown']) {
      expect(stepKeyAction(key, { tag: 'INPUT', type: 'text' })).toBeNull();
      expect(stepKeyAction(key, { tag: 'input', type: 'number' })).toBeNull();
      expect(stepKeyAction(key, { tag: 'TEXTAREA' })).toBeNull();
      expect(stepKeyAction(key, { tag: 'SELECT' })).toBeNull();
      expect(stepKeyAction(key, { tag: 'DIV', editable: true })).toBeNull();
    }
    expect(stepKeyAction(' ', { tag: 'BUTTON' })).toBeNull();
    expect(stepKeyAction('ArrowRight', { tag: 'BUTTON' })).toBe('next');
  });
  it('moves within bounds', () => {
    expect(applyStepAction('next', 3, 15)).toBe(4);
    expect(applyStepAction('next', 14, 15)).toBe(14);
    expect(applyStepAction('prev', 0, 15)).toBe(0);
    expect(applyStepAction('last', 2, 15)).toBe(14);
    expect(applyStepAction('first', 9, 15)).toBe(0);
    expect(clampStep(20, 9)).toBe(8);
    expect(clampStep(Number.NaN, 9)).toBe(0);
    expect(clampStep(-3, 9)).toBe(0);
  });
});

describe('the store keeps the step index', () => {
  it('as a nonnegative integer, unclamped by the model (the URL may name a step before its model loads)', () => {
    const store = createAppStore();
    expect(store.getState().stepIndex).toBe(0);
    store.getState().setStepIndex(20);
    expect(store.getState().stepIndex).toBe(20);
    const count = stepsFor(store.getState().spec).length;
    expect(clampStep(store.getState().stepIndex, count)).toBe(count - 1);
    store.getState().setStepIndex(3.7);
    expect(store.getState().stepIndex).toBe(3);
    store.getState().setStepIndex(-2);
    expect(store.getState().stepIndex).toBe(0);
    store.getState().setStepIndex(Number.NaN);
    expect(store.getState().stepIndex).toBe(0);
  });
});
