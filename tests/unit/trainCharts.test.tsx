// The training charts, rendered to static markup (the templates' pixels: dashboardTemplates.test.ts).
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { LineChart } from '../../src/ui/train/LineChart';

describe('LineChart', () => {
  it('draws one path per series through d3 scales, with gaps for NaN, and a label with the last values', () => {
    const html = renderToStaticMarkup(
      <LineChart
        title="total loss"
        xLabel="step"
        testId="chart-total"
        series={[
          { name: 'total', color: '#000', points: [{ x: 10, y: 2.3 }, { x: 20, y: NaN }, { x: 30, y: 1.1 }, { x: 40, y: 0.9 }] },
          { name: 'test', color: '#00f', points: [{ x: 40, y: 0.5 }], dots: true },
        ]}
      />,
    );
    expect(html).toContain('data-testid="chart-total"');
    expect(html).toContain('data-points="4"');
    expect(html.match(/<path /g)).toHaveLength(2);
    expect(html).toContain('aria-label="total loss: total 0.9, test 0.5"');
    expect(html.match(/<circle /g)).toHaveLength(1);
    // The NaN point splits the line: two M commands in the first path.
    const d = html.match(/<path d="([^"]*)"/)![1];
    expect(d.match(/M/g)).toHaveLength(2);
  });
  it('says when there is no data', () => {
    const html = renderToStaticMarkup(<LineChart title="ce" xLabel="step" series={[{ name: 'ce', color: '#000', points: [] }]} />);
    expect(html).toContain('no data yet');
    expect(html).toContain('data-points="0"');
  });
});
