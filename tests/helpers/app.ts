// What the end-to-end tests (tests/e2e/*.test.ts) all do around their own checks: build and serve
// the app and launch Chromium for a describe block, open the app and wait until it has answered,
// close the first-visit tour, fail on console errors, and save screenshots (the README's figures,
// and one of the page as it was when a test ended, passed or not).
//
// Every wait takes the calling file's timeout: the files differ (120 s or 180 s) by how much
// their pages compute on the software GPU adapter.
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchBrowser, type LaunchOptions, type LaunchedBrowser } from './browser';
import { ROOT, buildApp, serveDist, type Served } from './server';

/** Screenshots of test runs (git-ignored). */
export const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
/** The README's figures, refreshed by the tests that take them. */
export const DOC_SHOTS = path.join(ROOT, 'docs', 'screenshots');

/** The screenshots' viewport (a 720p projector image), unless a test asks for another. */
export const VIEWPORT = { width: 1280, height: 720 };

// ---------------------------------------------------------------------------------------------
// lifecycle: each registers a beforeAll and an afterAll in the describe block it is called in

function getter<T>(what: string, value: () => T | undefined): () => T {
  return () => {
    const v = value();
    if (v === undefined) throw new Error(`${what} is not there: its beforeAll did not run or failed`);
    return v;
  };
}

/** Builds the app into DIST (when stale) and serves it for the block; returns a getter. */
export function useServer(): () => Served {
  let server: Served | undefined;
  beforeAll(async () => {
    await buildApp();
    server = await serveDist();
  });
  afterAll(async () => {
    await server?.close();
  });
  return getter('the app server', () => server);
}

/**
 * Launches headless Chromium (a fresh profile) for the block; returns a getter. The options go to
 * launchBrowser, with VIEWPORT unless they name a viewport.
 */
export function useBrowser(opts: LaunchOptions = {}): () => LaunchedBrowser {
  let browser: LaunchedBrowser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser({ viewport: VIEWPORT, ...opts });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return getter('the browser', () => browser);
}

/**
 * useServer, then useBrowser, in one block: the server starts first, and (vitest runs a block's
 * afterAll hooks last-registered first) the browser closes before the server does.
 */
export function useApp(opts: LaunchOptions = {}): { server: () => Served; browser: () => LaunchedBrowser } {
  const server = useServer();
  const browser = useBrowser(opts);
  return { server, browser };
}

// ---------------------------------------------------------------------------------------------
// the page

/** The result on show for the current input, narrowed by extra attribute selectors. */
export function currentResult(page: Page, attrs = ''): Locator {
  return page.locator(`[data-testid="result"][data-current="true"]${attrs}`);
}

/**
 * Waits until the result on show is current and answers test digit `digit` with the backtrace
 * `variant` (the app's default, 'rendering', unless given).
 */
export async function waitForResult(page: Page, digit: number, opts: { variant?: string; timeout: number }): Promise<void> {
  const variant = opts.variant ?? 'rendering';
  await currentResult(page, `[data-digit-index="${digit}"][data-variant="${variant}"]`).waitFor({ state: 'visible', timeout: opts.timeout });
}

/** Waits until the MNIST test set is loaded: the progress bar is full. */
export async function waitForTestSet(page: Page, timeout: number): Promise<void> {
  await page.locator('.progress[data-split="test"][data-state="ready"]').waitFor({ timeout });
  expect(await page.getByRole('progressbar', { name: /Test set/ }).getAttribute('aria-valuenow')).toBe('100');
}

/** The tour card's skip button, by its role and name as a user finds it. */
const tourSkip = (page: Page) => page.getByRole('button', { name: 'Skip the tour' });

/** Closes the first-visit tour if it is on the screen now (it would cover screenshots and clicks). */
export async function skipTourIfShown(page: Page): Promise<void> {
  const skip = tourSkip(page);
  if (await skip.isVisible()) await skip.click();
}

/** Waits for the first-visit tour (it must come), skips it, and waits until it is gone. */
export async function skipTour(page: Page, timeout: number): Promise<void> {
  const skip = tourSkip(page);
  await skip.waitFor({ timeout });
  await skip.click();
  await skip.waitFor({ state: 'detached', timeout });
}

export interface OpenOptions {
  /** Each wait's timeout, ms. */
  timeout: number;
  /** Wait for the backend notice to name this engine (WebGPU, or the CPU reference fallback). */
  backend?: 'webgpu' | 'cpu';
  /**
   * Then wait for a current result: true, any; a string, one with these extra attribute
   * selectors (e.g. '[data-digit-index="0"]').
   */
  result?: true | string;
  /** Then close the first-visit tour if it is showing. */
  skipTour?: boolean;
}

/** Loads `url` and waits, in this order, for what `opts` asks: the backend, a result; then skips the tour. */
export async function openApp(page: Page, url: string, opts: OpenOptions): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
  if (opts.backend) await page.locator(`[data-testid="backend"][data-backend="${opts.backend}"]`).waitFor({ timeout: opts.timeout });
  if (opts.result !== undefined) await currentResult(page, opts.result === true ? '' : opts.result).waitFor({ timeout: opts.timeout });
  if (opts.skipTour) await skipTourIfShown(page);
}

// ---------------------------------------------------------------------------------------------
// console errors

/** The browser's automatic /favicon.ico request, which 404s while the app ships no icon. */
export const FAVICON_404 = /Failed to load resource: .*404.*\/favicon\.ico\b/;

/** Fails on any console error or uncaught page error (from collectConsoleErrors) not matched by `ignore`. */
export function expectNoConsoleErrors(errors: string[], ignore: RegExp[] = []): void {
  const real = errors.filter((e) => !ignore.some((re) => re.test(e)));
  expect(real, `console errors:\n${real.join('\n')}`).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// screenshots

/** Saves the viewport (or the whole page) as SHOTS/name. */
export async function saveScreenshot(page: Page, name: string, fullPage = false): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), fullPage });
}

/** Saves the viewport as SHOTS/name and copies it to the README's figure docs/screenshots/docName. */
export async function docScreenshot(page: Page, name: string, docName = name): Promise<void> {
  await saveScreenshot(page, name);
  fs.mkdirSync(DOC_SHOTS, { recursive: true });
  fs.copyFileSync(path.join(SHOTS, name), path.join(DOC_SHOTS, docName));
}

/**
 * The whole page as a test left it, for a test's `finally`: it never throws, so it cannot hide
 * the test's own error (the page may be closed or crashed by then).
 */
export async function finalScreenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true }).catch(() => {});
}

/** Opens the settings drawer (model, clutter, view settings) when it is closed. */
export async function openSettings(page: Page): Promise<void> {
  if ((await page.getByTestId('settings-open').getAttribute('aria-expanded')) !== 'true') await page.getByTestId('settings-open').click();
  await page.getByTestId('settings-drawer').waitFor();
}

/** Closes the settings drawer when it is open. */
export async function closeSettings(page: Page): Promise<void> {
  if ((await page.getByTestId('settings-open').getAttribute('aria-expanded')) === 'true') await page.getByTestId('settings-close').click();
}
