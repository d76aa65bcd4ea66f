// End-to-end: the training dashboard in headless Chromium on the SwiftShader WebGPU adapter, at
// 1280x720. Classifies the test set with a tiny random model loaded from a file, checks the
// confusion matrix against its CSV, opens a cell and a misclassified digit in the overview,
// trains a few steps and sees the fixed digits refresh with the training weights, overlays a CLI
// training log, and exports charts. Reads the DOM, never app internals.
import fs from 'node:fs';
import path from 'node:path';
import type { Download, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams, writeModelFile, type ModelSpec } from '../../src/engine';
import { SHOTS, VIEWPORT, docScreenshot, expectNoConsoleErrors, finalScreenshot, openApp, saveScreenshot, skipTourIfShown, useApp } from '../helpers/app';
import { collectConsoleErrors, launchBrowser } from '../helpers/browser';

const LONG = 120_000;

async function num(page: Page, selector: string, attr: string): Promise<number> {
  return Number(await page.locator(selector).first().getAttribute(attr));
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ d: Download; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: LONG }), click()]);
  return { d, bytes: fs.readFileSync((await d.path())!) };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];

describe('training dashboard', () => {
  const { server, browser } = useApp({ webgpu: true });

  it('confusion matrix -> a misclassified digit in the overview; live fixed digits while training; overlay and exports', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    const t0 = Date.now();
    const log = (...a: unknown[]) => console.log(`[dashboard e2e ${((Date.now() - t0) / 1000).toFixed(1)} s]`, ...a);
    try {
      await openApp(page, server().url, { backend: 'webgpu', result: '[data-digit-index="0"]', timeout: LONG });
      // A tiny random model (one level of 4 templates): classifying the 10,000 test digits with
      // drmm-compact takes 50-100 s on the software adapter of a loaded 2-core machine.
      const spec: ModelSpec = { input: { channels: 1, height: 28, width: 28 }, levels: [{ kernel: 5, channels: 4, pad: 0, pool: true }], readout: 'dense', classes: 10 };
      const tiny = writeModelFile({ spec, preset: null, params: initParams(spec, 3) });
      await page.getByTestId('model-file').setInputFiles({ name: 'tiny.drmm', mimeType: 'application/octet-stream', buffer: Buffer.from(tiny) });
      await page.locator('[data-testid="model-notice"]', { hasText: 'tiny.drmm' }).waitFor({ timeout: LONG });
      await page.getByTestId('tab-dashboard').click();

      // The fixed digits appear for the installed model.
      const live = page.getByTestId('live-digits');
      await page.locator('[data-testid="live-digits"][data-current="true"]').waitFor({ timeout: LONG });
      const version0 = Number(await live.getAttribute('data-model-version'));
      expect(await live.locator('li.live-digit').count()).toBe(4);
      expect(await live.locator('canvas[data-kind="live-reconstruction"]').count()).toBe(4);
      expect(await live.locator('canvas[data-kind="live-saliency"]').count()).toBe(4);
      log('fixed digits:', await page.getByTestId('live-digits-ms').textContent());

      // Classify the whole test set: progress, then the matrix.
      const tc = Date.now();
      await page.getByTestId('classify-test-set').click();
      await page.getByTestId('classify-progress').waitFor({ timeout: LONG });
      await page.locator('[data-testid="classify-progress"][data-done="10000"]').waitFor({ timeout: LONG });
      log(`classified 10,000 test digits in ${((Date.now() - tc) / 1000).toFixed(1)} s`);
      const confusion = page.getByTestId('confusion');
      expect(await confusion.getAttribute('data-stale')).toBe('false');
      const cells = confusion.locator('g.cell');
      expect(await cells.count()).toBe(100);
      const counts = await cells.evaluateAll((els) => els.map((e) => ({ t: Number(e.getAttribute('data-true')), p: Number(e.getAttribute('data-pred')), n: Number(e.getAttribute('data-count')) })));
      expect(counts.reduce((s, c) => s + c.n, 0)).toBe(10000);
      // MNIST's test labels: 980 zeros, 1135 ones, ...
      expect(counts.filter((c) => c.t === 0).reduce((s, c) => s + c.n, 0)).toBe(980);
      expect(counts.filter((c) => c.t === 1).reduce((s, c) => s + c.n, 0)).toBe(1135);

      // The CSV says the same.
      const csv = (await downloaded(page, () => page.getByTestId('export-confusion-csv').click())).bytes.toString('utf8').trimEnd().split('\r\n');
      expect(csv[0]).toBe('trueClass,predictedClass,count,rowPercent');
      expect(csv).toHaveLength(101);
      for (const c of counts) expect(csv[1 + c.t * 10 + c.p].startsWith(`${c.t},${c.p},${c.n},`)).toBe(true);
      const png = await downloaded(page, () => page.getByTestId('export-confusion-png').click());
      expect(png.d.suggestedFilename()).toBe('drmm-confusion-matrix.png');
      expect(Array.from(png.bytes.subarray(0, 4))).toEqual(PNG_SIGNATURE);
      // The whole figure (caption, matrix, legend) at twice its size on screen.
      const figureBox = (await page.locator('figure.confusion-figure').boundingBox())!;
      expect(png.bytes.readUInt32BE(16)).toBe(2 * Math.ceil(figureBox.width));
      fs.mkdirSync(SHOTS, { recursive: true });
      fs.writeFileSync(path.join(SHOTS, 'export-confusion.png'), png.bytes);
      const svg = (await downloaded(page, () => page.getByTestId('export-confusion-svg').click())).bytes.toString('utf8');
      expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg.match(/ data-count="\d+"/g)).toHaveLength(100); // every cell, with its count (its classes become inline styles)

      // The largest off-diagonal cell: its misclassified digits, then one of them in the overview.
      const worst = counts.filter((c) => c.t !== c.p).sort((a, b) => b.n - a.n)[0];
      log('largest confusion:', worst);
      expect(worst.n).toBeGreaterThan(0);
      await confusion.locator(`g.cell[data-true="${worst.t}"][data-pred="${worst.p}"]`).click();
      const cell = page.getByTestId('cell-digits');
      await cell.waitFor();
      expect(Number(await cell.getAttribute('data-count'))).toBe(worst.n);
      const thumbs = cell.getByTestId('cell-digit');
      expect(await thumbs.count()).toBe(Math.min(60, worst.n));
      const pick = thumbs.nth(Math.min(2, worst.n - 1));
      const index = Number(await pick.getAttribute('data-index'));
      await pick.click();
      expect(await page.getByTestId('tab-overview').getAttribute('aria-selected')).toBe('true');
      await page.locator(`[data-testid="result"][data-current="true"][data-digit-index="${index}"]`).waitFor({ timeout: LONG });
      expect(Number(await page.getByTestId('digit-label').getAttribute('data-label'))).toBe(worst.t);
      expect(Number(await page.getByTestId('pred').textContent())).toBe(worst.p);
      log(`test digit ${index} (label ${worst.t}, predicted ${worst.p}) opened in the overview`);

      // Train a few steps: the fixed digits follow the training weights.
      await page.getByTestId('tab-dashboard').click();
      const refreshes0 = await num(page, '[data-testid="live-digits"]', 'data-refreshes');
      await page.getByTestId('training-open').click();
      await page.getByTestId('train-estimate').waitFor({ timeout: LONG });
      await page.getByTestId('train-batch').selectOption('8');
      await page.locator('[data-testid="train-start"]:not([disabled])').waitFor({ timeout: LONG });
      await page.getByTestId('train-start').click();
      await page.locator('[data-testid="train-status"][data-status="running"]').waitFor({ timeout: LONG });
      // The run being trained is a model of its own (the engine host's 'training' slot): each copy
      // of its weights is a new model version, and the fixed digits follow it.
      await page.waitForFunction(
        (v0) => {
          const el = document.querySelector('[data-testid="live-digits"]');
          const p = document.querySelector('[data-testid="train-progress"]');
          return !!el && !!p && Number(el.getAttribute('data-model-version')) > v0 && Number(p.getAttribute('data-step')) >= 10;
        },
        version0,
        { timeout: LONG, polling: 250 },
      );
      await page.getByTestId('train-pause').click();
      await page.locator('[data-testid="train-status"][data-status="paused"]').waitFor({ timeout: LONG });
      const step = await num(page, '[data-testid="train-progress"]', 'data-step');
      // After the pause the last weights are shown: the fixed digits catch up with them.
      await page.locator('[data-testid="live-digits"][data-current="true"]').waitFor({ timeout: LONG });
      const refreshes = await num(page, '[data-testid="live-digits"]', 'data-refreshes');
      log(`paused at step ${step}; fixed digits refreshed ${refreshes - refreshes0} times while training; model version ${await live.getAttribute('data-model-version')}`);
      expect(refreshes).toBeGreaterThan(refreshes0);
      // The confusion matrix is the shown model's, which training does not replace: still current.
      expect(await confusion.getAttribute('data-stale')).toBe('false');
      // Showing the run being trained in the panels makes it stale (another model).
      await page.getByTestId('train-live').check();
      await page.locator('[data-testid="confusion"][data-stale="true"]').waitFor({ timeout: LONG });
      await page.getByTestId('confusion-stale').waitFor();
      expect(Number(await page.getByTestId('chart-total').getAttribute('data-points'))).toBeGreaterThan(0);
      // The training run (drmm-compact) is the model in use now: a canvas per level.
      const templates = page.getByTestId('templates');
      expect(await templates.getAttribute('data-source')).toBe('training');
      expect(await templates.locator('canvas[data-kind="templates"]').count()).toBe(PRESETS['drmm-compact'].levels.length);

      // A CLI training log overlaid on the accuracy chart; a file that is not one changes nothing.
      const cliLog = {
        preset: 'drmm-compact', mode: 'convnet', seed: 1, labelled: null, batchSize: 64, stepsPerEpoch: 937,
        metrics: [
          { epoch: 0.25, step: 234, total: 0.3, trainAccuracy: 0.9, testAccuracy: 0.95 },
          { epoch: 0.5, step: 468, total: 0.2, trainAccuracy: 0.95, testAccuracy: 0.97 },
        ],
      };
      const accuracyPaths = page.locator('[data-testid="chart-accuracy"] svg path');
      expect(await accuracyPaths.count()).toBe(2);
      await page.getByTestId('overlay-log').setInputFiles({ name: 'convnet.log.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(cliLog)) });
      await page.locator('[data-testid="overlay-runs"] li[data-source="log"][data-mode="convnet"]').waitFor();
      expect(await accuracyPaths.count()).toBe(4);
      await page.getByTestId('overlay-log').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"metrics": 3}') });
      expect(await page.getByTestId('overlay-error').textContent()).toContain('notes.json: not a training log: it has no "metrics" array');
      expect(await page.locator('[data-testid="overlay-runs"] li').count()).toBe(1);
      const overlayCsv = (await downloaded(page, () => page.getByTestId('export-accuracy-csv').click())).bytes.toString('utf8').trimEnd().split('\r\n');
      expect(overlayCsv[0]).toBe('run,epoch,step,trainAccuracy,testAccuracy');
      expect(overlayCsv.filter((l) => l.includes('CLI log convnet.log.json'))).toEqual([
        'drmm-compact convnet seed 1 (CLI log convnet.log.json),0.25,234,0.9,0.95',
        'drmm-compact convnet seed 1 (CLI log convnet.log.json),0.5,468,0.95,0.97',
      ]);
      const lossSvg = await downloaded(page, () => page.getByTestId('export-total-svg').click());
      expect(lossSvg.d.suggestedFilename()).toBe('drmm-total-loss.svg');
      expect(lossSvg.bytes.toString('utf8')).toContain('<path');
      const tplPng = await downloaded(page, () => page.getByTestId('export-templates-2-png').click());
      expect(Array.from(tplPng.bytes.subarray(0, 4))).toEqual(PNG_SIGNATURE);

      // The screenshot: the dashboard at 1280x720, scrolled to its charts (the first-visit tour,
      // another panel's, would cover it).
      await skipTourIfShown(page);
      await page.getByTestId('live-digits').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await docScreenshot(page, 'dashboard.png');
      await confusion.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await saveScreenshot(page, 'dashboard-confusion.png');

      // Reset keeps the run's accuracy curve on the overlay (train accuracy only: it was never evaluated).
      await page.getByTestId('train-reset').click();
      await page.locator('[data-testid="overlay-runs"] li[data-source="page"][data-mode="supervised"]').waitFor({ timeout: LONG });
      expect(await page.locator('[data-testid="overlay-runs"] li').count()).toBe(2);
      expect(await accuracyPaths.count()).toBe(3);

      await page.waitForTimeout(300);
      expectNoConsoleErrors(errors);
      log('done');
    } finally {
      await finalScreenshot(page, 'dashboard-end.png');
    }
  }, 300_000);

  it('works on the CPU fallback: fixed digits from the reference engine, training says it needs WebGPU', async () => {
    const cpu = await launchBrowser({ webgpu: false, viewport: VIEWPORT });
    try {
      const { page } = cpu;
      const errors = collectConsoleErrors(page);
      await openApp(page, server().url, { backend: 'cpu', timeout: LONG });
      await page.getByTestId('tab-dashboard').click();
      await page.locator('[data-testid="live-digits"][data-current="true"]').waitFor({ timeout: LONG });
      expect(await page.locator('[data-testid="live-digits"] li.live-digit').count()).toBe(4);
      console.log('[dashboard e2e] CPU fallback:', await page.getByTestId('live-digits-ms').textContent());
      expect(await page.getByTestId('templates').locator('canvas[data-kind="templates"]').count()).toBe(PRESETS['drmm-compact'].levels.length);
      await page.getByTestId('training-open').click();
      await page.locator('[data-testid="train-status"][data-status="unavailable"]').waitFor({ timeout: LONG });
      expect(await page.getByTestId('train-notice').textContent()).toContain('Training needs WebGPU');
      // Classifying on the CPU reference takes minutes: it runs in small chunks, shows progress and
      // the time left, and the page stays usable meanwhile.
      await page.getByTestId('classify-test-set').click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="classify-progress"]')?.getAttribute('data-done')) >= 40, undefined, { timeout: LONG });
      await page.getByTestId('classify-progress').filter({ hasText: /about .* left/ }).waitFor({ timeout: LONG });
      const t = Date.now();
      await page.getByTestId('training-open').click();
      await page.getByTestId('train-status').waitFor({ state: 'detached', timeout: 10_000 });
      console.log('[dashboard e2e] CPU fallback:', await page.getByTestId('classify-progress').textContent(), `; a click answered in ${Date.now() - t} ms`);
      expect(Date.now() - t).toBeLessThan(5_000);
      expectNoConsoleErrors(errors);
    } finally {
      await cpu.close();
    }
  }, 120_000);
});
