// The input controls rendered to static markup: the test browser draws one page, and its
// prediction filters are disabled, with the reason, until fresh predictions exist.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ClutterView } from '../../src/ui/input/ClutterControls';
import { InputColumn } from '../../src/ui/shell/InputColumn';
import { PAGE_SIZE, TestBrowserView, type TestBrowserViewProps } from '../../src/ui/input/TestBrowser';
import type { Clutter, TestPredictions } from '../../src/ui/store';

const COUNT = 100;
const labels = Uint8Array.from({ length: COUNT }, (_, i) => i % 10);

function preds(modelVersion: number): TestPredictions {
  const pred = Int32Array.from(labels, (l, i) => (i % 7 === 0 ? (l + 1) % 10 : l));
  const probs = new Float32Array(COUNT * 10).fill(0.05);
  pred.forEach((c, i) => (probs[i * 10 + c] = 0.55));
  return { modelVersion, done: COUNT, count: COUNT, pred, probs, classes: 10 };
}

const disabled = (html: string, testId: string) => new RegExp(`<input[^>]*disabled=""[^>]*data-testid="${testId}"`).test(html);

const MODEL = 4;
const browser = (over: Partial<TestBrowserViewProps> = {}) =>
  renderToStaticMarkup(
    <TestBrowserView
      test={{ count: COUNT, rows: 28, cols: 28, labels, pixels: new Uint8Array(COUNT * 784) }}
      testPredictions={null}
      modelVersion={MODEL}
      engineReady
      digitIndex={3}
      customActive={false}
      onSelect={() => {}}
      onClassify={() => {}}
      {...over}
    />,
  );

describe('TestBrowser', () => {
  it('draws one page of labelled thumbnails, the current digit marked', () => {
    const html = browser();
    expect(html.match(/<button[^>]*class="thumb[ "]/g)).toHaveLength(PAGE_SIZE);
    expect(html).toContain(`Page 1 of ${Math.ceil(COUNT / PAGE_SIZE)}`);
    expect(html).toMatch(/class="thumb selected"[^>]*aria-pressed="true"[^>]*aria-label="Test digit 3, label 3"/);
    expect(html.match(/<canvas [^>]*width="28" height="28"/g)).toHaveLength(PAGE_SIZE);
  });

  it('disables the prediction filters with the reason until the test set is classified', () => {
    const html = browser();
    for (const id of ['filter-misclassified', 'filter-conf-min', 'filter-conf-max']) expect(disabled(html, id), id).toBe(true);
    expect(html).toContain('classify the test set first');
    expect(html).toContain('Classify the test set');
  });

  it('enables them for the installed model’s predictions and marks the misclassified', () => {
    const html = browser({ testPredictions: preds(MODEL) });
    for (const id of ['filter-misclassified', 'filter-conf-min', 'filter-conf-max']) expect(disabled(html, id), id).toBe(false);
    expect(html).not.toContain('data-testid="filter-note"');
    expect(html).toContain('Test accuracy of this model: 85.00% (15 misclassified)');
    expect(html).toMatch(/class="thumb wrong"[^>]*aria-label="Test digit 7, label 7, predicted 8 with p = 55.0% \(misclassified\)"/);
  });

  it('disables them again when the predictions belong to another model', () => {
    const html = browser({ testPredictions: preds(MODEL - 1) });
    expect(disabled(html, 'filter-misclassified')).toBe(true);
    expect(html).toContain('belong to an earlier model');
    // While a run is under way: its progress, and the filters still off.
    const running = browser({ testPredictions: { ...preds(MODEL), done: 30 } });
    expect(disabled(running, 'filter-misclassified')).toBe(true);
    expect(running).toContain('30 of 100');
    expect(running).toMatch(/role="progressbar"[^>]*aria-valuenow="30"/);
    expect(running).toMatch(/<button[^>]*disabled=""[^>]*data-testid="browser-classify"/);
  });

  it('says when the test set is still loading; a short set fits one page', () => {
    expect(browser({ test: null })).toContain('still loading');
    const none = browser({ test: { count: 3, rows: 28, cols: 28, labels: Uint8Array.from([1, 2, 3]), pixels: new Uint8Array(3 * 784) }, digitIndex: 0 });
    expect(none.match(/<button[^>]*class="thumb[ "]/g)).toHaveLength(3);
    expect(none).toContain('Page 1 of 1 · 3 digits');
  });
});

describe('ClutterControls and the input column', () => {
  it('label every control; the amount and new-clutter controls are off without clutter', () => {
    const clutter = (c: Clutter) => renderToStaticMarkup(<ClutterView clutter={c} setClutter={() => {}} />);
    let html = clutter({ kind: 'none', amount: 0.3, seed: 1 });
    expect(html).toContain('<legend>Clutter</legend>');
    expect(html).toMatch(/<label>Kind<select/);
    expect(html).toMatch(/<label>Amount 30%<input type="range"[^>]*disabled=""/);
    expect(html).toMatch(/<button[^>]*disabled=""[^>]*>New clutter<\/button>/);
    expect(html).toContain('Saliency panel');
    html = clutter({ kind: 'fragments', amount: 0.5, seed: 4 });
    expect(html).not.toContain('disabled=""');
    expect(html).toContain('data-seed="4"');
  });

  it('keep the digit picker’s test ids, draw in place, and offer the other sources, closed at first', () => {
    const html = renderToStaticMarkup(<InputColumn padSize={150} />);
    expect(html).toContain('data-testid="digit-index"');
    expect(html).toContain('data-testid="digit-label"');
    expect(html).toContain('data-testid="draw-pad"');
    expect(html).toMatch(/<button[^>]*data-testid="draw-clear"[^>]*>Clear<\/button>/);
    for (const id of ['browse', 'upload']) expect(html).toMatch(new RegExp(`aria-expanded="false" aria-controls="input-drawer-${id}"`));
    expect(html).toMatch(/<section class="input-drawer" hidden=""/);
    expect(html).toContain('data-input="test"');
  });
});
