// End-to-end: the page's own semi-supervised training is seen learning (issue 15, item 3), in
// headless Chromium on the SwiftShader WebGPU adapter. The dashboard is set to semi-supervised
// training with N_L = 100; the shipped models' CLI logs are listed beside the accuracy chart under
// their index.json titles, and the 100-label DRMM and convnet are drawn on it (the supervised
// drmm-compact on request; a malformed log is a quiet note on its line). Small sizes, as the dashboard offers them: a small architecture loaded
// as a model file into the training controls (one level of 8 templates: the evaluation of the
// 10,000 test digits takes seconds, not the minute drmm-compact needs here), batch 16 (8 of the 100
// labelled images a step), a higher learning rate, and some 150 steps. The test accuracy of the
// 10,000 test digits (the page evaluates them all), at the start and after the steps, is read
// from the accuracy chart's CSV. The real numbers come from the CLI (docs/RESULTS.md).
// Reads the DOM and the downloads, never app internals.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { initParams, writeModelFile, type ModelSpec } from '../../src/engine';
import { expectNoConsoleErrors, finalScreenshot, openApp, skipTourIfShown, useApp } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { ROOT } from '../helpers/server';
import { waitForTrainStatus, waitForTrainStep } from '../helpers/training';

const LONG = 180_000;
const STEPS = 150;
const INDEX = JSON.parse(fs.readFileSync(path.join(ROOT, 'public', 'models', 'index.json'), 'utf8')) as { models: { file: string; title: string }[] };
const titleOf = (file: string) => INDEX.models.find((m) => m.file === file)!.title;

/** The number of test evaluations the accuracy chart shows for the run being trained (its test series' dots). */
async function evaluations(page: Page): Promise<number> {
  return page.locator('[data-testid="chart-accuracy"] g.series[data-series$="(this run) · test"] circle').count();
}

/** Presses Evaluate and waits until the chart shows one more evaluation and the run is paused again. */
async function evaluate(page: Page): Promise<void> {
  const before = await evaluations(page);
  await page.locator('[data-testid="train-evaluate"]:not([disabled])').waitFor({ timeout: LONG });
  await page.getByTestId('train-evaluate').click();
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="chart-accuracy"] g.series[data-series$="(this run) · test"] circle').length > n,
    before,
    { timeout: LONG, polling: 250 },
  );
  await waitForTrainStatus(page, 'paused', LONG);
}

/** The accuracy chart's CSV (run, epoch, step, trainAccuracy, testAccuracy), as rows of cells. */
async function accuracyCsv(page: Page): Promise<string[]> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: LONG }), page.getByTestId('export-accuracy-csv').click()]);
  return fs.readFileSync((await d.path())!, 'utf8').trimEnd().split('\r\n');
}

