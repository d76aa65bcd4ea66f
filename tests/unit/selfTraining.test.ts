// Self-training's part of the training core (config.ts `pseudo`, schedule.ts `extraLabelled`,
// data.ts fillBatch): the pseudo-labelled images join the labelled part of the batches with their
// teacher's classes, never a validation image or one of the true labelled subset, and a run without
// them draws exactly the batches it drew before.
import { describe, expect, it } from 'vitest';
import { checkRunConfig, defaultRunConfig, parseRunConfig, type RunConfig } from '../../src/engine/train/config';
import { decodeRun, emptyProgress, encodeRun } from '../../src/engine/train/checkpoint';
import { fillBatch, floatSplit, pseudoLabelMap, scheduleFor, trainingPool, validationIndices } from '../../src/engine/train/data';
import { PRESETS, initParams } from '../../src/engine/model';

const labels = Uint8Array.from({ length: 6000 }, (_, i) => (i * 7) % 10);
const data = { source: 'mnist' as const, trainCount: 6000, validation: { count: 500, seed: 9 }, subset: null };

/** A semi-supervised config whose pseudo-labels are `n` pool images outside the labelled subset, labelled (true + 1) mod 10. */
function withPseudo(n: number): RunConfig {
  const c = defaultRunConfig('semi-supervised', { seed: 3, batchSize: 20, data });
  const subset = new Set(scheduleFor(c, labels).labelledSubset);
  const pool = Array.from(trainingPool(c, labels)).filter((i) => !subset.has(i)).slice(0, n);
  return checkRunConfig({ ...c, pseudo: { source: 'teacher.drmm', indices: pool, labels: pool.map((i) => (labels[i] + 1) % 10) } });
}

describe('self-training pseudo-labels', () => {
  it('leave a run without them drawing the batches it drew before', () => {
    const c = defaultRunConfig('semi-supervised', { seed: 3, batchSize: 20, data });
    expect(c.pseudo).toBeNull();
    const a = scheduleFor(c, labels);
    const b = scheduleFor(parseRunConfig({ mode: 'semi-supervised', seed: 3, batchSize: 20, labelled: 100, config: { ...c, pseudo: undefined } }), labels);
    for (const [e, k] of [[0, 0], [0, 41], [2, 3]]) expect(Array.from(b.batch(e, k).indices)).toEqual(Array.from(a.batch(e, k).indices));
  });

  it('are drawn into the labelled part with the teacher\'s class, the true labelled images with their own', () => {
    const c = withPseudo(400);
    const s = scheduleFor(c, labels);
    const subset = new Set(s.labelledSubset);
    expect(subset.size).toBe(100); // the true N_L is unchanged
    const pseudo = pseudoLabelMap(c);
    const split = floatSplit(new Float32Array(6000 * 4), labels, 4);
    const images = new Float32Array(20 * 4);
    const got = new Int32Array(20);
    let seenPseudo = 0;
    let seenTrue = 0;
    for (let k = 0; k < 60; k++) {
      fillBatch(c, s, split, 0, k, images, got, pseudo);
      const b = s.batch(0, k);
      for (let i = 0; i < 20; i++) {
        const idx = b.indices[i];
        if (!b.labelled[i]) expect(got[i]).toBe(-1);
        else if (pseudo.has(idx)) {
          seenPseudo++;
          expect(got[i]).toBe((labels[idx] + 1) % 10);
        } else {
          seenTrue++;
          expect(subset.has(idx)).toBe(true);
          expect(got[i]).toBe(labels[idx]);
        }
      }
    }
    // 600 labelled draws over 500 images, 400 of them pseudo-labelled: both kinds are drawn.
    expect(seenPseudo).toBeGreaterThan(300);
    expect(seenTrue).toBeGreaterThan(50);
  });

  it('refuse a validation image, one of the labelled subset, or a malformed list', () => {
    const c = withPseudo(10);
    const val = validationIndices(c)[0];
    const sub = scheduleFor(c, labels).labelledSubset![0];
    const p = c.pseudo!;
    expect(() => scheduleFor({ ...c, pseudo: { ...p, indices: [...p.indices.slice(1), val] } }, labels)).toThrow(/not in the training pool/);
    expect(() => scheduleFor({ ...c, pseudo: { ...p, indices: [...p.indices.slice(1), sub] } }, labels)).toThrow(/labelled subset/);
    expect(() => checkRunConfig({ ...c, pseudo: { ...p, labels: p.labels.slice(1) } })).toThrow(/as many labels as indices/);
    expect(() => checkRunConfig({ ...c, pseudo: { ...p, labels: [10, ...p.labels.slice(1)] } })).toThrow(/classes 0..9/);
    expect(() => checkRunConfig({ ...c, pseudo: { ...p, indices: [p.indices[1], ...p.indices.slice(1)] } })).toThrow(/distinct/);
    expect(() => checkRunConfig({ ...defaultRunConfig('supervised'), pseudo: p })).toThrow(/only for semi-supervised/);
  });

  it('travel in a checkpoint and come back the same', () => {
    const c = withPseudo(50);
    const spec = PRESETS[Object.keys(PRESETS)[0] as keyof typeof PRESETS];
    const params = initParams(spec, 1);
    const bytes = encodeRun({ spec, preset: null, config: c, progress: emptyProgress(), log: [], params, adam: null, labelledIndices: null, extra: [] });
    const back = decodeRun(bytes);
    expect(back.config.pseudo).toEqual(c.pseudo);
    expect(Array.from(scheduleFor(back.config, labels).batch(1, 5).indices)).toEqual(Array.from(scheduleFor(c, labels).batch(1, 5).indices));
  });
});
