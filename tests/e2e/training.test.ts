// End-to-end: in-page EG training in headless Chromium on the SwiftShader WebGPU adapter. Opens
// the training controls on the dashboard tab, trains drmm-compact at batch 8 for a few dozen
// steps, pauses, checks the metrics and the refreshed first-screen panels, exports the CSV,
// single-steps, saves a checkpoint file and resumes the IndexedDB autosave after a reload. Reads the DOM, never app internals.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { decodeRun } from '../../src/engine/train/checkpoint';
import { docScreenshot, expectNoConsoleErrors, finalScreenshot, openApp, skipTourIfShown, useApp } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { waitForTrainStatus } from '../helpers/training';

const LONG = 120_000;

async function attr(page: Page, testId: string, name: string): Promise<string | null> {
  return page.getByTestId(testId).getAttribute(name);
}

/** The reconstruction canvas's pixels (RGBA), to see that the panels were redrawn. */
async function reconstructionPixels(page: Page): Promise<number[]> {
  return page.locator('canvas[data-kind="reconstruction"]').evaluate((c) => {
    const el = c as HTMLCanvasElement;
    return Array.from(el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data);
  });
}

async function metric(page: Page, key: string): Promise<number> {
  const v = await page.locator(`[data-testid="train-metrics"] tr[data-metric="${key}"]`).getAttribute('data-value');
  return v === null || v === '' ? NaN : Number(v);
}

