// End-to-end: the first screen is content before controls (issue 14). At 1280x720 and 1920x1080,
// with nothing scrolled, the drawing pad, the overview, the prediction and the reconstruction are
// each one element inside the viewport and inside its card; a digit drawn on the pad with mouse strokes is classified
// and rendered back without scrolling; the settings drawer opens, closes with Escape and gives the
// focus back.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { docScreenshot, expectNoConsoleErrors, finalScreenshot, openApp, saveScreenshot, useServer } from '../helpers/app';
import { collectConsoleErrors, launchBrowser } from '../helpers/browser';

const LONG = 120_000;
const FIRST = ['draw-pad', 'overview', 'prediction', 'reconstruction'];

/** Each test id is on exactly one element, and that element's box lies inside the viewport. */
async function inViewport(page: Page, w: number, h: number): Promise<void> {
  expect(await page.evaluate(() => [window.scrollX, window.scrollY])).toEqual([0, 0]);
  for (const id of FIRST) {
    expect(await page.getByTestId(id).count(), `${id} elements`).toBe(1);
    const b = (await page.getByTestId(id).boundingBox())!;
    expect(b, `${id} has a box`).not.toBeNull();
    expect(b.x, `${id} left`).toBeGreaterThanOrEqual(0);
    expect(b.y, `${id} top`).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width, `${id} right`).toBeLessThanOrEqual(w + 0.5);
    expect(b.y + b.height, `${id} bottom`).toBeLessThanOrEqual(h + 0.5);
    expect(b.width * b.height, `${id} area`).toBeGreaterThan(400);
    // Not cut off by its card (the cards hide what overflows them): its box and its canvases' lie in the card's.
    const clipped = await page.getByTestId(id).evaluate((el) => {
      const card = el.closest('.card');
      if (!card) return null;
      const c = card.getBoundingClientRect();
      for (const part of [el, ...el.querySelectorAll('canvas')]) {
        const e = part.getBoundingClientRect();
        if (e.left < c.left - 0.5 || e.top < c.top - 0.5 || e.right > c.right + 0.5 || e.bottom > c.bottom + 0.5) return { part: part.tagName, box: [e.left, e.top, e.right, e.bottom], card: [c.left, c.top, c.right, c.bottom] };
      }
      return null;
    });
    expect(clipped, `${id} cut off by its card`).toBeNull();
  }
}

describe('the first screen', () => {
  const server = useServer();

  for (const [w, h] of [[1280, 720], [1920, 1080]] as const) {
    it(`${w}x${h}: the input, the overview, the prediction and the reconstruction without scrolling; a drawing is classified in place`, async () => {
      const b = await launchBrowser({ webgpu: true, viewport: { width: w, height: h } });
      const { page } = b;
      const errors = collectConsoleErrors(page);
      try {
        await openApp(page, server().url, { backend: 'webgpu', result: '[data-digit-index="0"]', skipTour: true, timeout: LONG });
        await page.locator('[data-testid="prediction"][data-pred="7"]').waitFor({ timeout: LONG });
        // The model notice names the shipped model, never "random weights".
        expect(await page.getByTestId('model-notice').textContent()).toContain('drmm-compact.drmm');
        expect(await page.getByTestId('model-picker').inputValue()).toMatch(/^shipped:/);
        await inViewport(page, w, h);
        if (w === 1280) await docScreenshot(page, `first-view-${w}.png`, 'first-screen.png');
        else await saveScreenshot(page, `first-view-${w}.png`);

        // Draw a "1": one stroke top to bottom on the pad; its prediction arrives without scrolling.
        const pad = page.getByTestId('draw-pad');
        const box = (await pad.boundingBox())!;
        const at = (x: number, y: number) => [box.x + x * box.width, box.y + y * box.height] as const;
        await page.mouse.move(...at(0.52, 0.12));
        await page.mouse.down();
        await page.mouse.move(...at(0.5, 0.88), { steps: 20 });
        await page.mouse.up();
        await page.locator('[data-testid="result"][data-input="custom"][data-custom-kind="drawing"]').waitFor({ state: 'attached', timeout: LONG });
        await page.locator('[data-testid="prediction"][data-pred="1"]').waitFor({ timeout: LONG });
        // A drawing has no label: the test digit's label is not shown for it.
        expect(await page.getByTestId('digit-label').getAttribute('data-label')).toBeNull();
        expect(await page.getByTestId('digit-label').textContent()).toBe('no label');
        await inViewport(page, w, h);
        // Clear: back to the test digit and its label.
        await page.getByRole('button', { name: 'Clear' }).click();
        await page.locator('[data-testid="prediction"][data-pred="7"]').waitFor({ timeout: LONG });
        expect(await page.getByTestId('digit-label').getAttribute('data-label')).toBe('7');

        // Render it as a 4: one click; the reconstruction says which class it renders.
        await page.locator('.render-as').getByRole('button', { name: '4', exact: true }).click();
        await page.locator('[data-testid="reconstruction"][data-class="4"][data-counterfactual="true"]').waitFor({ timeout: LONG });

        // The settings drawer: opens over the page, Escape closes it and the focus returns.
        await page.getByTestId('settings-open').click();
        await page.getByTestId('settings-drawer').waitFor();
        expect(await page.getByTestId('settings-drawer').getByRole('combobox', { name: 'Architecture' }).isVisible()).toBe(true);
        await page.keyboard.press('Escape');
        await page.getByTestId('settings-drawer').waitFor({ state: 'hidden' });
        expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('settings-open');
        expectNoConsoleErrors(errors);
      } finally {
        await finalScreenshot(page, `first-view-${w}-end.png`);
        await b.close();
      }
    }, 300_000);
  }
});
