/**
 * Sampling digits of a chosen class from the model: the generative process of docs/MODEL.md
 * section 1 (src/engine/reference/sample.ts, on the CPU: there is no GPU sampler yet), a row of
 * samples from one seed, with the switch priors and the pixel noise as controls.
 */
import { useEffect, useMemo, useState, type ChangeEvent } from 'react';
import { sample, type DrmmSample, type ModelParams, type ModelSpec, type OnPrior, type TPrior } from '../../engine';
import { TermLink } from '../about/TermLink';
import { GradientLegend } from '../Legend';
import { MapCanvas } from '../MapCanvas';
import { ClassOptions } from '../Options';
import { divergingScale, maxAbs } from '../scales';
import { sampleSeed } from './metrics';
import { PRIOR_IMAGES, useSwitchPriors, type SwitchPriors } from './useSwitchPriors';

export const SAMPLES_PER_ROW = 6;

type OnKind = 'empirical' | 'bias' | 'fixed';
type TKind = 'uniform' | 'empirical';

interface Settings {
  cls: number;
  seed: number;
  onKind: OnKind;
  p: number;
  tKind: TKind;
  nonnegative: boolean;
  noise: number;
}

/** The priors a setting asks for, or why they are not available yet. */
function priorsFor(s: Settings, empirical: SwitchPriors): { onPrior: OnPrior; tPrior: TPrior } | { wait: string } | { fail: string } {
  const needs = s.onKind === 'empirical' || s.tKind === 'empirical';
  if (needs && empirical.state !== 'ready') {
    if (empirical.state === 'error') return { fail: `The empirical priors could not be estimated: ${empirical.message}. Choose another prior.` };
    return { wait: `Estimating the empirical priors from the switches of ${PRIOR_IMAGES} digits…` };
  }
  const emp = empirical.state === 'ready' ? empirical : null;
  const onPrior: OnPrior = s.onKind === 'fixed' ? { kind: 'fixed', p: s.p } : s.onKind === 'bias' ? { kind: 'bias' } : emp!.onPrior;
  const tPrior: TPrior = s.tKind === 'uniform' ? { kind: 'uniform' } : emp!.tPrior;
  return { onPrior, tPrior };
}

function drawRow(spec: ModelSpec, params: ModelParams, s: Settings, onPrior: OnPrior, tPrior: TPrior): DrmmSample[] {
  return Array.from({ length: SAMPLES_PER_ROW }, (_, i) =>
    sample(spec, params, { cls: s.cls, seed: sampleSeed(s.seed, i), onPrior, tPrior, nonnegative: s.nonnegative, noise: s.noise }),
  );
}

/** A number field that applies only valid values and says why it kept the previous one. */
function useNumberField(initial: number, valid: (v: number) => boolean) {
  const [text, setText] = useState(String(initial));
  const [value, setValue] = useState(initial);
  const parsed = text.trim() === '' ? NaN : Number(text);
  const ok = Number.isFinite(parsed) && valid(parsed);
  return {
    text,
    value,
    ok,
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      setText(e.target.value);
      const v = e.target.value.trim() === '' ? NaN : Number(e.target.value);
      if (Number.isFinite(v) && valid(v)) setValue(v);
    },
    set: (v: number) => {
      setText(String(v));
      setValue(v);
    },
  };
}

