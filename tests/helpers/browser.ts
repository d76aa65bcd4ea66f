// Headless Chromium (system install, driven by playwright-core) for end-to-end tests.
// Never downloads browsers: it uses Debian's `chromium` (or CHROME_PATH).
//
// WebGPU in headless Chromium on a machine without a usable GPU: navigator.gpu always exists,
// but requestAdapter() resolves to null unless --enable-unsafe-webgpu is passed, which unlocks
// the SwiftShader adapter ("google/swiftshader"). WebGPU needs a secure context: serve the page
// from http://127.0.0.1 or http://localhost, not about:blank or file://.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** Path of a Chrome/Chromium executable: $CHROME_PATH, else the first of CANDIDATES that exists. */
export function findChrome(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist.`);
    return fromEnv;
  }
  const found = CANDIDATES.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `No Chrome/Chromium found (looked in ${CANDIDATES.join(', ')}). ` +
        'Install it with `sudo apt-get install chromium` (Debian/Ubuntu), or set CHROME_PATH to a Chrome executable. ' +
        'Do not use `npx playwright install`: the tests use the system browser.',
    );
  }
  return found;
}

export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface LaunchOptions {
  /**
   * true (default): WebGPU with the SwiftShader adapter (--enable-unsafe-webgpu).
   * false: no WebGPU adapter. Without --enable-unsafe-webgpu this Chromium's requestAdapter()
   * already resolves to null (SwiftShader is blocklisted); --disable-gpu is added so a machine
   * with a real GPU also has no hardware adapter. navigator.gpu itself stays defined
   * (--disable-features=WebGPU and --disable-blink-features=WebGPU do not remove it in
   * Chromium 156); use hideWebGpuApi for that.
   */
  webgpu?: boolean;
  /**
   * Also delete navigator.gpu in every page/frame (via an init script) to simulate a browser
   * without the WebGPU API at all. Does not reach into workers. Default false.
   */
  hideWebGpuApi?: boolean;
  /** Extra Chromium flags. */
  args?: string[];
  viewport?: { width: number; height: number };
  /** A touch screen: touch events and Touch/TouchEvent exist (page.tap works); default false. */
  hasTouch?: boolean;
  /**
   * A mobile browser (a tablet or phone): the page's meta viewport is honoured and the scrollbars
   * overlay the page, as on iOS and Android; default false. Set deviceScaleFactor with it.
   */
  isMobile?: boolean;
  /** Device pixels per CSS pixel (default 1). */
  deviceScaleFactor?: number;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  /** The context's first page (a persistent context always opens one). */
  page: Page;
  userDataDir: string;
  /** Closes the browser and removes its temporary user-data-dir. Safe to call twice. */
  close(): Promise<void>;
}

/** Chromium flags used by launchBrowser for the given options. */
export function chromeArgs(opts: LaunchOptions = {}): string[] {
  const webgpu = opts.webgpu ?? true;
  return [...BASE_ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : ['--disable-gpu']), ...(opts.args ?? [])];
}

/** Launches headless Chromium in a persistent context with a fresh temporary profile. */
export async function launchBrowser(opts: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const executablePath = findChrome();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-chrome-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: chromeArgs(opts),
      viewport: opts.viewport ?? { width: 1280, height: 800 },
      hasTouch: opts.hasTouch,
      isMobile: opts.isMobile,
      deviceScaleFactor: opts.deviceScaleFactor,
    });
  } catch (err) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  if (opts.hideWebGpuApi) {
    await context.addInitScript(() => {
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
  }
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  return {
    context,
    page,
    userDataDir,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        fs.rmSync(userDataDir, { recursive: true, force: true, maxRetries: 3 });
      }
    },
  };
}

/**
 * A live array of the page's console.error messages and uncaught page errors, appended to as
 * they happen. Attach it before page.goto().
 */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    const where = loc?.url ? ` (${loc.url}:${loc.lineNumber})` : '';
    errors.push(`console.error: ${msg.text()}${where}`);
  });
  page.on('pageerror', (err) => {
    errors.push(`pageerror: ${err.stack || err.message}`);
  });
  return errors;
}
