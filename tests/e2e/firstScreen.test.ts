// End-to-end: the first screen in headless Chromium, on the SwiftShader WebGPU adapter and on the
// CPU fallback. Reads numbers from the DOM (data attributes), never from app internals.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams, writeModelFile } from '../../src/engine';
import { expectNoConsoleErrors, finalScreenshot, saveScreenshot, skipTour, useBrowser, useServer, waitForResult, waitForTestSet, openSettings, closeSettings } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { DIST, serveDist } from '../helpers/server';

const LONG = 120_000;

/** The class probabilities of the current result, from the bars' data-prob attributes. */
async function readProbs(page: Page): Promise<number[]> {
  const values = await page.locator('[data-testid="prob-bars"] [data-prob]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-prob'))));
  return values;
}

describe('first screen', () => {
  const server = useServer();

  describe('on WebGPU (SwiftShader)', () => {
    const browser = useBrowser({ webgpu: true });

    it('classifies, backtraces and draws every level; digit and variant controls work', async () => {
      const { page } = browser();
      const errors = collectConsoleErrors(page);
      try {
        await page.goto(server().url, { waitUntil: 'load' });

        const backend = page.locator('[data-testid="backend"][data-backend="webgpu"]');
        await backend.waitFor({ timeout: LONG });
        expect((await backend.textContent())?.toLowerCase()).toContain('swiftshader');

        // The app starts on the first pretrained model of models/index.json (drmm-compact).
        const notice = page.locator('[data-testid="model-notice"]', { hasText: 'Pretrained model shipped with the app' });
        await notice.waitFor({ timeout: LONG });
        expect(await notice.textContent()).toContain('drmm-compact.drmm');

        await waitForTestSet(page, LONG);
        await waitForResult(page, 0, { timeout: LONG });
        expect(await page.getByTestId('digit-label').getAttribute('data-label')).toBe('7');
        // A trained model: test digit 0 (a 7) is classified as a 7.
        expect(await page.getByTestId('prob-bars').getAttribute('data-pred')).toBe('7');

        const probs = await readProbs(page);
        expect(probs).toHaveLength(10);
        for (const p of probs) expect(p).toBeGreaterThanOrEqual(0);
        expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-3);
        // The highlighted bar is the argmax.
        const pred = Number(await page.getByTestId('prob-bars').getAttribute('data-pred'));
        expect(probs[pred]).toBe(Math.max(...probs));
        expect(await page.locator('[data-testid="prob-bars"] .bar.pred').getAttribute('data-class')).toBe(String(pred));

        // drmm-compact: every level drawn, at most its first 16 channels; t-switches only where it pools.
        const compactLevels = PRESETS['drmm-compact'].levels;
        for (let level = 1; level <= compactLevels.length; level++) {
          const { channels, pool } = compactLevels[level - 1];
          for (const kind of ['feature', 'a', 't', 'saliency']) {
            const n = await page.locator(`canvas[data-kind="${kind}"][data-level="${level}"]`).count();
            expect(n, `level ${level} ${kind} canvases`).toBe(kind === 't' && !pool ? 0 : Math.min(16, channels));
          }
          await expect(page.getByTestId(`paths-${level}`).textContent()).resolves.toMatch(/ON units: [\d,]+ \/ [\d,]+/);
        }
        expect(await page.locator('canvas[data-kind="input"]').count()).toBe(1);
        expect(await page.locator('canvas[data-kind="reconstruction"]').count()).toBe(1);
        // Every canvas is labelled.
        const unlabelled = await page.locator('canvas').evaluateAll((els) => els.filter((e) => !e.getAttribute('aria-label')).length);
        expect(unlabelled).toBe(0);
        // The input canvas really holds the digit: ink in the middle, background at the corner.
        const [corner, inked] = await page.locator('canvas[data-kind="input"]').evaluate((c) => {
          const ctx = (c as HTMLCanvasElement).getContext('2d')!;
          const d = ctx.getImageData(0, 0, 28, 28).data;
          let dark = 0;
          for (let i = 0; i < 28 * 28; i++) if (d[4 * i] < 128) dark++;
          return [d[0], dark];
        });
        expect(corner).toBeGreaterThan(240);
        expect(inked).toBeGreaterThan(30);

        // The first-visit tour would cover the screenshot: it must offer to be skipped, then go.
        await skipTour(page, LONG);
        await saveScreenshot(page, 'first-screen.png'); // the README's image is firstView.test.ts's (the same screen)
        await saveScreenshot(page, 'first-screen-full.png', true);

        // Another digit: the label follows, and so does the result.
        await page.getByTestId('digit-index').fill('1');
        await waitForResult(page, 1, { timeout: LONG });
        expect(await page.getByTestId('digit-label').getAttribute('data-label')).toBe('2');
        expect(await page.getByTestId('prob-bars').getAttribute('data-pred')).toBe('2');
        await page.getByRole('button', { name: 'Next test digit' }).click();
        await waitForResult(page, 2, { timeout: LONG });
        expect(await page.getByTestId('digit-label').getAttribute('data-label')).toBe('1');
        expect(await page.getByTestId('prob-bars').getAttribute('data-pred')).toBe('1');

        // Another variant: the gradient backtrace is signed and differs from the rendering.
        await openSettings(page);
        await page.getByTestId('variant').selectOption('gradient');
        await waitForResult(page, 2, { variant: 'gradient', timeout: LONG });
        const after = await readProbs(page);
        expect(Math.abs(after.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-3);

        // Counterfactual start.
        await page.getByTestId('start-class').selectOption('3');
        await page.locator('[data-testid="result"][data-current="true"][data-start="3"]').waitFor({ timeout: LONG });
        await expect(page.locator('.digit-view').textContent()).resolves.toContain('class 3');

        // The authors' layout: four levels, pooling after levels 1 and 3 only, global-average read-out.
        await page.getByRole('combobox', { name: 'Architecture' }).selectOption('drmm-mnist');
        await closeSettings(page);
        await page.locator('[data-testid="result"][data-current="true"] section.level[data-level="4"]').waitFor({ timeout: LONG });
        expect(await page.locator('section.level').count()).toBe(4);
        for (const [level, pooled] of [[1, true], [2, false], [3, true], [4, false]] as const) {
          expect(await page.locator(`canvas[data-kind="t"][data-level="${level}"]`).count(), `t canvases at level ${level}`).toBe(pooled ? 16 : 0);
          expect(await page.locator(`canvas[data-kind="saliency"][data-level="${level}"]`).count()).toBe(16);
        }
        const mnistProbs = await readProbs(page);
        expect(Math.abs(mnistProbs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-3);

        await page.waitForTimeout(300);
        expectNoConsoleErrors(errors);
      } finally {
        await finalScreenshot(page, 'first-screen-end.png');
      }
    });
  });

  describe('without WebGPU (CPU reference fallback)', () => {
    const browser = useBrowser({ webgpu: false });

    it('says it fell back and why, still classifies digit 0, and keeps the model when a file is bad', async () => {
      const { page } = browser();
      const errors = collectConsoleErrors(page);
      try {
        await page.goto(server().url, { waitUntil: 'load' });
        const backend = page.locator('[data-testid="backend"][data-backend="cpu"]');
        await backend.waitFor({ timeout: LONG });
        const text = (await backend.textContent()) ?? '';
        expect(text).toContain('CPU reference engine');
        expect(text).toMatch(/Why: .*\S/);

        await waitForTestSet(page, LONG);
        await waitForResult(page, 0, { timeout: LONG });
        const probs = await readProbs(page);
        expect(probs).toHaveLength(10);
        expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-3);
        expect(await page.locator('canvas[data-kind="reconstruction"]').count()).toBe(1);

        // A broken file: the error is shown and the model (and its result) stay.
        await page.getByTestId('model-file').setInputFiles({ name: 'broken.drmm', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model at all') });
        const err = page.getByTestId('model-error');
        await err.waitFor({ timeout: LONG });
        expect(await err.textContent()).toContain('Not a valid DRMM model file');
        expect(await err.textContent()).toContain('previous model is still in use');
        await expect(page.getByTestId('model-notice').textContent()).resolves.toContain('Pretrained model shipped with the app');
        expect(await readProbs(page)).toEqual(probs);

        // A valid file (the shallow preset, seed 7, no training record) replaces the model.
        const spec = PRESETS['rmm-shallow'];
        const bytes = writeModelFile({ spec, preset: 'rmm-shallow', params: initParams(spec, 7) });
        await page.getByTestId('model-file').setInputFiles({ name: 'shallow.drmm', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
        await page.locator('[data-testid="model-notice"]', { hasText: 'shallow.drmm' }).waitFor({ timeout: LONG });
        await expect(page.getByTestId('model-notice').textContent()).resolves.toContain('no training record');
        expect(await page.getByTestId('model-error').count()).toBe(0);
        await page.locator('section.level[data-level="1"]').waitFor({ timeout: LONG });
        await page.locator('[data-testid="result"][data-current="true"]').waitFor({ timeout: LONG });
        expect(await page.locator('section.level').count()).toBe(1);

        await page.waitForTimeout(300);
        expectNoConsoleErrors(errors);
      } finally {
        await finalScreenshot(page, 'first-screen-cpu.png');
      }
    });

    it('tells the user to run `npm run data` when the MNIST files are missing', async () => {
      // The built app without its data/ folder, as when public/data was never generated.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-nodata-'));
      fs.cpSync(DIST, dir, { recursive: true, filter: (src) => path.basename(src) !== 'data' });
      const bare = await serveDist({ dir });
      const page = await browser().context.newPage();
      const errors = collectConsoleErrors(page);
      try {
        await page.goto(bare.url, { waitUntil: 'load' });
        const alert = page.getByTestId('data-error-test');
        await alert.waitFor({ timeout: LONG });
        const text = (await alert.textContent()) ?? '';
        expect(text).toContain('HTTP 404');
        expect(text).toContain('npm run data');
        expect(await page.getByRole('progressbar', { name: /Test set/ }).getAttribute('aria-valuetext')).toBe('failed');
        expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(1);
        // The only console error is the 404 itself (the browser logs failed fetches); the training split is not tried.
        expect(errors.filter((e) => !/Failed to load resource: .*404/.test(e))).toEqual([]);
      } finally {
        await page.close();
        await bare.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
