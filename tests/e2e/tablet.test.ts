// End-to-end: the built app on a tablet, held upright (768x1024) and on its side (1024x768), in
// headless Chromium emulating a mobile browser with a touch screen (touch events, a coarse
// pointer, the page's meta viewport, 2 device pixels per CSS pixel), on SwiftShader WebGPU.
// What a tablet user needs: nothing wider than the screen on any panel, every tab opened by a
// tap, every control big enough for a finger, and the drawing pad taking a finger's stroke (not
// scrolling the page) and classifying it.
import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PANEL_IDS } from '../../src/ui/store';
import { expectNoConsoleErrors, finalScreenshot, saveScreenshot, useBrowser, useServer } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';

const LONG = 120_000;

/** WCAG 2.5.5's target size, in CSS px (touch.css gives every control at least this). */
const TARGET_PX = 44;

const TABLETS = [
  { name: 'portrait', viewport: { width: 768, height: 1024 } },
  { name: 'landscape', viewport: { width: 1024, height: 768 } },
];

/**
 * The page's layout as a finger meets it: the document's horizontal overflow; the elements that
 * reach past the right edge of the screen outside any box that scrolls or clips horizontally
 * (named, at most 8); and the visible controls smaller than TARGET_PX either way: buttons
 * (link-styled ones too), selects, inputs, tabs, disclosure summaries, and, for a checkbox or
 * radio button, the label it is tapped through. Links in running text are not counted (WCAG's
 * inline exception).
 */
async function tabletLayout(page: Page, target: number) {
  return page.evaluate((target) => {
    const doc = document.documentElement;
    const name = (e: Element) => {
      const id = e.getAttribute('data-testid');
      const cls = typeof e.className === 'string' && e.className.trim() ? `.${e.className.trim().split(/\s+/).join('.')}` : '';
      const text = (e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 24);
      return `${e.tagName.toLowerCase()}${cls}${id ? `[data-testid=${id}]` : ''}${text ? ` "${text}"` : ''}`;
    };
    const clipped = (e: Element) => {
      for (let p = e.parentElement; p && p !== doc; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return true;
      return false;
    };
    const shown = (e: Element, r: DOMRect) => r.width > 1 && r.height > 1 && getComputedStyle(e).visibility !== 'hidden' && !e.closest('.visually-hidden, .sr-only');
    const overflowing: string[] = [];
    const small: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (!shown(el, r)) continue;
      if (r.right > doc.clientWidth + 0.5 && !clipped(el)) overflowing.push(`${name(el)} (right edge ${r.right.toFixed(0)} px)`);
      let box: DOMRect | null = null;
      if (el.matches('button, select, input:not([type="checkbox"], [type="radio"]), [role="tab"], summary')) box = r;
      else if (el.matches('input[type="checkbox"], input[type="radio"]')) box = (el.closest('label') ?? el).getBoundingClientRect();
      if (box && (box.height < target - 0.01 || box.width < target - 0.01)) small.push(`${name(el)} ${box.width.toFixed(0)}x${box.height.toFixed(0)}`);
    }
    // A control cut off by a box that hides its overflow (not one that scrolls) cannot be reached at all.
    const hidden: string[] = [];
    for (const el of Array.from(document.querySelectorAll('button, select, input, [role="tab"]'))) {
      const r = el.getBoundingClientRect();
      if (!shown(el, r)) continue;
      for (let p = el.parentElement; p && p !== doc; p = p.parentElement) {
        const cs = getComputedStyle(p);
        const b = p.getBoundingClientRect();
        const cutX = /hidden|clip/.test(cs.overflowX) && (r.left < b.left - 0.5 || r.right > b.right + 0.5);
        const cutY = /hidden|clip/.test(cs.overflowY) && (r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5);
        if (cutX || cutY) {
          hidden.push(`${name(el)} cut off by ${name(p).slice(0, 60)}`);
          break;
        }
      }
    }
    // The story's title keeps its words whole: it is at least as wide as its longest word.
    const title = document.querySelector<HTMLElement>('.story-title');
    let titleCut = '';
    if (title) {
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = getComputedStyle(title).font;
      const longest = Math.max(...(title.textContent ?? '').split(/\s+/).map((w) => ctx.measureText(w).width));
      if (title.clientWidth + 0.5 < longest) titleCut = `${title.textContent} in ${title.clientWidth} px (its longest word ${longest.toFixed(0)} px)`;
    }
    return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, overflowing: overflowing.slice(0, 8), small, hidden: hidden.slice(0, 8), titleCut };
  }, target);
}

/** A finger's stroke on the drawing pad, in the pad's own 224x224 coordinates, as touch events. */
async function touchStroke(cdp: CDPSession, page: Page, points: [number, number][]) {
  const box = (await page.getByTestId('draw-pad').boundingBox())!;
  const at = ([x, y]: [number, number]) => ({ x: box.x + (x * box.width) / 224, y: box.y + (y * box.height) / 224 });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(points[0])] });
  for (const p of points.slice(1)) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(p)] });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

