// What the stepper draws at each step, the numbers its unit card reads, and its captions, on real
// results of the CPU reference engine for every preset.
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { CpuEngine, PRESETS, initParams, shapesOf, type ModelParams, type PresetName } from '../../src/engine';
import { NO_CLUTTER, type ViewResult } from '../../src/ui/store';
import { receptiveField } from '../../src/ui/stepper/receptiveField';
import { StepCaption } from '../../src/ui/stepper/StepCaption';
import { classEvidence, stepMaps, unitDetails } from '../../src/ui/stepper/stepMaps';
import { stepsFor, type StepKind } from '../../src/ui/stepper/steps';
import { UnitCard } from '../../src/ui/stepper/UnitCard';

/** A thick diagonal stroke: enough ink for some switches to be ON. */
function strokeImage(): Float32Array {
  const img = new Float32Array(28 * 28);
  for (let y = 4; y < 24; y++) for (let d = -2; d <= 2; d++) img[y * 28 + Math.min(27, Math.max(0, y + d))] = 1;
  return img;
}

async function viewFor(preset: PresetName, start: 'predicted' | number, variant: ViewResult['variant'] = 'rendering'): Promise<{ view: ViewResult; params: ModelParams }> {
  const spec = PRESETS[preset];
  const params = initParams(spec, 2);
  const engine = new CpuEngine(spec, params);
  const image = strokeImage();
  const result = await engine.infer({ images: image, n: 1, start: { kind: 'class', classes: start === 'predicted' ? 'predicted' : [start] }, variant, paths: true });
  engine.destroy();
  const view: ViewResult = {
    key: 'test', spec, digitIndex: 0, custom: null, clutter: NO_CLUTTER, label: 7, image, variant, start,
    startClass: start === 'predicted' ? result.forward.pred[0] : start, backend: 'cpu', ms: 0, result,
  };
  return { view, params };
}

const MAPS_OF: Record<StepKind, string[]> = {
  match: ['u'], relu: ['r', 'a'], pool: ['x', 't'], scores: ['xtop'], argmax: ['evidence'],
  arrive: ['sx'], unpool: ['sr', 't'], mask: ['su', 'a'], pixels: ['pixels'],
};

