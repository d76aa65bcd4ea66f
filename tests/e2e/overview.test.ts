// End-to-end: the overview (src/ui/overview/) in headless Chromium on the SwiftShader WebGPU
// adapter, with the shipped drmm-compact model on test digit 0. The numbers on screen are checked
// against the CPU reference engine run here in Node on the same model file and digit: a unit's
// card (u = sum of products + bias, the switch, the window, the top-down signal), the maps the
// timeline shows at a step, and the hovered unit's links in the overview and the stepper.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CpuEngine, PathModel, readModelFile, shapesOf, switchesOf, type InferResult, type ModelSpec } from '../../src/engine';
import { fmtLog10 } from '../../src/ui/scales';
import { decodeMnistSplit } from '../../src/data/mnistFormat';
import { digitAsFloat } from '../../src/data/mnistLoader';
import { stepsFor } from '../../src/ui/stepper/steps';
import { linkedRegion } from '../../src/ui/overview/links';
import { receptiveField } from '../../src/ui/stepper/receptiveField';
import { docScreenshot, expectNoConsoleErrors, finalScreenshot, openApp, useApp } from '../helpers/app';
import { axeViolations } from '../helpers/axe';
import { collectConsoleErrors } from '../helpers/browser';
import { DIST } from '../helpers/server';

const LONG = 180_000;

interface Reference {
  spec: ModelSpec;
  result: InferResult;
}

/** The CPU reference on test digit 0 with the shipped drmm-compact model (what the page runs on the GPU). */
async function reference(): Promise<Reference> {
  const file = readModelFile(new Uint8Array(fs.readFileSync(path.join(DIST, 'models', 'drmm-compact.drmm'))));
  const test = decodeMnistSplit(fs.readFileSync(path.join(DIST, 'data', 'mnist-test.bin')), 'mnist-test.bin');
  const engine = new CpuEngine(file.spec, file.params);
  const result = await engine.infer({ images: digitAsFloat(test, 0), n: 1, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering', paths: false });
  engine.destroy();
  return { spec: file.spec, result };
}

const near = (a: number, b: number, tol = 2e-3) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
const picture = (page: Page) => page.getByTestId('ov-picture');
const tile = (page: Page, row: 'up' | 'down', level: number, channel: number) => page.locator(`canvas[data-kind="ov-${row}"][data-level="${level}"][data-channel="${channel + 1}"]`);

/** The viewport point at the centre of cell (y, x) of a tile canvas (its box includes the CSS transform). */
async function cellPoint(page: Page, row: 'up' | 'down', level: number, channel: number, y: number, x: number, h: number, w: number) {
  const b = (await tile(page, row, level, channel).boundingBox())!;
  return { x: b.x + ((x + 0.5) / w) * b.width, y: b.y + ((y + 0.5) / h) * b.height };
}

/** A tile canvas's RGB pixels. */
async function tileRgb(page: Page, row: 'up' | 'down', level: number, channel: number): Promise<number[][]> {
  return tile(page, row, level, channel).evaluate((c) => {
    const cv = c as HTMLCanvasElement;
    const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    const out: number[][] = [];
    for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2]]);
    return out;
  });
}

const EMPTY = [236, 238, 241];
const isEmpty = (p: number[]) => p[0] === EMPTY[0] && p[1] === EMPTY[1] && p[2] === EMPTY[2];

