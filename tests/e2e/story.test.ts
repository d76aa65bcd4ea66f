// End-to-end: the story strip at 1280x720 in headless Chromium on SwiftShader WebGPU. The cards
// drive the view (and the URL), Back/Next and the dots move through them, the shortest-path
// warm-up steps and traces its DP and takes edited costs (a bad one is flagged and loses
// nothing), the counterfactual card counts the switches a drawing flips, glossary terms open in
// place as a popover (keyboard, Escape, focus return), the tour is offered and never covers the
// input, the overview, the prediction or the reconstruction, a shared link never offers it, and
// axe-core finds no violation on any card.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { STORY_CARDS, STORY_COUNT } from '../../src/ui/story/cards';
import { docScreenshot, expectNoConsoleErrors, openApp, saveScreenshot, useApp } from '../helpers/app';
import { axeViolations } from '../helpers/axe';
import { collectConsoleErrors, launchBrowser } from '../helpers/browser';

const LONG = 120_000;
const idx = (id: string) => STORY_CARDS.findIndex((c) => c.id === id);
const card = (page: Page) => page.getByTestId('story-card');
const next = (page: Page) => page.getByRole('button', { name: 'Next', exact: true });
const back = (page: Page) => page.getByRole('button', { name: 'Back', exact: true });

/** Waits until the address bar's hash satisfies `re`. */
async function hashMatches(page: Page, re: RegExp) {
  await page.waitForFunction((src) => new RegExp(src).test(window.location.hash), re.source, { timeout: 10_000 }).catch(() => undefined);
  expect(await page.evaluate(() => window.location.hash)).toMatch(re);
}

/** The card's box and its words' box overflow nothing (what does not fit would be cut off). */
async function cardFits(page: Page) {
  return page.evaluate(() => {
    const c = document.querySelector<HTMLElement>('[data-testid="story-card"]')!;
    const t = c.querySelector<HTMLElement>('.story-text')!;
    return { card: c.scrollHeight <= c.clientHeight && c.scrollWidth <= c.clientWidth, text: t.scrollHeight <= t.clientHeight, id: c.dataset.card };
  });
}

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) => Math.min(a.x + a.width, b.x + b.width) > Math.max(a.x, b.x) && Math.min(a.y + a.height, b.y + b.height) > Math.max(a.y, b.y);

/** The boxes the tour must never cover. */
async function protectedBoxes(page: Page): Promise<Box[]> {
  const boxes: Box[] = [];
  for (const sel of ['.input-col', '[data-testid="overview"]', '.predict-col', '[data-testid="reconstruction"]']) {
    const b = await page.locator(sel).first().boundingBox();
    if (b) boxes.push(b);
  }
  expect(boxes).toHaveLength(4);
  return boxes;
}

