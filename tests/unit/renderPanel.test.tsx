// The Rendering panel's parts rendered to static markup from a CPU reference result: the numbers
// they show are the ones computed from the maps, and every control and map is labelled.
import { ServicesProvider } from '../../src/ui/services';
import { pageServices } from '../helpers/services';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CpuEngine, PRESETS, initParams, topDownNonnegative, type PresetName } from '../../src/engine';
import { projectParams } from '../../src/engine/train/config';
import { RENDERS_FIGURES, RENDERS_MODEL_FILE } from '../../src/ui/modelFiles';
import { RendersOfferText } from '../../src/ui/render/RendersOffer';
import { Counterfactuals } from '../../src/ui/render/Counterfactuals';
import { counterfactualInput } from '../../src/engine/renderingFigures';
import { LevelCompare } from '../../src/ui/render/LevelCompare';
import { negativeStats } from '../../src/ui/render/metrics';
import { NegativeTable } from '../../src/ui/render/NegativeTable';
import { Reconstruction } from '../../src/ui/render/Reconstruction';
import { Sampler } from '../../src/ui/render/Sampler';
import { NO_CLUTTER, type ShippedModel, type ViewResult } from '../../src/ui/store';

const IMAGE = new Float32Array(784).map((_, i) => ((i * 7) % 13 < 4 ? 1 : 0));

async function viewFor(name: PresetName, variant: 'rendering' | 'gradient' = 'rendering'): Promise<ViewResult> {
  const spec = PRESETS[name];
  const engine = new CpuEngine(spec, initParams(spec, 1));
  const result = await engine.infer({ images: IMAGE, n: 1, start: { kind: 'class', classes: 'predicted' }, variant });
  return { key: 'k', spec, digitIndex: 0, custom: null, clutter: NO_CLUTTER, label: 7, image: IMAGE, variant, start: 'predicted', startClass: result.forward.pred[0], backend: 'cpu', ms: 1, result };
}

const negativeTable = (view: ViewResult, topDownNonneg = false) =>
  renderToStaticMarkup(
    <ServicesProvider value={pageServices()}>
      <NegativeTable view={view} topDownNonneg={topDownNonneg} />
    </ServicesProvider>,
  );

const attrs = (html: string, name: string) => [...html.matchAll(new RegExp(`${name}="([^"]*)"`, 'g'))].map((m) => m[1]);

describe('Reconstruction', () => {
  it('shows ||I - Î||^2 of the input and the backtrace pixels, and the negative pixels of Î', async () => {
    const view = await viewFor('drmm-compact');
    const html = renderToStaticMarkup(<Reconstruction view={view} />);
    const px = view.result.backtrace.pixels;
    const sq = IMAGE.reduce((s, v, i) => s + (v - px[i]) ** 2, 0);
    expect(Number(/data-testid="recon-error" data-value="([^"]+)"/.exec(html)![1])).toBeCloseTo(sq, 6);
    expect(html).toContain(`data-negative="${negativeStats(px).negative}"`);
    for (const kind of ['input', 'render-recon', 'render-error', 'render-recon-negative']) expect(html).toContain(`data-kind="${kind}"`);
    expect(html).toContain('variant <em>rendering</em>');
    expect(attrs(html, 'aria-label').length).toBeGreaterThanOrEqual(3);
  });
});

describe('NegativeTable', () => {
  for (const name of ['rmm-shallow', 'drmm-compact', 'drmm-mnist'] as const) {
    it(`${name}: one row per level, top down, then the pixels, with the counts of sr < 0`, async () => {
      const view = await viewFor(name, 'gradient');
      const html = negativeTable(view);
      const L = view.spec.levels.length;
      expect(attrs(html, 'data-level')).toEqual([...Array.from({ length: L }, (_, j) => String(L - j)), 'pixels']);
      const counts = attrs(html, 'data-negative').map(Number);
      view.result.backtrace.levels.forEach((lv, i) => expect(counts[L - 1 - i]).toBe(negativeStats(lv.sr).negative));
      expect(counts[L]).toBe(negativeStats(view.result.backtrace.pixels).negative);
      expect(html).toContain('exact MAP inference only for the nonnegative DRMM');
      expect(html).toContain('data-term="nonnegativity"');
    });
  }
});

