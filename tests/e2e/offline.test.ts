// End-to-end offline use (issue 5, item 7): after one visit the service worker has cached the app,
// MNIST and the shipped models; with the browser offline and the server gone, a reload still
// loads the app, the test set, and classifies digits. Then an update: a new sw.js installs in the
// background, the page offers "A new version is available — reload", and after the reload only the
// new version's cache is left, with unchanged files copied rather than downloaded again.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_GLOBAL, type PrecacheManifest, type WorkerToPage } from '../../src/sw/manifest';
import { launchBrowser, type LaunchedBrowser } from '../helpers/browser';
import { DIST, buildApp, serveDist, type Served } from '../helpers/server';

const LONG = 180_000;

/** The manifest the build wrote into sw.js, and the worker code after it. */
function readWorker(dir: string): { manifest: PrecacheManifest; code: string } {
  const text = fs.readFileSync(path.join(dir, 'sw.js'), 'utf8');
  const first = text.indexOf('\n');
  const prefix = `self.${MANIFEST_GLOBAL}=`;
  expect(text.startsWith(prefix)).toBe(true);
  return { manifest: JSON.parse(text.slice(prefix.length, first).replace(/;$/, '')), code: text.slice(first + 1) };
}

/** This app's caches, with the URLs and bytes each holds. */
async function cacheContents(page: Page): Promise<{ name: string; urls: string[]; bytes: number }[]> {
  return page.evaluate(async () => {
    const out = [];
    for (const name of (await caches.keys()).filter((k) => k.startsWith('drmm-precache-'))) {
      const cache = await caches.open(name);
      let bytes = 0;
      const urls: string[] = [];
      for (const req of await cache.keys()) {
        urls.push(new URL(req.url).pathname);
        bytes += Number((await cache.match(req))?.headers.get('content-length') ?? 0);
      }
      out.push({ name, urls: urls.sort(), bytes });
    }
    return out;
  });
}

/** Waits until the page is controlled by an active worker whose cache holds every file of the manifest. */
async function waitForOfflineReady(page: Page, manifest: PrecacheManifest): Promise<void> {
  // A polling loop of evaluate, which awaits the page's promise: with an async predicate in
  // waitForFunction this test once went on while the 47 MB training split was still being cached.
  const name = `drmm-precache-${manifest.version}`;
  const deadline = Date.now() + LONG;
  for (;;) {
    const count = await page.evaluate(async (n) => (navigator.serviceWorker.controller && (await caches.has(n)) ? (await (await caches.open(n)).keys()).length : -1), name);
    if (count === manifest.entries.length) return;
    if (Date.now() > deadline) throw new Error(`the service worker did not fill ${name} (${count} of ${manifest.entries.length} files)`);
    await page.waitForTimeout(500);
  }
}

async function waitForDigit(page: Page, digit: number): Promise<void> {
  await page.locator(`[data-testid="result"][data-current="true"][data-digit-index="${digit}"]`).waitFor({ timeout: LONG });
}