export function Sampler({ spec, params, initialClass, trained }: { spec: ModelSpec; params: ModelParams; initialClass: number; trained: boolean }) {
  const [cls, setCls] = useState(() => Math.min(Math.max(0, initialClass), spec.classes - 1));
  const seed = useNumberField(1, (v) => Number.isInteger(v) && v >= 0 && v <= 2 ** 32 - 1);
  const p = useNumberField(0.5, (v) => v >= 0 && v <= 1);
  const noise = useNumberField(0, (v) => v >= 0 && v <= 10);
  const [onKind, setOnKind] = useState<OnKind>('empirical');
  const [tKind, setTKind] = useState<TKind>('uniform');
  const [nonnegative, setNonnegative] = useState(true);
  const empirical = useSwitchPriors(onKind === 'empirical' || tKind === 'empirical');

  const classShown = Math.min(cls, spec.classes - 1);
  const settings: Settings = useMemo(
    () => ({ cls: classShown, seed: seed.value, onKind, p: p.value, tKind, nonnegative, noise: noise.value }),
    [classShown, seed.value, onKind, p.value, tKind, nonnegative, noise.value],
  );
  const priors = priorsFor(settings, empirical);
  const [row, setRow] = useState<{ settings: Settings; samples: DrmmSample[] } | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Re-sample when the settings, the model or (only when used) the empirical priors change.
  const needsEmpirical = onKind === 'empirical' || tKind === 'empirical';
  const empiricalInUse = needsEmpirical && empirical.state === 'ready' ? empirical : null;
  useEffect(() => {
    if (!('onPrior' in priors)) return;
    // After the frame that shows "sampling…": the reference runs on this thread.
    const timer = setTimeout(() => {
      try {
        setRow({ settings, samples: drawRow(spec, params, settings, priors.onPrior, priors.tPrior) });
        setError(null);
      } catch (e) {
        setError(`Sampling failed: ${e instanceof Error ? e.message : String(e)}. The samples shown are the previous ones.`);
      }
    }, 0);
    return () => clearTimeout(timer);
    // `priors` is a function of the settings and empiricalInUse, which are listed.
  }, [spec, params, settings, empiricalInUse, 'onPrior' in priors]);

  const fresh = row !== null && row.settings === settings;
  const allSamples = useMemo(() => row?.samples.flatMap((s) => Array.from(s.pixels)) ?? [], [row]);
  const scale = useMemo(() => divergingScale(maxAbs(allSamples)), [allSamples]);
  const { height, width } = spec.input;
  const state = 'fail' in priors ? 'error' : 'wait' in priors ? 'waiting' : fresh ? 'ready' : 'sampling';
  const invalid = [
    !seed.ok && `The seed must be a whole number from 0 to 4294967295; the samples use seed ${seed.value}.`,
    !p.ok && `P(ON) must be a number from 0 to 1; the samples use ${p.value}.`,
    !noise.ok && `The noise σ must be a number from 0 to 10; the samples use ${noise.value}.`,
  ].filter(Boolean) as string[];

  return (
    <section className="render-card render-sampler" aria-labelledby="render-sampler-title" data-testid="sampler" data-state={state} data-seed={settings.seed} data-class={settings.cls}>
      <h3 id="render-sampler-title">Sampling from the model</h3>
      <fieldset className="controls">
        <legend>Generative process</legend>
        <label>
          Class
          <select value={classShown} onChange={(e) => setCls(Number(e.target.value))} data-testid="sample-class">
            <ClassOptions count={spec.classes} />
          </select>
        </label>
        <label>
          Seed
          <input type="number" min={0} step={1} value={seed.text} onChange={seed.onChange} aria-invalid={!seed.ok} data-testid="sample-seed" className="render-num" />
        </label>
        <button type="button" onClick={() => seed.set(seed.value + 1)} data-testid="sample-again">
          Sample again
        </button>
        <label>
          a-switch prior
          <select value={onKind} onChange={(e) => setOnKind(e.target.value as OnKind)} data-testid="sample-on-prior">
            <option value="empirical">empirical ON rate per unit</option>
            <option value="bias">sigmoid(bias) per channel</option>
            <option value="fixed">fixed P(ON)</option>
          </select>
        </label>
        {onKind === 'fixed' && (
          <label>
            P(ON)
            <input type="number" min={0} max={1} step={0.05} value={p.text} onChange={p.onChange} aria-invalid={!p.ok} className="render-num" />
          </label>
        )}
        <label>
          t-switch prior
          <select value={tKind} onChange={(e) => setTKind(e.target.value as TKind)}>
            <option value="uniform">uniform in each window</option>
            <option value="empirical">empirical per pooled unit</option>
          </select>
        </label>
        <label>
          Noise σ
          <input type="number" min={0} max={10} step={0.05} value={noise.text} onChange={noise.onChange} aria-invalid={!noise.ok} className="render-num" />
        </label>
        <label className="render-check">
          <input type="checkbox" checked={nonnegative} onChange={(e) => setNonnegative(e.target.checked)} />
          z(l) ≥ 0 (NN-DRMM)
        </label>
      </fieldset>
      {invalid.map((m) => (
        <p key={m} className="notice error" role="alert">
          {m}
        </p>
      ))}
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {'fail' in priors && (
        <p className="notice error" role="alert">
          {priors.fail}
        </p>
      )}
      {'wait' in priors && (
        <p className="dim" role="status">
          {priors.wait}
        </p>
      )}
      <div className={fresh ? 'render-row' : 'render-row stale'} aria-busy={!fresh}>
        {row?.samples.map((s, i) => (
          <MapCanvas
            key={i}
            data={s.pixels}
            height={height}
            width={width}
            scale={scale}
            label={`Sample ${i + 1} of class ${row.settings.cls} (seed ${row.settings.seed})`}
            caption={`#${i + 1} · ${onRate(s)} ON`}
            displayWidth={84}
            kind="sample"
          />
        ))}
        {row && <GradientLegend scale={scale} />}
      </div>
      <p className="dim render-caption">
        Each sample: z(L) = the class template μ<sub>c</sub>; then at each level, coarse to fine, every t-switch is drawn from its prior in its 2×2 window,
        every a-switch ON with its prior probability, independently; the signal is unpooled to the chosen positions, the OFF units zeroed
        {settings.nonnegative ? ', negative values clipped to 0 (the NN-DRMM keeps every z(l) ≥ 0)' : ' (signed: no clipping)'}, and painted with the
        transposed templates; I = z(0) + N(0, σ²). {priorText(settings, empirical)} One colour range for the row (white = 0). Run on the CPU
        reference; there is no GPU sampler yet. Seeds of the row: derived from seed {settings.seed}.
      </p>
      <p className="dim render-caption">
        <strong>What to expect.</strong>{' '}
        {trained
          ? 'This model was trained to classify and to reconstruct through the MAP switches of real digits, never to generate: its switch priors were never learned, and independent switches ignore the correlations that make strokes connect.'
          : 'These weights are random: the class templates mean nothing yet.'}{' '}
        So the samples are textured patches of the level-1 templates spread over the image, not recognisable digits; compare the{' '}
        <TermLink term="class-templates">class template</TermLink> rendered through a real digit's switches (the counterfactual grid above), which does follow
        the digit.
      </p>
    </section>
  );
}

