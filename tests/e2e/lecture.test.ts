// End-to-end: the guided tour on a first visit, lecture mode at 1280x720 (keyboard paging, no
// horizontal scroll, large type), the view's state in the URL (made in the UI, copied, followed,
// reloaded), a malicious link, and the exports, in headless Chromium on SwiftShader WebGPU.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PANEL_IDS } from '../../src/ui/store';
import { SHOTS, VIEWPORT, docScreenshot, expectNoConsoleErrors, saveScreenshot, useApp, waitForResult } from '../helpers/app';
import { collectConsoleErrors, launchBrowser } from '../helpers/browser';

const LONG = 120_000;

/** The hash once the throttled URL update has caught up with `want`. */
async function waitForHash(page: Page, want: string) {
  await page.waitForFunction((h) => window.location.hash === h, want, { timeout: 10_000 }).catch(() => undefined);
  expect(await page.evaluate(() => window.location.hash)).toBe(want);
}

/**
 * Lecture mode's type floor (lecture.css): no HTML text under 20 px (--lecture-min), and nothing
 * at all under 16 px: the smallest things allowed are sub- and superscripts in formulas (0.83 of
 * their line) and the charts' 9 px axis ticks, which the charts' zoom brings to 16.2 px. 20 px is
 * 1/36 of a 720 px projector image. Sizes are compared with a hundredth of a pixel to spare for
 * the rounding of computed sizes.
 */
const LECTURE_MIN_PX = 20;
const LECTURE_MIN_SMALL_PX = 16;
const SLACK_PX = 0.01;

/**
 * The layout in lecture mode: horizontal overflow, and the smallest rendered text, over visible
 * elements with their own text. HTML text: font size times the zoom of the element and its
 * ancestors. SVG text: font size times the scale of the element's screen CTM (which includes the
 * CSS zoom of the svg and its ancestors, the chart's viewBox and any transform). minBody is over
 * HTML text other than sub- and superscripts (paragraphs, list items, table cells and captions,
 * headings, labels, buttons, figure captions, legends, inline spans); minText over all of it.
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
    let minText = Infinity;
    let minWhere = '';
    let minBody = Infinity;
    let bodyWhere = '';
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const own = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
      if (!own) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const cs = getComputedStyle(el);
      // Hidden, or only for assistive technology (clipped to a 1 px box): not seen by the room.
      if (cs.visibility === 'hidden' || el.closest('.visually-hidden, .sr-only, .stepper-sr-only')) continue;
      const size = parseFloat(cs.fontSize);
      let px: number;
      if (el instanceof SVGGraphicsElement) {
        const m = el.getScreenCTM();
        px = size * (m ? Math.hypot(m.a, m.b) : zoomOf(el));
      } else {
        px = size * zoomOf(el);
      }
      if (px < minText) {
        minText = px;
        minWhere = describe(el);
      }
      if (!(el instanceof SVGElement) && !/^(SUB|SUP)$/.test(el.tagName) && px < minBody) {
        minBody = px;
        bodyWhere = describe(el);
      }
    }
    return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, minText, minWhere, minBody, bodyWhere };
  });
}

type LectureLayout = Awaited<ReturnType<typeof lectureLayout>>;

/** Logs the layout and checks it: no horizontal scroll, and lecture.css's type floor. */
function expectReadable(where: string, layout: LectureLayout) {
  console.log(
    `[lecture] ${where}: scrollWidth ${layout.scrollWidth} / ${layout.clientWidth}, smallest text ${layout.minText.toFixed(1)} px (${layout.minWhere}), smallest body text ${layout.minBody.toFixed(1)} px (${layout.bodyWhere})`,
  );
  expect(layout.scrollWidth, `horizontal scroll on ${where}`).toBeLessThanOrEqual(layout.clientWidth);
  expect(layout.minBody, `smallest body text on ${where}: ${layout.bodyWhere}`).toBeGreaterThanOrEqual(LECTURE_MIN_PX - SLACK_PX);
  expect(layout.minText, `smallest text on ${where}: ${layout.minWhere}`).toBeGreaterThanOrEqual(LECTURE_MIN_SMALL_PX - SLACK_PX);
}