describe('offline: the built app after one visit', () => {
  let copy = '';
  let browser: LaunchedBrowser | undefined;
  const servers: Served[] = [];

  beforeAll(async () => {
    await buildApp();
    // A copy of the build, so the update test can edit it without touching E2E_DIST.
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-offline-'));
    fs.cpSync(DIST, copy, { recursive: true });
    browser = await launchBrowser({ webgpu: true, viewport: { width: 1280, height: 720 } });
  });

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
  });

  it(
    'loads, loads the test set and classifies with the network off and the server stopped',
    async () => {
      const { manifest } = readWorker(copy);
      const urls = manifest.entries.map((e) => e.url);
      expect(urls).toContain('index.html');
      expect(urls).toContain('data/mnist-test.bin');
      expect(urls).toContain('data/mnist-train.bin');
      const shipped = fs.readdirSync(path.join(copy, 'models')).filter((f) => f.endsWith('.drmm'));
      expect(shipped.length, 'pretrained models in the build').toBeGreaterThan(0);
      for (const f of shipped) expect(urls).toContain(`models/${f}`);
      expect(urls).toContain('models/index.json');

      const server = await serveDist({ dir: copy });
      servers.push(server);
      const { page, context } = browser!;
      await page.goto(server.url, { waitUntil: 'load' });
      await waitForDigit(page, 0);
      await waitForOfflineReady(page, manifest);

      const [cache] = await cacheContents(page);
      expect(cache.urls).toEqual(urls.map((u) => `/${u}`).sort());
      const expectedBytes = manifest.entries.reduce((a, e) => a + e.size, 0);
      expect(cache.bytes).toBe(expectedBytes);
      const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
      console.log(`offline: cache ${cache.name}: ${cache.urls.length} files, ${(cache.bytes / 1e6).toFixed(1)} MB; origin storage in use ${(usage / 1e6).toFixed(1)} MB`);

      // No network at all: the browser is offline and the server is gone.
      await context.setOffline(true);
      await server.close();
      servers.pop();
      await page.reload({ waitUntil: 'load' });
      expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
      await page.locator('.progress[data-split="test"][data-state="ready"]').waitFor({ timeout: LONG });
      // The pretrained model (its list and its file) came from the cache too.
      await page.locator('[data-testid="model-notice"]', { hasText: 'Pretrained model shipped with the app' }).waitFor({ timeout: LONG });
      await waitForDigit(page, 0);
      await page.getByTestId('digit-index').fill('5');
      await waitForDigit(page, 5);
      const probs = await page.locator('[data-testid="prob-bars"] [data-prob]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-prob'))));
      expect(probs).toHaveLength(10);
      expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-3);
      // The training split (for in-page training) comes from the cache too.
      await page.locator('.progress[data-split="train"][data-state="ready"]').waitFor({ timeout: LONG });
      await context.setOffline(false);
    },
    LONG * 3,
  );

  it(
    'updates cleanly: installs in the background, offers a reload, then only the new cache is left',
    async () => {
      const server = await serveDist({ dir: copy }); // a new port: a new origin with no worker yet
      servers.push(server);
      const { page, context } = browser!;
      await context.setOffline(false); // in case the test above stopped while offline
      await page.goto(server.url, { waitUntil: 'load' });
      const { manifest: v1, code } = readWorker(copy);
      await waitForOfflineReady(page, v1);
      await waitForDigit(page, 0);
      await page.evaluate(() => {
        const w = window as unknown as { __sw: unknown[] };
        w.__sw = [];
        navigator.serviceWorker.addEventListener('message', (e) => w.__sw.push(e.data));
      });

      // Ship a new version: index.html changes (a marker comment), everything else is as it was.
      const indexPath = path.join(copy, 'index.html');
      const html = fs.readFileSync(indexPath, 'utf8').replace('</body>', '<!-- version 2 --></body>');
      fs.writeFileSync(indexPath, html);
      const entries = v1.entries.map((e) => (e.url === 'index.html' ? { ...e, revision: createHash('sha256').update(html).digest('hex'), size: Buffer.byteLength(html) } : e));
      const v2: PrecacheManifest = { version: createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16), entries };
      fs.writeFileSync(path.join(copy, 'sw.js'), `self.${MANIFEST_GLOBAL}=${JSON.stringify(v2)};\n${code}`);

      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
      const notice = page.getByTestId('update-notice');
      await notice.waitFor({ timeout: LONG });
      expect((await notice.textContent())?.trim()).toBe('A new version is available — reload');
      // Installed in the background: both versions' caches exist, the page still runs the old one.
      expect((await cacheContents(page)).map((c) => c.name).sort()).toEqual([`drmm-precache-${v1.version}`, `drmm-precache-${v2.version}`].sort());
      const done = (await page.evaluate(() => (window as unknown as { __sw: WorkerToPage[] }).__sw)).find((m) => m.type === 'precache-done' && m.version === v2.version);
      // Only the changed page was downloaded; the 55 MB of MNIST and the assets were copied from the old cache.
      expect(done).toMatchObject({ fetched: 1, reused: v1.entries.length - 1 });

      await Promise.all([page.waitForEvent('load', { timeout: LONG }), notice.getByRole('button', { name: 'reload' }).click()]);
      expect(await page.evaluate(() => document.documentElement.outerHTML.includes('version 2'))).toBe(true);
      await waitForDigit(page, 0);
      const after = await cacheContents(page);
      expect(after.map((c) => c.name)).toEqual([`drmm-precache-${v2.version}`]);
      expect(after[0].urls).toHaveLength(v2.entries.length);
      expect(await page.getByTestId('update-notice').count()).toBe(0);
    },
    LONG * 3,
  );
});
