// The in-page training controls on the dashboard tab, as the end-to-end tests of training through
// GPU loss, hidden tabs and the like drive them. Reads the DOM (data attributes) only.
import type { Page } from 'playwright-core';

/** The step the training run has reached (the progress line's data-step). */
export async function trainStep(page: Page): Promise<number> {
  return Number(await page.getByTestId('train-progress').getAttribute('data-step'));
}

/** Waits until the training run has reached step `n` or beyond (polled every 100 ms). */
export async function waitForTrainStep(page: Page, n: number, timeout: number): Promise<void> {
  await page.waitForFunction((k) => Number(document.querySelector('[data-testid="train-progress"]')?.getAttribute('data-step')) >= k, n, { timeout, polling: 100 });
}

/** Waits until the training status is `status` ('running', 'paused', ...). */
export async function waitForTrainStatus(page: Page, status: string, timeout: number): Promise<void> {
  await page.locator(`[data-testid="train-status"][data-status="${status}"]`).waitFor({ timeout });
}

/**
 * Opens the dashboard tab and its training controls, waits for the timed epoch estimate, picks
 * the batch size, and starts training once the start button is enabled (the training split is
 * loaded). Does not wait for the run to be under way.
 */
export async function startTraining(page: Page, batch: number, timeout: number): Promise<void> {
  await page.getByTestId('tab-dashboard').click();
  await page.getByTestId('training-open').click();
  await page.getByTestId('train-estimate').waitFor({ timeout });
  await page.getByTestId('train-batch').selectOption(String(batch));
  await page.locator('[data-testid="train-start"]:not([disabled])').waitFor({ timeout });
  await page.getByTestId('train-start').click();
}
