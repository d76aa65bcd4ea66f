// End-to-end: lecture mode as a live instrument at 1280x720 and 1920x1080 (a clicker's PageDown
// through every story card with nothing to scroll and the story's words in large type, PageUp,
// Home, End, keys a focused widget keeps, the input still usable, Escape), the view's state in the
// URL (made in the UI, copied, followed, reloaded), a malicious link, and the exports, in headless
// Chromium on SwiftShader WebGPU. The tour and the story outside lecture mode: story.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { STORY_CARDS, STORY_COUNT } from '../../src/ui/story/cards';
import { SHOTS, VIEWPORT, closeSettings, docScreenshot, expectNoConsoleErrors, openSettings, saveScreenshot, useApp, waitForResult } from '../helpers/app';
import { collectConsoleErrors, launchBrowser } from '../helpers/browser';

const LONG = 120_000;

/** The hash once the throttled URL update has caught up with `want`. */
async function waitForHash(page: Page, want: string) {
  await page.waitForFunction((h) => window.location.hash === h, want, { timeout: 10_000 }).catch(() => undefined);
  expect(await page.evaluate(() => window.location.hash)).toBe(want);
}

/** A current result for test digit `digit` (in lecture mode the level-maps tab that shows it is hidden: attached is enough). */
async function waitForResultAttached(page: Page, digit: number, variant = 'rendering') {
  await page.locator(`[data-testid="result"][data-current="true"][data-digit-index="${digit}"][data-variant="${variant}"]`).waitFor({ state: 'attached', timeout: LONG });
}

/**
 * Lecture mode's layout: the document and the open card must not scroll either way, and the
 * story's words (the slide's text: the strip and the lecture bar, HTML text other than sub- and
 * superscripts and the warm-ups' figures, which are drawn to scale) must be at least 20 px: 1/36
 * of a 720 px projector image, the share of 15-point type on a 16:9 slide. The smallest text
 * anywhere on the page is reported too (the picture's labels are the overview's to size).
 */
async function lectureLayout(page: Page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const zoomOf = (el: Element | null): number => {
      let z = 1;
      for (let e = el; e; e = e.parentElement) z *= Number(getComputedStyle(e).zoom) || 1;
      return z;
    };
    const describe = (el: Element) => `${el.tagName.toLowerCase()}.${typeof el.className === 'string' ? el.className : ''}: ${(el.textContent ?? '').trim().slice(0, 30)}`;
    let minSlide = Infinity;
    let slideWhere = '';
    let minAll = Infinity;
    let allWhere = '';
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const own = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
      if (!own) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden' || el.closest('.visually-hidden, .sr-only, .stepper-sr-only')) continue;
      const px = parseFloat(cs.fontSize) * zoomOf(el);
      if (px < minAll) {
        minAll = px;
        allWhere = describe(el);
      }
      const slide = el.closest('.story-strip, .lecture-bar') && !el.closest('.story-widget') && !(el instanceof SVGElement) && !/^(SUB|SUP)$/.test(el.tagName);
      if (slide && px < minSlide) {
        minSlide = px;
        slideWhere = describe(el);
      }
    }
    const c = document.querySelector<HTMLElement>('[data-testid="story-card"]');
    return {
      scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, scrollHeight: doc.scrollHeight, clientHeight: doc.clientHeight,
      cardFits: !!c && c.scrollHeight <= c.clientHeight && c.scrollWidth <= c.clientWidth,
      minSlide, slideWhere, minAll, allWhere,
    };
  });
}

const LECTURE_MIN_PX = 20;
const SLACK_PX = 0.01;

