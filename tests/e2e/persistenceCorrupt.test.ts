// End-to-end: stored records corrupted as a hostile but realistic user (or another version of the
// app) would leave them. Every field of a saved model's entry and of an autosave's records is
// replaced in turn by a value of the wrong kind (one bad record per field, written straight into
// IndexedDB next to good ones), including the two that used to blank the page whenever the
// dashboard opened (React error #31): a saved model whose `summary` is an object and an autosave
// pointer whose `meta.mode` is an object. The page is then reloaded on the dashboard: it must
// render, name every bad record with its reason and a Delete, and keep the good ones usable (a
// saved model loads, an autosaved run resumes). Then a panel that throws (a canvas that fails, set
// up by an init script so it fails on every load) shows its error and a way out, and the URL that
// keeps reopening it does not trap the user.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { currentResult, expectNoConsoleErrors, finalScreenshot, openApp, skipTourIfShown, useApp } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { waitForTrainStatus } from '../helpers/training';

const LONG = 180_000;

/** Saved-model entries, each with one field corrupted: [id, the corruption, the reason shown]. */
const ENTRY_CASES: [string, string, RegExp][] = [
  ['bad-summary', 'summary = an object (the page used to go blank)', /entry\.summary is an object, not text/],
  ['bad-name', 'name = an object', /entry\.name is an object, not text/],
  ['bad-savedAt', 'savedAt = a string', /entry\.savedAt is the text "yesterday", not a finite number/],
  ['bad-size', 'size = a negative number', /entry\.size is -5, outside 0\.\./],
  ['bad-preset', 'preset = an object', /entry\.preset is an object, not text/],
  ['bad-blob', 'blob missing', /entry\.blob is missing, not text/],
  ['bad-id', 'id not its key', /entry\.id is the number 7, not text/],
];

