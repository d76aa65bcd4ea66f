// End-to-end: the models trained with 100 labels (issue 15) in headless Chromium on SwiftShader
// WebGPU at 1280x720. Picked in the model picker, the 100-label DRMM is named for what it is and
// classifies the digit on show. The last story card runs the same test digits through the 100-label
// DRMM and the 100-label convnet in slots of their own (the panels keep their model): their
// predictions are those of the CPU reference on the same files, the DRMM's reconstructions are
// drawn, the test errors are index.json's, and the grid shows the 100 labelled training images the
// model file records; the card fits 1280x720 and 1920x1080 without scrolling and axe finds
// nothing on it.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../src/engine/cpuEngine';
import { readModelFile } from '../../src/engine/modelFile';
import { parseShippedModels } from '../../src/ui/modelFiles';
import { STORY_CARDS, STORY_COUNT } from '../../src/ui/story/cards';
import { COMPARED_DIGITS, HUNDRED_LABEL_FILES, pctError, shippedEntry } from '../../src/ui/story/hundredLabels';
import { loadSplit } from '../../scripts/lib/mnistNode';
import { expectNoConsoleErrors, openApp, saveScreenshot, useApp } from '../helpers/app';
import { axeViolations } from '../helpers/axe';
import { collectConsoleErrors } from '../helpers/browser';
import { ROOT } from '../helpers/server';

const LONG = 120_000;
const MODELS = path.join(ROOT, 'public', 'models');
const shipped = parseShippedModels(JSON.parse(fs.readFileSync(path.join(MODELS, 'index.json'), 'utf8')));
const test = loadSplit('test');

/** What the CPU reference engine predicts for test digits `digits` with a shipped model file. */
async function referencePreds(file: string, digits: number[]): Promise<number[]> {
  const f = readModelFile(fs.readFileSync(path.join(MODELS, file)));
  const images = new Float32Array(digits.length * 784);
  digits.forEach((d, k) => images.set(test.images.subarray(d * 784, (d + 1) * 784), k * 784));
  const out = await new CpuEngine(f.spec, f.params).classify(images, digits.length);
  return Array.from(out.pred);
}

/** The comparison's cells of one model's row: digit, prediction. */
async function rowPreds(page: Page, model: string): Promise<{ digit: number; pred: number }[]> {
  return page.locator(`[data-testid="hl-table"] tr[data-model="${model}"] td`).evaluateAll((tds) => tds.map((td) => ({ digit: Number(td.getAttribute('data-digit')), pred: Number(td.getAttribute('data-pred')) })));
}