describe('the story', () => {
  const { server, browser } = useApp({ webgpu: true });

  it('a first visit offers the tour without covering anything; taken, its cards avoid the input, overview, prediction and reconstruction', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await openApp(page, server().url, { backend: 'webgpu', result: '[data-digit-index="0"]', timeout: LONG });
    const offer = page.getByTestId('tour');
    await offer.waitFor({ timeout: LONG });
    // An offer in the top bar, not a dialog: it takes no focus and covers nothing.
    expect(await offer.getAttribute('data-step')).toBe('offer');
    expect(await offer.getAttribute('role')).not.toBe('dialog');
    expect(await page.evaluate(() => !!document.activeElement?.closest('[data-testid="tour"]'))).toBe(false);
    const guarded = await protectedBoxes(page);
    const offerBox = (await offer.boundingBox())!;
    for (const b of guarded) expect(overlaps(offerBox, b)).toBe(false);
    expect(offerBox.y + offerBox.height).toBeLessThanOrEqual(44);
    const axe = await axeViolations(page);
    expect(axe, axe.join('\n')).toEqual([]);

    await page.getByTestId('tour-continue').click();
    const tour = page.locator('[data-testid="tour"][role="dialog"]');
    await tour.waitFor();
    const steps: string[] = [];
    for (;;) {
      await page.waitForTimeout(150);
      const step = (await tour.getAttribute('data-step'))!;
      steps.push(step);
      const cardBox = (await tour.boundingBox())!;
      for (const b of await protectedBoxes(page)) expect(overlaps(cardBox, b), `tour step ${step} covers ${JSON.stringify(b)}`).toBe(false);
      if (step === 'welcome') {
        const v = await axeViolations(page);
        expect(v, v.join('\n')).toEqual([]);
      }
      const cont = page.getByTestId('tour-continue');
      if ((await cont.textContent()) === 'Finish') break;
      await cont.click();
    }
    expect(steps).toEqual(['welcome', 'input', 'overview', 'prediction', 'story', 'panels', 'share']);
    await page.getByTestId('tour-continue').click();
    await tour.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('tour-start');
    expect(await page.evaluate(() => localStorage.getItem('drmm-explainer.tour-seen'))).toBe('1');
    // Seen: a reload offers nothing; the top bar replays it, and Escape closes it with the focus back.
    await page.reload({ waitUntil: 'load' });
    await page.getByTestId('tour-start').waitFor({ timeout: LONG });
    expect(await page.locator('[data-testid="tour"]').count()).toBe(0);
    await page.getByTestId('tour-start').click();
    await tour.waitFor();
    await page.keyboard.press('Escape');
    await tour.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('tour-start');
    expectNoConsoleErrors(errors);
  });

  it('cards drive the view and the URL; Back, Next and the dots move through them; every card fits and passes axe', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await openApp(page, server().url, { backend: 'webgpu', result: '[data-digit-index="0"]', timeout: LONG });
    await card(page).waitFor({ timeout: LONG });
    expect(await card(page).getAttribute('data-index')).toBe('0');
    expect(await back(page).isDisabled()).toBe(true);
    // The story's buttons are the only ones named exactly Back and Next.
    expect(await page.getByRole('button', { name: 'Next', exact: true }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Back', exact: true }).count()).toBe(1);
    expect(await page.locator('.story-dot').count()).toBe(STORY_COUNT);

    for (let i = 0; i < STORY_COUNT; i++) {
      if (i > 0) await next(page).click();
      await page.locator(`[data-testid="story-card"][data-index="${i}"]`).waitFor();
      expect(await page.getByTestId('story-count').textContent()).toBe(`Story ${i + 1} / ${STORY_COUNT}`);
      expect(await page.locator(`.story-dot[aria-current="step"]`).getAttribute('aria-label')).toBe(`Card ${i + 1}`);
      if (i > 0) await hashMatches(page, new RegExp(`story=${i + 1}(&|$)`));
      await page.waitForTimeout(400);
      const fit = await cardFits(page);
      expect(fit, `card ${fit.id} overflows`).toEqual({ card: true, text: true, id: STORY_CARDS[i].id });
      const v = await axeViolations(page);
      expect(v, `axe on card ${STORY_CARDS[i].id}:\n${v.join('\n')}`).toEqual([]);
      const shot = `story-${String(i + 1).padStart(2, '0')}-${STORY_CARDS[i].id}.png`;
      await (STORY_CARDS[i].id === 'shortest-path' ? docScreenshot(page, shot, 'story-shortest-path.png') : saveScreenshot(page, shot));
    }
    expect(await next(page).isDisabled()).toBe(true);

    // What the cards set, as the URL says it (the walk left the counterfactual card's test digit
    // and the Training tab from the last card: cards leave the input and the tab unless they name them).
    await page.locator('.story-dot').nth(idx('match')).click();
    await hashMatches(page, new RegExp(`^#digit=\\d+&unit=1\\.relu\\.\\d+\\.\\d+\\.\\d+&panel=dashboard&story=${idx('match') + 1}$`));
    await page.locator('.story-dot').nth(idx('max-t')).click();
    await hashMatches(page, new RegExp(`^#digit=\\d+&unit=1\\.pool\\.\\d+\\.\\d+\\.\\d+&step=2&panel=dashboard&story=${idx('max-t') + 1}$`));
    await page.locator('.story-dot').nth(idx('levels')).click();
    await hashMatches(page, new RegExp(`^#digit=\\d+&clutter=fragments&amount=0\\.4&step=2&panel=saliency&story=${idx('levels') + 1}$`));
    await back(page).click();
    await hashMatches(page, new RegExp(`^#digit=\\d+&start=9&step=2&panel=saliency&story=${idx('levels')}$`));
    expectNoConsoleErrors(errors);
  });

  it('the shortest-path warm-up steps its DP, traces the route and takes edited costs', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await openApp(page, `${server().url}#story=${idx('shortest-path') + 1}`, { backend: 'webgpu', timeout: LONG });
    const sp = page.getByTestId('shortest-path');
    await sp.waitFor({ timeout: LONG });
    expect(await sp.getAttribute('data-l')).toBe('0');
    for (let l = 1; l <= 4; l++) {
      await page.getByRole('button', { name: 'One more iteration' }).click();
      expect(await sp.getAttribute('data-l')).toBe(String(l));
    }
    expect(await page.getByRole('button', { name: 'One more iteration' }).isDisabled()).toBe(true);
    // The table's S row: the hypothesis superseded at every l, and its back-pointers.
    expect(await sp.locator('.sp-table tbody tr').first().locator('td').allTextContents()).toEqual(['∞', '∞', '9 →B', '7 →A', '6 →A']);
    await page.getByRole('button', { name: 'Trace from S' }).click();
    await page.locator('[data-testid="shortest-path"][data-route="SABCT"]').waitFor();
    expect(await sp.locator('.sp-status').textContent()).toBe('Route: S → A → B → C → T, cost 6');

    // B->C costs 9 now: the route avoids it.
    const bc = page.getByTestId('sp-weight-BC');
    await bc.fill('9');
    await page.locator('[data-testid="shortest-path"][data-route="SABT"]').waitFor();
    expect(await sp.locator('.sp-status').textContent()).toBe('Route: S → A → B → T, cost 7');
    // A bad cost is flagged, and the last good one is kept.
    await bc.fill('x');
    expect(await bc.getAttribute('aria-invalid')).toBe('true');
    expect(await sp.locator('.sp-status').textContent()).toContain('Still using 9');
    expect(await sp.getAttribute('data-route')).toBe('SABT');
    // The unrolled card shares the costs.
    await next(page).click();
    await page.locator('[data-testid="shortest-path"][data-view="unrolled"][data-route="SABT"]').waitFor();
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.locator('[data-testid="shortest-path"][data-view="unrolled"][data-route="SABCT"]').waitFor();
    // The ReLU warm-up: brute force and closed form agree.
    await next(page).click();
    const relu = page.getByTestId('relu-warmup');
    expect(await relu.getAttribute('data-equal')).toBe('true');
    expect(Number(await relu.getAttribute('data-max'))).toBeCloseTo(4.75, 9);
    await page.getByTestId('warmup-z-1').fill('2');
    // z = (1, 2, 0.5, 1.5), u = (2, -1, -1, 0.5): z u = (2, -2, -0.5, 0.75), the max 2.75, and z >= 0.
    await page.locator('[data-testid="relu-warmup"][data-equal="true"][data-max="2.75"]').waitFor();
    expect(await page.getByTestId('warmup-result').textContent()).toContain('equal, since z ≥ 0');
    expectNoConsoleErrors(errors);
  });

  it('the counterfactual card renders a 4 as a 9 and counts the switches a drawing flips', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await openApp(page, `${server().url}#story=${idx('counterfactual')}`, { backend: 'webgpu', timeout: LONG });
    await next(page).click();
    await hashMatches(page, /start=9/);
    const digit = Number(/digit=(\d+)/.exec(await page.evaluate(() => window.location.hash))?.[1] ?? '0');
    await page.locator(`[data-testid="reconstruction"][data-class="9"]`).waitFor({ timeout: LONG });
    await page.getByText('Draw on the pad (or pick another digit)').waitFor({ timeout: LONG });
    // The card says how far the default model's counterfactuals go, and names the shipped model trained for them.
    const text = page.locator('[data-testid="story-card"] .story-text');
    await text.getByText('59.38% of “Renders what it claims”’s', { exact: false }).waitFor({ timeout: LONG });
    expect(await text.textContent()).toContain('Recognised as their class: 7.62% of the default model’s counterfactuals');
    const pad = page.getByTestId('draw-pad');
    const box = (await pad.boundingBox())!;
    await page.mouse.move(box.x + 0.3 * box.width, box.y + 0.2 * box.height);
    await page.mouse.down();
    await page.mouse.move(box.x + 0.7 * box.width, box.y + 0.2 * box.height, { steps: 12 });
    await page.mouse.up();
    const table = page.getByTestId('switch-flips-table');
    await table.waitFor({ timeout: LONG });
    expect(await page.locator('.switch-flips-head').textContent()).toContain(`test digit ${digit}`);
    const flips = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-a-flips'))));
    expect(flips.length).toBe(3);
    expect(flips[0]).toBeGreaterThan(0);
    expect(await cardFits(page)).toMatchObject({ card: true, text: true });
    expectNoConsoleErrors(errors);
  });

  it('glossary terms open in place: a popover with both names, Escape and focus return, the whole glossary one click away', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await openApp(page, `${server().url}#story=1`, { backend: 'webgpu', timeout: LONG });
    const term = page.locator('[data-testid="story-card"] button.term-link[data-term="weights"]');
    await term.click();
    const pop = page.getByTestId('term-popover');
    await pop.waitFor();
    expect(await pop.getAttribute('role')).toBe('dialog');
    expect(await term.getAttribute('aria-expanded')).toBe('true');
    expect(await pop.textContent()).toContain('Partial rendering templates');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'term-popover');
    const box = (await pop.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(720);
    const v = await axeViolations(page);
    expect(v, v.join('\n')).toEqual([]);
    await page.keyboard.press('Escape');
    await pop.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-term'))).toBe('weights');
    expect(await term.getAttribute('aria-expanded')).toBe('false');
    // From the keyboard: Enter opens it; a click elsewhere closes it; the panel shown is unchanged.
    await page.keyboard.press('Enter');
    await pop.waitFor();
    await page.mouse.click(5, 700);
    await pop.waitFor({ state: 'detached' });
    expect(await page.locator('section.panel').getAttribute('data-panel')).toBe('overview');
    // The whole glossary: the About tab, focused on the entry.
    await term.click();
    await pop.getByRole('button', { name: 'The whole glossary' }).click();
    await page.locator('section.panel[data-panel="about"]').waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'term-weights', undefined, { timeout: 10_000 });
    expectNoConsoleErrors(errors);
  });

  it('a shared link in a fresh profile opens its card without the tour', async () => {
    for (const hash of [`#digit=3&story=${idx('max-t') + 1}`, `#lecture=1&story=${idx('scores') + 1}`]) {
      const fresh = await launchBrowser({ webgpu: true, viewport: { width: 1280, height: 720 } });
      const errors = collectConsoleErrors(fresh.page);
      try {
        await fresh.page.goto(`${server().url}${hash}`, { waitUntil: 'load' });
        const want = Number(/story=(\d+)/.exec(hash)![1]) - 1;
        await fresh.page.locator(`[data-testid="story-card"][data-index="${want}"]`).waitFor({ timeout: LONG });
        await fresh.page.locator('[data-testid="result"][data-current="true"]').waitFor({ state: 'attached', timeout: LONG });
        if (hash.includes('lecture')) await fresh.page.getByTestId('lecture-bar').waitFor();
        // The card's picture (the state at a step, level 1 expanded) is the overview's to draw; the link's step is the link's.
        else expect(await fresh.page.evaluate(() => window.location.hash)).toContain('digit=3');
        await fresh.page.waitForTimeout(1500);
        expect(await fresh.page.getByTestId('tour').count(), hash).toBe(0);
        expect(await fresh.page.evaluate(() => localStorage.getItem('drmm-explainer.tour-seen'))).toBeNull();
        expectNoConsoleErrors(errors);
      } finally {
        await fresh.close();
      }
    }
  });
});
