// End-to-end: the input controls in headless Chromium (SwiftShader WebGPU). A digit drawn with the
// mouse, uploaded pictures (good and bad), clutter, and the test-set browser's filters, each
// checked through the DOM: the 28x28 canvases' pixels and the result's data attributes.
import fs from 'node:fs';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeMnistSplit } from '../../src/data/mnistFormat';
import { encodeAdobeJpeg, rgbToCmyk } from '../helpers/adobeJpeg';
import { currentResult as result, docScreenshot, expectNoConsoleErrors, finalScreenshot, openApp, saveScreenshot as shot, useBrowser, useServer, closeSettings, openSettings } from '../helpers/app';
import { collectConsoleErrors } from '../helpers/browser';
import { DIST } from '../helpers/server';
import { pngFromRows } from '../../scripts/lib/png';

const LONG = 180_000;

// ---------------------------------------------------------------------------------------------
// PNG files made here (scripts/lib/png.ts writes them), so the test needs no fixtures

/** A PNG of w x h pixels; pixel(x, y) gives RGBA (colour type 6) or gray (colour type 0) bytes. */
function makePng(w: number, h: number, channels: 1 | 4, pixel: (x: number, y: number) => number[]): Buffer {
  const row = 1 + w * channels;
  const raw = Buffer.alloc(row * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(pixel(x, y), y * row + 1 + x * channels);
  return pngFromRows(w, h, channels, raw);
}
/** A huge gray PNG (white, one dark bar) built row by row without a w x h pixel callback. */
function makeHugePng(side: number, bar: { x0: number; x1: number; y0: number; y1: number }): Buffer {
  const row = 1 + side;
  const white = Buffer.alloc(row, 255);
  white[0] = 0;
  const inked = Buffer.from(white);
  inked.fill(0, 1 + bar.x0, 1 + bar.x1);
  const rows: Buffer[] = [];
  for (let y = 0; y < side; y++) rows.push(y >= bar.y0 && y < bar.y1 ? inked : white);
  return pngFromRows(side, side, 1, Buffer.concat(rows), 1);
}

/**
 * An animated GIF whose frames are w x h masks (true: black ink on white). LZW with 8-bit codes
 * (minimum code size 7) and a clear code every 120 pixels, so the code size never grows and each
 * code is one byte: valid, if not compressed.
 */
function makeGif(w: number, h: number, frames: ((x: number, y: number) => boolean)[]): Buffer {
  const out: number[] = [...Buffer.from('GIF89a', 'ascii'), w & 0xff, w >> 8, h & 0xff, h >> 8, 0xf6, 0, 0];
  for (let i = 0; i < 128; i++) out.push(...(i === 1 ? [0, 0, 0] : [255, 255, 255])); // colour 0 white, 1 black
  out.push(0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0', 'ascii'), 3, 1, 0, 0, 0); // loop forever
  for (const ink of frames) {
    out.push(0x21, 0xf9, 4, 0, 50, 0, 0, 0); // half a second a frame
    out.push(0x2c, 0, 0, 0, 0, w & 0xff, w >> 8, h & 0xff, h >> 8, 0, 7);
    const codes: number[] = [];
    for (let i = 0; i < w * h; i++) {
      if (i % 120 === 0) codes.push(128);
      codes.push(ink(i % w, Math.floor(i / w)) ? 1 : 0);
    }
    codes.push(129);
    for (let i = 0; i < codes.length; i += 255) {
      const block = codes.slice(i, i + 255);
      out.push(block.length, ...block);
    }
    out.push(0);
  }
  out.push(0x3b);
  return Buffer.from(out);
}

/**
 * A real MNIST test digit as a side x side picture of navy ink on white paper (RGB bytes): the
 * 28x28 scaled up (bicubic), its gray level taken as the ink's coverage.
 */
async function digitPicture(index: number, side: number): Promise<Uint8Array> {
  const test = decodeMnistSplit(fs.readFileSync(path.join(DIST, 'data', 'mnist-test.bin')), 'mnist-test.bin');
  const digit = Buffer.from(test.pixels.subarray(index * 784, (index + 1) * 784));
  const cover = await sharp(digit, { raw: { width: 28, height: 28, channels: 1 } }).resize(side, side, { kernel: 'cubic' }).raw().toBuffer();
  const navy = [20, 30, 90];
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < side * side; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = Math.round(255 + ((navy[c] - 255) * cover[i]) / 255);
  return rgb;
}

// ---------------------------------------------------------------------------------------------
// reading the page

/** A 28x28 canvas drawn with the image scale, read back as ink in [0, 1] (white 0, black 1). */
async function canvasInk(canvas: Locator): Promise<number[]> {
  return canvas.evaluate((c) => {
    const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
    return Array.from({ length: 784 }, (_, i) => (255 - d[4 * i]) / 255);
  });
}

function inkStats(ink: number[]) {
  let m = 0;
  let mx = 0;
  let my = 0;
  let x0 = 28;
  let x1 = -1;
  let y0 = 28;
  let y1 = -1;
  ink.forEach((v, i) => {
    const x = i % 28;
    const y = Math.floor(i / 28);
    m += v;
    mx += v * x;
    my += v * y;
    if (v > 0) {
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  });
  return { mass: m, cx: mx / m, cy: my / m, width: x1 - x0 + 1, height: y1 - y0 + 1, max: Math.max(...ink) };
}

const started = Date.now();
/** Progress in the log, so a slow run shows where its time went. */
const step = (what: string) => console.log(`[input e2e] ${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);

describe('input controls', () => {
  const server = useServer();

  describe('on WebGPU (SwiftShader)', () => {
    const browser = useBrowser({ webgpu: true });

    it('draws, uploads, clutters and browses the test set, each becoming the model’s input', async () => {
      const { page } = browser();
      const errors = collectConsoleErrors(page);
      try {
        // The first-visit tour (tour/Tour.tsx) would cover the page in the screenshots.
        await openApp(page, server().url, { backend: 'webgpu', result: '[data-input="test"][data-digit-index="0"]', skipTour: true, timeout: LONG });

        step('draw');
        // ---- draw a "7" with the mouse, on the first screen's pad
        const pad = page.getByTestId('draw-pad');
        expect(await pad.evaluate((c) => getComputedStyle(c).touchAction)).toBe('none');
        const box = (await pad.boundingBox())!;
        const at = (x: number, y: number) => [box.x + (x * box.width) / 224, box.y + (y * box.height) / 224] as const;
        await page.mouse.move(...at(50, 40));
        await page.mouse.down();
        await page.mouse.move(...at(170, 42), { steps: 12 });
        await page.mouse.move(...at(95, 195), { steps: 16 });
        await page.mouse.up();
        await page.mouse.move(...at(80, 115));
        await page.mouse.down();
        await page.mouse.move(...at(160, 112), { steps: 8 }); // the crossbar
        await page.mouse.up();

        // The result answers the drawing.
        const drawnResult = result(page, '[data-input="custom"][data-custom-kind="drawing"]');
        await drawnResult.waitFor({ timeout: LONG });
        const input = page.locator('canvas[data-kind="input"]').first();
        const drawn = inkStats(await canvasInk(input));
        // MNIST's normalisation: the longer side 20 px, the centre of mass at (14, 14) to half a pixel
        // (a little more read back through the colour table's 256 levels).
        expect(drawn.height).toBe(20);
        expect(drawn.width).toBeLessThanOrEqual(20);
        expect(drawn.width).toBeGreaterThan(10);
        expect(Math.abs(drawn.cx - 14)).toBeLessThan(0.6);
        expect(Math.abs(drawn.cy - 14)).toBeLessThan(0.6);
        expect(drawn.max).toBeGreaterThan(0.95); // strokes as wide as MNIST's reach full ink

        const drawingId = await drawnResult.getAttribute('data-custom-id');
        await expect(page.getByTestId('current-input').textContent()).resolves.toContain('your drawing');
        await docScreenshot(page, 'input-draw.png', 'input.png');

        step('clutter');
        // ---- clutter on the drawing (in the settings): the result follows, and the model's input has more ink
        await openSettings(page);
        await page.getByTestId('clutter-kind').selectOption('noise');
        await result(page, `[data-input="custom"][data-custom-id="${drawingId}"][data-clutter="noise"][data-clutter-seed="1"]`).waitFor({ timeout: LONG });
        const noisy = inkStats(await canvasInk(page.locator('canvas[data-kind="input"]').first()));
        expect(noisy.mass).toBeGreaterThan(drawn.mass + 20);
        const firstNoise = await canvasInk(page.locator('canvas[data-kind="input"]').first());
        await page.getByTestId('clutter-new').click();
        await result(page, '[data-clutter="noise"][data-clutter-seed="2"]').waitFor({ timeout: LONG });
        expect(await canvasInk(page.locator('canvas[data-kind="input"]').first())).not.toEqual(firstNoise);
        await page.getByTestId('clutter-kind').selectOption('fragments');
        await result(page, '[data-clutter="fragments"]').waitFor({ timeout: LONG });
        await shot(page, 'input-clutter.png');
        await page.getByTestId('clutter-kind').selectOption('none');
        await result(page, `[data-custom-id="${drawingId}"][data-clutter="none"]`).waitFor({ timeout: LONG });
        await closeSettings(page);

        // Clear: the pad empties and the input goes back to the test digit.
        await page.getByTestId('draw-clear').click();
        await result(page, '[data-input="test"][data-digit-index="0"]').waitFor({ timeout: LONG });
        expect(await page.getByTestId('current-input').getAttribute('data-input')).toBe('test');

        step('upload');
        // ---- upload: dark strokes on a transparent background (an "L", off-centre), 300 x 200
        await page.getByTestId('input-open-upload').click();
        const file = page.getByTestId('upload-file');
        const lShape = makePng(300, 200, 4, (x, y) => ((x >= 200 && x < 216 && y >= 20 && y < 180) || (x >= 200 && x < 270 && y >= 164 && y < 180) ? [20, 20, 30, 255] : [0, 0, 0, 0]));
        await file.setInputFiles({ name: 'ell.png', mimeType: 'image/png', buffer: lShape });
        const uploaded = result(page, '[data-input="custom"][data-custom-kind="upload"]');
        await uploaded.waitFor({ timeout: LONG });
        expect(await page.getByTestId('upload-result').getAttribute('data-polarity')).toBe('dark-on-light');
        const up = inkStats(await canvasInk(page.locator('canvas[data-kind="upload-preview"]')));
        expect(up.height).toBe(20);
        expect(Math.abs(up.width - Math.round((70 / 160) * 20))).toBeLessThanOrEqual(1);
        expect(Math.abs(up.cx - 14)).toBeLessThan(0.6);
        expect(Math.abs(up.cy - 14)).toBeLessThan(0.6);
        expect(await page.locator('canvas[data-kind="upload-original"]').count()).toBe(1);
        await shot(page, 'input-upload.png');

        step('refusals');
        // An animated GIF is read by its first frame: a tall bar (the second, a wide one, is not used).
        const gif = makeGif(60, 60, [(x, y) => x >= 26 && x < 34 && y >= 8 && y < 52, (x, y) => y >= 26 && y < 34 && x >= 8 && x < 52]);
        await file.setInputFiles({ name: 'animated.gif', mimeType: 'image/gif', buffer: gif });
        await page.locator('[data-testid="upload-result"][data-name="animated.gif"]').waitFor({ timeout: LONG });
        await result(page, '[data-input="custom"][data-custom-kind="upload"]').waitFor({ timeout: LONG });
        const firstFrame = inkStats(await canvasInk(page.locator('canvas[data-kind="upload-preview"]')));
        expect(firstFrame.height).toBe(20);
        expect(firstFrame.width).toBeLessThanOrEqual(5);
        await file.setInputFiles({ name: 'ell.png', mimeType: 'image/png', buffer: lShape });
        await page.locator('[data-testid="upload-result"][data-name="ell.png"]').waitFor({ timeout: LONG });
        const uploaded2 = result(page, '[data-input="custom"][data-custom-kind="upload"]');
        await uploaded2.waitFor({ timeout: LONG });
        const uploadId = await uploaded2.getAttribute('data-custom-id');

        // Refusals: each says why, and the uploaded picture stays the input.
        const refusals: [string, { name: string; mimeType: string; buffer: Buffer }, RegExp][] = [
          ['text', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') }, /notes\.txt: this is not an image \(its type is text\/plain\)/],
          ['empty', { name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) }, /empty\.png: the file is empty/],
          ['damaged', { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.concat([lShape.subarray(0, 33), Buffer.from('garbage garbage garbage')]) }, /broken\.png: the PNG data is damaged/],
          ['blank', { name: 'blank.png', mimeType: 'image/png', buffer: makePng(64, 64, 1, () => [250]) }, /blank\.png: No ink found/],
          ['untyped text', { name: 'mystery', mimeType: '', buffer: Buffer.from('still not a picture') }, /mystery: the browser could not decode this file as a picture/],
        ];
        for (const [what, payload, message] of refusals) {
          await file.setInputFiles(payload);
          const err = page.getByTestId('upload-error');
          await err.filter({ hasText: message }).waitFor({ timeout: LONG });
          expect(await err.textContent(), what).toContain('The current input is kept.');
          expect(await page.locator(`[data-testid="result"][data-current="true"][data-custom-id="${uploadId}"]`).count(), what).toBe(1);
        }
        await shot(page, 'input-upload-refused.png');

        step('cmyk');
        // CMYK JPEGs (print files) of a real test digit, against the same digit as an RGB PNG: both
        // Adobe kinds are converted (Chromium reads them), and the 28x28 the model gets matches.
        //  - CMYK (Adobe transform 0) written by libjpeg through sharp, with libvips' CMYK ICC
        //    profile embedded (0.9 MB, before the frame header: its size is then past the header
        //    prefix, see readFileHeader), 1400 px so that the decode must still be capped;
        //  - YCCK (Adobe transform 2, Photoshop's default), no profile, from the tests' encoder.
        const DIGIT = 1; // a "2"
        const rgb280 = await digitPicture(DIGIT, 280);
        const rgb1400 = await digitPicture(DIGIT, 1400);
        const asPng = (rgb: Uint8Array, side: number) => makePng(side, side, 4, (x, y) => [...rgb.subarray(3 * (y * side + x), 3 * (y * side + x) + 3), 255]);
        const cmykIcc = await sharp(Buffer.from(rgb1400), { raw: { width: 1400, height: 1400, channels: 3 } })
          .toColourspace('cmyk')
          .withIccProfile('cmyk')
          .jpeg({ quality: 90 })
          .toBuffer();
        const ycck = encodeAdobeJpeg(rgbToCmyk(rgb280, 280, 280), 2);
        const uploadAndRead = async (name: string, mimeType: string, buffer: Buffer) => {
          await file.setInputFiles({ name, mimeType, buffer });
          await page.locator(`[data-testid="upload-result"][data-name="${name}"]`).waitFor({ timeout: LONG });
          await result(page, '[data-input="custom"][data-custom-kind="upload"]').waitFor({ timeout: LONG });
          expect(await page.getByTestId('upload-error').count(), name).toBe(0);
          return {
            ink: await canvasInk(page.locator('canvas[data-kind="upload-preview"]')),
            polarity: await page.getByTestId('upload-result').getAttribute('data-polarity'),
            caption: await page.locator('.upload-original figcaption').textContent(),
            pred: await page.locator('[data-testid="result"][data-current="true"] [data-testid="prob-bars"]').getAttribute('data-pred'),
          };
        };
        // Each against the RGB PNG of the same size (downscaling 1400 px to 1024 changes the 28x28
        // too). Tolerances: the YCCK file has no profile, so Chromium's plain inversion
        // R = (255 - C)(255 - K) / 255 gives back the RGB but for quantisation; the ICC file is
        // colour-managed through a print profile, whose round trip lightens the strokes' soft
        // edges (13% less ink in the 28x28 here), so it gets a looser bound.
        const cases = [
          { name: 'digit-cmyk-icc.jpg', buffer: cmykIcc, reference: ['digit-rgb-1400.png', asPng(rgb1400, 1400)], caption: '1400 x 1400 px (read at 1024 x 1024)', mass: 0.2, mean: 0.05 },
          { name: 'digit-ycck.jpg', buffer: ycck, reference: ['digit-rgb-280.png', asPng(rgb280, 280)], caption: '280 x 280 px', mass: 0.02, mean: 0.01 },
        ] as const;
        for (const c of cases) {
          const ref = await uploadAndRead(c.reference[0], 'image/png', c.reference[1]);
          const refStats = inkStats(ref.ink);
          const got = await uploadAndRead(c.name, 'image/jpeg', c.buffer);
          const st = inkStats(got.ink);
          const meanDiff = got.ink.reduce((a, v, i) => a + Math.abs(v - ref.ink[i]), 0) / 784;
          console.log(
            `[input e2e] ${c.name} (${(c.buffer.length / 1024).toFixed(0)} kB): mean |ink - RGB ink| ${meanDiff.toFixed(4)}, ink mass ${st.mass.toFixed(1)} vs ${refStats.mass.toFixed(1)}, ` +
              `centre (${st.cx.toFixed(2)}, ${st.cy.toFixed(2)}), class ${got.pred} vs ${ref.pred}`,
          );
          expect(got.polarity, c.name).toBe('dark-on-light');
          expect(got.caption, c.name).toContain(c.caption);
          expect(Math.max(st.width, st.height), c.name).toBe(20); // the longer side fitted to 20 px, as in MNIST
          expect(Math.abs(st.width - refStats.width) + Math.abs(st.height - refStats.height), c.name).toBeLessThanOrEqual(1);
          expect(Math.abs(st.cx - 14), c.name).toBeLessThan(0.6);
          expect(Math.abs(st.cy - 14), c.name).toBeLessThan(0.6);
          expect(Math.abs(st.mass - refStats.mass) / refStats.mass, c.name).toBeLessThan(c.mass);
          expect(meanDiff, c.name).toBeLessThan(c.mean);
          expect(got.pred, c.name).toBe(ref.pred);
        }
        await shot(page, 'input-upload-cmyk.png');

        step('huge');
        // A 20000 x 20000 picture is decoded at 1024 px (its header gives the size first), and the page stays responsive.
        const huge = makeHugePng(20000, { x0: 9000, x1: 10600, y0: 3000, y1: 17000 });
        const t0 = Date.now();
        await file.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: huge });
        let worstPing = 0;
        const hugeResult = page.locator('[data-testid="upload-result"][data-name="huge.png"]');
        while ((await hugeResult.count()) === 0 && (await page.getByTestId('upload-error').count()) === 0 && Date.now() - t0 < LONG) {
          const p0 = Date.now();
          await page.evaluate(() => 1);
          worstPing = Math.max(worstPing, Date.now() - p0);
          await page.waitForTimeout(100);
        }
        expect(await page.getByTestId('upload-error').count()).toBe(0);
        expect(await hugeResult.count()).toBe(1);
        console.log(`[input e2e] 20000x20000 PNG (${(huge.length / 1024).toFixed(0)} kB): read in ${Date.now() - t0} ms, slowest main-thread round trip ${worstPing} ms`);
        await expect(page.locator('.upload-original figcaption').textContent()).resolves.toContain('20000 x 20000 px (read at 1024 x 1024)');
        const hugeInk = inkStats(await canvasInk(page.locator('canvas[data-kind="upload-preview"]')));
        expect(hugeInk.height).toBe(20);
        expect(worstPing).toBeLessThan(2000);

        step('browse');
        // ---- the test-set browser: filter by label, select with the mouse and with the keyboard
        await page.getByTestId('input-open-browse').click();
        await page.getByTestId('filter-label').selectOption('3');
        const thumbs = page.locator('[data-testid="test-browser"] button.thumb');
        await expect.poll(async () => Number(await page.getByTestId('test-browser').getAttribute('data-matches'))).toBe(1010);
        expect(await thumbs.count()).toBe(40);
        expect(new Set(await thumbs.evaluateAll((els) => els.map((e) => e.getAttribute('data-label'))))).toEqual(new Set(['3']));
        const second = thumbs.nth(1);
        const secondIndex = await second.getAttribute('data-index');
        await second.click();
        await result(page, `[data-input="test"][data-digit-index="${secondIndex}"]`).waitFor({ timeout: LONG });
        expect(await page.getByTestId('digit-label').getAttribute('data-label')).toBe('3');
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('Enter');
        const thirdIndex = await thumbs.nth(2).getAttribute('data-index');
        await result(page, `[data-input="test"][data-digit-index="${thirdIndex}"]`).waitFor({ timeout: LONG });
        await page.getByRole('button', { name: 'Page forward' }).click();
        expect(await page.getByTestId('page-text').textContent()).toContain('Page 2 of 26');
        expect(new Set(await thumbs.evaluateAll((els) => els.map((e) => e.getAttribute('data-label'))))).toEqual(new Set(['3']));

        step('classify');
        // Prediction filters: off with the reason until the test set is classified, then on.
        expect(await page.getByTestId('filter-misclassified').isDisabled()).toBe(true);
        await expect(page.getByTestId('filter-note').textContent()).resolves.toContain('classify the test set first');
        const c0 = Date.now();
        await page.getByTestId('browser-classify').click();
        await page.locator('[data-testid="browser-classify-progress"][aria-valuenow="100"]').waitFor({ timeout: LONG });
        console.log(`[input e2e] classified the 10,000 test digits in ${Date.now() - c0} ms`);
        expect(await page.getByTestId('filter-misclassified').isDisabled()).toBe(false);
        await page.getByTestId('filter-misclassified').check();
        const wrong = Number(await page.getByTestId('test-browser').getAttribute('data-matches'));
        expect(wrong).toBeGreaterThan(0);
        expect(wrong).toBeLessThan(1010);
        const pairs = await thumbs.evaluateAll((els) => els.map((e) => [e.getAttribute('data-label'), e.getAttribute('data-pred')]));
        for (const [label, pred] of pairs) {
          expect(label).toBe('3');
          expect(pred).not.toBe('3');
        }
        await shot(page, 'input-browse.png');

        // Every input control has a name (a visible label, an aria-label or its text).
        const unnamed = await page.locator('body').evaluate((body) =>
          Array.from(body.querySelectorAll('.input-col, .settings-drawer .clutter-controls, .input-drawer'))
            .flatMap((part) => Array.from(part.querySelectorAll('input, select, button')))
            .filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.textContent?.trim()))
            .map((el) => el.outerHTML.slice(0, 80)),
        );
        expect(unnamed).toEqual([]);

        // Escape closes the drawer and gives the focus back to the button that opened it.
        await thumbs.first().focus();
        await page.keyboard.press('Escape');
        expect(await page.getByTestId('input-open-browse').getAttribute('aria-expanded')).toBe('false');
        expect(await page.locator('.input-drawer').isHidden()).toBe(true);
        expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('input-open-browse');

        await page.waitForTimeout(300);
        expectNoConsoleErrors(errors);
      } finally {
        await finalScreenshot(page, 'input-end.png');
      }
    }, 900_000);
  });

  describe('without WebGPU (CPU reference), with touch and pen', () => {
    const browser = useBrowser({ webgpu: false });

    it('a finger and a pen draw on the pad; the drawing stays the input across architectures', async () => {
      const { page, context } = browser();
      const errors = collectConsoleErrors(page);
      try {
        await openApp(page, server().url, { backend: 'cpu', result: '[data-input="test"][data-digit-index="0"]', skipTour: true, timeout: LONG });

        const pad = page.getByTestId('draw-pad');
        // Record which kinds of pointer reached the pad (the test's own listener, not the app's).
        await pad.evaluate((c) => {
          const seen: string[] = [];
          (window as unknown as { seenPointers: string[] }).seenPointers = seen;
          c.addEventListener('pointerdown', (e) => seen.push((e as PointerEvent).pointerType));
        });
        // Where the pad is now: with touch emulation the pointer is coarse, and touch.css's 44 px
        // controls above the pad move it down, so it is measured again in each mode.
        let box = (await pad.boundingBox())!;
        const at = (x: number, y: number) => ({ x: box.x + (x * box.width) / 224, y: box.y + (y * box.height) / 224 });
        const cdp = await context.newCDPSession(page);

        // A finger: a "1", top to bottom (real touch events, as a touch screen sends them).
        await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
        await page.waitForFunction(() => matchMedia('(pointer: coarse)').matches);
        // Touches outside the viewport land on the root, not the pad: bring it into view first.
        await pad.scrollIntoViewIfNeeded();
        box = (await pad.boundingBox())!;
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(120, 30)] });
        for (let k = 1; k <= 16; k++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(120 - k * 1.5, 30 + k * 10)] });
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
        await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: false });
        await page.waitForFunction(() => !matchMedia('(pointer: coarse)').matches);
        await pad.scrollIntoViewIfNeeded();
        box = (await pad.boundingBox())!;
        const touched = result(page, '[data-input="custom"][data-custom-kind="drawing"]');
        await touched.waitFor({ timeout: LONG });
        const touchId = await touched.getAttribute('data-custom-id');
        const one = inkStats(await canvasInk(page.locator('canvas[data-kind="input"]').first()));
        expect(one.height).toBe(20);
        expect(one.width).toBeLessThan(10); // a "1" stays narrow: the aspect ratio is kept
        expect(Math.abs(one.cx - 14)).toBeLessThan(0.6);

        // A pen: a flag stroke at the top, with pressure; it joins the drawing as a new input.
        await cdp.send('Input.dispatchMouseEvent', { type: 'mousePressed', ...at(118, 32), button: 'left', buttons: 1, clickCount: 1, pointerType: 'pen', force: 0.9 });
        for (let k = 1; k <= 8; k++) await cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', ...at(118 - k * 6, 32 + k * 4), button: 'left', buttons: 1, pointerType: 'pen', force: 0.9 });
        await cdp.send('Input.dispatchMouseEvent', { type: 'mouseReleased', ...at(70, 64), button: 'left', buttons: 0, clickCount: 1, pointerType: 'pen', force: 0 });
        await page.locator(`[data-testid="result"][data-current="true"][data-input="custom"]:not([data-custom-id="${touchId}"])`).waitFor({ timeout: LONG });
        expect(await page.evaluate(() => (window as unknown as { seenPointers: string[] }).seenPointers)).toEqual(['touch', 'pen']);
        const drawn = await canvasInk(page.locator('canvas[data-kind="input"]').first());
        const flagged = inkStats(drawn);
        expect(flagged.width).toBeGreaterThan(one.width + 2);

        // Another architecture: the same drawing is classified by the one-level shallow model.
        await openSettings(page);
        await page.getByRole('combobox', { name: 'Architecture' }).selectOption('rmm-shallow');
        await closeSettings(page);
        await page.locator('[data-testid="result"][data-current="true"][data-input="custom"] section.level[data-level="1"]').waitFor({ timeout: LONG });
        expect(await page.locator('section.level').count()).toBe(1);
        expect(await canvasInk(page.locator('canvas[data-kind="input"]').first())).toEqual(drawn);
        await shot(page, 'input-cpu-touch-pen.png');

        await page.waitForTimeout(300);
        expectNoConsoleErrors(errors);
      } finally {
        await finalScreenshot(page, 'input-cpu-end.png');
      }
    }, 600_000);
  });
});
