// End-to-end security checks of the built app (issue 5, item 6): the Content-Security-Policy is in
// the page and blocks inline code, the app runs a few interactions without one violation, every
// request goes to the app's own origin, and the bundle holds no eval and no tfjs.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CSP_DIRECTIVES, parsePolicy } from '../../scripts/build/csp';
import { PANEL_IDS } from '../../src/ui/store';
import { currentResult, useApp } from '../helpers/app';
import { DIST } from '../helpers/server';

const LONG = 180_000;

/** Violations seen by the page: securitypolicyviolation events (recorded from before the app's first script). */
async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp.slice());
}

describe('security: the built app', () => {
  const { server, browser } = useApp({ webgpu: true });
  const requests: string[] = [];
  const cspConsole: string[] = [];

  beforeAll(async () => {
    const { context, page } = browser();
    // An init script runs before the page's own scripts, in every document, so no early violation is missed.
    await context.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));
    });
    // Requests of the page, its workers and the service worker all pass through the context.
    context.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspConsole.push(m.text());
    });
  });

  it('has the strict policy in a meta element, before any script', async () => {
    const { page } = browser();
    await page.goto(server().url, { waitUntil: 'load' });
    const meta = await page.evaluate(() => {
      const m = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
      const first = document.head.querySelector('script, link[rel="stylesheet"], meta[http-equiv="Content-Security-Policy"]');
      return { content: m?.getAttribute('content') ?? null, firstIsPolicy: first === m };
    });
    expect(meta.content).not.toBeNull();
    expect(parsePolicy(meta.content!)).toEqual(CSP_DIRECTIVES);
    expect(meta.firstIsPolicy).toBe(true);
    expect(meta.content).not.toMatch(/unsafe-eval|unsafe-inline/);
  });

  it(
    'runs without a single policy violation: a digit classified and chosen, every tab opened',
    async () => {
      const { page } = browser();
      await currentResult(page, '[data-digit-index="0"]').waitFor({ timeout: LONG });
      await page.getByTestId('digit-index').fill('3');
      await currentResult(page, '[data-digit-index="3"]').waitFor({ timeout: LONG });
      for (const id of PANEL_IDS) {
        await page.getByTestId(`tab-${id}`).click();
        await page.locator(`section[role="tabpanel"][data-panel="${id}"]`).waitFor({ timeout: LONG });
        await page.waitForTimeout(1500); // let the panel draw (canvases, charts, d3 layouts)
      }
      await page.getByTestId('tab-overview').click();
      await currentResult(page).waitFor({ timeout: LONG });
      expect(await violations(page)).toEqual([]);
      expect(cspConsole).toEqual([]);
    },
    LONG * 2,
  );

  it('sends every request to its own origin', async () => {
    const origin = new URL(server().url).origin;
    expect(requests.length).toBeGreaterThan(3);
    const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !/^(data|blob):/.test(u));
    expect(foreign).toEqual([]);
    console.log(`security: ${requests.length} requests, all to ${origin}: ${[...new Set(requests.map((u) => new URL(u).pathname))].join(', ')}`);
  });

  it('blocks an injected inline script (the policy is live, not just present)', async () => {
    const { page } = browser();
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.appendChild(s);
      await new Promise((r) => setTimeout(r, 100));
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
    const v = await violations(page);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/^script-src(-elem)? blocked inline/);
  });

  it('ships no eval, no new Function and no tfjs in the app bundle', () => {
    const assets = path.join(DIST, 'assets');
    const js = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(0);
    for (const f of [...js.map((f) => path.join(assets, f)), path.join(DIST, 'sw.js')]) {
      const code = fs.readFileSync(f, 'utf8');
      expect(code, f).not.toMatch(/\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(\s*["'`]/);
      // Strings tfjs keeps through minification (its flag prefix and a kernel error message).
      expect(code, f).not.toMatch(/tfjsflags|supported by the tfjs backend/);
    }
  });
});