function onRate(s: DrmmSample): string {
  let on = 0;
  let all = 0;
  for (const a of s.a) {
    all += a.length;
    for (const v of a) on += v;
  }
  return `${Math.round((100 * on) / Math.max(1, all))}%`;
}

function priorText(s: Settings, empirical: SwitchPriors): string {
  const from = empirical.state === 'ready' ? `the first ${empirical.images} ${empirical.split} digits` : `${PRIOR_IMAGES} digits`;
  const a =
    s.onKind === 'empirical'
      ? `a-prior: each unit's ON rate over ${from} (the bottom-up DP's switches: the relaxed model never learns π_a).`
      : s.onKind === 'bias'
        ? 'a-prior: P(ON) = sigmoid(b) of the unit’s channel, reading the bias as the paper’s b₀ = ln(π_ON / π_OFF) — an interpretation, since a trained bias also absorbs −‖μ‖²/2σ².'
        : `a-prior: a fixed P(ON) = ${s.p} for every unit (a stated choice, not learned).`;
  const t =
    s.tKind === 'uniform'
      ? 't-prior: uniform over the four window positions.'
      : `t-prior: each pooled unit's window-position frequencies over ${from}, counted only where the window had an ON unit (uniform where none did).`;
  return `${a} ${t}`;
}
