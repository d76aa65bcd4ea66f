// Accessibility: axe-core on the built app, on every panel tab (with the first visit's tour offer
// open on the first), and on every story card in lecture mode. Every violation axe reports fails the
// test, whatever its impact (minor, moderate such as heading-order, serious, critical), with each
// rule's id, impact and the offending elements in the message.
import { describe, expect, it } from 'vitest';
import { PANEL_IDS } from '../../src/ui/store';
import { STORY_CARDS, STORY_COUNT } from '../../src/ui/story/cards';
import { expectNoConsoleErrors, openApp, useApp } from '../helpers/app';
import { axeRun, type AxeViolation } from '../helpers/axe';
import { collectConsoleErrors } from '../helpers/browser';

const LONG = 120_000;

function describeViolations(where: string, vs: AxeViolation[]): string {
  return vs
    .map((v) => `${where}: ${v.id} (${v.impact}) ${v.help}\n${v.nodes.slice(0, 8).map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary?.split('\n').slice(1, 2).join(' ') ?? ''}`).join('\n')}${v.nodes.length > 8 ? `\n    … and ${v.nodes.length - 8} more` : ''}`)
    .join('\n');
}

describe('accessibility (axe-core)', () => {
  const { server, browser } = useApp({ webgpu: true });

  it('no violations of any impact on any panel, with the tour offered, or on any story card in lecture mode', async () => {
    const { page } = browser();
    const errors = collectConsoleErrors(page);
    await openApp(page, server().url, { result: true, timeout: LONG });
    await page.getByTestId('tour').waitFor({ timeout: LONG });

    const found: string[] = [];
    const check = async (where: string) => {
      const vs = await axeRun(page);
      if (vs.length) found.push(describeViolations(where, vs));
    };

    await check('overview, with the tour card open');
    await page.getByTestId('tour-skip').click();

    for (const id of PANEL_IDS) {
      await page.getByTestId(`tab-${id}`).click();
      await page.locator(`section.panel[data-panel="${id}"]`).waitFor();
      // Let the panel settle (panels that need a result draw it from the store at once; give the
      // slower ones a moment to compute on the software adapter).
      await page.waitForTimeout(1500);
      await check(`panel ${id}`);
    }

    // Lecture mode: every story card, paged with PageDown as a clicker does (the story's cards
    // outside lecture mode: story.test.ts).
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('l');
    await page.getByTestId('lecture-bar').waitFor();
    for (let i = 0; i < STORY_COUNT; i++) {
      if (i > 0) await page.keyboard.press('PageDown');
      await page.locator(`[data-testid="story-card"][data-index="${i}"]`).waitFor();
      await page.waitForTimeout(500);
      await check(`lecture mode, story card ${i + 1} (${STORY_CARDS[i].id})`);
    }
    await page.keyboard.press('Escape');
    await page.getByTestId('lecture-bar').waitFor({ state: 'detached' });

    // The check itself can fail: a nameless button is a critical violation, and a heading that
    // skips a level (h5 after the page's h1..h4) a moderate one; axe must report both.
    await page.evaluate(() => {
      const b = document.createElement('button');
      b.id = 'axe-probe';
      const h = document.createElement('h6');
      h.id = 'axe-heading-probe';
      h.textContent = 'A heading six levels down';
      document.querySelector('main')!.append(b, h);
    });
    const probe = await axeRun(page);
    await page.evaluate(() => ['axe-probe', 'axe-heading-probe'].forEach((id) => document.getElementById(id)?.remove()));
    expect(probe.find((v) => v.id === 'button-name')?.nodes.map((n) => n.target)).toEqual([['#axe-probe']]);
    expect(probe.find((v) => v.id === 'heading-order')?.impact).toBe('moderate');
    expect(probe.find((v) => v.id === 'heading-order')?.nodes.map((n) => n.target)).toEqual([['#axe-heading-probe']]);

    expect(found, `axe violations:\n${found.join('\n')}`).toEqual([]);
    expectNoConsoleErrors(errors);
  });
});