describe('the overview', () => {
  const { server, browser } = useApp({ webgpu: true });
  let ref: Reference;
  beforeAll(async () => {
    ref = await reference();
  }, LONG);

  it('fills its cell; a level expands in place; a unit’s card shows the engine’s numbers; keyboard; axe', { timeout: 600_000 }, async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    try {
      await openApp(page, server().url, { backend: 'webgpu', result: '[data-digit-index="0"]', timeout: LONG, skipTour: true });
      const ov = page.locator('[data-testid="overview"][data-current="true"]');
      await ov.waitFor({ timeout: LONG });
      // Inside the first viewport, the picture filling the overview's width.
      const box = (await ov.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(720);
      expect(box.width).toBeGreaterThan(700);
      const pic = (await picture(page).boundingBox())!;
      expect(pic.width).toBeGreaterThan(0.9 * box.width);
      expect(pic.height).toBeGreaterThan(250);
      const L = ref.spec.levels.length;
      expect(await picture(page).getAttribute('data-levels')).toBe(String(L));

      // Expand level 2: all 24 channels, in both rows, laid out as a grid once the move is done.
      const s2 = shapesOf(ref.spec).levels[1];
      await page.getByTestId('ov-level-2').click();
      await page.locator('[data-testid="ov-picture"][data-expanded="2"]').waitFor();
      await page.waitForTimeout(600);
      expect(await page.getByTestId('ov-level-2').getAttribute('aria-expanded')).toBe('true');
      for (const row of ['up', 'down'] as const) expect(await page.locator(`canvas[data-kind="ov-${row}"][data-level="2"][data-shown="true"]`).count()).toBe(s2.c);
      const b0 = (await tile(page, 'up', 2, 0).boundingBox())!;
      const b1 = (await tile(page, 'up', 2, 1).boundingBox())!;
      expect(b1.x).toBeGreaterThanOrEqual(b0.x + b0.width - 0.5);

      // A unit that won its window, so that the backtrace comes back through it.
      const f2 = ref.result.forward.levels[1];
      let unit = { channel: 0, y: 0, x: 0 };
      for (let i = 0; i < f2.a.length; i++) {
        const c = Math.floor(i / (s2.hc * s2.wc));
        const y = Math.floor(i / s2.wc) % s2.hc;
        const x = i % s2.wc;
        const t = f2.t![(c * s2.hout + (y >> 1)) * s2.wout + (x >> 1)];
        if (f2.a[i] && f2.x[(c * s2.hout + (y >> 1)) * s2.wout + (x >> 1)] > 0.5 && t === (y & 1) * 2 + (x & 1) && ref.result.backtrace.levels[1].su[i] !== 0) {
          unit = { channel: c, y, x };
          break;
        }
      }
      const at = await cellPoint(page, 'up', 2, unit.channel, unit.y, unit.x, s2.hc, s2.wc);
      await page.mouse.click(at.x, at.y);
      const card = page.getByTestId('ov-card');
      await card.waitFor();
      expect(await card.getAttribute('data-level')).toBe('2');
      expect(Number(await card.getAttribute('data-channel'))).toBe(unit.channel);
      expect(Number(await card.getAttribute('data-y'))).toBe(unit.y);
      expect(Number(await card.getAttribute('data-x'))).toBe(unit.x);
      const num = async (name: string) => Number(await card.getAttribute(`data-${name}`));
      const i = (unit.channel * s2.hc + unit.y) * s2.wc + unit.x;
      // u = the sum of the products + the bias, and both the page's engine and the card agree with the reference.
      expect(near(await num('u'), (await num('sum')) + (await num('bias')), 1e-12)).toBe(true);
      expect(near(await num('u'), ref.result.forward.levels[1].u[i])).toBe(true);
      expect(near(await num('engine-u'), ref.result.forward.levels[1].u[i])).toBe(true);
      expect(near(await num('su'), ref.result.backtrace.levels[1].su[i])).toBe(true);
      expect(near(await num('engine-su'), ref.result.backtrace.levels[1].su[i])).toBe(true);
      const win = page.getByTestId('ov-card-window');
      expect(Number(await win.getAttribute('data-winner'))).toBe((unit.y & 1) * 2 + (unit.x & 1));
      expect(near(Number(await win.getAttribute('data-x')), f2.x[(unit.channel * s2.hout + (unit.y >> 1)) * s2.wout + (unit.x >> 1)])).toBe(true);
      expect(await page.getByTestId('ov-card-relu').getAttribute('data-on')).toBe('true');
      // From one term to the whole sum: the running sum of the first term is that term.
      const terms = page.getByTestId('ov-card-terms');
      await terms.fill('1');
      const sum = page.getByTestId('ov-card-sum');
      await page.locator('[data-testid="ov-card-sum"][data-n="1"]').waitFor();
      expect(await sum.textContent()).toContain('=');
      // The card lies inside the window, beside the pointer, with its formulas typeset.
      const cb = (await card.boundingBox())!;
      expect(cb.x).toBeGreaterThanOrEqual(0);
      expect(cb.x + cb.width).toBeLessThanOrEqual(1280);
      expect(cb.y).toBeGreaterThanOrEqual(0);
      expect(cb.y + cb.height).toBeLessThanOrEqual(720);
      expect(cb.x >= at.x || cb.x + cb.width <= at.x).toBe(true);
      await page.locator('[data-testid="ov-card"] .katex').first().waitFor({ timeout: 20_000 });
      await docScreenshot(page, 'overview-card.png');

      // axe with the overview, a level expanded and the card open.
      const vs = await axeViolations(page);
      expect(vs, vs.join('\n')).toEqual([]);

      // Escape closes the card; from the keyboard, a level's maps open a unit's card with Enter.
      await page.keyboard.press('Escape');
      await card.waitFor({ state: 'detached' });
      await page.getByTestId('ov-keys-1').focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await card.waitFor();
      expect(await card.getAttribute('data-level')).toBe('1');
      const kbUnit = { channel: await card.getAttribute('data-channel'), y: await card.getAttribute('data-y'), x: await card.getAttribute('data-x') };
      // The focus is in the card; closing it gives the focus back to the maps that opened it.
      await page.getByTestId('ov-card-close').click();
      await card.waitFor({ state: 'detached' });
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('ov-keys-1');

      // The active paths of the selected unit (the level-1 unit opened from the keyboard), then of the
      // class: a sample drawn, the counts the reference's path DP gives.
      const pm = new PathModel(ref.spec, switchesOf(ref.spec, ref.result.forward));
      await page.getByTestId('ov-paths').click();
      await page.locator('[data-testid="ov-picture"][data-paths]:not([data-paths="0"])').waitFor({ timeout: 20_000 });
      const sel = { level: 1, stage: 'relu' as const, channel: Number(kbUnit.channel), y: Number(kbUnit.y), x: Number(kbUnit.x) };
      expect(await page.getByTestId('ov-path-total').textContent()).toContain(`the unit: ${fmtLog10(pm.select({ kind: 'unit', unit: sel }).totalLog10)} of`);
      await page.getByTestId('ov-paths-class').click();
      await page.locator('[data-testid="ov-picture"][data-paths="24"]').waitFor({ timeout: 20_000 });
      expect(await page.locator('svg.ov-flows path.ov-path').count()).toBe(24);
      const counts = pm.select({ kind: 'class' });
      const total = await page.getByTestId('ov-path-total').textContent();
      expect(total).toContain(`${fmtLog10(counts.totalLog10)} of ${fmtLog10(counts.totalPossibleLog10)} paths active`);
      for (let l = 1; l <= L; l++) expect(await page.getByTestId(`ov-path-count-${l}`).textContent()).toBe(`${fmtLog10(counts.levels[l - 1].activeLog10)} paths`);
      await page.getByTestId('ov-paths').click();
      await page.locator('[data-testid="ov-picture"][data-paths="0"]').waitFor();

      // A click on a class renders the digit as that class (the counterfactual).
      await page.getByTestId('ov-class-4').click();
      await page.locator('[data-testid="overview"][data-current="true"][data-start-class="4"]').waitFor({ timeout: LONG });
      expect(await page.getByTestId('reconstruction').getAttribute('data-class')).toBe('4');
      await page.getByTestId('ov-class-7').click();
      await page.locator('[data-testid="overview"][data-current="true"][data-start-class="7"]').waitFor({ timeout: LONG });
      expectNoConsoleErrors(errors);
    } finally {
      await finalScreenshot(page, 'overview-final.png');
    }
  });

  it('the timeline: scrub to a step, play and pause, reduced motion; hover links in the overview and the stepper', { timeout: 600_000 }, async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    try {
      await openApp(page, server().url, { backend: 'webgpu', result: '[data-digit-index="0"]', timeout: LONG, skipTour: true });
      await page.locator('[data-testid="overview"][data-current="true"]').waitFor({ timeout: LONG });
      const steps = stepsFor(ref.spec);
      const shapes = shapesOf(ref.spec).levels;

      // Scrub to level 2's max over a: levels 1 and 2 computed (r), level 3 not yet, nothing top-down.
      const k = steps.findIndex((s) => s.id === 'relu-2');
      await page.getByTestId('ov-scrub').fill(String(k));
      await page.locator(`[data-testid="ov-picture"][data-step-index="${k}"][data-complete="false"][data-settled="true"]`).waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('ov-step-title').textContent()).toContain(steps[k].title);
      expect(await page.evaluate(() => window.location.hash)).toContain(`step=${k}`);
      // The stacks show a few channels each (the most active in front): read one that is shown.
      const shownChannel = async (row: 'up' | 'down', l: number) => Number(await page.locator(`canvas[data-kind="ov-${row}"][data-level="${l}"][data-shown="true"]`).first().getAttribute('data-channel')) - 1;
      const ch2 = await shownChannel('up', 2);
      const up2 = await tileRgb(page, 'up', 2, ch2);
      const n2 = shapes[1].hc * shapes[1].wc;
      const u2 = ref.result.forward.levels[1].u.subarray(ch2 * n2, (ch2 + 1) * n2);
      const mid = up2[u2.findIndex((v) => v < 0)];
      let reds = 0;
      up2.forEach((p, j) => {
        expect(isEmpty(p)).toBe(false);
        // The max over a: an OFF unit shows r = 0 (the scale's middle), an ON one red.
        if (u2[j] <= 0) expect(p).toEqual(mid);
        else if (u2[j] > 0.2 * Math.max(...Array.from(u2))) {
          expect(p[0]).toBeGreaterThan(p[2]);
          reds++;
        }
      });
      expect(reds).toBeGreaterThan(0);
      expect((await tileRgb(page, 'up', 1, await shownChannel('up', 1))).some(isEmpty)).toBe(false);
      expect((await tileRgb(page, 'up', 3, await shownChannel('up', 3))).every(isEmpty)).toBe(true);
      for (let l = 1; l <= shapes.length; l++) expect((await tileRgb(page, 'down', l, await shownChannel('down', l))).every(isEmpty), `top-down level ${l}`).toBe(true);
      expect(await page.getByTestId('ov-class-7').textContent()).toContain('…');

      // Hover a level-3 unit: its links in the overview (the receptive field on the input, drawn
      // on the overlay) and, with the stepper open on level 2's template matching, the region of
      // level 2's maps it depends on.
      const match2 = steps.findIndex((s) => s.id === 'match-2');
      await page.getByTestId('ov-scrub').fill(String(match2));
      await page.getByTestId('tab-stepper').click();
      await page.locator(`[data-testid="stepper"][data-step-index="${match2}"]`).waitFor({ timeout: LONG });
      await page.getByTestId('ov-level-3').click();
      await page.locator('[data-testid="ov-picture"][data-expanded="3"]').waitFor();
      await page.waitForTimeout(600);
      const s3 = shapes[2];
      const u3 = { level: 3, stage: 'relu' as const, channel: 2, y: 3, x: 4 };
      const p3 = await cellPoint(page, 'up', 3, u3.channel, u3.y, u3.x, s3.hc, s3.wc);
      await page.mouse.move(p3.x, p3.y);
      await page.locator('[data-testid="ov-hover"][data-hover="true"]').waitFor();
      expect(await page.getByTestId('ov-hover').textContent()).toContain(`Level 3, channel 3, unit (4, 5)`);
      const below = linkedRegion(ref.spec, { kind: 'unit', unit: u3 }, { level: 2, stage: 'relu' })!;
      const outline = page.locator('[data-testid="step-maps"] .unit-map[data-level="2"] .link-outline[data-link="below"]').first();
      await outline.waitFor({ timeout: 10_000 });
      expect([await outline.getAttribute('data-y0'), await outline.getAttribute('data-x0'), await outline.getAttribute('data-y1'), await outline.getAttribute('data-x1')].map(Number)).toEqual([below.rect.y0, below.rect.x0, below.rect.y1, below.rect.x1]);
      // The receptive field's outline on the overview's input: the overlay has the links' blue on its top edge.
      const field = receptiveField(ref.spec, u3);
      const inBox = (await page.locator('canvas[data-kind="ov-input"]').boundingBox())!;
      const ovBox = (await page.locator('canvas.ov-overlay').boundingBox())!;
      const edge = { x: inBox.x - ovBox.x + ((field.x0 + field.x1 + 1) / 2 / 28) * inBox.width, y: inBox.y - ovBox.y + (field.y0 / 28) * inBox.height - 1 };
      const blue = await page.locator('canvas.ov-overlay').evaluate((c, e) => {
        const cv = c as HTMLCanvasElement;
        const k = cv.width / cv.clientWidth;
        const d = cv.getContext('2d')!.getImageData(Math.round(e.x * k) - 2, Math.round(e.y * k) - 2, 5, 5).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 100 && d[i + 2] > d[i]) n++;
        return n;
      }, edge);
      expect(blue).toBeGreaterThan(0);
      await page.mouse.move(2, 2);
      await page.locator('[data-testid="ov-hover"][data-hover="false"]').waitFor();
      await docScreenshot(page, 'overview-hover.png');

      // Play runs the steps on; pause stops it; the last step shows the reconstruction.
      await page.getByTestId('ov-scrub').fill('0');
      await page.getByTestId('ov-play').click();
      await page.locator('[data-testid="ov-timeline"][data-playing="true"]').waitFor();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="ov-picture"]')?.getAttribute('data-step-index')) >= 2, null, { timeout: 30_000 });
      await page.getByTestId('ov-play').click();
      await page.locator('[data-testid="ov-timeline"][data-playing="false"]').waitFor();
      await page.getByTestId('ov-scrub').fill(String(steps.length - 1));
      await page.locator(`[data-testid="ov-picture"][data-step-index="${steps.length - 1}"][data-settled="true"]`).waitFor({ timeout: 20_000 });
      const recon = await page.locator('canvas[data-kind="ov-reconstruction"]').evaluate((c) => {
        const cv = c as HTMLCanvasElement;
        const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
        let empty = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === 236 && d[i + 1] === 238 && d[i + 2] === 241) empty++;
        return empty;
      });
      expect(recon).toBe(0);

      // Reduced motion: a step shows finished at once (no frame with the animation running).
      await page.emulateMedia({ reducedMotion: 'reduce' });
      await page.evaluate(() => {
        const el = document.querySelector('[data-testid="ov-picture"]')!;
        const seen: string[] = [];
        (window as unknown as { __settled: string[] }).__settled = seen;
        new MutationObserver(() => seen.push(el.getAttribute('data-settled') ?? '')).observe(el, { attributes: true, attributeFilter: ['data-settled'] });
      });
      await page.getByTestId('ov-scrub').fill('3');
      await page.locator('[data-testid="ov-picture"][data-step-index="3"]').waitFor();
      await page.waitForTimeout(500);
      expect(await page.evaluate(() => (window as unknown as { __settled: string[] }).__settled)).not.toContain('false');
      await page.emulateMedia({ reducedMotion: 'no-preference' });
      await page.getByTestId('ov-whole').click();
      await page.locator('[data-testid="ov-picture"][data-complete="true"]').waitFor();
      // A new input shows the whole DP again.
      await page.getByTestId('ov-scrub').fill('2');
      await page.locator('[data-testid="ov-picture"][data-complete="false"]').waitFor();
      await page.getByTestId('digit-index').fill('1');
      await page.locator('[data-testid="overview"][data-current="true"][data-digit-index="1"] [data-testid="ov-picture"][data-complete="true"]').waitFor({ timeout: LONG });
      expectNoConsoleErrors(errors);
    } finally {
      await finalScreenshot(page, 'overview-timeline-final.png');
    }
  });
});
