/** The input beside its reconstruction Î and the error map I − Î, with the errors in numbers. */
import { useMemo } from 'react';
import { TermLink } from '../about/TermLink';
import { inputName } from '../DigitView';
import { GradientLegend } from '../Legend';
import { MapCanvas } from '../MapCanvas';
import { divergingScale, fmt, imageScale, maxAbs } from '../scales';
import type { ViewResult } from '../store';
import { MarkedMap } from './MarkedMap';
import { LinkedMap } from '../overview/LinkOutline';

/** The input's grid, for the linked hover. */
const PIXELS = { level: 0, stage: 'pixel' } as const;
import { compareMaps, difference, negativeStats } from './metrics';

const IMAGE = imageScale();

export function Reconstruction({ view }: { view: ViewResult }) {
  const recon = view.result.backtrace.pixels;
  const { height, width } = view.spec.input;
  const cmp = useMemo(() => compareMaps(view.image, recon), [view.image, recon]);
  const diff = useMemo(() => difference(view.image, recon), [view.image, recon]);
  const neg = useMemo(() => negativeStats(recon), [recon]);
  const reconScale = useMemo(() => divergingScale(maxAbs(recon)), [recon]);
  const diffScale = useMemo(() => divergingScale(maxAbs(diff)), [diff]);
  const counterfactual = view.startClass !== view.result.forward.pred[0];

  return (
    <section className="render-card" aria-labelledby="render-recon-title" data-testid="render-reconstruction">
      <h3 id="render-recon-title">
        <TermLink term="reconstruction">Reconstruction</TermLink> Î and its error
      </h3>
      <div className="render-row">
        <LinkedMap map={PIXELS} h={height} w={width}>
          <MapCanvas data={view.image} height={height} width={width} scale={IMAGE} label={`Input I: ${inputName(view)}`} caption="input I" displayWidth={112} kind="input" />
        </LinkedMap>
        <LinkedMap map={PIXELS} h={height} w={width}>
        <MapCanvas
          data={recon}
          height={height}
          width={width}
          scale={reconScale}
          label={`Reconstruction Î from class ${view.startClass} (${view.variant} variant)`}
          caption={`Î (class ${view.startClass}${counterfactual ? ', not the prediction' : ''})`}
          displayWidth={112}
          kind="render-recon"
        />
        </LinkedMap>
        <MapCanvas data={diff} height={height} width={width} scale={diffScale} label="Error map I minus Î" caption="error I − Î" displayWidth={112} kind="render-error" />
        {/* A copy with the marks, so that Î itself stays readable where most pixels are negative. */}
        <MarkedMap
          data={recon}
          height={height}
          width={width}
          scale={reconScale}
          label={`Reconstruction Î with its negative pixels hatched`}
          caption="Î, where < 0"
          displayWidth={112}
          markNegative
          kind="render-recon-negative"
        />
        <dl className="render-numbers">
          <dt>‖I − Î‖²</dt>
          <dd data-testid="recon-error" data-value={cmp.sqError}>
            {fmt(cmp.sqError)} <span className="dim">({fmt(cmp.meanSq)} a pixel: the training objective's term)</span>
          </dd>
          <dt>cos(I, Î)</dt>
          <dd data-testid="recon-cos" data-value={cmp.cos ?? ''}>
            {cmp.cos === null ? 'undefined (a map is zero)' : cmp.cos.toFixed(3)}
          </dd>
          <dt>best scale α</dt>
          <dd>{cmp.scale === null ? '—' : fmt(cmp.scale)}</dd>
          <dt>‖I − αÎ‖² / ‖I‖²</dt>
          <dd data-testid="recon-residual">{cmp.scaledResidual === null ? '—' : `${(100 * cmp.scaledResidual).toFixed(1)}%`}</dd>
          <dt>Î &lt; 0</dt>
          <dd data-testid="recon-negative" data-negative={neg.negative}>
            {neg.negative} of {neg.units} pixels ({(100 * neg.fraction).toFixed(1)}%){neg.negative ? `, min ${fmt(neg.min)}` : ''}
          </dd>
        </dl>
      </div>
      <div className="render-legends">
        <span>Î: <GradientLegend scale={reconScale} /></span>
        <span>I − Î: <GradientLegend scale={diffScale} /></span>
      </div>
      <p className="dim render-caption">
        I is what the model saw (pixels in [0, 1]); Î is <code>backtrace.pixels</code>: class {view.startClass}'s template rendered down through this input's
        switches, variant <em>{view.variant}</em> (the view's control). Î is not calibrated to the input's scale, so besides the raw ‖I − Î‖² (what
        training minimises, as a mean over pixels) the error is given after a least-squares scale α = ⟨I, Î⟩ / ⟨Î, Î⟩: the residual ‖I − αÎ‖² / ‖I‖² = 1 − cos².
        The pixels are never rectified: the last map hatches the negative pixels of Î.
      </p>
    </section>
  );
}
