// End-to-end: the DP stepper in headless Chromium (SwiftShader WebGPU, then the CPU fallback).
// Steps through the whole DP with the keyboard, probes units, plays, and tries the exercise.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { docScreenshot, expectNoConsoleErrors, finalScreenshot, openApp, skipTourIfShown, useBrowser, useServer, openSettings, closeSettings } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { PRESETS } from '../../src/engine/model';
import { stepsFor } from '../../src/ui/stepper/steps';

/** drmm-compact's step count: every level bottom-up, the read-out, every level top-down, the pixels. */
const N = stepsFor(PRESETS['drmm-compact']).length;
const LONG = 180_000;

const stepper = (page: Page) => page.getByTestId('stepper');

async function stepState(page: Page) {
  const el = stepper(page);
  return {
    index: Number(await el.getAttribute('data-step-index')),
    count: Number(await el.getAttribute('data-step-count')),
    id: (await el.getAttribute('data-step-id')) ?? '',
  };
}

async function waitForIndex(page: Page, index: number) {
  await page.locator(`[data-testid="stepper"][data-step-index="${index}"]`).waitFor({ timeout: 10_000 });
}

/** The step's map canvases: how many, whether each carries its data attributes and holds pixels. */
async function drawnMaps(page: Page) {
  return page.locator('[data-testid="step-maps"] canvas').evaluateAll((els) =>
    els.map((c) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let opaque = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] === 255) opaque++;
      return {
        kind: canvas.dataset.kind ?? '',
        level: canvas.dataset.level ?? '',
        channel: canvas.dataset.channel ?? '',
        label: canvas.getAttribute('aria-label') ?? '',
        filled: opaque === canvas.width * canvas.height,
      };
    }),
  );
}

/** Walks every step with ArrowRight/PageDown, checking each one; returns the captions. */
async function walkAllSteps(page: Page): Promise<string[]> {
  const { count } = await stepState(page);
  await stepper(page).focus();
  await page.keyboard.press('Home');
  await waitForIndex(page, 0);
  const captions: string[] = [];
  for (let i = 0; i < count; i++) {
    await waitForIndex(page, i);
    const caption = ((await page.getByTestId('step-caption').textContent()) ?? '').trim();
    expect(caption.length, `caption of step ${i + 1}`).toBeGreaterThan(40);
    expect(captions, `caption of step ${i + 1} repeats an earlier one`).not.toContain(caption);
    captions.push(caption);
    expect(await page.locator('[data-testid="step-caption"] button.term-link').count(), `glossary term at step ${i + 1}`).toBeGreaterThan(0);
    const maps = await drawnMaps(page);
    expect(maps.length, `maps at step ${i + 1}`).toBeGreaterThan(0);
    for (const m of maps) {
      expect(m.kind).toMatch(/^step-/);
      expect(m.level).toMatch(/^\d+$/);
      expect(m.label.length).toBeGreaterThan(0);
      expect(m.filled, `${m.kind} at step ${i + 1} drawn`).toBe(true);
    }
    // Presentation clickers send PageDown; alternate it with the arrow.
    await page.keyboard.press(i % 2 ? 'PageDown' : 'ArrowRight');
  }
  // Past the end it stays at the last step.
  await waitForIndex(page, count - 1);
  return captions;
}

