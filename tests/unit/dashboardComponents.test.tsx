// The dashboard's components rendered to static markup (no DOM): the confusion matrix's cells,
// labels and colours, the panel (its initial state: no run), the accuracy overlay's chart.
import { ServicesProvider } from '../../src/ui/services';
import { pageServices } from '../helpers/services';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CONFUSION_COLOURS, ConfusionMatrix, textOnCell } from '../../src/ui/dashboard/ConfusionMatrix';
import { confusionCounts } from '../../src/ui/dashboard/confusion';
import { DashboardPanel } from '../../src/ui/dashboard/DashboardPanel';
import { PRESETS } from '../../src/engine/model';
import { overlaySeries } from '../../src/ui/dashboard/overlay';
import { LineChart } from '../../src/ui/train/LineChart';
import { color } from 'd3';

describe('ConfusionMatrix', () => {
  const labels = new Uint8Array([0, 0, 0, 0, 1, 1, 2, 2]);
  const pred = new Int32Array([0, 0, 0, 1, 1, 1, 0, 2]);
  const c = confusionCounts(pred, labels, 3);
  const html = renderToStaticMarkup(<ConfusionMatrix c={c} selected={{ t: 0, p: 1 }} onSelect={() => {}} />);
  it('has one keyboard-focusable button per cell with its count and row percentage', () => {
    expect(html.match(/role="button"/g)).toHaveLength(9);
    expect(html.match(/tabindex="0"/g)).toHaveLength(9);
    expect(html).toContain('data-true="0" data-pred="0" data-count="3"');
    expect(html).toContain('aria-label="True 0, predicted 1: 1 digits, 25.0% of the 0s (misclassified). Show them."');
    expect(html).toContain('aria-label="True 2, predicted 2: 1 digits, 50.0% of the 2s (correctly classified). Show them."');
    expect(html).toContain('>75.0%</text>');
    expect(html.match(/aria-pressed="true"/g)).toHaveLength(1);
    expect(html).toMatch(/class="cell selected"[^>]*data-true="0" data-pred="1"/);
    expect(html).toContain('predicted class');
    expect(html).toContain('true class');
  });
  it('shades cells by the row fraction, darker for more, with readable text', () => {
    const fill = (t: number, p: number) => html.match(new RegExp(`data-true="${t}" data-pred="${p}"[^>]*><rect [^>]*fill="([^"]+)"`))![1];
    const lum = (css: string) => {
      const { r, g, b } = color(css)!.rgb();
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    expect(lum(fill(1, 1))).toBeLessThan(lum(fill(0, 0))); // 100% darker than 75%
    expect(lum(fill(0, 0))).toBeLessThan(lum(fill(0, 1))); // 75% darker than 25%
    expect(lum(fill(0, 1))).toBeLessThan(lum(fill(0, 2))); // 25% darker than 0%
    expect(fill(0, 2)).toBe(CONFUSION_COLOURS(0));
    expect(textOnCell(1)).toBe('#ffffff');
    expect(textOnCell(0)).toBe('#1d1d1f');
  });
});

describe('DashboardPanel', () => {
  it('shows the training controls, every level of the model in use, and the classify button', () => {
    const html = renderToStaticMarkup(<ServicesProvider value={pageServices()}><DashboardPanel /></ServicesProvider>);
    expect(html).toContain('data-testid="training-open"');
    expect(html).toContain('data-testid="classify-test-set"');
    expect(html).toContain('data-testid="live-digits"');
    // The default model (drmm-compact): a canvas per level; no run yet, so the model's templates.
    const levels = PRESETS['drmm-compact'].levels;
    expect(html).toContain('data-source="model"');
    expect(html.match(/<canvas[^>]*data-kind="templates"/g)).toHaveLength(levels.length);
    levels.forEach((l, i) => {
      expect(html).toContain(`Level ${i + 1}`);
      if (i > 0) expect(html).toContain(`${l.channels} templates (rows) × ${levels[i - 1].channels} input channels (columns)`);
    });
  });
  it('gives every loss chart and the accuracy chart CSV, SVG and PNG exports', () => {
    const html = renderToStaticMarkup(<ServicesProvider value={pageServices()}><DashboardPanel /></ServicesProvider>);
    for (const k of ['total', 'ce', 'rc', 'ent', 'nn', 'accuracy', 'speed']) {
      for (const f of ['csv', 'svg', 'png']) expect(html).toContain(`data-testid="export-${k}-${f}"`);
    }
    expect(html).toContain('aria-label="Export the total loss chart"');
    expect(html).toMatch(/data-testid="export-total-csv"[^>]*>CSV<span class="visually-hidden"> of the total loss chart<\/span>/);
    expect(html).toContain('data-testid="export-templates-2-png"');
  });
});

describe('the accuracy overlay drawn by LineChart', () => {
  it('draws a path per series of the overlay, with the actions and the empty text in place', () => {
    const series = overlaySeries([
      { id: 'current', label: 'this run', current: true, points: [{ epoch: 0.1, step: 10, trainAccuracy: 0.4, testAccuracy: 0.5 }] },
      { id: 'a', label: 'convnet', current: false, points: [{ epoch: 1, step: 10, trainAccuracy: 0.9, testAccuracy: 0.95 }] },
    ]);
    const html = renderToStaticMarkup(<LineChart title="accuracy" xLabel="epoch" series={series} actions={<button type="button">CSV</button>} />);
    expect(html.match(/<path /g)).toHaveLength(4);
    expect(html).toMatch(/<figcaption>.*<button type="button">CSV<\/button><\/figcaption>/);
    expect(html).toContain('this run · test');
    const empty = renderToStaticMarkup(<LineChart title="ent" xLabel="step" series={[]} emptyText="not a term of supervised training" />);
    expect(empty).toContain('>not a term of supervised training</text>');
    expect(empty).toContain('aria-label="ent: not a term of supervised training"');
  });
});