describe('on a tablet (touch screen, mobile browser)', () => {
  const server = useServer();

  for (const tablet of TABLETS) {
    describe(`${tablet.name}, ${tablet.viewport.width}x${tablet.viewport.height}`, () => {
      const browser = useBrowser({ webgpu: true, viewport: tablet.viewport, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });

      it('fits the screen on every panel, opens every tab by a tap, has finger-sized controls, and classifies a digit drawn with a finger', async () => {
        const { page, context } = browser();
        const errors = collectConsoleErrors(page);
        try {
          await page.goto(server().url, { waitUntil: 'load' });
          // The emulation is a touch screen as CSS sees it (touch.css keys on the coarse pointer).
          expect(await page.evaluate(() => ({ coarse: matchMedia('(pointer: coarse)').matches, touch: navigator.maxTouchPoints > 0, width: window.innerWidth }))).toEqual({
            coarse: true,
            touch: true,
            width: tablet.viewport.width,
          });

          // A first visit: the tour's card is on the screen, its buttons finger-sized; a tap skips it.
          const tour = page.getByTestId('tour');
          await tour.waitFor({ timeout: LONG });
          const card = (await tour.boundingBox())!;
          expect(card.x).toBeGreaterThanOrEqual(0);
          expect(card.x + card.width).toBeLessThanOrEqual(tablet.viewport.width);
          for (const id of ['tour-skip', 'tour-continue']) {
            const b = (await page.getByTestId(id).boundingBox())!;
            expect(Math.min(b.width, b.height), `${id} size`).toBeGreaterThanOrEqual(TARGET_PX - 0.01);
          }
          await page.getByTestId('tour-skip').tap();
          expect(await tour.count()).toBe(0);
          await page.locator('[data-testid="result"][data-current="true"][data-digit-index="0"]').waitFor({ timeout: LONG });

          // Every panel, opened by a tap on its tab.
          for (const id of PANEL_IDS) {
            const tab = page.getByTestId(`tab-${id}`);
            await tab.tap();
            await page.locator(`section.panel[data-panel="${id}"]`).waitFor();
            expect(await tab.getAttribute('aria-selected')).toBe('true');
            // Let the panel draw what it computes (the software adapter is slow).
            await page.waitForTimeout(1500);
            const layout = await tabletLayout(page, TARGET_PX);
            console.log(`[tablet] ${tablet.name} ${id}: scrollWidth ${layout.scrollWidth} / ${layout.clientWidth}, ${layout.small.length} small targets`);
            expect(layout.scrollWidth, `horizontal scroll on ${id}`).toBeLessThanOrEqual(layout.clientWidth);
            expect(layout.overflowing, `past the right edge on ${id}`).toEqual([]);
            expect(layout.small, `controls under ${TARGET_PX} px on ${id}`).toEqual([]);
            expect(layout.hidden, `controls cut off on ${id}`).toEqual([]);
            expect(layout.titleCut, `the story title on ${id}`).toBe('');
            await saveScreenshot(page, `tablet-${tablet.name}-${id}.png`);
          }

          // A digit drawn with a finger: a "1", top to bottom, as real touch events. The pad takes
          // the stroke and the drawing is classified. The page must not scroll under the finger: the
          // pad stays where it was on the screen (a page that scrolled would carry it 100+ px down
          // with the swipe; the page may only shift to keep it in place when lines above it change).
          await page.getByTestId('tab-overview').tap();
          const pad = page.getByTestId('draw-pad');
          await pad.evaluate((el) => el.scrollIntoView({ block: 'center' }));
          const drawLayout = await tabletLayout(page, TARGET_PX);
          expect(drawLayout.scrollWidth, 'horizontal scroll with the drawing pad open').toBeLessThanOrEqual(drawLayout.clientWidth);
          expect(drawLayout.small, 'controls under the target size with the drawing pad open').toEqual([]);
          const padTop = (await pad.boundingBox())!.y;
          const cdp = await context.newCDPSession(page);
          await touchStroke(
            cdp,
            page,
            Array.from({ length: 17 }, (_, k) => [120 - k * 1.5, 30 + k * 10] as [number, number]),
          );
          const drawn = page.locator('[data-testid="result"][data-current="true"][data-input="custom"][data-custom-kind="drawing"]');
          await drawn.waitFor({ timeout: LONG });
          expect(Math.abs((await pad.boundingBox())!.y - padTop), 'the pad moved on the screen: the page scrolled under the stroke').toBeLessThanOrEqual(1);
          expect(await page.getByTestId('pred').textContent()).toMatch(/^[0-9]$/);
          // The model's input is the drawing: ink in a narrow, tall box (a "1" keeps its aspect ratio).
          const ink = await page.locator('canvas[data-kind="input"]').evaluate((c) => {
            const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
            let x0 = 28, x1 = -1, y0 = 28, y1 = -1;
            for (let i = 0; i < 784; i++) {
              if (d[4 * i] === 255) continue; // white: no ink
              const x = i % 28;
              const y = Math.floor(i / 28);
              x0 = Math.min(x0, x);
              x1 = Math.max(x1, x);
              y0 = Math.min(y0, y);
              y1 = Math.max(y1, y);
            }
            return { width: x1 - x0 + 1, height: y1 - y0 + 1 };
          });
          expect(ink.height).toBe(20);
          expect(ink.width).toBeLessThan(10);
          await saveScreenshot(page, `tablet-${tablet.name}-draw.png`);

          await page.waitForTimeout(300);
          expectNoConsoleErrors(errors);
        } finally {
          await finalScreenshot(page, `tablet-${tablet.name}-end.png`);
        }
      }, 600_000);
    });
  }
});
