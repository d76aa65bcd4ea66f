// End-to-end: the Active paths and Saliency per level panels in headless Chromium, on SwiftShader
// WebGPU (drmm-compact, then drmm-mnist) and on the CPU fallback. Reads the DOM's data
// attributes (selections, counts, map fingerprints, fractions), never app internals. Records the
// path view's redraw time on drmm-mnist (reported, not asserted).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/engine/model';
import { docScreenshot, expectNoConsoleErrors, finalScreenshot, openApp, saveScreenshot, skipTour, useBrowser, useServer, waitForTestSet, openSettings, closeSettings } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { ROOT } from '../helpers/server';

const LONG = 180_000;
/** drmm-compact's levels, and 0 (the pixels) to L: one saliency map each. */
const L = PRESETS['drmm-compact'].levels.length;
const LEVELS_AND_PIXELS = Array.from({ length: L + 1 }, (_, l) => l);

/**
 * A trained drmm-compact model from the repository's models folder, for the screenshots (the
 * comparison with a random model means more with one). The assertions hold either way.
 */
function trainedModel(): { name: string; buffer: Buffer } | null {
  const dir = path.join(ROOT, 'public', 'models');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^drmm-compact.*\.drmm(\.ckpt)?$/.test(f)).sort() : [];
  return files.length ? { name: 'trained-drmm-compact.drmm', buffer: fs.readFileSync(path.join(dir, files[0])) } : null;
}

async function waitSaliency(page: Page, mode: string) {
  await page.locator(`[data-testid="saliency-panel"][data-ready="true"][data-current="true"][data-mode="${mode}"]`).waitFor({ timeout: LONG });
}

async function salMaps(page: Page, model: 'installed' | 'random'): Promise<{ level: number; fraction: string; hash: string | null }[]> {
  return page.locator(`[data-testid="sal-map"][data-model="${model}"]`).evaluateAll((els) =>
    els.map((e) => ({ level: Number(e.getAttribute('data-level')), fraction: e.getAttribute('data-fraction')!, hash: e.getAttribute('data-hash') })),
  );
}

async function paths(page: Page) {
  const p = page.getByTestId('paths-panel');
  return {
    selection: (await p.getAttribute('data-selection'))!,
    total: Number(await p.getAttribute('data-total-log10')),
    redrawMs: Number(await p.getAttribute('data-redraw-ms')),
  };
}

async function unitsThrough(page: Page, level: number): Promise<number> {
  return Number(await page.getByTestId(`path-level-${level}`).getAttribute('data-units-through'));
}

/** Presses Enter on a level's unit grid and returns the ms until two frames later (the redraw, as the user sees it). */
async function enterOnGrid(page: Page, level: number): Promise<number> {
  return page.evaluate(async (l) => {
    const c = document.querySelector<HTMLCanvasElement>(`[data-testid="path-units-${l}"]`)!;
    c.focus();
    const t0 = performance.now();
    c.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t0;
  }, level);
}

/** The cell a grid's keyboard cursor starts at: the unit with the most active paths through it and the selection. */
async function busiest(page: Page, level: number): Promise<[number, number, number]> {
  const start = await page.getByTestId(`path-units-${level}`).getAttribute('data-start');
  expect(start, `level ${level} has a unit with active paths`).toBeTruthy();
  return start!.split(':').map(Number) as [number, number, number];
}

/** Clicks unit (tile, y, x) of a grid, from the layout the canvas publishes. */
async function clickCell(page: Page, testId: string, tile: number, y: number, x: number) {
  const grid = page.getByTestId(testId);
  const [cols, cell, gap, h, w] = await grid.evaluate((c) => ['cols', 'cell', 'gap', 'h', 'w'].map((k) => Number(c.getAttribute(`data-${k}`))));
  const left = (tile % cols) * (w * cell + gap) + x * cell + cell / 2;
  const top = Math.floor(tile / cols) * (h * cell + gap) + y * cell + cell / 2;
  await grid.click({ position: { x: left, y: top } });
}

