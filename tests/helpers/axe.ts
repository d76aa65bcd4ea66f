/**
 * axe-core in the e2e tests. axe is injected by evaluating its source: the built page's
 * Content-Security-Policy forbids inline <script> elements, which page.addScriptTag would add.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './server';

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe's violations on the page as it is, or inside the elements `include` selects. */
export async function axeRun(page: Page, include?: string): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (sel) => {
    const w = window as unknown as { axe: { run(ctx: object, opts: object): Promise<{ violations: AxeViolation[] }> } };
    const res = await w.axe.run(sel ? { include: [[sel]] } : document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  }, include ?? null);
}

/** The violations as one line each (rule, impact, up to four elements), for an expect(...).toEqual([]). */
export async function axeViolations(page: Page, include?: string): Promise<string[]> {
  return (await axeRun(page, include)).map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)).join(' ')}`);
}
