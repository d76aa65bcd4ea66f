// The pretrained models' list (models/index.json) is validated entry by entry: a malformed or
// hostile entry is dropped, never fetched.
import { describe, expect, it } from 'vitest';
import { parseShippedModels } from '../../src/ui/modelFiles';

describe('parseShippedModels', () => {
  const good = { file: 'drmm-compact.drmm', preset: 'drmm-compact', title: 'supervised, 5 epochs', testError: 0.01 };
  it('keeps valid entries and drops malformed ones', () => {
    expect(parseShippedModels({ models: [good] })).toEqual([good]);
    const bad = [
      { ...good, file: '../secret.drmm' },
      { ...good, file: 'x.bin' },
      { ...good, preset: 'resnet' },
      { ...good, preset: '__proto__' },
      { ...good, testError: 2 },
      { ...good, testError: '0.1' },
      { ...good, title: 3 },
      null,
      'drmm-compact.drmm',
    ];
    expect(parseShippedModels({ models: [...bad, good] })).toEqual([good]);
  });
  it('anything else is an empty list', () => {
    for (const v of [null, undefined, 3, 'x', [], { models: 'x' }, { other: [] }]) expect(parseShippedModels(v)).toEqual([]);
  });
});
