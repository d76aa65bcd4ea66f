// End-to-end: saved models live in the browser's IndexedDB. Saves two models in the dashboard's
// "Saved models", reloads (they are listed), closes the browser and starts it again on the same
// profile (still listed), exports them as files, deletes them, imports the files back (same names,
// loadable), and refuses a file that is not a model with a message. Runs on the CPU engine (no
// WebGPU needed for storage, and it starts faster on the software adapter's machine).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFile } from '../../src/engine/modelFile';
import { chromeArgs, collectConsoleErrors, findChrome } from '../helpers/browser';
import { ROOT, buildApp, serveDist, type Served } from '../helpers/server';
import { closeSettings, openSettings } from '../helpers/app';

const LONG = 120_000;
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');

async function launch(dir: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: findChrome(),
    headless: true,
    args: chromeArgs({ webgpu: false }),
    viewport: { width: 1280, height: 720 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

async function openSaved(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
  await page.getByTestId('model-notice').waitFor({ timeout: LONG });
  const skip = page.getByTestId('tour-skip');
  if (await skip.isVisible().catch(() => false)) await skip.click();
  await page.getByTestId('tab-dashboard').click();
  await page.getByTestId('saved-models').waitFor({ timeout: LONG });
}

async function names(page: Page): Promise<string[]> {
  return page.locator('[data-testid="saved-entry"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name') ?? ''));
}

async function waitNames(page: Page, expected: string[]): Promise<void> {
  await page.waitForFunction(
    (want) => JSON.stringify([...document.querySelectorAll('[data-testid="saved-entry"]')].map((r) => r.getAttribute('data-name')).sort()) === JSON.stringify(want),
    [...expected].sort(),
    { timeout: LONG, polling: 100 },
  );
}

describe('saved models in IndexedDB', () => {
  let server: Served | undefined;
  let context: BrowserContext | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-storage-'));

  beforeAll(async () => {
    await buildApp();
    server = await serveDist();
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });

  it('save, reload, browser restart, export, delete, import, load; a bad file is refused', async () => {
    let { context: ctx, page } = await launch(dir);
    context = ctx;
    let errors = collectConsoleErrors(page);
    const url = server!.url;
    await openSaved(page, url);
    expect(await names(page)).toEqual([]);

    // Two models: the default one under a chosen name, then another seed under its default name.
    await page.getByTestId('saved-name').fill('lecture model');
    await page.getByTestId('saved-save').click();
    await page.locator('[data-testid="saved-message"][data-kind="ok"]').filter({ hasText: 'Saved "lecture model"' }).waitFor({ timeout: LONG });
    await openSettings(page);
    await page.getByRole('spinbutton', { name: 'Random seed' }).fill('7');
    await closeSettings(page);
    await page.getByTestId('model-notice').filter({ hasText: 'seed 7' }).waitFor({ timeout: LONG });
    await expect.poll(() => page.getByTestId('saved-name').inputValue()).toBe('drmm-compact random seed 7');
    await page.getByTestId('saved-save').click();
    await waitNames(page, ['lecture model', 'drmm-compact random seed 7']);

    // A reload: both are still there.
    await openSaved(page, url);
    await waitNames(page, ['lecture model', 'drmm-compact random seed 7']);

    // A browser restart on the same profile: still there.
    await ctx.close();
    ({ context: ctx, page } = await launch(dir));
    context = ctx;
    errors = collectConsoleErrors(page);
    await openSaved(page, url);
    await waitNames(page, ['lecture model', 'drmm-compact random seed 7']);

    // Export all: one valid model file each.
    const downloads: { name: string; file: string }[] = [];
    fs.mkdirSync(path.join(dir, 'exported'));
    const got = new Promise<void>((resolve) => {
      page.on('download', async (d) => {
        const file = path.join(dir, 'exported', d.suggestedFilename());
        await d.saveAs(file);
        downloads.push({ name: d.suggestedFilename(), file });
        if (downloads.length === 2) resolve();
      });
    });
    await page.getByTestId('saved-export').click();
    await got;
    expect(downloads.map((d) => d.name).sort()).toEqual(['drmm-compact_random_seed_7.drmm', 'lecture_model.drmm']);
    for (const d of downloads) expect(readModelFile(new Uint8Array(fs.readFileSync(d.file))).preset).toBe('drmm-compact');

    // Delete both, then import the exported files back.
    for (let i = 0; i < 2; i++) {
      await page.getByTestId('saved-delete').first().click();
      await page.locator('[data-testid="saved-message"]').filter({ hasText: 'Deleted' }).waitFor({ timeout: LONG });
    }
    await waitNames(page, []);
    await page.getByTestId('saved-import').setInputFiles(downloads.map((d) => d.file));
    await waitNames(page, ['lecture_model', 'drmm-compact_random_seed_7']);

    // Loading one installs it as the model in use.
    await page.locator('[data-testid="saved-entry"][data-name="lecture_model"] [data-testid="saved-load"]').click();
    await page.getByTestId('model-notice').filter({ hasText: 'lecture_model.drmm' }).waitFor({ timeout: LONG });

    // A file that is not a model: refused with the reader's reason, nothing added.
    const bad = path.join(dir, 'notes.drmm');
    fs.writeFileSync(bad, 'these are my lecture notes, not a model');
    await page.getByTestId('saved-import').setInputFiles(bad);
    const msg = page.locator('[data-testid="saved-message"][data-kind="error"]');
    await msg.waitFor({ timeout: LONG });
    expect(await msg.textContent()).toMatch(/^Not imported: notes\.drmm: Not a valid DRMM model file: /);
    expect((await names(page)).length).toBe(2);

    fs.mkdirSync(SHOTS, { recursive: true });
    await page.getByTestId('saved-models').screenshot({ path: path.join(SHOTS, 'saved-models.png') });
    const real = errors.filter((e) => !/Failed to load resource: .*404.*\/favicon\.ico/.test(e));
    expect(real, `console errors:\n${real.join('\n')}`).toEqual([]);
  }, 400_000);
});
