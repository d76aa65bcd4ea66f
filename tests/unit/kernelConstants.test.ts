// The sizes and mode values the WGSL shares with TypeScript are written once, in
// src/engine/gpu/kernels.ts, and reach every pipeline as override constants: each family's
// overrides are declared without a default and given by pipelineConstants for each of its
// kernels (and nothing else is given), no shader compares dims.mode with a bare number, and no
// workgroup size is a literal (except the one-thread reductions).
import { describe, expect, it } from 'vitest';
import { KERNELS, MODE, WORKGROUP, familySource, pipelineConstants } from '../../src/engine/gpu/kernels';
import { adamParams, readoutScoresParams, topdownBackwardParams } from '../../src/engine/gpu/params';

const families = [...new Set(Object.values(KERNELS).map((d) => d.family))];

/** The `override` declarations of a WGSL source: name -> whether it has a default. */
function overrides(src: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of src.matchAll(/^\s*override\s+(\w+)\s*:\s*\w+\s*(=)?/gm)) out.set(m[1], m[2] !== undefined);
  return out;
}

describe('override constants', () => {
  it('every family declares its overrides without defaults, and each kernel is given exactly those', () => {
    let checked = 0;
    for (const desc of Object.values(KERNELS)) {
      const declared = overrides(familySource(desc.family));
      expect([...declared].filter(([, hasDefault]) => hasDefault).map(([n]) => n), desc.name).toEqual([]);
      expect(Object.keys(pipelineConstants(desc)).sort(), desc.name).toEqual([...declared.keys()].sort());
      checked++;
    }
    expect(checked).toBe(Object.keys(KERNELS).length);
    expect(pipelineConstants(KERNELS.convForward8)).toMatchObject({ CB: 8, TX: 4, TR: 4, WG: WORKGROUP });
  });

  it('no shader writes a mode value, a workgroup size or a register block as a number', () => {
    for (const family of families) {
      const src = familySource(family).replace(/\/\/.*$/gm, '');
      expect(src.match(/dims\.mode\s*(==|!=|&)\s*\(?\s*\d/g), family).toBeNull();
      expect(src.match(/\d+u?\s*(==|!=)\s*dims\.mode/g), family).toBeNull();
      for (const m of src.matchAll(/@workgroup_size\(([^)]*)\)/g)) expect(['WG', '1'], family).toContain(m[1].trim());
      expect(src.match(/\bconst\s+(WG|TX|TR|CB|WB)\b/g), family).toBeNull();
    }
  });
});

describe('parameter builders', () => {
  it('write the read-out kind as the MODE_DENSE bit', () => {
    const g = { n: 2, channels: 3, h: 4, w: 5, classes: 7 };
    expect(readoutScoresParams({ ...g, readout: 'dense' }).dims.mode).toBe(MODE.MODE_DENSE);
    expect(readoutScoresParams({ ...g, readout: 'gap' }).dims.mode).toBe(0);
    expect(() => readoutScoresParams({ ...g, readout: 'max' as never })).toThrow('unknown read-out max');
    expect(topdownBackwardParams('rendering', 0.1, 10).dims).toEqual({ mode: MODE.VARIANT_RENDERING, f0: 0.1, total: 10 });
  });

  it('fold Adam\'s bias corrections into lr_t and eps_t for step t', () => {
    const t = 3;
    const d = adamParams({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: t, count: 12 }).dims;
    const c2 = Math.sqrt(1 - 0.999 ** t);
    expect(d.f0).toBeCloseTo((0.01 * c2) / (1 - 0.9 ** t), 15);
    expect(d.f3).toBeCloseTo(1e-8 * c2, 20);
    expect(d).toMatchObject({ f1: 0.9, f2: 0.999, f4: 0.01 * 0.1, total: 12 });
  });
});
