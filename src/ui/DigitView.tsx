/** The digit, its reconstruction (or counterfactual rendering) and the class probabilities. */
import { useMemo, useRef } from 'react';
import { ExportButtons } from './export/ExportButtons';
import { inputStem, pixelsTable, probsTable } from './export/tables';
import { GradientLegend } from './Legend';
import { MapCanvas } from './MapCanvas';
import { ProbBars } from './ProbBars';
import { divergingScale, fmtLog10, imageScale, maxAbs } from './scales';
import type { ViewResult } from './store';

const IMAGE = imageScale();

/** The input in words: which test digit or custom input, and its clutter. */
export function inputName(view: ViewResult): string {
  const base = view.custom ? `${view.custom.kind === 'drawing' ? 'your drawing' : `uploaded image ${view.custom.name}`}` : `test digit ${view.digitIndex}, label ${view.label}`;
  return view.clutter.kind === 'none' ? base : `${base}, with ${view.clutter.kind} clutter (amount ${view.clutter.amount})`;
}

export function DigitView({ view }: { view: ViewResult }) {
  const { forward, backtrace, paths } = view.result;
  const { height, width } = view.spec.input;
  const pred = forward.pred[0];
  const figure = useRef<HTMLElement>(null);
  const pixelsMax = useMemo(() => maxAbs(backtrace.pixels), [backtrace.pixels]);
  const reconScale = useMemo(() => divergingScale(pixelsMax), [pixelsMax]);
  const counterfactual = view.start !== 'predicted' && view.start !== pred;
  const reconTitle = counterfactual
    ? `Counterfactual rendering: class ${view.startClass} drawn through this digit's switches`
    : `Reconstruction Î: class ${view.startClass}'s template rendered through this digit's switches`;

  return (
    <section className="digit-view" aria-label="Digit, reconstruction and class probabilities" ref={figure}>
      <div className="digit-maps">
        <MapCanvas
          data={view.image}
          height={height}
          width={width}
          scale={IMAGE}
          label={`Input: ${inputName(view)}`}
          caption={view.custom ? view.custom.name : `Input #${view.digitIndex} (label ${view.label})`}
          displayWidth={140}
          kind="input"
        />
        <MapCanvas
          data={backtrace.pixels}
          height={height}
          width={width}
          scale={reconScale}
          label={`${reconTitle} (${view.variant} variant)`}
          caption={counterfactual ? `Counterfactual: class ${view.startClass}` : `Reconstruction (class ${view.startClass})`}
          displayWidth={140}
          kind="reconstruction"
        />
        <div className="digit-notes">
          <p>
            <strong>{reconTitle}.</strong> Variant: {view.variant}. The pixels are not rectified, so the map is signed.
            {pixelsMax === 0 ? ' It is zero everywhere: no active path reaches the pixels.' : ''}
          </p>
          <GradientLegend scale={reconScale} />
          {paths && (
            <p data-testid="paths-pixels">
              Active rendering paths from class {view.startClass} to the pixels: <strong>{fmtLog10(paths.pixelsActiveLog10)}</strong> of{' '}
              {fmtLog10(paths.pixelsPossibleLog10)} possible.
            </p>
          )}
          <ExportButtons label="Figure" name={`${inputStem(view)}-figure`} what="the digit figure (input, reconstruction, probabilities)" png={() => figure.current} csv={() => pixelsTable(view)} />
        </div>
      </div>
      <div className="probs">
        <h3>p(c | image)</h3>
        <ExportButtons label="Chart" name={`${inputStem(view)}-probabilities`} what="the class probabilities" svg={() => figure.current?.querySelector<SVGSVGElement>('svg.probbars') ?? null} csv={() => probsTable(view)} />
        <ProbBars probs={forward.probs} pred={pred} label={view.label >= 0 ? view.label : undefined} />
        <p>
          Predicted class <strong data-testid="pred">{pred}</strong>
          {view.label >= 0 ? `; label ${view.label}` : ''}.{' '}
          <span className="dim">
            Inference on {view.backend === 'webgpu' ? 'WebGPU' : 'the CPU reference'} in {view.ms.toFixed(0)} ms.
          </span>
        </p>
      </div>
    </section>
  );
}