describe('lecture mode, URL state, tour, exports', () => {
  const { server, browser } = useApp({ webgpu: true });
  beforeAll(async () => {
    await browser().context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server().url });
  });

  it('shows the tour on a first visit, keeps Tab inside it, and once skipped it does not come back', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await page.goto(server().url, { waitUntil: 'load' });
    const tour = page.getByTestId('tour');
    await tour.waitFor({ timeout: LONG });
    expect(await tour.getAttribute('role')).toBe('dialog');
    expect(await tour.getAttribute('data-step')).toBe('welcome');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Continue');
    // Tab cycles through the card's enabled buttons (Skip, Continue) and never leaves it.
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => !!document.activeElement?.closest('[data-testid="tour"]'))).toBe(true);
    }
    // The next step points at the model controls: the card sits next to them, with a ring around them.
    await page.getByTestId('tour-continue').click();
    expect(await tour.getAttribute('data-step')).toBe('model');
    const ring = await page.locator('.tour-ring').boundingBox();
    const fieldset = await page.locator('fieldset', { has: page.locator('legend', { hasText: /^Model$/ }) }).boundingBox();
    expect(ring && fieldset && Math.abs(ring.x - (fieldset.x - 4)) < 2 && Math.abs(ring.width - (fieldset.width + 8)) < 2).toBe(true);
    await page.getByTestId('tour-skip').click();
    expect(await tour.count()).toBe(0);
    expect(await page.evaluate(() => localStorage.getItem('drmm-explainer.tour-seen'))).toBe('1');

    await page.reload({ waitUntil: 'load' });
    await waitForResult(page, 0, { timeout: LONG });
    expect(await page.getByTestId('tour').count()).toBe(0);

    // Replayed from the header; Escape closes it and gives the focus back to the button.
    await page.getByTestId('tour-start').click();
    await tour.waitFor();
    expect(await tour.getAttribute('data-step')).toBe('welcome');
    await page.keyboard.press('Escape');
    expect(await tour.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('tour-start');
    expect(await page.evaluate(() => document.documentElement.classList.contains('lecture'))).toBe(false);
    expectNoConsoleErrors(errors);
  });

  it('lecture mode: L, PageDown/PageUp through every panel, readable at 1280x720, Escape leaves', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await waitForResult(page, 0, { timeout: LONG });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('l');
    await page.locator('[data-testid="lecture-bar"]').waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains('lecture'))).toBe(true);
    expect(await page.locator('.control-bar').isVisible()).toBe(false);
    expect(await page.locator('nav.panel-tabs').isVisible()).toBe(false);
    expect(await page.getByTestId('model-notice').isVisible()).toBe(false);
    expect(await page.getByTestId('lecture-count').textContent()).toBe(`1 / ${PANEL_IDS.length}`);
    await waitForHash(page, '#lecture=1');

    await waitForResult(page, 0, { timeout: LONG });
    const overview = await lectureLayout(page);
    await docScreenshot(page, 'lecture.png');
    expectReadable('overview', overview);

    // Forward through every panel with PageDown (what a clicker sends), checking each layout. The
    // DP stepper takes PageDown itself (it steps the DP) until its last step; then the next one
    // pages. Each of the stepper's steps is a slide too (the class bars come on two of them): each
    // is checked as it comes.
    for (let i = 1; i < PANEL_IDS.length; i++) {
      let presses = 0;
      while ((await page.locator(`section.panel[data-panel="${PANEL_IDS[i]}"]`).count()) === 0) {
        expect(presses++, `PageDown presses to leave ${PANEL_IDS[i - 1]}`).toBeLessThan(60);
        await page.keyboard.press('PageDown');
        await page.waitForTimeout(50);
        if (PANEL_IDS[i - 1] === 'stepper' && (await page.locator('section.panel[data-panel="stepper"]').count()) === 1) {
          await page.waitForTimeout(250);
          expectReadable(`stepper, ${await page.locator('h2.step-title').textContent()}`, await lectureLayout(page));
        }
      }
      if (PANEL_IDS[i - 1] === 'stepper') {
        expect(presses, 'the stepper stepped before lecture mode paged on').toBeGreaterThan(1);
        expect(await page.evaluate(() => window.location.hash)).toMatch(/step=\d+/);
      } else {
        expect(presses, `one PageDown from ${PANEL_IDS[i - 1]}`).toBe(1);
      }
      expect(await page.getByTestId('lecture-count').textContent()).toBe(`${i + 1} / ${PANEL_IDS.length}`);
      await page.waitForTimeout(300);
      expectReadable(PANEL_IDS[i], await lectureLayout(page));
      await saveScreenshot(page, `lecture-${PANEL_IDS[i]}.png`);
    }
    // The last panel stays the last; PageUp and ArrowLeft go back.
    await page.keyboard.press('PageDown');
    expect(await page.getByTestId('lecture-count').textContent()).toBe(`${PANEL_IDS.length} / ${PANEL_IDS.length}`);
    await page.keyboard.press('PageUp');
    await page.locator(`section.panel[data-panel="${PANEL_IDS[PANEL_IDS.length - 2]}"]`).waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.locator(`section.panel[data-panel="${PANEL_IDS[PANEL_IDS.length - 3]}"]`).waitFor();
    await page.keyboard.press('Home');
    await page.locator('section.panel[data-panel="overview"]').waitFor();

    // A key a focused widget handled itself (preventDefault) does not page.
    await page.evaluate(() => {
      const probe = document.createElement('div');
      probe.tabIndex = 0;
      probe.id = 'key-probe';
      probe.addEventListener('keydown', (e) => e.preventDefault());
      document.querySelector('section.panel')!.append(probe);
      probe.focus();
    });
    await page.keyboard.press('PageDown');
    expect(await page.getByTestId('lecture-count').textContent()).toBe(`1 / ${PANEL_IDS.length}`);
    await page.evaluate(() => document.getElementById('key-probe')?.remove());

    await page.keyboard.press('Escape');
    await page.locator('[data-testid="lecture-bar"]').waitFor({ state: 'detached' });
    expect(await page.locator('.control-bar').isVisible()).toBe(true);
    await page.waitForFunction(() => !window.location.hash.includes('lecture'), undefined, { timeout: 10_000 });
    expectNoConsoleErrors(errors);
  });

  it('puts the view in the URL; the copied link and a reload show the same view', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    // A fresh start from the bare address: the default view.
    await page.goto(server().url, { waitUntil: 'load' });
    await waitForResult(page, 0, { timeout: LONG });
    expect(await page.evaluate(() => window.location.hash)).toBe('');
    await page.getByTestId('digit-index').fill('5');
    await page.getByTestId('clutter-kind').selectOption('noise');
    await page.getByTestId('clutter-new').click();
    await page.getByTestId('variant').selectOption('gradient');
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
        expect(await other.getByTestId('variant').inputValue()).toBe('gradient');
        expect(await other.getByTestId('clutter-kind').inputValue()).toBe('noise');
        expect(await other.getByTestId('clutter-new').getAttribute('data-seed')).toBe('2');
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
      await waitForResult(page, 3, { variant: 'deconvnet', timeout: LONG });
      // A first visit, but the link opens a presentation: no tour over the slide.
      expect(await page.getByTestId('tour').count()).toBe(0);
      expectReadable('overview on the CPU fallback', await lectureLayout(page));
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