describe('learning from 100 labels', () => {
  const { server, browser } = useApp({ webgpu: true });

  it('the model picker offers the 100-label DRMM by that name; chosen, it classifies the digit on show', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await openApp(page, server().url, { backend: 'webgpu', result: '[data-digit-index="0"]', skipTour: true, timeout: LONG });
    const picker = page.getByTestId('model-picker');
    const option = picker.locator(`option[value="shipped:${HUNDRED_LABEL_FILES.drmm}"]`);
    const listed = shippedEntry(shipped, HUNDRED_LABEL_FILES.drmm)!;
    expect(await option.textContent()).toBe(`${listed.title}, drmm-compact (${pctError(listed.testError)} test error)`);
    expect(listed.title).toMatch(/^Trained with 100 labels: DRMM/);
    expect(await picker.locator(`option[value="shipped:${HUNDRED_LABEL_FILES.convnet}"]`).textContent()).toMatch(/^Trained with 100 labels: convnet/);
    await picker.selectOption(`shipped:${HUNDRED_LABEL_FILES.drmm}`);
    await page.locator('[data-testid="model-notice"]', { hasText: HUNDRED_LABEL_FILES.drmm }).waitFor({ timeout: LONG });
    expect(await page.getByTestId('model-notice').textContent()).toContain('100 labelled images');
    expect(await picker.inputValue()).toBe(`shipped:${HUNDRED_LABEL_FILES.drmm}`);
    expect(await picker.getAttribute('title')).toContain('Trained with 100 labels');
    // Its prediction for test digit 0, as the CPU reference computes it from the same file.
    const [want] = await referencePreds(HUNDRED_LABEL_FILES.drmm, [0]);
    await page.locator(`[data-testid="prediction"][data-pred="${want}"]`).waitFor({ timeout: LONG });
    await page.locator('[data-testid="overview"][data-current="true"][data-digit-index="0"]').waitFor({ timeout: LONG });
    await saveScreenshot(page, 'hundred-labels-picked.png');
    expectNoConsoleErrors(errors);
  });

  it('the last story card: the same digits through both 100-label models, the test errors, the 100 labelled images; the panels keep their model', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await openApp(page, server().url, { backend: 'webgpu', result: '[data-digit-index="0"]', skipTour: true, timeout: LONG });
    const last = STORY_COUNT - 1;
    expect(STORY_CARDS[last].id).toBe('learning');
    await page.locator('.story-dot').nth(last).click();
    await page.locator(`[data-testid="story-card"][data-card="learning"]`).waitFor();
    const widget = page.locator('[data-testid="hundred-labels"][data-state="ready"]');
    await widget.waitFor({ timeout: LONG });

    // The digit on show and the next ones, through both models: the CPU reference's predictions.
    const digits = Array.from({ length: COMPARED_DIGITS }, (_, k) => k);
    for (const [model, file] of [['drmm', HUNDRED_LABEL_FILES.drmm], ['convnet', HUNDRED_LABEL_FILES.convnet]] as const) {
      const cells = await rowPreds(page, model);
      expect(cells.map((c) => c.digit), model).toEqual(digits);
      expect(cells.map((c) => c.pred), model).toEqual(await referencePreds(file, digits));
    }
    expect(await page.locator('[data-testid="hl-table"] canvas[data-kind="input"]').count()).toBe(COMPARED_DIGITS);
    expect(await page.locator('[data-testid="hl-table"] tr[data-model="drmm"] canvas[data-kind="reconstruction"]').count()).toBe(COMPARED_DIGITS);
    // The reconstructions are drawn (not blank canvases).
    const inked = await page.locator('[data-testid="hl-table"] canvas[data-kind="reconstruction"]').evaluateAll((cs) =>
      cs.map((c) => {
        const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
        const distinct = new Set<number>();
        for (let i = 0; i < d.length; i += 4) distinct.add(d[i]);
        return distinct.size;
      }),
    );
    for (const n of inked) expect(n).toBeGreaterThan(2);

    // The test errors are index.json's; the two are within a seed's difference, and the words say so.
    const drmm = shippedEntry(shipped, HUNDRED_LABEL_FILES.drmm)!;
    const convnet = shippedEntry(shipped, HUNDRED_LABEL_FILES.convnet)!;
    expect(await page.getByTestId('hl-error-drmm').textContent()).toBe(pctError(drmm.testError));
    expect(await page.getByTestId('hl-error-convnet').textContent()).toBe(pctError(convnet.testError));
    expect(await page.getByTestId('hl-errors').textContent()).toContain(pctError(shippedEntry(shipped, HUNDRED_LABEL_FILES.supervised)!.testError));
    const words = (await page.locator('.story-card .story-body').textContent())!;
    expect(words).toContain(pctError(drmm.testError));
    expect(words).toContain(pctError(convnet.testError));
    expect(words).toContain('within what another seed changes');

    // The 100 labelled images, from the training set the page loads (it may still be arriving).
    const grid = page.getByTestId('labelled-grid');
    await grid.waitFor({ timeout: LONG });
    expect(await grid.getAttribute('data-count')).toBe('100');
    const recorded = (readModelFile(fs.readFileSync(path.join(MODELS, HUNDRED_LABEL_FILES.drmm))).training as { labelledIndices: number[] }).labelledIndices;
    const label = (await grid.getAttribute('aria-label'))!;
    for (const i of recorded) expect(label).toMatch(new RegExp(`\\b${i}\\b`));

    // The panels still show the default model (the comparison has slots of its own).
    expect(await page.getByTestId('model-picker').inputValue()).toBe('shipped:drmm-compact.drmm');
    await page.locator('[data-testid="prediction"][data-pred="7"]').waitFor({ timeout: LONG });

    // Another digit on show: the comparison follows it.
    await page.getByTestId('digit-index').fill('3');
    // (The row's first cell is its second child: the row's header comes first.)
    await page.locator('[data-testid="hl-table"] tr[data-model="convnet"] td[data-digit="3"]:nth-child(2)').waitFor({ timeout: LONG });
    const moved = await rowPreds(page, 'convnet');
    expect(moved.map((c) => c.digit)).toEqual([3, 4, 5, 6, 7]);
    expect(moved.map((c) => c.pred)).toEqual(await referencePreds(HUNDRED_LABEL_FILES.convnet, [3, 4, 5, 6, 7]));

    // It fits the card at 1280x720 and at 1920x1080, and axe finds nothing.
    const fits = () =>
      page.evaluate(() => {
        const c = document.querySelector<HTMLElement>('[data-testid="story-card"]')!;
        const t = c.querySelector<HTMLElement>('.story-text')!;
        return { card: c.scrollHeight <= c.clientHeight && c.scrollWidth <= c.clientWidth, text: t.scrollHeight <= t.clientHeight };
      });
    await saveScreenshot(page, 'hundred-labels-card.png');
    expect(await fits()).toEqual({ card: true, text: true });
    const v = await axeViolations(page);
    expect(v, v.join('\n')).toEqual([]);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.waitForTimeout(300);
    await saveScreenshot(page, 'hundred-labels-card-1920.png');
    expect(await fits()).toEqual({ card: true, text: true });
    expectNoConsoleErrors(errors);
  });
});
