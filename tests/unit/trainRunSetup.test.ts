// How the page's training settings become a RunConfig and back (src/ui/train/runSetup.ts), for
// every loss weight: a checkpoint the CLI wrote with the class-balance and contrastive terms shows
// and keeps a_bal, a_cr and the margin; a file from before the terms shows them as 0 (the margin
// its default); a file with a bad weight is refused by name before any setting changes.
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams } from '../../src/engine/model';
import { decodeRun, emptyProgress, encodeRun } from '../../src/engine/train/checkpoint';
import { CR_MARGIN, checkRunConfig, defaultRunConfig, type RunConfig } from '../../src/engine/train/config';
import { configFromSettings, settingsFromConfig } from '../../src/ui/train/runSetup';
import { DEFAULT_TRAINING_SETTINGS, nextSettings } from '../../src/ui/train/slice';

const spec = PRESETS['drmm-compact'];

/** A checkpoint file as the CLI writes it, for this config (the raw JSON config written as given). */
function checkpoint(config: RunConfig): Uint8Array {
  const labelledIndices = config.labelled ? Array.from({ length: config.labelled }, (_, i) => i * 7) : null;
  return encodeRun({ spec, preset: 'drmm-compact', config, params: initParams(spec, 1), adam: null, progress: { ...emptyProgress(), step: 40, stepInEpoch: 40 }, log: [{ epoch: 0.1, step: 40, ce: 1.2, bal: 0.01, cr: 0.002, total: 1.3 }], labelledIndices, extra: [] });
}

describe('the settings of a run and its RunConfig', () => {
  it('a CLI checkpoint with a_bal, a_cr and a margin: the settings show them, and a page run from those settings keeps them', () => {
    const cli = defaultRunConfig('semi-supervised', { labelled: 100, seed: 2, batchSize: 32, weights: { rc: 0.5, kl: 0.1, nn: 0.1, bal: 0.3, cr: 0.25 }, crMargin: 0.01, lr: 2e-3, epochs: 3 });
    const snap = decodeRun(checkpoint(cli));
    const shown = nextSettings(DEFAULT_TRAINING_SETTINGS, settingsFromConfig(snap.config, snap.spec, snap.preset, DEFAULT_TRAINING_SETTINGS));
    expect(shown).toMatchObject({ preset: 'drmm-compact', mode: 'semi-supervised', labelled: 100, seed: 2, batch: 32, lr: 2e-3, epochs: 3, crMargin: 0.01 });
    expect(shown.weights).toEqual({ rc: 0.5, kl: 0.1, nn: 0.1, bal: 0.3, cr: 0.25 });
    const back = checkRunConfig(configFromSettings(shown, 32, 60000));
    expect(back.weights).toEqual(cli.weights);
    expect(back.crMargin).toBe(0.01);
    expect(back.mode).toBe('semi-supervised');
    expect(back.labelled).toBe(100);
  });

  it('new page settings give a config with every weight and the margin', () => {
    const s = nextSettings(DEFAULT_TRAINING_SETTINGS, { mode: 'unsupervised' });
    const edited = nextSettings(s, { weights: { ...s.weights, bal: 0.2, cr: 0.4 }, crMargin: 0 });
    const c = checkRunConfig(configFromSettings(edited, 16, 60000));
    expect(c.weights).toEqual({ rc: 0.5, kl: 0.1, nn: 0.1, bal: 0.2, cr: 0.4 });
    expect(c.crMargin).toBe(0);
    // The defaults: both terms off, the CLI's margin.
    const d = checkRunConfig(configFromSettings(DEFAULT_TRAINING_SETTINGS, 16, 60000));
    expect(d.weights).toEqual({ rc: 0.5, kl: 0, nn: 0.1, bal: 0, cr: 0 });
    expect(d.crMargin).toBe(CR_MARGIN);
  });

  it('a file from before the two terms (weights {rc, kl, nn}, no margin) shows a_bal = a_cr = 0 and the default margin', () => {
    const old = defaultRunConfig('semi-supervised', { labelled: 100, weights: { rc: 0.4, kl: 0.2, nn: 0.05 } }) as Partial<RunConfig>;
    delete old.crMargin;
    const snap = decodeRun(checkpoint(old as RunConfig));
    // The settings a session had before (a margin and weights of its own) give way to the file's.
    const before = { ...DEFAULT_TRAINING_SETTINGS, weights: { ...DEFAULT_TRAINING_SETTINGS.weights, bal: 0.7, cr: 0.9 }, crMargin: 0.2 };
    const shown = nextSettings(before, settingsFromConfig(snap.config, snap.spec, snap.preset, before));
    expect(shown.weights).toEqual({ rc: 0.4, kl: 0.2, nn: 0.05, bal: 0, cr: 0 });
    expect(shown.crMargin).toBe(CR_MARGIN);
    // A RunConfig built by hand without them (never through parseRunConfig) shows them as 0 too.
    const bare = { ...defaultRunConfig('unsupervised', { weights: { rc: 0.1, kl: 0.1, nn: 0 } }) };
    expect(settingsFromConfig(bare, spec, 'drmm-compact', before).weights).toEqual({ rc: 0.1, kl: 0.1, nn: 0, bal: 0, cr: 0 });
  });

  it('a file with a bad class-balance or contrastive weight, or margin, is refused by name (nothing is shown from it)', () => {
    const bad = (over: Partial<RunConfig>) => () => decodeRun(checkpoint({ ...defaultRunConfig('semi-supervised', { labelled: 100 }), ...over }));
    expect(bad({ weights: { rc: 0.5, kl: 0.1, nn: 0.1, bal: -0.3, cr: 0 } })).toThrow(/the bal weight must be a number >= 0/);
    expect(bad({ weights: { rc: 0.5, kl: 0.1, nn: 0.1, bal: 0, cr: 'x' as unknown as number } })).toThrow(/the cr weight must be a number >= 0/);
    expect(bad({ crMargin: -1 })).toThrow(/crMargin must be a number >= 0/);
  });
});