describe('NegativeTable: the exact-MAP claim and the offer of the NN-DRMM', () => {
  it('says exact MAP only when the templates above level 1 and the class templates are >= 0', async () => {
    const spec = PRESETS['drmm-compact'];
    const signed = initParams(spec, 1);
    const nonneg = projectParams({ nonnegative: 'top-down' }, signed);
    expect(topDownNonnegative(signed)).toBe(false);
    expect(topDownNonnegative(nonneg)).toBe(true);
    // Level 1's templates may stay signed; one negative entry above level 1 or in a class template breaks the claim.
    expect(nonneg.weights[0].some((v) => v < 0)).toBe(true);
    expect(topDownNonnegative({ ...nonneg, mu: nonneg.mu.map((v, i) => (i === 5 ? -1e-6 : v)) })).toBe(false);
    expect(topDownNonnegative({ ...nonneg, weights: nonneg.weights.map((w, l) => (l === 2 ? w.map((v, i) => (i === 0 ? -1e-6 : v)) : w)) })).toBe(false);
    const view = await viewFor('drmm-compact');
    expect(negativeTable(view, false)).toContain('forward pass is the discriminative relaxation');
    const html = negativeTable(view, true);
    expect(html).toContain('its forward pass is exact MAP inference of the NN-DRMM');
    expect(html).not.toContain('discriminative relaxation');
    // The store of a page that has not read models/index.json ships nothing: no offer.
    expect(html).not.toContain('data-testid="renders-offer"');
  });

  it('offers the shipped NN-DRMM with its figures, and says what it is once it is loaded', () => {
    const entry: ShippedModel = { file: RENDERS_MODEL_FILE, preset: 'drmm-compact', title: 'Renders what it claims', testError: 0.0635 };
    const offer = renderToStaticMarkup(<RendersOfferText entry={entry} loaded={false} busy={false} onLoad={() => {}} />);
    expect(offer).toContain('data-loaded="false"');
    expect(offer).toContain('data-testid="load-renders-model"');
    expect(offer).toContain('(6.35% test error)');
    expect(offer).toContain(`${(100 * RENDERS_FIGURES.trueClassBest).toFixed(2)}%`);
    expect(offer).toContain(`${(100 * RENDERS_FIGURES.counterfactualRecognised).toFixed(2)}%`);
    expect(renderToStaticMarkup(<RendersOfferText entry={entry} loaded={false} busy onLoad={() => {}} />)).toMatch(/<button[^>]*disabled/);
    const loaded = renderToStaticMarkup(<RendersOfferText entry={entry} loaded busy={false} onLoad={() => {}} />);
    expect(loaded).toContain('data-loaded="true"');
    expect(loaded).not.toContain('<button');
  });
});

describe('LevelCompare', () => {
  it('pairs x(l) with z(l) for the channels asked, hatching the negative cells of z', async () => {
    const view = await viewFor('drmm-compact');
    const html = renderToStaticMarkup(<LevelCompare view={view} index={1} channels={[3, 4, 5]} />);
    expect(attrs(html, 'data-channel').filter((_, i) => i % 3 === 0)).toEqual(['4', '5', '6']);
    expect(html.match(/data-kind="render-x"/g)).toHaveLength(3);
    expect(html.match(/data-kind="render-z"/g)).toHaveLength(3);
    const sx = view.result.backtrace.levels[1].sx;
    const hatched = [...html.matchAll(/data-kind="render-z" data-level="2" data-channel="(\d+)" data-negative="(\d+)"/g)];
    expect(hatched).toHaveLength(3);
    for (const [, ch, n] of hatched) {
      const c = Number(ch) - 1;
      expect(Number(n)).toBe(Array.from(sx.subarray(c * 49, (c + 1) * 49)).filter((v) => v < 0).length);
    }
    expect(html).toContain(`data-negative="${negativeStats(view.result.backtrace.levels[1].sr).negative}"`);
    expect(html).toMatch(/z\(2\) vs x\(2\): cos <strong data-testid="level-cos-2">-?\d\.\d{3}<\/strong>/);
  });
});