/** Autosave run records, each with one field corrupted: [run id, the reason shown]. */
const RUN_CASES: [string, RegExp][] = [
  ['run-mode', /run\.meta\.mode is an object, not one of supervised/],
  ['run-preset', /run\.meta\.preset is an object, not text/],
  ['run-seed', /run\.meta\.seed is the text "222", not a finite number/],
  ['run-step', /run\.meta\.step is missing, not a finite number/],
  ['run-savedAt', /run\.meta\.savedAt is NaN, not a finite number/],
  ['run-current', /run\.current is "ckpt:run-good:1", not this run's checkpoint 1/],
  ['run-format', /run\.format is missing, not one of drmm-autosave-run-2/],
  ['run-whole', /run is the text "garbage", not a record/],
];

/**
 * Writes the records into the page's IndexedDB: the saved model "good" (already saved through the
 * page) is copied into bad entries, and its bytes become the checkpoint of a good autosaved run,
 * of a run whose checkpoint bytes are damaged, and of runs whose pointer records are damaged;
 * plus an autosave of the format before run ids whose pointer has meta.mode an object.
 */
async function corrupt(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const open = (name: string, stores: string[], keyPaths: Record<string, string>) =>
      new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(name, 1);
        r.onupgradeneeded = () => {
          for (const s of stores) if (!r.result.objectStoreNames.contains(s)) r.result.createObjectStore(s, keyPaths[s] ? { keyPath: keyPaths[s] } : undefined);
        };
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    const done = (t: IDBTransaction) =>
      new Promise<void>((resolve, reject) => {
        t.oncomplete = () => resolve();
        t.onerror = () => reject(t.error);
        t.onabort = () => reject(t.error);
      });
    const get = <T,>(r: IDBRequest<T>) => new Promise<T>((resolve) => (r.onsuccess = () => resolve(r.result)));

    // Saved models.
    const models = await open('drmm-models', ['entries', 'blobs'], { entries: 'id' });
    let t = models.transaction(['entries', 'blobs'], 'readwrite');
    const entries = t.objectStore('entries');
    const good = (await get(entries.getAll()))[0] as Record<string, unknown>;
    const bytes = (await get(t.objectStore('blobs').get(good.blob as string))) as Uint8Array;
    const bad = (id: string, name: string, change: (e: Record<string, unknown>) => void) => {
      const e: Record<string, unknown> = { ...good, id, name };
      change(e);
      entries.put(e);
    };
    bad('bad-summary', 'bad summary', (e) => (e.summary = { html: '<b>bold</b>' }));
    bad('bad-name', 'x', (e) => (e.name = { first: 'a' }));
    bad('bad-savedAt', 'bad savedAt', (e) => (e.savedAt = 'yesterday'));
    bad('bad-size', 'bad size', (e) => (e.size = -5));
    bad('bad-preset', 'bad preset', (e) => (e.preset = { name: 'drmm-compact' }));
    bad('bad-blob', 'bad blob', (e) => delete e.blob);
    // A valid entry whose bytes are gone: listed, and loading it says so.
    bad('gone-bytes', 'gone bytes', (e) => (e.blob = 'blob-gone'));
    // Stored under key 7 (the store's keyPath is id): an entry whose id is not a string.
    bad('x', 'bad id', (e) => (e.id = 7));
    await done(t);
    models.close();

    // Autosaves.
    const db = await open('drmm-training', ['autosave'], {});
    t = db.transaction('autosave', 'readwrite');
    const s = t.objectStore('autosave');
    const meta = { preset: 'drmm-compact', mode: 'supervised', labelled: null, seed: 222, batchSize: 8, epoch: 0, stepInEpoch: 0, step: 0, savedAt: Date.now() };
    const run = (id: string, change: (r: Record<string, unknown>, m: Record<string, unknown>) => void = () => {}, ckBytes: unknown = bytes) => {
      const m: Record<string, unknown> = { ...meta };
      const r: Record<string, unknown> = { format: 'drmm-autosave-run-2', id, seq: 1, current: `ckpt:${id}:1`, previous: null, meta: m, previousMeta: null };
      change(r, m);
      s.put(r, `run:${id}`);
      // The checkpoint repeats its run's metadata (a load checks that they match).
      s.put({ runId: id, seq: 1, bytes: ckBytes, meta: { ...m } }, `ckpt:${id}:1`);
    };
    run('run-good', (_r, m) => (m.seed = 111));
    run('run-badbytes', (_r, m) => (m.seed = 333), 'not bytes at all');
    run('run-mode', (_r, m) => (m.mode = { evil: true }));
    run('run-preset', (_r, m) => (m.preset = { x: 1 }));
    run('run-seed', (_r, m) => (m.seed = '222'));
    run('run-step', (_r, m) => delete m.step);
    run('run-savedAt', (_r, m) => (m.savedAt = NaN));
    run('run-current', (r) => (r.current = 'ckpt:run-good:1'));
    run('run-format', (r) => delete r.format);
    run('run-whole');
    s.put('garbage', 'run:run-whole');
    // The format before run ids: one pointer for the browser, here with meta.mode an object.
    s.put({ bytes, meta: { ...meta } }, 'checkpoint-1');
    s.put({ current: 'checkpoint-1', previous: null, seq: 1, meta: { ...meta, mode: { evil: true } }, previousMeta: null }, 'pointer');
    await done(t);
    db.close();
  });
}

async function labels(page: Page, testId: string): Promise<Record<string, string>> {
  const rows = await page.locator(`[data-testid="${testId}"]`).evaluateAll((els) => els.map((e) => [e.getAttribute('data-label') ?? '', e.textContent ?? '']));
  return Object.fromEntries(rows);
}