describe('DP stepper', () => {
  const server = useServer();

  describe('on WebGPU (SwiftShader)', () => {
    const browser = useBrowser({ webgpu: true });

    it('steps through the whole DP by keyboard, shows unit numbers and fields, plays, and keeps the exercise honest', async () => {
      const { page } = browser();
      const errors = collectConsoleErrors(page);
      try {
        await openApp(page, server().url, { backend: 'webgpu', timeout: LONG });
        await page.getByTestId('tab-stepper').click();
        await page.locator('[data-testid="stepper"][data-current="true"]').waitFor({ timeout: LONG });
        // The first-visit tour (another panel's) would cover the screenshot.
        await skipTourIfShown(page);

        // drmm-compact: 3 steps a pooled level and 2 an unpooled one each way, 2 read-out, the pixels.
        const first = await stepState(page);
        expect(first.count).toBe(N);
        expect(await stepper(page).getAttribute('aria-describedby')).toBe('stepper-keys');
        expect(((await page.locator('#stepper-keys').textContent()) ?? '').length).toBeGreaterThan(40);

        // End and Home jump; ArrowLeft/PageUp go back.
        await stepper(page).focus();
        await page.keyboard.press('End');
        await waitForIndex(page, N - 1);
        expect((await stepState(page)).id).toBe('pixels');
        expect(await page.getByTestId('step-announce').textContent()).toContain(`Step ${N} of ${N}`);
        await page.keyboard.press('ArrowLeft');
        await waitForIndex(page, N - 2);
        await page.keyboard.press('PageUp');
        await waitForIndex(page, N - 3);
        await page.keyboard.press('Home');
        await waitForIndex(page, 0);

        const captions = await walkAllSteps(page);
        expect(captions).toHaveLength(N);
        expect(captions[1]).toContain('ReLU = max over the ON/OFF switch a');

        // Step 2 (level 1, ReLU): hover a unit; the card shows u, r = max(0, u) and its field.
        await stepper(page).focus();
        await page.keyboard.press('Home');
        await page.keyboard.press('ArrowRight');
        await waitForIndex(page, 1);
        expect(await page.getByTestId('unit-card').getAttribute('data-empty')).toBe('true');
        const rMap = page.locator('.unit-map[data-map="r"]').first();
        await rMap.hover({ position: { x: 43, y: 43 } });
        const card = page.locator('[data-testid="unit-card"][data-empty="false"]');
        await card.waitFor({ timeout: 10_000 });
        const text = (await card.textContent()) ?? '';
        expect(text).toMatch(/u = W·x \+ b\s*-?\d/);
        expect(text).toMatch(/r = max\(0, u\)\s*\d/);
        expect(text).toMatch(/a = \[u > 0\]\s*O(N|FF)/);
        const m = /unit \((\d+), (\d+)\) of r\(1\)/.exec(text);
        expect(m, text).not.toBeNull();
        const [y, x] = [Number(m![1]) - 1, Number(m![2]) - 1];
        // A level-1 unit sees its 5x5 template (padding 2), cut at the border.
        const field = page.getByTestId('receptive-field');
        expect(Number(await field.getAttribute('data-y0'))).toBe(Math.max(0, y - 2));
        expect(Number(await field.getAttribute('data-y1'))).toBe(Math.min(27, y + 2));
        expect(Number(await field.getAttribute('data-x0'))).toBe(Math.max(0, x - 2));
        expect(Number(await field.getAttribute('data-x1'))).toBe(Math.min(27, x + 2));

        // Click selects the unit (the path and saliency panels read it); the card says so.
        await rMap.click({ position: { x: 43, y: 43 } });
        await page.locator('.unit-map[data-map="r"] .unit-selected').first().waitFor({ timeout: 10_000 });
        expect(await card.textContent()).toContain('Selected');

        // Keyboard: focus a map, move with the arrows (the step does not change), the card follows.
        await page.mouse.move(0, 0);
        const aMap = page.locator('.unit-map[data-map="a"]').first();
        await aMap.focus();
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowRight');
        await page.locator('[data-testid="unit-card"][data-source="focus"]').waitFor({ timeout: 10_000 });
        expect(await page.getByTestId('unit-card').textContent()).toMatch(/unit \(\d+, \d+\) of r\(1\)/);
        expect((await stepState(page)).index).toBe(1);
        await page.keyboard.press('Escape');
        expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('stepper');

        // Step 6 (level 2, max over t): a pooled unit shows its window's four values and the winner.
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowRight');
        await waitForIndex(page, 5);
        expect((await stepState(page)).id).toBe('pool-2');
        await page.locator('.unit-map[data-map="x"]').first().hover({ position: { x: 50, y: 50 } });
        await page.locator('[data-testid="unit-card"][data-empty="false"] .unit-window').waitFor({ timeout: 10_000 });
        expect(await page.locator('.unit-window td[data-won="true"]').count()).toBe(1);
        expect(await page.getByTestId('unit-card').textContent()).toMatch(/x = max over the window\s*\d/);
        // A level-2 pooled unit's field is at most 12x12 pixels.
        const f = page.getByTestId('receptive-field');
        const h = Number(await f.getAttribute('data-y1')) - Number(await f.getAttribute('data-y0')) + 1;
        expect(h).toBeGreaterThan(5);
        expect(h).toBeLessThanOrEqual(12);

        // More channels.
        const before = await page.locator('.unit-map[data-map="x"]').count();
        await page.getByTestId('more-channels').click();
        expect(await page.locator('.unit-map[data-map="x"]').count()).toBe(before + 4);

        // Screenshot at 1280x720 with the stepper in view and a unit probed.
        await page.getByTestId('stepper').evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await page.locator('.unit-map[data-map="x"]').nth(1).hover({ position: { x: 40, y: 60 } });
        await page.locator('[data-testid="unit-card"][data-source="hover"]').waitFor({ timeout: 10_000 });
        await docScreenshot(page, 'stepper.png');
        await page.mouse.move(0, 0);

        // Space plays (about one step a second) and pauses.
        await stepper(page).focus();
        await page.keyboard.press('Home');
        await waitForIndex(page, 0);
        await page.keyboard.press(' ');
        await page.locator('[data-testid="stepper"][data-playing="true"]').waitFor({ timeout: 5_000 });
        await waitForIndex(page, 1);
        await waitForIndex(page, 2);
        await page.keyboard.press(' ');
        await page.locator('[data-testid="stepper"][data-playing="false"]').waitFor({ timeout: 5_000 });
        const paused = (await stepState(page)).index;
        await page.waitForTimeout(2_200);
        expect((await stepState(page)).index).toBe(paused);

        // The exercise: keys typed in its fields are not taken by the stepper; bad input is flagged and loses nothing.
        await page.locator('details.stepper-exercise summary').click();
        const ex = page.getByTestId('relu-exercise');
        expect(await ex.getAttribute('data-equal')).toBe('true');
        expect(Number(await ex.getAttribute('data-max'))).toBeCloseTo(4.75, 9);
        const z0 = page.getByTestId('exercise-z-0');
        await z0.focus();
        await page.keyboard.press('End');
        await page.keyboard.press('ArrowLeft');
        expect((await stepState(page)).index).toBe(paused);
        await z0.fill('abc');
        await page.getByRole('alert').filter({ hasText: 'not a number' }).waitFor({ timeout: 5_000 });
        expect(Number(await ex.getAttribute('data-max'))).toBeCloseTo(4.75, 9);
        await z0.fill('-3');
        await page.locator('[data-testid="relu-exercise"][data-equal="true"]').waitFor({ timeout: 5_000 });
        // z = (-3, -2, 0.5, 1.5), u = (2, -1, -1, 0.5): products (-6, 2, -0.5, 0.75) -> 2.75.
        expect(Number(await ex.getAttribute('data-max'))).toBeCloseTo(2.75, 9);
        expect(Number(await ex.getAttribute('data-relu-sum'))).toBeCloseTo(2.75, 9);
        expect(await page.locator('.exercise-enum li[data-best="true"]').count()).toBe(1);
        expect(await page.locator('.exercise-enum li').count()).toBe(16);
        // z1 = -3 turns the first switch OFF: the best setting is (0, 1, 0, 1).
        expect(await page.locator('.exercise-enum li[data-best="true"]').textContent()).toContain('a = (0, 1, 0, 1)');

        // The stepper takes its keys only while the focus is in it: with the focus elsewhere the
        // arrows and PageDown leave its step alone (lecture mode pages the story with the same keys:
        // lecture.test.ts).
        await stepper(page).focus();
        await page.keyboard.press('End');
        await page.keyboard.press('ArrowLeft');
        await waitForIndex(page, N - 2);
        await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('PageDown');
        await page.waitForTimeout(300);
        expect((await stepState(page)).index).toBe(N - 2);
        await stepper(page).focus();
        await page.keyboard.press('ArrowRight');
        await waitForIndex(page, N - 1);

        // The authors' layout: 4 levels, pooling at 1 and 3 only: 23 steps, all drawn.
        await openSettings(page);
        await page.getByRole('combobox', { name: 'Architecture' }).selectOption('drmm-mnist');
        await closeSettings(page);
        await page.locator('[data-testid="stepper"][data-current="true"][data-step-count="23"]').waitFor({ timeout: LONG });
        const mnistCaptions = await walkAllSteps(page);
        expect(mnistCaptions).toHaveLength(23);

        await page.waitForTimeout(300);
        expectNoConsoleErrors(errors);
      } finally {
        await finalScreenshot(page, 'stepper-end.png');
      }
    });
  });

  describe('without WebGPU (CPU reference fallback)', () => {
    const browser = useBrowser({ webgpu: false });

    it('steps through the shallow model on the CPU engine', async () => {
      const { page } = browser();
      const errors = collectConsoleErrors(page);
      try {
        await openApp(page, server().url, { backend: 'cpu', timeout: LONG });
        await page.getByTestId('tab-stepper').click();
        await page.locator('[data-testid="stepper"][data-current="true"]').waitFor({ timeout: LONG });
        await openSettings(page);
        await page.getByRole('combobox', { name: 'Architecture' }).selectOption('rmm-shallow');
        await closeSettings(page);
        await page.locator('[data-testid="stepper"][data-current="true"][data-step-count="9"]').waitFor({ timeout: LONG });
        const captions = await walkAllSteps(page);
        expect(captions).toHaveLength(9);
        await page.waitForTimeout(300);
        expectNoConsoleErrors(errors);
      } finally {
        await finalScreenshot(page, 'stepper-cpu.png');
      }
    }, 2 * LONG);
  });
});