async function screenshot(page: Page, name: string, testId: string, doc: boolean) {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.getByTestId(testId).evaluate((e) => e.scrollIntoView({ block: 'start' }));
  // Keep the tab bar in view above the panel.
  await page.evaluate(() => window.scrollBy(0, -56));
  await (doc ? docScreenshot(page, name) : saveScreenshot(page, name));
}

describe('Active paths and saliency per level', () => {
  const server = useServer();

  describe('on WebGPU (SwiftShader)', () => {
    const browser = useBrowser({ webgpu: true });

    it('saliency modes and trained vs random; unit, pixel and class paths; drmm-mnist', { timeout: 900_000 }, async () => {
      const { page } = browser();
      const errors = collectConsoleErrors(page);
      try {
        await openApp(page, server().url, { backend: 'webgpu', timeout: LONG });
        await skipTour(page, LONG);
        await waitForTestSet(page, LONG);
        const trained = trainedModel();
        if (trained) {
          await page.getByTestId('model-file').setInputFiles({ name: trained.name, mimeType: 'application/octet-stream', buffer: trained.buffer });
          await page.locator('[data-testid="model-notice"]', { hasText: trained.name }).waitFor({ timeout: LONG });
        } else {
          console.log('[pathsSaliency] no trained drmm-compact model in public/models: the screenshots compare two random models');
        }

        // ---- Saliency per level, from the predicted class.
        await page.getByTestId('tab-saliency').click();
        await waitSaliency(page, 'guided');
        expect(await page.getByTestId('saliency-panel').getAttribute('data-start')).toBe('class');
        expect(await page.getByTestId('sal-mask').count()).toBe(L + 1); // the pixels and every level
        const guided = await salMaps(page, 'installed');
        const randomGuided = await salMaps(page, 'random');
        expect(guided.map((m) => m.level)).toEqual(LEVELS_AND_PIXELS);
        expect(randomGuided.map((m) => m.level)).toEqual(LEVELS_AND_PIXELS);
        for (const m of [...guided, ...randomGuided]) {
          const f = Number(m.fraction);
          expect(f, `fraction ${m.fraction}`).toBeGreaterThanOrEqual(0);
          expect(f).toBeLessThanOrEqual(1);
        }
        // The random model of the same shape gives other maps.
        expect(randomGuided[0].hash).not.toBe(guided[0].hash);
        // The table and the chart carry the same fractions.
        const tableInstalled = await page.locator('[data-testid="fraction-table"] tbody tr td:nth-child(3)').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
        expect(tableInstalled).toEqual(guided.map((m) => m.fraction));
        const series = await page.locator('[data-testid="fraction-chart"] g[data-series]').evaluateAll((els) => els.map((e) => JSON.parse(e.getAttribute('data-values')!) as (number | null)[]));
        expect(series).toHaveLength(3);
        expect(series[0].map((v) => String(v))).toEqual(guided.map((m) => m.fraction));
        expect(series[1].map((v) => String(v))).toEqual(randomGuided.map((m) => m.fraction));
        await expect(page.getByTestId('saliency-definition').textContent()).resolves.toContain('ink > 0.2');

        // Modes: each is the engine's variant, shared with the Variant control, and gives other maps.
        const byMode: Record<string, string[]> = { guided: guided.map((m) => m.hash!) };
        for (const [mode, variant] of [['drmm', 'gradient'], ['deconvnet', 'deconvnet']] as const) {
          await page.getByTestId(`saliency-mode-${mode}`).check();
          await waitSaliency(page, mode);
          expect(await page.getByTestId('variant').inputValue()).toBe(variant);
          const maps = await salMaps(page, 'installed');
          byMode[mode] = maps.map((m) => m.hash!);
          expect(maps[0].hash, `${mode} pixels vs guided`).not.toBe(guided[0].hash);
        }
        expect(byMode.drmm[0]).not.toBe(byMode.deconvnet[0]);
        await page.getByTestId('saliency-mode-guided').check();
        await waitSaliency(page, 'guided');
        expect((await salMaps(page, 'installed')).map((m) => m.hash)).toEqual(byMode.guided);

        // The mask follows the threshold; an invalid threshold is refused and the last valid one kept.
        const area = async () => Number(await page.locator('[data-testid="sal-mask"][data-level="0"]').getAttribute('data-area'));
        const area02 = await area();
        await page.getByTestId('saliency-threshold').fill('0.9');
        await expect.poll(area, { timeout: 10_000 }).toBeLessThan(area02);
        await page.getByTestId('saliency-threshold').fill('1.5');
        await page.getByText('The ink threshold must be a number from 0 up to').waitFor({ timeout: 10_000 });
        expect(await area()).toBeLessThan(area02);
        await page.getByTestId('saliency-threshold').fill('0.2');
        await expect.poll(area, { timeout: 10_000 }).toBe(area02);

        // Clutter: the caption says so, the mask (from the clean digit) stays, the maps change.
        await openSettings(page);
        await page.getByTestId('clutter-kind').selectOption('fragments');
        await closeSettings(page);
        await page.locator('[data-testid="saliency-panel"][data-ready="true"][data-current="true"]').waitFor({ timeout: LONG });
        await page.getByText('Clutter is on (fragments').waitFor({ timeout: LONG });
        expect(await area()).toBe(area02);
        const cluttered = await salMaps(page, 'installed');
        expect(cluttered[0].hash).not.toBe(guided[0].hash);
        await screenshot(page, 'saliency.png', 'saliency-panel', true);
        await openSettings(page);
        await page.getByTestId('clutter-kind').selectOption('none');
        await closeSettings(page);
        await waitSaliency(page, 'guided');

        // ---- Active paths: the class first.
        await page.getByTestId('tab-paths').click();
        await page.locator('[data-testid="paths-panel"][data-current="true"]').waitFor({ timeout: LONG });
        const pred = Number(await page.locator('.class-node.pred').getAttribute('data-class'));
        const cls = await paths(page);
        expect(cls.selection).toBe(`class:${pred}`);
        expect(Number.isFinite(cls.total) && cls.total > 0).toBe(true);
        const classThrough1 = await unitsThrough(page, 1);
        expect(classThrough1).toBeGreaterThan(0);
        for (let l = L; l >= 1; l--) expect(await page.getByTestId(`path-level-${l}`).getAttribute('data-side')).toBe('below');
        // One tile a channel of each level of the model in use (drmm-compact).
        const [tiles1, tiles2] = PRESETS['drmm-compact'].levels.map((l) => String(l.channels));
        expect(await page.getByTestId('path-units-1').getAttribute('data-tiles')).toBe(tiles1);
        expect(await page.getByTestId('path-units-2').getAttribute('data-tiles')).toBe(tiles2);

        // A unit from the keyboard: Enter on level 2 selects the unit with the most paths through it.
        await enterOnGrid(page, 2);
        const u2 = await paths(page);
        expect(u2.selection).toMatch(/^unit:2:relu:\d+:\d+:\d+$/);
        expect(Number.isFinite(u2.total)).toBe(true);
        expect(u2.total).toBeLessThanOrEqual(cls.total);
        expect(await page.getByTestId('path-level-2').getAttribute('data-side')).toBe('at');
        expect(await unitsThrough(page, 2)).toBe(1);
        const unitThrough1 = await unitsThrough(page, 1);
        expect(unitThrough1).toBeGreaterThan(0);
        expect(unitThrough1).toBeLessThan(classThrough1);
        // Its receptive field: 3x3 over pooled 5x5 templates (pad 1, pad 2), clipped to the image.
        const [, , , ch, uy, ux] = u2.selection.split(':').map(Number);
        const field = JSON.parse((await page.getByTestId('receptive-field').getAttribute('data-box'))!);
        expect(field).toEqual({ y0: Math.max(0, 2 * uy - 4), y1: Math.min(27, 2 * uy + 5), x0: Math.max(0, 2 * ux - 4), x1: Math.min(27, 2 * ux + 5) });
        // Page Down moves to the next channel, Enter selects there.
        await page.getByTestId('path-units-2').press('PageDown');
        await page.getByTestId('path-units-2').press('Enter');
        expect((await paths(page)).selection.split(':')[3]).toBe(String(Math.min(23, ch + 1)));

        // A unit by mouse, then the pooled unit over the same cell.
        await clickCell(page, 'path-units-1', 2, 10, 12);
        expect((await paths(page)).selection).toBe('unit:1:relu:2:10:12');
        expect(await page.getByTestId('path-level-2').getAttribute('data-side')).toBe('above');
        await page.getByTestId('pooled-pick').check();
        await clickCell(page, 'path-units-1', 2, 10, 12);
        expect((await paths(page)).selection).toBe('unit:1:pool:2:5:6');
        await page.getByTestId('pooled-pick').uncheck();

        // A pixel: exactly one pixel is reached, and every level lies above it.
        await clickCell(page, 'path-input', 0, 14, 15);
        const px = await paths(page);
        expect(px.selection).toBe('pixel:14:15');
        expect(Number(await page.getByTestId('path-level-0').getAttribute('data-reached'))).toBe(px.total > -Infinity ? 1 : 0);
        for (let l = 1; l <= L; l++) expect(await page.getByTestId(`path-level-${l}`).getAttribute('data-side')).toBe('above');

        // Another class: the store's start class follows; the active paths do not depend on it.
        const other = (pred + 1) % 10;
        await page.locator(`.class-node[data-class="${other}"]`).click();
        await page.locator(`[data-testid="paths-panel"][data-current="true"][data-selection="class:${other}"]`).waitFor({ timeout: LONG });
        expect(await page.getByTestId('start-class').inputValue()).toBe(String(other));
        expect((await paths(page)).total).toBeCloseTo(cls.total, 9);
        await page.locator(`.class-node[data-class="${pred}"]`).click();
        await page.locator(`[data-testid="paths-panel"][data-current="true"][data-selection="class:${pred}"]`).waitFor({ timeout: LONG });

        // The screenshot: the busiest level-2 unit selected again, its cone and receptive field drawn.
        await clickCell(page, 'path-units-2', ch, uy, ux);
        expect((await paths(page)).selection).toBe(u2.selection);
        await screenshot(page, 'paths.png', 'paths-panel', true);
        const compactUnitMs = (await paths(page)).redrawMs;

        // ---- Saliency from the selected unit (ON: it has active paths). Its own level's map is the unit alone.
        await page.getByTestId('tab-saliency').click();
        await page.locator('[data-testid="saliency-panel"][data-start="unit"][data-ready="true"][data-current="true"]').waitFor({ timeout: LONG });
        const fromUnit = await salMaps(page, 'installed');
        expect(fromUnit.map((m) => m.level)).toEqual(LEVELS_AND_PIXELS);
        expect(['0', '1']).toContain(fromUnit[2].fraction);
        await page.getByTestId('saliency-start-class').check();
        await page.locator('[data-testid="saliency-panel"][data-start="class"][data-ready="true"]').waitFor({ timeout: LONG });
        // A level-1 unit on the paths through it: level 2 is above it and carries no signal.
        await page.getByTestId('tab-paths').click();
        const [c1, y1, x1] = await busiest(page, 1);
        await clickCell(page, 'path-units-1', c1, y1, x1);
        expect((await paths(page)).selection).toBe(`unit:1:relu:${c1}:${y1}:${x1}`);
        await page.getByTestId('tab-saliency').click();
        await page.getByTestId('saliency-start-unit').check();
        await page.locator('[data-testid="saliency-panel"][data-start="unit"][data-ready="true"][data-current="true"]').waitFor({ timeout: LONG });
        expect((await salMaps(page, 'installed')).find((m) => m.level === 2)!.fraction).toBe('none');
        // The random model's unit may be OFF: then it says so instead of drawing empty maps.
        const randomMaps = await salMaps(page, 'random');
        if (randomMaps.length) expect(randomMaps.find((m) => m.level === 2)!.fraction).toBe('none');
        else await expect(page.getByTestId('sal-off-random').textContent()).resolves.toContain('OFF in this model');

        // ---- drmm-mnist: the path view still renders every level; its redraw time is recorded.
        await openSettings(page);
        await page.getByRole('combobox', { name: 'Architecture' }).selectOption('drmm-mnist');
        await closeSettings(page);
        await page.getByTestId('tab-paths').click();
        const t0 = Date.now();
        await page.locator('[data-testid="paths-panel"][data-current="true"][data-levels="4"]').waitFor({ timeout: LONG });
        const firstMs = Date.now() - t0;
        for (const l of [0, 1, 2, 3, 4]) await page.getByTestId(`path-level-${l}`).waitFor();
        expect(await page.getByTestId('path-units-4').getAttribute('data-tiles')).toBe('128');
        expect((await paths(page)).selection).toMatch(/^class:\d$/);
        const mnistModelMs = Number(await page.getByTestId('paths-panel').getAttribute('data-model-ms'));
        const timings: string[] = [];
        for (const l of [3, 1, 4, 2]) {
          const wall = await enterOnGrid(page, l);
          const p = await paths(page);
          expect(p.selection).toMatch(new RegExp(`^unit:${l}:relu:`));
          expect(Number.isFinite(p.total)).toBe(true);
          expect(await unitsThrough(page, l)).toBe(1);
          timings.push(`level ${l}: ${wall.toFixed(0)} ms to the second frame (component: ${p.redrawMs.toFixed(0)} ms)`);
        }
        await page.getByRole('button', { name: 'Back to the class' }).click();
        await screenshot(page, 'paths-drmm-mnist.png', 'paths-panel', false);
        console.log(
          `[pathsSaliency] drmm-compact unit redraw ${compactUnitMs.toFixed(0)} ms; drmm-mnist: result to path view ${firstMs} ms, path DP setup ${mnistModelMs.toFixed(0)} ms, unit selections: ${timings.join('; ')}`,
        );

        // drmm-mnist saliency: five maps per row.
        const ts = Date.now();
        await page.getByTestId('tab-saliency').click();
        await page.locator('[data-testid="saliency-panel"][data-ready="true"][data-current="true"]').waitFor({ timeout: LONG });
        expect(await page.locator('[data-testid="sal-map"][data-model="installed"]').count()).toBe(5);
        expect(await page.locator('[data-testid="sal-map"][data-model="random"]').count()).toBe(5);
        console.log(`[pathsSaliency] drmm-mnist saliency (the random model's backtrace on the CPU) ready ${Date.now() - ts} ms after the tab click`);

        await page.waitForTimeout(300);
        expectNoConsoleErrors(errors);
      } finally {
        await finalScreenshot(page, 'paths-saliency-end.png');
      }
    });
  });

  describe('without WebGPU (CPU reference fallback)', () => {
    const browser = useBrowser({ webgpu: false });

    it('draws the paths and both saliency rows on the CPU engine', { timeout: 600_000 }, async () => {
      const { page } = browser();
      const errors = collectConsoleErrors(page);
      await openApp(page, server().url, { backend: 'cpu', timeout: LONG });
      await skipTour(page, LONG);
      await page.getByTestId('tab-paths').click();
      await page.locator('[data-testid="paths-panel"][data-current="true"]').waitFor({ timeout: LONG });
      const cls = await paths(page);
      const [c, y, x] = await busiest(page, 2);
      await clickCell(page, 'path-units-2', c, y, x);
      const unit = await paths(page);
      expect(unit.selection).toBe(`unit:2:relu:${c}:${y}:${x}`);
      expect(unit.total).toBeGreaterThan(0);
      expect(unit.total).toBeLessThanOrEqual(cls.total);
      await page.getByTestId('tab-saliency').click();
      await page.locator('[data-testid="saliency-panel"][data-start="unit"][data-ready="true"][data-current="true"]').waitFor({ timeout: LONG });
      expect(await page.locator('[data-testid="sal-map"][data-model="installed"]').count()).toBe(L + 1);
      // The random model draws its maps, or says that this unit is OFF in it.
      const randomMaps = await page.locator('[data-testid="sal-map"][data-model="random"]').count();
      expect(randomMaps === L + 1 || (await page.getByTestId('sal-off-random').count()) === 1).toBe(true);
      await page.waitForTimeout(300);
      expectNoConsoleErrors(errors);
    });
  });
});
