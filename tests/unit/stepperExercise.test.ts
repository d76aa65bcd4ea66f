// The lecture's exercise: the brute-force max over all 2^D switch settings equals sum_i ReLU(z_i u_i),
// at a = [z u > 0]; z^T ReLU(u) agrees only when z >= 0.
import { describe, expect, it } from 'vitest';
import { rng as seeded } from '../../src/engine/model';
import { closedFormSwitches, enumerateSwitches, nearlyEqual, parseEntry, reluSum, settingOf, switchedValue, zDotReluU } from '../../src/ui/stepper/exercise';

describe('max over a of z^T diag(a) u', () => {
  it('lists every setting once, with its value', () => {
    const z = [1, -2, 3];
    const u = [0.5, 1, -1];
    const en = enumerateSwitches(z, u);
    expect(en.settings).toHaveLength(8);
    expect(new Set(en.settings.map((s) => s.a.join(''))).size).toBe(8);
    expect(en.settings[5].a).toEqual([1, 0, 1]);
    expect(en.settings[5].value).toBe(0.5 - 3);
    expect(settingOf(6, 3)).toEqual([0, 1, 1]);
    expect(switchedValue(z, u, [1, 1, 1])).toBe(0.5 - 2 - 3);
  });

  it('the lecture example: only the positive products are kept', () => {
    const z = [1, -2, 0.5, 1.5];
    const u = [2, -1, -1, 0.5];
    const en = enumerateSwitches(z, u);
    expect(en.bestValue).toBe(4.75);
    expect(en.settings[en.best].a).toEqual([1, 1, 0, 1]);
    expect(reluSum(z, u)).toBe(4.75);
    expect(closedFormSwitches(z, u)).toEqual([1, 1, 0, 1]);
    // Part (b): with a negative z the convnet's z^T ReLU(u) is not the max.
    expect(zDotReluU(z, u)).toBe(2.75);
  });

  it('equals the ReLU sum, at the closed-form switches, on random inputs with negative z', () => {
    const rng = seeded(11);
    let negatives = 0;
    for (let trial = 0; trial < 500; trial++) {
      const d = 1 + Math.floor(rng() * 8);
      const z = Array.from({ length: d }, () => (rng() - 0.5) * 6);
      const u = Array.from({ length: d }, () => (rng() - 0.5) * 6);
      if (z.some((v) => v < 0)) negatives++;
      const en = enumerateSwitches(z, u);
      expect(nearlyEqual(en.bestValue, reluSum(z, u)), `trial ${trial}`).toBe(true);
      expect(en.settings[en.best].a).toEqual(closedFormSwitches(z, u));
      // No setting beats it.
      for (const s of en.settings) expect(s.value).toBeLessThanOrEqual(en.bestValue + 1e-12);
    }
    expect(negatives).toBeGreaterThan(400);
  });

  it('part (b): with z >= 0 the max is z^T ReLU(u); with negative z it can differ', () => {
    const rng = seeded(12);
    let differed = 0;
    for (let trial = 0; trial < 200; trial++) {
      const d = 2 + Math.floor(rng() * 5);
      const u = Array.from({ length: d }, () => (rng() - 0.5) * 4);
      const zPos = Array.from({ length: d }, () => rng() * 3);
      expect(nearlyEqual(enumerateSwitches(zPos, u).bestValue, zDotReluU(zPos, u))).toBe(true);
      const zAny = zPos.map((v) => v - 1.5);
      if (!nearlyEqual(reluSum(zAny, u), zDotReluU(zAny, u))) differed++;
    }
    expect(differed).toBeGreaterThan(100);
  });

  it('ties keep the switch OFF (the first maximum), like [z u > 0]', () => {
    const en = enumerateSwitches([0, 2], [5, 1]);
    expect(en.settings[en.best].a).toEqual([0, 1]);
    expect(closedFormSwitches([0, 2], [5, 1])).toEqual([0, 1]);
  });

  it('refuses mismatched or oversized vectors', () => {
    expect(() => enumerateSwitches([1, 2], [1])).toThrow(/z has 2 entries but u has 1/);
    expect(() => enumerateSwitches(new Array(11).fill(1), new Array(11).fill(1))).toThrow(/D must be/);
  });
});

describe('parseEntry', () => {
  it('reads numbers (a typographic minus too) and explains bad ones', () => {
    expect(parseEntry(' -1.5 ')).toEqual({ ok: true, value: -1.5 });
    expect(parseEntry('−2')).toEqual({ ok: true, value: -2 });
    expect(parseEntry('1e2')).toEqual({ ok: true, value: 100 });
    const bad = parseEntry('abc');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toContain('not a number');
    expect(parseEntry('').ok).toBe(false);
    expect(parseEntry('1e9').ok).toBe(false);
    expect(parseEntry('Infinity').ok).toBe(false);
  });
});