describe('in-page training', () => {
  const { server, browser } = useApp({ webgpu: true, viewport: { width: 1280, height: 1000 } });

  it('trains drmm-compact at batch 8: metrics, pause, CSV, single step, checkpoint, autosave resume', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    const t0 = Date.now();
    const log = (...a: unknown[]) => console.log(`[training e2e ${((Date.now() - t0) / 1000).toFixed(1)} s]`, ...a);
    // Main-thread tasks over 50 ms, to see that training does not freeze the page.
    await page.addInitScript(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      try {
        new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
      } catch {
        /* no longtask support */
      }
    });
    try {
      await openApp(page, server().url, { backend: 'webgpu', result: '[data-digit-index="0"]', timeout: LONG });
      const before = await reconstructionPixels(page);

      // Open the dashboard and its training controls: a few steps are timed and the epoch estimate
      // is shown before training.
      await page.getByTestId('tab-dashboard').click();
      await page.getByTestId('training-open').click();
      const estimate = page.getByTestId('train-estimate');
      await estimate.waitFor({ timeout: LONG });
      log('estimate:', (await estimate.textContent())?.slice(0, 200), 'samples', await estimate.getAttribute('data-samples'));
      expect(Number(await estimate.getAttribute('data-auto-batch'))).toBeGreaterThanOrEqual(8);
      expect(await estimate.textContent()).toMatch(/an epoch at batch \d+/);

      // A tiny configuration: drmm-compact, batch 8.
      expect(await page.getByTestId('train-preset').inputValue()).toBe('drmm-compact');
      await page.getByTestId('train-batch').selectOption('8');
      await page.locator('[data-testid="train-estimate"][data-batch="8"]').waitFor();
      // Every loss weight is a field: the class-balance and contrastive terms start off, the margin at
      // the CLI's default. a_bal and the margin are set here: with all labels a batch has no unlabelled
      // image, so the class-balance term is 0 and the run trains as before, but the weight and the
      // margin travel with the run (checkpoint and autosave, checked below).
      expect(await page.getByTestId('train-w-bal').inputValue()).toBe('0');
      expect(await page.getByTestId('train-w-cr').inputValue()).toBe('0');
      expect(await page.getByTestId('train-cr-margin').inputValue()).toBe('0.005');
      await page.getByTestId('train-w-bal').fill('0.3');
      await page.getByTestId('train-cr-margin').fill('0.01');
      await page.locator('[data-testid="train-start"]:not([disabled])').waitFor({ timeout: LONG }); // the training set is loaded
      await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks = []));
      await page.getByTestId('train-start').click();
      await waitForTrainStatus(page, 'running', LONG);
      log('started');

      // The loss is reported at least twice and the step counter advances.
      await page.waitForFunction(
        () => {
          const p = document.querySelector('[data-testid="train-progress"]');
          return !!p && Number(p.getAttribute('data-reports')) >= 3 && Number(p.getAttribute('data-step')) >= 30;
        },
        undefined,
        { timeout: LONG, polling: 250 },
      );
      const firstTotal = Number(await page.getByTestId('train-metrics').getAttribute('data-first-total'));
      log('reports >= 3 at step', await attr(page, 'train-progress', 'data-step'));
      // The panels above keep the shipped model while the run trains as a model of its own; the
      // user asks for the run being trained, and from then on they follow it (a copy every ~2 s).
      expect(await page.getByTestId('model-notice').textContent()).toContain('drmm-compact.drmm');
      await page.getByTestId('train-live').check();
      await page.getByTestId('model-notice').filter({ hasText: 'The panels show the model being trained in this page (on the GPU)' }).waitFor({ timeout: LONG });

      await page.getByTestId('train-pause').click();
      await waitForTrainStatus(page, 'paused', LONG);
      const pausedAt = Number(await attr(page, 'train-progress', 'data-step'));
      const reports = Number(await attr(page, 'train-progress', 'data-reports'));
      log('paused at step', pausedAt, 'after', reports, 'reports');
      expect(pausedAt).toBeGreaterThanOrEqual(30);
      expect(reports).toBeGreaterThanOrEqual(3);

      // Metrics: finite, and the total loss went down from its first report.
      const total = await metric(page, 'total');
      for (const k of ['total', 'ce', 'rc', 'nn', 'bal', 'trainAccuracy']) expect(Number.isFinite(await metric(page, k)), k).toBe(true);
      expect(await metric(page, 'cr')).toBeNaN(); // a_cr = 0: not measured
      log('total loss', firstTotal, '->', total, 'train accuracy', await metric(page, 'trainAccuracy'));
      expect(Number.isFinite(firstTotal)).toBe(true);
      expect(total).toBeLessThan(firstTotal);
      expect(await page.locator('[data-testid="chart-total"]').getAttribute('data-points')).not.toBe('0');
      expect(await page.locator('[data-testid="chart-accuracy"] path').count()).toBe(2);
      expect(Number(await page.getByTestId('templates').getAttribute('data-step'))).toBeGreaterThan(0);

      // The first screen shows the trained weights: a current result whose reconstruction changed.
      await page.getByTestId('model-notice').filter({ hasText: `step ${pausedAt}` }).waitFor({ timeout: LONG });
      await page.getByTestId('tab-overview').click();
      await page.locator('[data-testid="result"][data-current="true"]').waitFor({ timeout: LONG });
      const after = await reconstructionPixels(page);
      expect(after.length).toBe(before.length);
      expect(after.some((v, i) => v !== before[i])).toBe(true);
      await page.getByTestId('tab-dashboard').click();

      // The metrics history as CSV.
      const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('train-csv').click()]);
      const csv = fs.readFileSync((await csvDownload.path())!, 'utf8');
      const lines = csv.trimEnd().split('\r\n'); // RFC 4180 line ends (src/ui/export/csv.ts)
      const header = lines[0].split(',');
      expect(lines[0]).toBe('epoch,step,ce,rc,ent,nn,bal,cr,total,trainAccuracy,testAccuracy,imagesPerSecond,wallSeconds');
      expect(lines.length - 1).toBeGreaterThanOrEqual(reports);
      const lastRow = lines[lines.length - 1].split(',');
      const field = (name: string) => lastRow[header.indexOf(name)];
      expect(Number(field('step'))).toBe(pausedAt);
      expect(Number.isFinite(Number(field('total')))).toBe(true);
      expect(field('bal')).toBe('0'); // no unlabelled images in a supervised batch
      expect(field('cr')).toBe(''); // a_cr = 0: not measured
      expect(csvDownload.suggestedFilename()).toMatch(/^drmm-compact-supervised-seed1-epoch0-step\d+-metrics\.csv$/);

      // One step.
      await page.getByTestId('train-step').click();
      await page.locator(`[data-testid="train-progress"][data-step="${pausedAt + 1}"]`).waitFor({ timeout: LONG });
      await waitForTrainStatus(page, 'paused', LONG);

      // Screenshot of the training controls (the first-visit tour, another panel's, would cover them).
      await skipTourIfShown(page);
      await page.getByTestId('training').scrollIntoViewIfNeeded();
      await docScreenshot(page, 'training.png');

      // A checkpoint file: weights, Adam state and the run's metadata.
      const [ckDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('train-save').click()]);
      const ck = decodeRun(new Uint8Array(fs.readFileSync((await ckDownload.path())!)));
      expect(ck.preset).toBe('drmm-compact');
      expect(ck.config).toMatchObject({ version: 1, mode: 'supervised', seed: 1, batchSize: 8, weights: { rc: 0.5, kl: 0, nn: 0.1, bal: 0.3, cr: 0 }, crMargin: 0.01 });
      expect(ck.progress).toMatchObject({ epoch: 0, stepInEpoch: pausedAt + 1, step: pausedAt + 1 });
      expect(ck.adam?.t).toBe(pausedAt + 1);
      expect(ck.log.length).toBeGreaterThanOrEqual(reports);
      expect(ckDownload.suggestedFilename()).toBe(`drmm-compact-supervised-seed1-epoch0-step${pausedAt + 1}.drmm`);

      // The page stayed responsive while training: no main-thread task near a second.
      const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
      log('long tasks (> 50 ms) since start:', longTasks.length, 'max', Math.max(0, ...longTasks).toFixed(0), 'ms');
      expect(Math.max(0, ...longTasks)).toBeLessThan(800);

      // Reload: the autosave (taken on pause) is offered and resumes that step.
      await page.reload({ waitUntil: 'load' });
      await page.getByTestId('tab-dashboard').click();
      const offer = page.getByTestId('train-resume-autosave');
      await offer.waitFor({ timeout: LONG });
      expect(await offer.textContent()).toBe(`Resume training from epoch 0 step ${pausedAt}`);
      await page.locator('.progress[data-split="train"][data-state="ready"]').waitFor({ timeout: LONG });
      await offer.click();
      await page.locator(`[data-testid="train-progress"][data-step="${pausedAt}"]`).waitFor({ timeout: LONG });
      await page.getByTestId('train-notice').filter({ hasText: 'Resumed the autosave' }).waitFor({ timeout: LONG });
      expect(await page.getByTestId('train-lr').inputValue()).toBe('0.001');
      expect(await page.getByTestId('train-batch').inputValue()).toBe('8');
      expect(await page.getByTestId('train-w-bal').inputValue()).toBe('0.3');
      expect(await page.getByTestId('train-w-cr').inputValue()).toBe('0');
      expect(await page.getByTestId('train-cr-margin').inputValue()).toBe('0.01');
      expect(Number(await attr(page, 'train-progress', 'data-reports'))).toBeGreaterThanOrEqual(reports);
      log('resumed the autosave');

      await page.waitForTimeout(300);
      expectNoConsoleErrors(errors);
    } finally {
      await finalScreenshot(page, 'training-end.png');
    }
  }, 240_000);
});