describe.each(['rmm-shallow', 'drmm-compact', 'drmm-mnist'] as PresetName[])('%s', (preset) => {
  let view: ViewResult;
  let params: ModelParams;
  beforeAll(async () => {
    ({ view, params } = await viewFor(preset, 'predicted'));
  }, 120_000);

  it('every step draws its maps, sized as the architecture says', () => {
    const shapes = shapesOf(view.spec);
    for (const step of stepsFor(view.spec)) {
      const maps = stepMaps(view, step);
      expect(maps.map((m) => m.id), step.id).toEqual(MAPS_OF[step.kind]);
      for (const m of maps) {
        expect(m.data.length, `${step.id} ${m.id}`).toBe(m.channels * m.h * m.w);
        if (m.level > 0 && m.stage !== 'top') {
          const l = shapes.levels[m.level - 1];
          expect(m.channels).toBe(l.c);
          expect([m.h, m.w]).toEqual(m.stage === 'pool' && l.pool ? [l.hout, l.wout] : [l.hc, l.wc]);
        }
      }
    }
  });

  it('the evidence map sums to the start class score minus its bias', async () => {
    const pred = view.result.forward.pred[0];
    const sum = classEvidence(view).reduce((a, b) => a + b, 0);
    expect(sum + params.classBias[pred]).toBeCloseTo(view.result.forward.scores[pred], 6);
    const other = (pred + 3) % 10;
    const { view: cf } = await viewFor(preset, other);
    const cfSum = classEvidence(cf).reduce((a, b) => a + b, 0);
    expect(cfSum + params.classBias[other]).toBeCloseTo(cf.result.forward.scores[other], 6);
  });

  it('a unit card reads the unit’s own numbers: u, r = max(0, u), the window and its winner, the field', () => {
    const steps = stepsFor(view.spec);
    const relu = steps.find((s) => s.id === 'relu-1')!;
    const [rMap] = stepMaps(view, relu);
    const fwd = view.result.forward.levels[0];
    // The most active unit of channel 1.
    let best = 0;
    for (let j = 0; j < rMap.h * rMap.w; j++) if (fwd.u[j] > fwd.u[best]) best = j;
    const y = Math.floor(best / rMap.w);
    const x = best % rMap.w;
    const d = unitDetails(view, relu, rMap, 0, y, x);
    const row = (name: string) => d.rows.find((r) => r.name.startsWith(name))!.value;
    expect(Number(row('u ='))).toBeCloseTo(fwd.u[best], 2);
    expect(Number(row('r ='))).toBeCloseTo(Math.max(0, fwd.u[best]), 2);
    expect(row('a =')).toBe(fwd.u[best] > 0 ? 'ON (1)' : 'OFF (0)');
    expect(d.unit).toEqual({ level: 1, stage: 'relu', channel: 0, y, x });
    expect(d.field).toEqual(receptiveField(view.spec, { level: 1, stage: 'relu', y, x }));
    expect(d.rows.some((r) => r.name.startsWith('sr'))).toBe(false); // bottom-up: no top-down numbers yet

    const pool = steps.find((s) => s.id === 'pool-1')!;
    const [xMap] = stepMaps(view, pool);
    const sh = shapesOf(view.spec).levels[0];
    for (const [c, py, px] of [[0, 0, 0], [sh.c - 1, sh.hout >> 1, sh.wout >> 1]]) {
      const p = unitDetails(view, pool, xMap, c, py, px);
      const j = (c * sh.hout + py) * sh.wout + px;
      expect(p.window).not.toBeNull();
      expect(Math.max(...p.window!.values)).toBeCloseTo(fwd.x[j], 6);
      expect(p.window!.values[p.window!.winner]).toBeCloseTo(fwd.x[j], 6);
      expect(p.window!.winner).toBe(fwd.t![j]);
      expect(p.unit).toEqual({ level: 1, stage: 'pool', channel: c, y: py, x: px });
      expect(p.field).toEqual(receptiveField(view.spec, { level: 1, stage: 'pool', y: py, x: px }));
    }
    expect(() => unitDetails(view, pool, xMap, 0, sh.hout, 0)).toThrow(/outside/);

    const mask = steps.find((s) => s.id === 'mask-1')!;
    const [suMap] = stepMaps(view, mask);
    const m = unitDetails(view, mask, suMap, 0, y, x);
    expect(m.rows.some((r) => r.name.startsWith('su'))).toBe(true);

    const html = renderToStaticMarkup(<UnitCard details={d} source="hover" isSelected={false} />);
    expect(html).toContain('data-testid="unit-card"');
    expect(html).toContain('r = max(0, u)');
    expect(html).toContain('Receptive field: rows');
  });

  it('every step has its own caption, linked to the glossary', () => {
    const texts = stepsFor(view.spec).map((step) => {
      const html = renderToStaticMarkup(<StepCaption view={view} step={step} />);
      expect(html, step.id).toMatch(/class="term-link"/);
      return html.replace(/<[^>]+>/g, '');
    });
    for (const t of texts) expect(t.length).toBeGreaterThan(80);
    expect(new Set(texts).size).toBe(texts.length);
  });
});

describe('captions follow the backtrace variant', () => {
  it('names the a-mask for rendering and gradient, and its absence for deconvnet', async () => {
    const text = async (variant: ViewResult['variant']) => {
      const { view } = await viewFor('rmm-shallow', 'predicted', variant);
      const mask = stepsFor(view.spec).find((s) => s.kind === 'mask')!;
      return renderToStaticMarkup(<StepCaption view={view} step={mask} />).replace(/<[^>]+>/g, '');
    };
    expect(await text('rendering')).toContain('su = a · max(0, sr)');
    expect(await text('gradient')).toContain('su = a · sr');
    expect(await text('deconvnet')).toContain('ignores the a-switches');
  });
});
