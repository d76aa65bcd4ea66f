// The training panel's charts and template grid, rendered to static markup / pixels.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { LineChart } from '../../src/ui/train/LineChart';
import { templateGridPixels } from '../../src/ui/train/TemplateGrid';

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

describe('templateGridPixels', () => {
  it('lays k x k templates out in a grid with 1-pixel gaps, red for positive, blue for negative', () => {
    const k = 2;
    const data = new Float32Array([1, 0, 0, -1, /* template 2 */ -2, 0, 0, 2, /* template 3 */ 0, 0, 0, 0]);
    const g = templateGridPixels({ data, channels: 3, cin: 1, k, step: 5 }, 2);
    expect(g.width).toBe(5);
    expect(g.height).toBe(5);
    const px = (x: number, y: number) => Array.from(g.rgba.slice(4 * (y * g.width + x), 4 * (y * g.width + x) + 3));
    const [r, , b] = px(0, 0); // +1: red
    expect(r).toBeGreaterThan(b);
    const [r2, , b2] = px(1, 1); // -1: blue
    expect(b2).toBeGreaterThan(r2);
    expect(px(2, 0)).toEqual([255, 255, 255]); // gap
    const [r3, , b3] = px(3, 0); // template 2's -2: blue
    expect(b3).toBeGreaterThan(r3);
  });
});
