// End-to-end: the Rendering panel in headless Chromium, on SwiftShader WebGPU and on the CPU
// fallback. Reads numbers from the DOM (data attributes, canvas pixels), never app internals.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { docScreenshot, expectNoConsoleErrors, finalScreenshot, openApp, saveScreenshot, skipTourIfShown, useBrowser, useServer, waitForTestSet, openSettings, closeSettings } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { PRESETS } from '../../src/engine/model';

const LONG = 180_000;

async function openRenderPanel(page: Page) {
  await waitForTestSet(page, LONG);
  await page.getByTestId('tab-render').click();
  await page.locator('[data-testid="render-result"][data-current="true"]').waitFor({ timeout: LONG });
}

async function samplePixels(page: Page, index: number): Promise<number[]> {
  return page.locator('canvas[data-kind="sample"]').nth(index).evaluate((c) => {
    const el = c as HTMLCanvasElement;
    return Array.from(el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data);
  });
}

async function waitSampler(page: Page, seed: number, cls: number) {
  await page.locator(`[data-testid="sampler"][data-state="ready"][data-seed="${seed}"][data-class="${cls}"]`).waitFor({ timeout: LONG });
}

describe('Rendering panel', () => {
  const server = useServer();

  describe('on WebGPU (SwiftShader)', () => {
    const browser = useBrowser({ webgpu: true });

    it('reconstruction and errors, ten counterfactuals, negative marks, samples that follow the seed', async () => {
      const { page } = browser();
      const errors = collectConsoleErrors(page);
      try {
        await openApp(page, server().url, { backend: 'webgpu', timeout: LONG });
        await openRenderPanel(page);

        // The reconstruction and its error.
        const recon = Number(await page.getByTestId('recon-error').getAttribute('data-value'));
        expect(Number.isFinite(recon) && recon > 0).toBe(true);
        for (const kind of ['input', 'render-recon', 'render-error', 'render-recon-negative']) expect(await page.locator(`canvas[data-kind="${kind}"]`).count()).toBe(1);
        const cos = Number(await page.getByTestId('recon-cos').getAttribute('data-value'));
        expect(cos).toBeGreaterThanOrEqual(-1);
        expect(cos).toBeLessThanOrEqual(1);

        // Ten counterfactuals; the predicted class's rendering is the reconstruction itself (same switches, same class, same variant).
        await page.locator('[data-testid="counterfactuals"][data-state="ready"]').waitFor({ timeout: LONG });
        const cells = page.getByTestId('cf-cell');
        expect(await cells.count()).toBe(10);
        expect(await page.locator('canvas[data-kind="counterfactual"]').count()).toBe(10);
        const cfErrors = await cells.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-error'))));
        for (const e of cfErrors) expect(Number.isFinite(e)).toBe(true);
        const predCells = page.locator('[data-testid="cf-cell"][data-pred="true"]');
        expect(await predCells.count()).toBe(1);
        const pred = Number(await predCells.getAttribute('data-class'));
        expect(Math.abs(cfErrors[pred] - recon)).toBeLessThanOrEqual(1e-4 * recon);
        expect(new Set(cfErrors.map((e) => e.toPrecision(6))).size).toBeGreaterThan(1);
        await expect(predCells.textContent()).resolves.toContain('predicted');
        // What the model sees in each rendering: one class a cell, named in the cell.
        const seen = await page.getByTestId('cf-seen').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-seen')), e.textContent ?? ''] as const));
        expect(seen).toHaveLength(10);
        for (const [c, text] of seen) expect(Number.isInteger(c) && c >= 0 && c < 10 && text.startsWith(`seen as ${c}`)).toBe(true);

        // Negative marks: one row per level (top down) and the pixels; hatched cells carry orange pixels.
        const L = PRESETS['drmm-compact'].levels.length;
        const rows = page.getByTestId('neg-row');
        expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-level')))).toEqual([...Array.from({ length: L }, (_, j) => String(L - j)), 'pixels']);
        const negCounts = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-negative'))));
        for (const n of negCounts) expect(Number.isInteger(n) && n >= 0).toBe(true);
        for (let level = 1; level <= L; level++) {
          const shown = await page.getByTestId(`neg-count-${level}`).textContent();
          expect(Number(shown!.replace(/,/g, ''))).toBe(negCounts[L - level]);
          expect(await page.locator(`canvas[data-kind="render-z"][data-level="${level}"]`).count()).toBe(4);
          expect(await page.locator(`canvas[data-kind="render-x"][data-level="${level}"]`).count()).toBe(4);
        }
        expect(Number(await page.locator('canvas[data-kind="render-recon-negative"]').getAttribute('data-negative'))).toBe(negCounts[L]);
        const hatched = page.locator('canvas[data-kind="render-z"]:not([data-negative="0"])').first();
        const orange = await hatched.evaluate((c) => {
          const el = c as HTMLCanvasElement;
          const d = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 230) < 30 && Math.abs(d[i + 1] - 159) < 30 && d[i + 2] < 60) n++;
          return n;
        });
        expect(orange).toBeGreaterThan(0);

        // More channels compared.
        await page.getByTestId('render-channel-count').selectOption('8');
        expect(await page.locator('canvas[data-kind="render-z"][data-level="1"]').count()).toBe(8);

        // Samples: the empirical priors are estimated first; then a row per seed, deterministic.
        await waitSampler(page, 1, pred);
        await page.getByTestId('sample-class').selectOption('3');
        await waitSampler(page, 1, 3);
        expect(await page.locator('canvas[data-kind="sample"]').count()).toBe(6);
        const first = await samplePixels(page, 0);
        await page.getByTestId('sample-seed').fill('5');
        await waitSampler(page, 5, 3);
        const seeded = await samplePixels(page, 0);
        expect(seeded).not.toEqual(first);
        await page.getByTestId('sample-again').click();
        await waitSampler(page, 6, 3);
        expect(await samplePixels(page, 0)).not.toEqual(seeded);
        await page.getByTestId('sample-seed').fill('5');
        await waitSampler(page, 5, 3);
        expect(await samplePixels(page, 0)).toEqual(seeded);
        // A bad seed is refused with a message and the samples stay.
        await page.getByTestId('sample-seed').fill('2.5');
        await expect(page.locator('[data-testid="sampler"] [role="alert"]').textContent()).resolves.toContain('whole number');
        expect(await page.getByTestId('sampler').getAttribute('data-seed')).toBe('5');
        expect(await samplePixels(page, 0)).toEqual(seeded);
        await page.getByTestId('sample-seed').fill('5');

        // Every canvas is labelled.
        const unlabelled = await page.locator('canvas').evaluateAll((els) => els.filter((e) => !e.getAttribute('aria-label')).length);
        expect(unlabelled).toBe(0);

        // The first-visit tour (another panel's) would cover the screenshot.
        await skipTourIfShown(page);
        await page.locator('#panel-render').evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await docScreenshot(page, 'render.png');
        await saveScreenshot(page, 'render-full.png', true);

        // The default's signal goes negative; the offered NN-DRMM's never does, at any level.
        expect(negCounts.slice(0, L).some((n) => n > 0)).toBe(true);
        const offer = page.getByTestId('renders-offer');
        expect(await offer.getAttribute('data-loaded')).toBe('false');
        await page.getByTestId('load-renders-model').click();
        await page.locator('[data-testid="renders-offer"][data-loaded="true"]').waitFor({ timeout: LONG });
        await page.locator('[data-testid="render-result"][data-current="true"]').waitFor({ timeout: LONG });
        await expect(page.getByTestId('model-picker').inputValue()).resolves.toBe('shipped:nndrmm-compact-renders.drmm');
        const nnCounts = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-negative'))));
        expect(nnCounts.slice(0, L)).toEqual(Array.from({ length: L }, () => 0));
        await page.locator('[data-testid="counterfactuals"][data-state="ready"]').waitFor({ timeout: LONG });
        const recognised = await page.locator('[data-testid="cf-seen"][data-recognised="true"]').count();
        console.log(`[render e2e] the NN-DRMM sees ${recognised} of 10 classes in their own rendering of this digit`);
        await page.locator('#panel-render').evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await saveScreenshot(page, 'render-nndrmm.png');

        // The authors' layout: four levels, counterfactuals again.
        await openSettings(page);
        await page.getByRole('combobox', { name: 'Architecture' }).selectOption('drmm-mnist');
        await closeSettings(page);
        await page.locator('[data-testid="render-result"][data-current="true"] [data-testid="render-level"][data-level="4"]').waitFor({ timeout: LONG });
        expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-level')))).toEqual(['4', '3', '2', '1', 'pixels']);
        await page.locator('[data-testid="counterfactuals"][data-state="ready"]').waitFor({ timeout: LONG });
        expect(await cells.count()).toBe(10);
        // One bottom-up pass (none when the view's own is still on the engine; more only if another inference ran between two classes).
        const cfCaption = (await page.getByTestId('counterfactuals').locator('.render-caption').textContent()) ?? '';
        expect(cfCaption).toMatch(/(The view’s own bottom-up pass \(its switches were still on the engine\)|One bottom-up pass|(?:[2-9]|10) bottom-up passes) and 10 backtraces on WebGPU in \d+ ms, then one pass over the ten renderings\./);
        console.log(`[render e2e] drmm-mnist counterfactuals: ${cfCaption.match(/[^.]*backtraces[^.]*\./)?.[0]}`);

        await page.waitForTimeout(300);
        expectNoConsoleErrors(errors);
      } finally {
        await finalScreenshot(page, 'render-end.png');
      }
    });
  });

  describe('without WebGPU (CPU reference fallback)', () => {
    const browser = useBrowser({ webgpu: false });

    it('renders the counterfactuals and samples on the CPU reference', async () => {
      const { page } = browser();
      const errors = collectConsoleErrors(page);
      try {
        await openApp(page, server().url, { backend: 'cpu', timeout: LONG });
        await openRenderPanel(page);
        await page.locator('[data-testid="counterfactuals"][data-state="ready"]').waitFor({ timeout: LONG });
        expect(await page.getByTestId('cf-cell').count()).toBe(10);
        await expect(page.getByTestId('counterfactuals').textContent()).resolves.toContain('the CPU reference');
        await page.getByTestId('sample-on-prior').selectOption('bias');
        await page.getByTestId('sample-class').selectOption('7');
        await waitSampler(page, 1, 7);
        expect(await page.locator('canvas[data-kind="sample"]').count()).toBe(6);
        expect(await page.getByTestId('neg-row').count()).toBe(PRESETS['drmm-compact'].levels.length + 1);
        await page.waitForTimeout(300);
        expectNoConsoleErrors(errors);
      } finally {
        await finalScreenshot(page, 'render-cpu.png');
      }
    });
  });
});
