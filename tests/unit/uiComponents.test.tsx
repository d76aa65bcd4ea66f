// UI components rendered to static markup (no DOM needed): labels, data attributes, highlights.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CpuEngine, initParams } from '../../src/engine';
import { TWO_LEVEL } from '../helpers/specs';
import { LevelPanel } from '../../src/ui/LevelPanel';
import { MapCanvas } from '../../src/ui/MapCanvas';
import { ProbBars } from '../../src/ui/ProbBars';
import { divergingScale } from '../../src/ui/scales';
import { NO_CLUTTER, type ViewResult } from '../../src/ui/store';

describe('ProbBars', () => {
  const probs = [0.05, 0.1, 0.6, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025];
  const html = renderToStaticMarkup(<ProbBars probs={probs} pred={2} label={1} />);
  it('has one bar per class with its probability, the prediction highlighted and named', () => {
    expect(html.match(/data-prob="/g)).toHaveLength(10);
    expect(html).toContain('data-class="2" data-prob="0.6"');
    expect(html.match(/class="bar pred"/g)).toHaveLength(1);
    expect(html).toMatch(/class="bar pred" data-class="2"/);
    expect(html).toContain('role="img"');
    expect(html).toContain('predicted class 2 with p = 60.0%; true label 1');
    expect(html).toContain('1 (label)');
  });
  it('scales bar widths linearly with p (d3 scaleLinear)', () => {
    const widths = [...html.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[2]));
    expect(widths).toHaveLength(10);
    expect(widths[2] / widths[1]).toBeCloseTo(6, 6);
  });
});

describe('MapCanvas', () => {
  it('is a labelled, captioned canvas at map resolution, upscaled by CSS', () => {
    const html = renderToStaticMarkup(
      <MapCanvas data={new Float32Array(49)} height={7} width={7} scale={divergingScale(1)} label="Level 2, u map of channel 3" caption="ch 3" kind="feature" level={2} channel={3} />,
    );
    expect(html).toContain('width="7" height="7"');
    expect(html).toContain('style="width:56px;height:56px"');
    expect(html).toContain('aria-label="Level 2, u map of channel 3"');
    expect(html).toContain('<figcaption>ch 3</figcaption>');
    expect(html).toContain('data-kind="feature" data-level="2" data-channel="3"');
  });
});

describe('LevelPanel', () => {
  it('draws every kind of map per channel with the path summary (CPU reference result)', async () => {
    const spec = TWO_LEVEL;
    const engine = new CpuEngine(spec, initParams(spec, 1));
    const image = new Float32Array(784).map((_, i) => ((i * 7) % 13 < 4 ? 1 : 0));
    const result = await engine.infer({ images: image, n: 1, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering', paths: true });
    const view: ViewResult = {
      key: 'k', spec, digitIndex: 0, custom: null, clutter: NO_CLUTTER, label: 7, image, variant: 'rendering', start: 'predicted',
      startClass: result.forward.pred[0], backend: 'cpu', ms: 1, result,
    };
    const html = renderToStaticMarkup(<LevelPanel view={view} index={1} featureStage="u" saliencyStage="su" maxChannels={8} />);
    for (const kind of ['feature', 'a', 't', 'saliency']) expect(html.match(new RegExp(`data-kind="${kind}"`, 'g'))).toHaveLength(8);
    expect(html).toContain('channels 1–8 of 24');
    expect(html).toMatch(/ON units: <strong>[\d,]+<\/strong> \/ 4,704/);
    expect(html).toContain('Level 2');
    const all = renderToStaticMarkup(<LevelPanel view={view} index={0} featureStage="r" saliencyStage="sr" maxChannels={0} />);
    expect(all.match(/data-kind="feature"/g)).toHaveLength(12);
    expect(all).toContain('r(1) = max(0, u(1))');
    expect(all).toContain('sr(1)');
  });
});
