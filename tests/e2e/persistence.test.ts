// End-to-end: two pages of one browser context train at once (seeds 111 and 222, batch 8, on the
// SwiftShader WebGPU adapter) and autosave at once (both paused together, twice). After each page
// is reloaded, the resume offer lists both runs, marks the one the other page is training, and
// each run resumes with its own weights and Adam state: the checkpoint file saved after the resume
// equals, tensor for tensor, the one saved at the pause before the reload. Before run ids, both
// pages offered only one run (a shared pointer), and overlapping saves could pair one page's
// weights with the other's metadata. Reads the DOM and the downloaded files, never app internals.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readModelFile, type ModelFile } from '../../src/engine/modelFile';
import { paramList } from '../../src/engine/model';
import { expectNoConsoleErrors, finalScreenshot, openApp, skipTourIfShown, useApp } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { trainStep, waitForTrainStatus, waitForTrainStep } from '../helpers/training';

const LONG = 240_000;

/** The dashboard's training controls, with a seed and batch 8 chosen, started. */
async function startRun(page: Page, seed: number): Promise<void> {
  await page.getByTestId('tab-dashboard').click();
  await skipTourIfShown(page);
  await page.getByTestId('training-open').click();
  await page.getByTestId('train-estimate').waitFor({ timeout: LONG });
  await page.getByTestId('train-seed').fill(String(seed));
  await page.getByTestId('train-seed').blur();
  await page.getByTestId('train-batch').selectOption('8');
  await page.locator('[data-testid="train-start"]:not([disabled])').waitFor({ timeout: LONG });
  await page.getByTestId('train-start').click();
  await waitForTrainStatus(page, 'running', LONG);
}

/** Pauses both pages at the same moment: their pause autosaves overlap. Resolves each page's step. */
async function pauseBoth(a: Page, b: Page): Promise<[number, number]> {
  await Promise.all([a.getByTestId('train-pause').click(), b.getByTestId('train-pause').click()]);
  await Promise.all([waitForTrainStatus(a, 'paused', LONG), waitForTrainStatus(b, 'paused', LONG)]);
  const steps: [number, number] = [await trainStep(a), await trainStep(b)];
  // Each page's autosave of that step went through.
  await Promise.all(
    [a, b].map((p, i) => p.getByTestId('train-status').filter({ hasText: `last autosave (this browser): epoch 0 step ${steps[i]}` }).waitFor({ timeout: LONG })),
  );
  return steps;
}

/** The run as a checkpoint file (the training controls' "Save checkpoint"). */
async function checkpoint(page: Page): Promise<ModelFile> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('train-save').click()]);
  return readModelFile(new Uint8Array(fs.readFileSync((await dl.path())!)));
}

/** Every tensor of a checkpoint (parameters, then Adam's and the averages' extra tensors by name), as arrays. */
function tensors(f: ModelFile): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  paramList(f.params).forEach((t, i) => (out[`param${i}`] = Array.from(t)));
  for (const e of f.extra) out[e.name] = Array.from(e.data);
  return out;
}

/** The runs the resume offer lists: seed, step, where it is open. */
async function offered(page: Page): Promise<{ seed: number; step: number; openIn: string }[]> {
  const rows = await page.locator('[data-testid="train-autosave"]').evaluateAll((els) =>
    els.map((e) => ({ seed: Number(e.getAttribute('data-seed')), step: Number(e.getAttribute('data-step')), openIn: e.getAttribute('data-open-in') ?? '' })),
  );
  return rows.sort((x, y) => x.seed - y.seed);
}

/** Reloads, opens the dashboard, waits for the offer of two runs and for the training set. */
async function reloadToOffer(page: Page): Promise<void> {
  await page.reload({ waitUntil: 'load' });
  await page.getByTestId('tab-dashboard').click();
  await skipTourIfShown(page);
  await page.locator('[data-testid="train-resume-offer"][data-count="2"]').waitFor({ timeout: LONG });
  await page.locator('.progress[data-split="train"][data-state="ready"]').waitFor({ timeout: LONG });
}

/** Resumes the offered run of `seed` and waits until it is in place at `step`. */
async function resume(page: Page, seed: number, step: number): Promise<void> {
  await page.locator(`[data-testid="train-autosave"][data-seed="${seed}"] [data-testid="train-resume-autosave"]`).click();
  await page.locator(`[data-testid="train-progress"][data-step="${step}"]`).waitFor({ timeout: LONG });
  await page.getByTestId('train-notice').filter({ hasText: 'Resumed the autosave' }).waitFor({ timeout: LONG });
  await waitForTrainStatus(page, 'paused', LONG);
}