describe('semi-supervised training in the page (N_L = 100)', () => {
  const { server, browser } = useApp({ webgpu: true, viewport: { width: 1280, height: 1000 } });

  it('lists the shipped models\' logs on the accuracy chart, and the test accuracy rises', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    const t0 = Date.now();
    const log = (...a: unknown[]) => console.log(`[semi-supervised e2e ${((Date.now() - t0) / 1000).toFixed(1)} s]`, ...a);
    // A log that is not one (served in place of the shipped rmm-shallow log): a quiet note on its line, nothing else lost.
    await page.route('**/models/rmm-shallow.log.json', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: '{"preset": "rmm-shallow", "metrics": 3}' }));
    try {
      await openApp(page, server().url, { backend: 'webgpu', result: true, timeout: LONG, skipTour: true });
      await page.getByTestId('tab-dashboard').click();
      await page.getByTestId('training-open').click();
      await page.getByTestId('train-estimate').waitFor({ timeout: LONG });

      // The shipped models' logs are listed under their titles; supervised, none is fetched or drawn.
      const shipped = page.getByTestId('overlay-shipped');
      await shipped.waitFor({ timeout: LONG });
      expect(await shipped.locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-file')))).toEqual(
        INDEX.models.map((m) => m.file.replace(/\.drmm$/, '.log.json')),
      );
      for (const m of INDEX.models) expect(await shipped.locator(`li[data-file="${m.file.replace(/\.drmm$/, '.log.json')}"]`).textContent()).toContain(m.title);
      expect(await shipped.locator('li[data-shown="true"]').count()).toBe(0);

      // Semi-supervised, N_L = 100: the shipped 100-label runs are drawn beside the page's.
      await page.getByTestId('train-mode').selectOption('semi-supervised');
      await page.getByTestId('train-labelled').selectOption('100');
      const semiLogs = ['drmm-compact-100labels.log.json', 'convnet-compact-100labels.log.json'];
      for (const f of semiLogs) await shipped.locator(`li[data-file="${f}"][data-shown="true"][data-mode="semi-supervised"]`).waitFor({ timeout: LONG });
      // The supervised drmm-compact's log was fetched too (to know its mode) but is drawn only on request.
      const sup = shipped.locator('li[data-file="drmm-compact.log.json"]');
      await page.locator('[data-testid="overlay-shipped"] li[data-file="drmm-compact.log.json"][data-state="ready"]').waitFor({ timeout: LONG });
      expect(await sup.getAttribute('data-shown')).toBe('false');
      await sup.getByTestId('overlay-shipped-toggle').check();
      await page.locator('[data-testid="overlay-shipped"] li[data-file="drmm-compact.log.json"][data-shown="true"]').waitFor({ timeout: LONG });
      const legend = (await page.getByTestId('chart-accuracy').locator('ul.swatches').textContent()) ?? '';
      for (const f of ['drmm-compact-100labels.drmm', 'convnet-compact-100labels.drmm', 'drmm-compact.drmm']) {
        expect(legend).toContain(`${titleOf(f)} (CLI log ${f.replace(/\.drmm$/, '.log.json')}) · test`);
        expect(legend).toContain(`${titleOf(f)} (CLI log ${f.replace(/\.drmm$/, '.log.json')}) · train`);
      }
      const note = shipped.locator('li[data-file="rmm-shallow.log.json"][data-state="error"]').getByTestId('overlay-shipped-note');
      await note.waitFor({ timeout: LONG });
      expect(await note.textContent()).toContain('models/rmm-shallow.log.json could not be read: not a training log: it has no "metrics" array');
      expect(await page.getByTestId('overlay-shipped-note').count()).toBe(1);
      expect(legend).not.toContain('rmm-shallow.log.json');

      // The small run: batch 16 at a learning rate of 0.003, from a small architecture's random weights.
      await page.getByTestId('train-batch').selectOption('16');
      await page.getByTestId('train-lr').fill('0.003');
      await page.getByTestId('train-lr').press('Enter');
      await page.locator('[data-testid="train-start"]:not([disabled])').waitFor({ timeout: LONG }); // the training set is loaded
      const spec: ModelSpec = { input: { channels: 1, height: 28, width: 28 }, levels: [{ kernel: 5, channels: 8, pad: 2, pool: true }], readout: 'dense', classes: 10 };
      const small = writeModelFile({ spec, preset: null, params: initParams(spec, 5) });
      await page.getByTestId('train-load').setInputFiles({ name: 'small.drmm', mimeType: 'application/octet-stream', buffer: Buffer.from(small) });
      await page.getByTestId('train-notice').filter({ hasText: 'Loaded small.drmm: semi-supervised' }).waitFor({ timeout: LONG });
      expect(await page.getByTestId('train-lr').inputValue()).toBe('0.003');
      log('loaded the small model into the training controls');

      // The first evaluation, at step 0: about chance.
      await evaluate(page);
      log('first evaluation done');
      await page.getByTestId('train-start').click();
      await waitForTrainStep(page, STEPS, LONG);
      await page.getByTestId('train-pause').click();
      await waitForTrainStatus(page, 'paused', LONG);
      const step = Number(await page.getByTestId('train-progress').getAttribute('data-step'));
      log('paused at step', step);
      await evaluate(page);

      // The chart's CSV: the run's evaluations, and the shipped logs' rows under their titles.
      const csv = await accuracyCsv(page);
      expect(csv[0]).toBe('run,epoch,step,trainAccuracy,testAccuracy');
      const evals = csv
        .slice(1)
        .filter((l) => l.includes('(this run)'))
        .map((l) => l.slice(l.lastIndexOf('"') + 1).split(',')) // the label may be quoted; the numbers follow it
        .map((c) => ({ step: Number(c[2]), test: c[4] === '' ? NaN : Number(c[4]) }))
        .filter((r) => Number.isFinite(r.test));
      log('test accuracy of the run:', evals.map((r) => `step ${r.step}: ${(100 * r.test).toFixed(2)}%`).join(', '));
      expect(evals).toHaveLength(2);
      expect(evals[0].step).toBe(0);
      expect(evals[1].step).toBe(step);
      expect(evals[0].test).toBeLessThan(0.3); // random weights: about chance
      expect(evals[1].test).toBeGreaterThan(evals[0].test + 0.25);
      for (const f of ['drmm-compact-100labels.drmm', 'convnet-compact-100labels.drmm']) {
        const rows = csv.filter((l) => l.includes(`(CLI log ${f.replace(/\.drmm$/, '.log.json')})`));
        expect(rows.length).toBeGreaterThan(8);
        // Its last row: three epochs of 59,000 images (1,843 steps each) drawn at 59,000 / 60,000 of an epoch.
        expect(rows[rows.length - 1]).toContain(',2.95,5529,');
      }
      // The metrics table says the same last evaluation.
      expect(Number(await page.locator('[data-testid="train-metrics"] tr[data-metric="testAccuracy"]').getAttribute('data-value'))).toBeCloseTo(evals[1].test, 6);

      await skipTourIfShown(page);
      await page.getByTestId('chart-accuracy').scrollIntoViewIfNeeded();
      expectNoConsoleErrors(errors);
    } finally {
      await finalScreenshot(page, 'semi-supervised-end.png');
    }
  }, 420_000);
});