function expectFits(where: string, l: Awaited<ReturnType<typeof lectureLayout>>) {
  console.log(`[lecture] ${where}: document ${l.scrollWidth}x${l.scrollHeight} in ${l.clientWidth}x${l.clientHeight}, story text from ${l.minSlide.toFixed(1)} px (${l.slideWhere}), smallest text on the page ${l.minAll.toFixed(1)} px (${l.allWhere})`);
  expect(l.scrollWidth, `horizontal scroll on ${where}`).toBeLessThanOrEqual(l.clientWidth);
  expect(l.scrollHeight, `vertical scroll on ${where}`).toBeLessThanOrEqual(l.clientHeight);
  expect(l.cardFits, `the card overflows on ${where}`).toBe(true);
  expect(l.minSlide, `smallest story text on ${where}: ${l.slideWhere}`).toBeGreaterThanOrEqual(LECTURE_MIN_PX - SLACK_PX);
}

const count = (page: Page) => page.getByTestId('lecture-count').textContent();

describe('lecture mode, URL state, exports', () => {
  const { server, browser } = useApp({ webgpu: true });
  beforeAll(async () => {
    await browser().context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server().url });
  });

  for (const [w, h] of [[1280, 720], [1920, 1080]] as const) {
    it(`${w}x${h}: L, PageDown through every story card with nothing to scroll, large type; PageUp, Home, End; the input stays usable; Escape leaves`, { timeout: 300_000 }, async () => {
      const { page } = browser();
      const errors = collectConsoleErrors(page);
      await page.setViewportSize({ width: w, height: h });
      await page.goto(server().url, { waitUntil: 'load' });
      await waitForResult(page, 0, { timeout: LONG });
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press('l');
      await page.getByTestId('lecture-bar').waitFor();
      expect(await page.evaluate(() => document.documentElement.classList.contains('lecture'))).toBe(true);
      expect(await page.locator('.top-bar').isVisible()).toBe(false);
      expect(await page.locator('nav.panel-tabs').isVisible()).toBe(false);
      expect(await page.getByTestId('model-notice').isVisible()).toBe(false);
      for (const id of ['draw-pad', 'overview', 'prediction', 'reconstruction']) expect(await page.getByTestId(id).isVisible(), id).toBe(true);
      expect(await count(page)).toBe(`1 / ${STORY_COUNT}`);
      await waitForHash(page, '#lecture=1');

      // Forward through every card with PageDown, what a clicker sends; each card is a slide.
      for (let i = 0; i < STORY_COUNT; i++) {
        if (i > 0) await page.keyboard.press('PageDown');
        await page.locator(`[data-testid="story-card"][data-index="${i}"]`).waitFor();
        expect(await count(page)).toBe(`${i + 1} / ${STORY_COUNT}`);
        expect(await page.getByTestId('lecture-title').textContent()).toBe(STORY_CARDS[i].title);
        if (i > 0) {
          await page.waitForFunction((n) => new RegExp(`story=${n}(&|$)`).test(window.location.hash), i + 1, { timeout: 10_000 }).catch(() => undefined);
          expect(await page.evaluate(() => window.location.hash)).toMatch(new RegExp(`story=${i + 1}(&|$)`));
        }
        await page.waitForTimeout(500);
        expectFits(`${w}x${h}, card ${i + 1} (${STORY_CARDS[i].id})`, await lectureLayout(page));
        if (i === 0 && w === 1280) await docScreenshot(page, 'lecture.png');
        await saveScreenshot(page, `lecture-${w}-${String(i + 1).padStart(2, '0')}-${STORY_CARDS[i].id}.png`);
      }
      // The last card stays the last; PageUp and ArrowLeft go back, Home and End jump.
      await page.keyboard.press('PageDown');
      expect(await count(page)).toBe(`${STORY_COUNT} / ${STORY_COUNT}`);
      await page.keyboard.press('PageUp');
      expect(await count(page)).toBe(`${STORY_COUNT - 1} / ${STORY_COUNT}`);
      await page.keyboard.press('ArrowLeft');
      expect(await count(page)).toBe(`${STORY_COUNT - 2} / ${STORY_COUNT}`);
      await page.keyboard.press('Home');
      expect(await count(page)).toBe(`1 / ${STORY_COUNT}`);
      await page.keyboard.press('End');
      expect(await count(page)).toBe(`${STORY_COUNT} / ${STORY_COUNT}`);

      // A key a focused widget handled itself (preventDefault) does not move the story.
      await page.evaluate(() => {
        const probe = document.createElement('div');
        probe.tabIndex = 0;
        probe.id = 'key-probe';
        probe.addEventListener('keydown', (e) => e.preventDefault());
        document.querySelector('.story-strip')!.append(probe);
        probe.focus();
      });
      await page.keyboard.press('PageUp');
      expect(await count(page)).toBe(`${STORY_COUNT} / ${STORY_COUNT}`);
      await page.evaluate(() => document.getElementById('key-probe')?.remove());

      // The input stays usable in lecture mode: a digit picked, a class picked, a digit drawn.
      await page.keyboard.press('Home');
      await page.getByTestId('digit-index').fill('3');
      // (The last card opened the Training tab, so the level maps' result is not on the page: the overview says which digit it shows.)
      await page.locator('[data-testid="overview"][data-current="true"][data-digit-index="3"]').waitFor({ timeout: LONG });
      await page.locator('[data-testid="prediction"][data-pred]').waitFor();
      const pred = Number(await page.getByTestId('prediction').getAttribute('data-pred'));
      const other = pred === 5 ? 6 : 5;
      await page.locator('.render-as').getByRole('button', { name: String(other), exact: true }).click();
      await page.locator(`[data-testid="reconstruction"][data-class="${other}"]`).waitFor({ timeout: LONG });
      await page.waitForFunction((c) => window.location.hash.startsWith(`#digit=3&start=${c}&`), other, { timeout: 10_000 }).catch(() => undefined);
      expect(await page.evaluate(() => window.location.hash)).toMatch(new RegExp(`^#digit=3&start=${other}&.*lecture=1$`));
      const pad = page.getByTestId('draw-pad');
      const box = (await pad.boundingBox())!;
      await page.mouse.move(box.x + 0.52 * box.width, box.y + 0.12 * box.height);
      await page.mouse.down();
      await page.mouse.move(box.x + 0.5 * box.width, box.y + 0.88 * box.height, { steps: 20 });
      await page.mouse.up();
      await page.locator('[data-testid="overview"][data-current="true"][data-input="custom"][data-custom-kind="drawing"]').waitFor({ timeout: LONG });
      expectFits(`${w}x${h}, a drawing in lecture mode`, await lectureLayout(page));
      await page.getByRole('button', { name: 'Clear' }).click();

      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press('Escape');
      await page.getByTestId('lecture-bar').waitFor({ state: 'detached' });
      expect(await page.locator('.top-bar').isVisible()).toBe(true);
      await page.waitForFunction(() => !window.location.hash.includes('lecture'), undefined, { timeout: 10_000 });
      expectNoConsoleErrors(errors);
    });
  }

  it('puts the view in the URL; the copied link and a reload show the same view', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    // A fresh start from the bare address: the default view.
    await page.goto(server().url, { waitUntil: 'load' });
    await waitForResult(page, 0, { timeout: LONG });
    expect(await page.evaluate(() => window.location.hash)).toBe('');
    await page.setViewportSize(VIEWPORT);
    await page.getByTestId('digit-index').fill('5');
    await openSettings(page);
    await page.getByTestId('clutter-kind').selectOption('noise');
    await page.getByTestId('clutter-new').click();
    await page.getByTestId('variant').selectOption('gradient');
    await closeSettings(page);
    await waitForResult(page, 5, { variant: 'gradient', timeout: LONG });
    await page.getByTestId('tab-paths').click();
    await waitForHash(page, '#digit=5&clutter=noise&cseed=2&variant=gradient&panel=paths');

    await page.getByTestId('copy-link').click();
    const done = page.getByTestId('copy-link-done');
    await done.waitFor();
    const link = (await done.getAttribute('data-link'))!;
    expect(link).toBe(`${server().url}#digit=5&clutter=noise&cseed=2&variant=gradient&panel=paths`);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

    // Follow the link in a fresh page (the tour was seen in this profile).
    const other = await browser().context.newPage();
    const otherErrors = collectConsoleErrors(other);
    try {
      for (const load of [() => other.goto(link, { waitUntil: 'load' }), () => other.reload({ waitUntil: 'load' })]) {
        await load();
        await other.locator('[data-testid="tab-paths"][aria-selected="true"]').waitFor({ timeout: LONG });
        await openSettings(other);
        expect(await other.getByTestId('variant').inputValue()).toBe('gradient');
        expect(await other.getByTestId('clutter-kind').inputValue()).toBe('noise');
        expect(await other.getByTestId('clutter-new').getAttribute('data-seed')).toBe('2');
        await closeSettings(other);
        await other.getByTestId('tab-overview').click();
        await waitForResult(other, 5, { variant: 'gradient', timeout: LONG });
        expect(await other.locator('canvas[data-kind="input"]').getAttribute('aria-label')).toContain('with noise clutter');
        await other.getByTestId('tab-paths').click();
        await waitForHash(other, '#digit=5&clutter=noise&cseed=2&variant=gradient&panel=paths');
      }
      // The same input pixels as the original page (the clutter is drawn from the same seed).
      await page.getByTestId('tab-overview').click();
      await waitForResult(page, 5, { variant: 'gradient', timeout: LONG });
      await other.getByTestId('tab-overview').click();
      const pixels = (p: Page) => p.locator('canvas[data-kind="input"]').evaluate((c) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data).join(','));
      expect(await pixels(other)).toBe(await pixels(page));
      expectNoConsoleErrors(otherErrors);
    } finally {
      await other.close();
    }
    expectNoConsoleErrors(errors);
  });

  it('a malicious link: its parts are listed as text, nothing is injected, nothing runs', async () => {
    const page = await browser().context.newPage();
    const errors = collectConsoleErrors(page);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    try {
      await page.goto(`${server().url}#panel=<img src=x onerror=alert(1)>&digit=1e99&foo=bar`, { waitUntil: 'load' });
      const notice = page.getByTestId('link-notice');
      await notice.waitFor({ timeout: LONG });
      const text = (await notice.textContent()) ?? '';
      expect(text).toContain('<img src=x onerror=alert(1)>');
      expect(text).toContain('“1e99” (not a test digit index');
      expect(text).toContain('“foo” (unknown parameter)');
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await notice.locator('img').count()).toBe(0);
      await waitForResult(page, 0, { timeout: LONG });
      expect(await page.locator('section.panel').getAttribute('data-panel')).toBe('overview');
      // The ignored parts are gone from the address bar.
      await page.waitForFunction(() => window.location.hash === '', undefined, { timeout: 10_000 });
      await notice.getByRole('button', { name: 'Dismiss' }).click();
      expect(await notice.count()).toBe(0);

      // A glossary link opened on its own (#term-<id>) opens the About panel focused on the entry.
      await page.goto(`${server().url}#term-max-pool`, { waitUntil: 'load' });
      await page.locator('section.panel[data-panel="about"]').waitFor({ timeout: LONG });
      await page.waitForFunction(() => document.activeElement?.id === 'term-max-pool', undefined, { timeout: 10_000 });
      expect(await page.locator('#term-max-pool').textContent()).toContain('Max-pooling');
      expect(dialogs).toEqual([]);
      expectNoConsoleErrors(errors);
    } finally {
      await page.close();
    }
  });

  it('exports the overview figures: PNG of a level, SVG of the probabilities, CSV of their numbers', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await page.goto(`${server().url}#digit=5&clutter=noise&cseed=2&variant=gradient`, { waitUntil: 'load' });
    await waitForResult(page, 5, { variant: 'gradient', timeout: LONG });
    const save = async (group: string, format: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`[role="group"][aria-label="Export ${group}"] [data-export="${format}"]`).click()]);
      const file = await download.path();
      return { name: download.suggestedFilename(), bytes: fs.readFileSync(file!) };
    };

    const png = await save("level 1's maps", 'png');
    expect(png.name).toBe('drmm-digit-5-noise-level-1.png');
    expect(png.bytes.subarray(1, 4).toString()).toBe('PNG');
    const box = (await page.locator('section.level[data-level="1"]').boundingBox())!;
    // IHDR: width and height at 2 device pixels per CSS pixel.
    expect(png.bytes.readUInt32BE(16)).toBe(Math.ceil(box.width) * 2);
    expect(png.bytes.readUInt32BE(20)).toBe(Math.ceil(box.height) * 2);
    fs.writeFileSync(path.join(SHOTS, 'export-level-1.png'), png.bytes);

    const svg = await save('the class probabilities', 'svg');
    expect(svg.name).toBe('drmm-digit-5-noise-probabilities.svg');
    const svgText = svg.bytes.toString('utf8');
    expect(svgText.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svgText.match(/<rect /g)).toHaveLength(10);
    expect(svgText).toMatch(/style="fill: rgb\(213, 94, 0\)/); // the predicted bar's colour, inlined from app.css
    // It is well-formed XML: the browser's parser accepts it (in a blank page: the app's CSP would
    // report the file's style attributes, which are the point of a standalone SVG).
    const blank = await browser().context.newPage();
    const parsed = await blank.evaluate((t) => new DOMParser().parseFromString(t, 'image/svg+xml').getElementsByTagName('parsererror').length, svgText);
    await blank.close();
    expect(parsed).toBe(0);

    const csv = (await save('the class probabilities', 'csv')).bytes.toString('utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('class,p,score,predicted,label');
    expect(lines).toHaveLength(11);
    const probs = await page.locator('[data-testid="prob-bars"] [data-prob]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-prob'))));
    expect(lines.slice(1).map((l) => Math.fround(Number(l.split(',')[1])))).toEqual(probs.map((p) => Math.fround(p)));

    const levelCsv = (await save("level 2's maps", 'csv')).bytes.toString('utf8');
    expect(levelCsv.split('\r\n')[0]).toBe('level,channel,y,x,u,r,a,t_chosen,sr,su,paths_through_log10');
    expect(levelCsv.trim().split('\r\n')).toHaveLength(1 + 24 * 14 * 14);
    expectNoConsoleErrors(errors);
  });

  it('on the CPU fallback (no WebGPU): a link straight into lecture mode, without the tour; exports work', async () => {
    const cpu = await launchBrowser({ webgpu: false, viewport: VIEWPORT });
    const page = cpu.page;
    const errors = collectConsoleErrors(page);
    try {
      await page.goto(`${server().url}#digit=3&variant=deconvnet&lecture=1`, { waitUntil: 'load' });
      // The backend notice is collapsed in lecture mode: attached, not visible.
      await page.locator('[data-testid="backend"][data-backend="cpu"]').waitFor({ state: 'attached', timeout: LONG });
      await page.getByTestId('lecture-bar').waitFor({ timeout: LONG });
      await waitForResultAttached(page, 3, 'deconvnet');
      // A first visit, but the link opens a presentation: no tour, not even offered.
      expect(await page.getByTestId('tour').count()).toBe(0);
      await page.waitForTimeout(500);
      expectFits('the first card on the CPU fallback', await lectureLayout(page));
      await page.keyboard.press('Escape');
      await page.getByTestId('lecture-bar').waitFor({ state: 'detached' });
      await waitForHash(page, '#digit=3&variant=deconvnet');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[role="group"][aria-label="Export the class probabilities"] [data-export="csv"]').click(),
      ]);
      const csv = fs.readFileSync((await download.path())!, 'utf8');
      expect(csv.trim().split('\r\n')).toHaveLength(11);
      expectNoConsoleErrors(errors);
    } finally {
      await cpu.close();
    }
  });
});