describe('corrupted storage', () => {
  const { server, browser } = useApp({ webgpu: true, viewport: { width: 1280, height: 1000 } });

  it('every kind of stored field corrupted in turn: the page renders, names each bad record with a Delete, and the good ones work', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    try {
      await openApp(page, server().url, { backend: 'webgpu', result: true, timeout: LONG, skipTour: true });
      await page.getByTestId('tab-dashboard').click();
      await page.getByTestId('saved-name').fill('good');
      await page.locator('[data-testid="saved-save"]:not([disabled])').click();
      await page.locator('[data-testid="saved-entry"][data-name="good"]').waitFor({ timeout: LONG });
      await corrupt(page);

      // The URL reopens the dashboard on every load, as it did when the page went blank.
      await page.goto(`${server().url}#panel=dashboard`, { waitUntil: 'load' });
      await page.reload({ waitUntil: 'load' });
      await skipTourIfShown(page);
      await page.getByTestId('dashboard').waitFor({ timeout: LONG });
      await page.locator(`[data-testid="saved-broken"][data-count="${ENTRY_CASES.length}"]`).waitFor({ timeout: LONG });
      await page.locator(`[data-testid="train-resume-offer"][data-count="2"][data-broken="${RUN_CASES.length + 1}"]`).waitFor({ timeout: LONG });
      expect(await page.getByTestId('panel-error').count()).toBe(0);
      expect(await page.getByTestId('row-error').count()).toBe(0);

      // Saved models: the good one and the one whose bytes are gone are listed; each bad entry is named with its reason.
      const savedNames = await page.locator('[data-testid="saved-entry"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')).sort());
      expect(savedNames).toEqual(['gone bytes', 'good']);
      const brokenEntries = await labels(page, 'saved-broken-entry');
      expect(Object.keys(brokenEntries)).toHaveLength(ENTRY_CASES.length);
      for (const [id, what, reason] of ENTRY_CASES) {
        const hit = Object.entries(brokenEntries).find(([label]) => label.includes(id === 'bad-id' ? '(7)' : `(${id})`) || label === id);
        expect(hit, `${id} (${what}) named`).toBeTruthy();
        expect(hit![1], `${id} (${what})`).toMatch(reason);
      }
      // Autosaves: the good run and the one with damaged bytes are offered; every bad record is named.
      const runs = await page.locator('[data-testid="train-autosave"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')).sort());
      expect(runs).toEqual(['run-badbytes', 'run-good']);
      const brokenRuns = await labels(page, 'train-autosave-broken');
      for (const [id, reason] of RUN_CASES) expect(brokenRuns[`autosave ${id}`], id).toMatch(reason);
      expect(brokenRuns['pointer (an autosave of an earlier version)']).toMatch(/pointer\.meta\.mode is an object, not one of supervised/);

      // The rest of the app works: another panel, and back.
      await page.getByTestId('tab-overview').click();
      await currentResult(page).waitFor({ timeout: LONG });
      await page.getByTestId('tab-dashboard').click();

      // A good saved model loads; one whose bytes are gone says so, and nothing else changes.
      await page.locator('[data-testid="saved-entry"][data-name="gone bytes"] [data-testid="saved-load"]').click();
      await page.locator('[data-testid="saved-message"][data-kind="error"]').filter({ hasText: 'the bytes of "gone bytes" are missing or damaged' }).waitFor({ timeout: LONG });
      await page.locator('[data-testid="saved-entry"][data-name="good"] [data-testid="saved-load"]').click();
      await page.getByTestId('model-notice').filter({ hasText: 'good.drmm' }).waitFor({ timeout: LONG });

      // The good autosaved run resumes; the one with damaged bytes is refused with the reason, and marked.
      await page.locator('.progress[data-split="train"][data-state="ready"]').waitFor({ timeout: LONG });
      await page.locator('[data-testid="train-autosave"][data-run-id="run-badbytes"] [data-testid="train-resume-autosave"]').click();
      await page.getByTestId('train-notice').filter({ hasText: 'Resuming the autosave failed' }).waitFor({ timeout: LONG });
      expect(await page.getByTestId('train-notice').textContent()).toMatch(/the current checkpoint \(ckpt:run-badbytes:1\) is damaged: checkpoint\.bytes is the text "not bytes at all", not bytes/);
      await page.locator('[data-testid="train-autosave"][data-run-id="run-badbytes"] [data-testid="train-autosave-problem"]').waitFor({ timeout: LONG });
      await page.locator('[data-testid="train-autosave"][data-run-id="run-good"] [data-testid="train-resume-autosave"]').click();
      await page.getByTestId('train-notice').filter({ hasText: 'Resumed the autosave' }).waitFor({ timeout: LONG });
      await page.locator('[data-testid="train-progress"][data-step="0"]').waitFor({ timeout: LONG });
      await waitForTrainStatus(page, 'paused', LONG);

      // Every bad record goes with its Delete; the damaged run with its Discard.
      for (let n = ENTRY_CASES.length; n > 0; n--) {
        await page.locator('[data-testid="saved-broken-delete"]:not([disabled])').first().click();
        if (n > 1) await page.locator(`[data-testid="saved-broken"][data-count="${n - 1}"]`).waitFor({ timeout: LONG });
      }
      await page.getByTestId('saved-broken').waitFor({ state: 'detached', timeout: LONG });
      for (let n = RUN_CASES.length + 1; n > 0; n--) {
        await page.getByTestId('train-broken-delete').first().click();
        await page.locator(`[data-testid="train-resume-offer"][data-broken="${n - 1}"]`).waitFor({ timeout: LONG });
      }
      await page.locator('[data-testid="train-autosave"][data-run-id="run-badbytes"] [data-testid="train-discard-autosave"]').click();
      await page.locator('[data-testid="train-autosave"][data-run-id="run-badbytes"]').waitFor({ state: 'detached', timeout: LONG });

      // After a reload, nothing bad is left and the good records are still there.
      await page.reload({ waitUntil: 'load' });
      await skipTourIfShown(page);
      await page.locator('[data-testid="saved-entry"][data-name="good"]').waitFor({ timeout: LONG });
      await page.locator('[data-testid="train-autosave"][data-run-id="run-good"]').waitFor({ timeout: LONG });
      expect(await page.getByTestId('saved-broken').count()).toBe(0);
      expect(await page.getByTestId('train-autosave-broken').count()).toBe(0);
      expectNoConsoleErrors(errors);
    } finally {
      await finalScreenshot(page, 'persistence-corrupt.png');
    }
  }, 600_000);

  it('a panel that fails shows its error and a way out; the URL that reopens it does not trap the user', async () => {
    const { context } = browser();
    // A fault in one panel on every load: the dashboard's template canvases fail to draw. (In a new
    // page: the init script runs on each new document, and a link that differs from the page's
    // only in its hash would not load one.)
    await context.addInitScript(() => {
      const put = CanvasRenderingContext2D.prototype.putImageData;
      CanvasRenderingContext2D.prototype.putImageData = function (this: CanvasRenderingContext2D, ...args: unknown[]) {
        if (this.canvas.closest('[data-testid="templates"]')) throw new Error('test fault: the templates canvas failed');
        return put.apply(this, args as Parameters<typeof put>);
      } as typeof put;
    });
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    try {
      await openApp(page, `${server().url}#panel=dashboard`, { backend: 'webgpu', timeout: LONG, skipTour: true });
      const failed = page.locator('[data-testid="panel-error"][data-panel="dashboard"]');
      await failed.waitFor({ timeout: LONG });
      expect(await failed.textContent()).toContain('test fault: the templates canvas failed');
      // The rest of the page is there: the header's notices and the tabs.
      await page.getByTestId('model-notice').waitFor({ timeout: LONG });
      // A reload reopens the same panel (the URL says so), and it fails again...
      await page.reload({ waitUntil: 'load' });
      await skipTourIfShown(page);
      await failed.waitFor({ timeout: LONG });
      // ...but "Go back to the overview" leaves it, and the URL no longer reopens it.
      await page.getByTestId('panel-error-overview').click();
      await currentResult(page).waitFor({ timeout: LONG });
      await page.waitForFunction(() => !location.hash.includes('panel=dashboard'), undefined, { timeout: LONG });
      await page.reload({ waitUntil: 'load' });
      await currentResult(page).waitFor({ timeout: LONG });
      expect(await page.getByTestId('panel-error').count()).toBe(0);
      // "Reset the view" from the failed panel: the bare URL, the default view.
      await page.getByTestId('tab-dashboard').click();
      await failed.waitFor({ timeout: LONG });
      await page.getByTestId('panel-error-reset').click();
      await currentResult(page).waitFor({ timeout: LONG });
      await page.waitForFunction(() => location.hash.replace(/^#/, '') === '', undefined, { timeout: LONG });
      expect(await page.getByTestId('panel-error').count()).toBe(0);
      // The only console errors are React's report of the fault the boundary caught.
      expectNoConsoleErrors(errors, [/test fault: the templates canvas failed/, /The above error occurred in/, /React will try to recreate this component tree/]);
    } finally {
      await finalScreenshot(page, 'persistence-panel-error.png');
    }
  }, 300_000);
});