describe('Counterfactuals', () => {
  it('one cell per class with its error, the prediction marked, the lowest error named', async () => {
    const view = await viewFor('drmm-compact');
    const engine = new CpuEngine(view.spec, initParams(view.spec, 1));
    const pixels: (Float32Array | Float64Array)[] = [];
    for (let c = 0; c < 10; c++) pixels.push((await engine.infer({ images: IMAGE, n: 1, start: { kind: 'class', classes: [c] }, variant: 'rendering' })).backtrace.pixels);
    // What the model sees in each rendering, scaled and clipped as the panel's hook does.
    const inputs = new Float32Array(10 * 784);
    pixels.forEach((px, c) => counterfactualInput(IMAGE, px, inputs, c * 784));
    const seenAs = (await engine.classify(inputs, 10)).pred;
    const ready = { state: 'ready' as const, key: 'k', pixels, pred: view.result.forward.pred[0], backend: 'cpu' as const, ms: 5, passes: 1, seenAs };
    const html = renderToStaticMarkup(<Counterfactuals view={view} cf={ready} />);
    expect(html).toContain('One bottom-up pass and 10 backtraces on the CPU reference in 5 ms, then one pass over the ten renderings.');
    expect(attrs(html, 'data-seen').map(Number)).toEqual(Array.from(seenAs));
    const recognised = Array.from(seenAs).filter((s, c) => s === c).length;
    expect(attrs(html, 'data-recognised').filter((r) => r === 'true')).toHaveLength(recognised);
    expect(html).toContain(`(here ${recognised} of 10)`);
    // A model that sees every class in its own rendering.
    expect(renderToStaticMarkup(<Counterfactuals view={view} cf={{ ...ready, seenAs: Int32Array.from({ length: 10 }, (_, c) => c) }} />)).toContain('(here 10 of 10)');
    // No pass of its own when the view's switches were still on the engine; several when another inference came between classes.
    const caption = (passes: number) => renderToStaticMarkup(<Counterfactuals view={view} cf={{ ...ready, passes }} />);
    expect(caption(0)).toContain('The view’s own bottom-up pass (its switches were still on the engine) and 10 backtraces');
    expect(caption(3)).toContain('3 bottom-up passes and 10 backtraces');
    const errors = attrs(html, 'data-error').map(Number);
    expect(errors).toHaveLength(10);
    errors.forEach((e, c) => expect(e).toBeCloseTo(IMAGE.reduce((s, v, i) => s + (v - pixels[c][i]) ** 2, 0), 6));
    const pred = view.result.forward.pred[0];
    expect(attrs(html, 'data-pred').indexOf('true')).toBe(pred);
    expect(html.match(/class="render-cf pred"/g)).toHaveLength(1);
    expect(html).toContain(`data-best="${errors.indexOf(Math.min(...errors))}"`);
    const waiting = renderToStaticMarkup(<Counterfactuals view={view} cf={{ state: 'running', key: 'k' }} />);
    expect(waiting).toContain('Rendering the 10 classes');
    expect(waiting).not.toContain('data-testid="cf-cell"');
  });
});

describe('Sampler', () => {
  it('labels every control, waits for the empirical priors, and is honest about what it draws', () => {
    const spec = PRESETS['drmm-compact'];
    const html = renderToStaticMarkup(<ServicesProvider value={pageServices()}><Sampler spec={spec} params={initParams(spec, 1)} initialClass={3} trained={false} /></ServicesProvider>);
    expect(html).toContain('data-state="waiting"');
    expect(html).toContain('data-class="3"');
    for (const text of ['Class', 'Seed', 'Sample again', 'a-switch prior', 't-switch prior', 'Noise σ', 'z(l) ≥ 0 (NN-DRMM)']) expect(html).toContain(text);
    expect(html).toContain('there is no GPU sampler yet');
    expect(html).toContain('These weights are random');
    expect(html).toContain('not recognisable digits');
  });
});
