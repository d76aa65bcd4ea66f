// End-to-end: limits of the device and of the browser's storage, in headless Chromium on the
// SwiftShader WebGPU adapter.
// - A model file whose header describes an architecture too large for this device and for the CPU
//   fallback (about 1 MB of weights, but 2.7 GiB of GPU buffers and 14.7 billion multiply-adds an
//   image) is refused with the limits named, and the model in use stays.
// - A full storage during an autosave: the origin's quota is set (DevTools protocol,
//   Storage.overrideQuotaForOrigin) just above what it already uses, so a checkpoint does not fit.
//   The page says so, the run stays in memory and trains on; once space is freed (the quota
//   raised again) the next autosave goes through, and after a reload the run resumes from it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { initParams, writeModelFile, type ModelSpec } from '../../src/engine';
import { currentResult, expectNoConsoleErrors, finalScreenshot, openApp, skipTourIfShown, useApp } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { startTraining, trainStep, waitForTrainStatus, waitForTrainStep } from '../helpers/training';

const LONG = 180_000;

/** 15 one-channel levels that grow the map to 252 x 252, then 1,024 channels. */
const HUGE: ModelSpec = {
  input: { channels: 1, height: 28, width: 28 },
  levels: [...Array.from({ length: 15 }, () => ({ kernel: 15, channels: 1, pad: 14, pool: false })), { kernel: 15, channels: 1024, pad: 14, pool: false }],
  readout: 'gap',
  classes: 10,
};

/** The origin's storage use once it has settled (the service worker's precache fills it after load). */
async function settledUsage(page: Page): Promise<number> {
  let last = -1;
  let same = 0;
  for (let i = 0; i < 240 && same < 4; i++) {
    const u = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    same = u === last ? same + 1 : 0;
    last = u;
    await page.waitForTimeout(500);
  }
  return last;
}

async function setQuota(cdp: CDPSession, origin: string, quotaSize?: number): Promise<void> {
  await cdp.send('Storage.overrideQuotaForOrigin', quotaSize === undefined ? { origin } : { origin, quotaSize });
}

describe('device and storage limits', () => {
  const { server, browser } = useApp({ webgpu: true, viewport: { width: 1280, height: 1000 } });

  it('refuses a model file whose architecture is too large for the device and the CPU fallback, naming the limits', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-huge-')), 'huge.drmm');
    const bytes = writeModelFile({ spec: HUGE, params: initParams(HUGE, 1) });
    fs.writeFileSync(file, bytes);
    try {
      await openApp(page, server().url, { backend: 'webgpu', result: true, timeout: LONG, skipTour: true });
      const notice = await page.getByTestId('model-notice').textContent();
      await page.getByTestId('model-file').setInputFiles(file);
      const err = page.getByTestId('model-error');
      await err.waitFor({ timeout: LONG });
      const text = (await err.textContent()) ?? '';
      console.log(`[limits e2e] ${(bytes.length / 1e6).toFixed(2)} MB file refused: ${text}`);
      expect(text).toContain('huge.drmm: this architecture is too large to run here');
      expect(text).toContain("on the GPU, one image's buffers need 2,741.6 MiB, above the app's limit of 1,024 MiB");
      expect(text).toContain('on the CPU engine, one image needs 14.7 billion multiply-adds, above its limit of 200 million');
      expect(text).toContain('the previous model is still in use');
      expect(await page.getByTestId('model-notice').textContent()).toBe(notice);
      await currentResult(page).waitFor({ timeout: LONG });
      expectNoConsoleErrors(errors);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      await finalScreenshot(page, 'persistence-huge.png');
    }
  }, 300_000);

  it('a full storage during an autosave: the page says so, the run stays in memory, and it autosaves once there is space', async () => {
    const { context, page } = browser();
    const errors = collectConsoleErrors(page);
    const cdp = await context.newCDPSession(page);
    const origin = new URL(server().url).origin;
    try {
      await openApp(page, server().url, { backend: 'webgpu', timeout: LONG, skipTour: true });
      const usage = await settledUsage(page);
      await startTraining(page, 8, LONG);
      await waitForTrainStatus(page, 'running', LONG);
      await waitForTrainStep(page, 5, LONG);
      // Full: 16 KB to spare, far less than a checkpoint (drmm-compact's weights and Adam state are ~300 KB).
      await setQuota(cdp, origin, usage + 16 * 1024);
      await page.getByTestId('train-pause').click();
      await waitForTrainStatus(page, 'paused', LONG);
      const s1 = await trainStep(page);
      const notice = page.getByTestId('train-notice');
      await notice.filter({ hasText: "this browser's storage for the app is full" }).waitFor({ timeout: LONG });
      const text = (await notice.textContent()) ?? '';
      console.log(`[limits e2e] quota ${usage} + 16 KiB, autosave at step ${s1}: ${text}`);
      expect(text).toContain(`The autosave at step ${s1} failed`);
      expect(text).toContain('The run is kept in this page: training goes on');
      expect(await page.getByTestId('train-status').textContent()).not.toContain('last autosave');

      // The run is still here: it trains on from where it was.
      await page.getByTestId('train-start').click();
      await waitForTrainStep(page, s1 + 3, LONG);
      // Space is freed: the next autosave (at this pause) goes through.
      await setQuota(cdp, origin);
      await page.getByTestId('train-pause').click();
      await waitForTrainStatus(page, 'paused', LONG);
      const s2 = await trainStep(page);
      expect(s2).toBeGreaterThan(s1);
      await page.getByTestId('train-status').filter({ hasText: `last autosave (this browser): epoch 0 step ${s2}` }).waitFor({ timeout: LONG });

      // After a reload the run resumes from that autosave.
      await page.reload({ waitUntil: 'load' });
      await page.getByTestId('tab-dashboard').click();
      await skipTourIfShown(page);
      const row = page.locator(`[data-testid="train-autosave"][data-step="${s2}"]`);
      await row.waitFor({ timeout: LONG });
      await page.locator('.progress[data-split="train"][data-state="ready"]').waitFor({ timeout: LONG });
      await row.getByTestId('train-resume-autosave').click();
      await page.locator(`[data-testid="train-progress"][data-step="${s2}"]`).waitFor({ timeout: LONG });
      await page.getByTestId('train-notice').filter({ hasText: 'Resumed the autosave' }).waitFor({ timeout: LONG });
      expectNoConsoleErrors(errors);
    } finally {
      await setQuota(cdp, origin).catch(() => undefined);
      await finalScreenshot(page, 'persistence-quota.png');
    }
  }, 600_000);
});