describe('autosaves of two tabs', () => {
  const { server, browser } = useApp({ webgpu: true, viewport: { width: 1280, height: 1000 } });

  it('two pages train and autosave at once; after reloading, both runs are offered and each resumes with its own weights', async () => {
    const { context, page: a } = browser();
    const b = await context.newPage();
    const errorsA = collectConsoleErrors(a);
    const errorsB = collectConsoleErrors(b);
    const t0 = Date.now();
    const log = (...m: unknown[]) => console.log(`[persistence e2e ${((Date.now() - t0) / 1000).toFixed(1)} s]`, ...m);
    try {
      await Promise.all([a, b].map((p) => openApp(p, server().url, { backend: 'webgpu', timeout: LONG, skipTour: true })));
      await startRun(a, 111);
      await startRun(b, 222);
      log('both training');
      await Promise.all([waitForTrainStep(a, 12, LONG), waitForTrainStep(b, 12, LONG)]);
      const first = await pauseBoth(a, b);
      log('paused together (autosaves overlapping) at steps', first);
      // Once more: both train on and pause, and autosave, together again.
      await Promise.all([a.getByTestId('train-start').click(), b.getByTestId('train-start').click()]);
      await Promise.all([waitForTrainStep(a, first[0] + 6, LONG), waitForTrainStep(b, first[1] + 6, LONG)]);
      const [sa, sb] = await pauseBoth(a, b);
      log('paused together again at steps', sa, sb);
      const ckA = await checkpoint(a);
      const ckB = await checkpoint(b);
      expect(ckA.training).toMatchObject({ seed: 111, step: sa });
      expect(ckB.training).toMatchObject({ seed: 222, step: sb });
      const wA = tensors(ckA);
      const wB = tensors(ckB);
      expect(Object.keys(wA).length).toBeGreaterThan(paramList(ckA.params).length); // Adam's state is in the file too
      expect(wA.param0).not.toEqual(wB.param0);

      // Page A reloads: both runs are offered; B's is marked as trained in another tab.
      await reloadToOffer(a);
      expect(await offered(a)).toEqual([
        { seed: 111, step: sa, openIn: 'none' },
        { seed: 222, step: sb, openIn: 'other-tab' },
      ]);
      // Discarding B's run from A is refused while B trains it.
      expect(await a.locator('[data-testid="train-autosave"][data-seed="222"] [data-testid="train-discard-autosave"]').isDisabled()).toBe(true);
      await resume(a, 111, sa);
      // The run A took over is no longer offered in A; B's still is.
      await a.locator('[data-testid="train-resume-offer"][data-count="1"]').waitFor({ timeout: LONG });
      expect((await offered(a)).map((r) => r.seed)).toEqual([222]);
      const againA = await checkpoint(a);
      expect(againA.training).toMatchObject({ seed: 111, step: sa });
      expect(tensors(againA)).toEqual(wA);
      log('A resumed seed 111 at step', sa, 'with its own weights');

      // Page B reloads: both offered, A's marked; B resumes its own.
      await reloadToOffer(b);
      expect(await offered(b)).toEqual([
        { seed: 111, step: sa, openIn: 'other-tab' },
        { seed: 222, step: sb, openIn: 'none' },
      ]);
      await resume(b, 222, sb);
      const againB = await checkpoint(b);
      expect(againB.training).toMatchObject({ seed: 222, step: sb });
      expect(tensors(againB)).toEqual(wB);
      log('B resumed seed 222 at step', sb, 'with its own weights');

      // Both go on training from there.
      await Promise.all([a.getByTestId('train-start').click(), b.getByTestId('train-start').click()]);
      await Promise.all([waitForTrainStep(a, sa + 2, LONG), waitForTrainStep(b, sb + 2, LONG)]);
      await Promise.all([a.getByTestId('train-pause').click(), b.getByTestId('train-pause').click()]);
      await Promise.all([waitForTrainStatus(a, 'paused', LONG), waitForTrainStatus(b, 'paused', LONG)]);
      expectNoConsoleErrors(errorsA);
      expectNoConsoleErrors(errorsB);
    } finally {
      await finalScreenshot(a, 'persistence-tab-a.png');
      await finalScreenshot(b, 'persistence-tab-b.png');
    }
  }, 900_000);
});
