import { describe, expect, it } from 'vitest';
import { Schedule, balancedSubset, permutation } from '../../src/engine/train/schedule';

const labels = Uint8Array.from({ length: 6000 }, (_, i) => (i * 7 + (i >> 3)) % 10);

describe('training schedule', () => {
  it('the labelled subset is class-balanced and identical for the same seed, different for another', () => {
    for (const nl of [100, 600, 1000, 3000]) {
      const a = balancedSubset(labels, nl, 1);
      expect(a.length).toBe(nl);
      const counts = new Array(10).fill(0);
      a.forEach((i) => counts[labels[i]]++);
      expect(counts).toEqual(new Array(10).fill(nl / 10));
      expect(new Set(a).size).toBe(nl);
      expect(Array.from(balancedSubset(labels, nl, 1))).toEqual(Array.from(a));
      expect(Array.from(balancedSubset(labels, nl, 2))).not.toEqual(Array.from(a));
    }
    expect(() => balancedSubset(labels, 105, 1)).toThrow(/multiple of 10/);
  });

  it('permutations are deterministic and complete', () => {
    const p = permutation(1000, 5);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(permutation(1000, 5))).toEqual(Array.from(p));
  });

  it('supervised: an epoch visits every image once, same order for the same seed', () => {
    const s = new Schedule({ mode: 'supervised', seed: 3, batchSize: 60 }, labels);
    expect(s.stepsPerEpoch).toBe(100);
    const seen = new Set<number>();
    for (let k = 0; k < s.stepsPerEpoch; k++) {
      const b = s.batch(0, k);
      expect(b.labelled.every(Boolean)).toBe(true);
      b.indices.forEach((i) => seen.add(i));
    }
    expect(seen.size).toBe(6000);
    const again = new Schedule({ mode: 'supervised', seed: 3, batchSize: 60 }, labels);
    expect(Array.from(again.batch(1, 17).indices)).toEqual(Array.from(s.batch(1, 17).indices));
    expect(Array.from(s.batch(1, 17).indices)).not.toEqual(Array.from(s.batch(0, 17).indices));
  });

  it('semi-supervised: half labelled from the subset, half unlabelled from all', () => {
    const s = new Schedule({ mode: 'semi-supervised', seed: 1, batchSize: 20, labelledCount: 100 }, labels);
    const subset = new Set(s.labelledSubset!);
    const b = s.batch(2, 5);
    expect(b.labelled.filter(Boolean).length).toBe(10);
    b.indices.forEach((i, j) => {
      if (b.labelled[j]) expect(subset.has(i)).toBe(true);
    });
    expect(s.stepsPerEpoch).toBe(600);
  });

  it('unsupervised and convnet modes', () => {
    expect(new Schedule({ mode: 'unsupervised', seed: 1, batchSize: 10 }, labels).batch(0, 0).labelled.some(Boolean)).toBe(false);
    expect(new Schedule({ mode: 'convnet', seed: 1, batchSize: 10 }, labels).batch(0, 0).labelled.every(Boolean)).toBe(true);
  });
});
