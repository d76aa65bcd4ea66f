// The saliency panel's chart and grid, rendered to static markup (no DOM needed).
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { FractionChart } from '../../src/ui/saliency/FractionChart';
import { SaliencyGrid } from '../../src/ui/saliency/SaliencyGrid';
import { SALIENCY_MODES, modeOf } from '../../src/ui/saliency/modes';
import type { LevelSaliency, MaskGrid } from '../../src/ui/saliency/saliencyMeasure';

const mask = (h: number, w: number): MaskGrid => ({ h, w, cells: Uint8Array.from({ length: h * w }, (_, i) => (i % 3 === 0 ? 1 : 0)) });
const level = (l: number, fraction: number | null, aboveStart = false): LevelSaliency => ({
  level: l, h: 2, w: 2, map: new Float64Array([0, 1, 2, 3]), mask: mask(2, 2), fraction, area: 0.5, max: 3, aboveStart,
});

describe('modes', () => {
  it('name the engine variants as the issue does', () => {
    expect(SALIENCY_MODES.map((m) => [m.id, m.variant])).toEqual([['drmm', 'gradient'], ['guided', 'rendering'], ['deconvnet', 'deconvnet']]);
    expect(modeOf('rendering').id).toBe('guided');
  });
});

describe('FractionChart', () => {
  it('draws one line per series, broken where a level has no value, with a point per value', () => {
    const html = renderToStaticMarkup(
      <FractionChart
        levels={['pixels', '1', '2']}
        series={[
          { name: 'trained', css: '#0072B2', values: [0.6, 0.5, 0.4] },
          { name: 'random', css: '#D55E00', values: [0.3, null, 0.2] },
        ]}
      />,
    );
    const paths = [...html.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]);
    expect(paths).toHaveLength(2);
    expect(paths[0].match(/M/g)).toHaveLength(1);
    expect(paths[1].match(/M/g)).toHaveLength(2); // the gap at level 1
    expect(html.match(/<circle/g)).toHaveLength(5);
    expect(html).toContain('trained: pixels 60%, 1 50%, 2 40%');
    expect(html).toContain('random: pixels 30%, 1 none, 2 20%');
    expect(html).toContain('data-values="[0.3,null,0.2]"');
  });
});

describe('SaliencyGrid', () => {
  const masks = [mask(2, 2), mask(2, 2), mask(2, 2)];
  it('draws a mask row and one map per level per model, captioned with the fraction', () => {
    const html = renderToStaticMarkup(
      <SaliencyGrid
        masks={masks}
        modeName="guided"
        rows={[
          { id: 'installed', title: 'Trained model', note: '', levels: [level(0, 0.25), level(1, 0.5), level(2, null, true)], error: null, unitOff: false },
          { id: 'random', title: 'Random init (seed 2)', note: '', levels: null, error: null, unitOff: false },
        ]}
      />,
    );
    expect(html.match(/data-testid="sal-mask"/g)).toHaveLength(3);
    expect(html).toContain('25% on the digit');
    expect(html).toContain('50% on the digit');
    expect(html).toContain('above the unit: the backtrace starts below');
    expect(html).toContain('data-fraction="none"');
    expect(html).toContain('Computing…');
    expect(html).toMatch(/aria-label="Trained model, pixels \(2×2\): sum over input channels of \|pixels\|, guided mode; 25% on the digit"/);
  });
  it('says a start unit is OFF instead of drawing empty maps, and shows a failure', () => {
    const html = renderToStaticMarkup(
      <SaliencyGrid
        masks={masks}
        modeName="drmm"
        rows={[
          { id: 'installed', title: 'A', note: '', levels: [level(0, null)], error: null, unitOff: true },
          { id: 'random', title: 'B', note: '', levels: null, error: 'out of memory', unitOff: false },
        ]}
      />,
    );
    expect(html).toContain('data-testid="sal-off-installed"');
    expect(html).toContain('OFF in this model');
    expect(html).not.toContain('data-testid="sal-map"');
    expect(html).toContain('The backtrace failed: out of memory');
  });
});
