/**
 * Level by level: the top-down signal arriving at x(l) (the intermediate rendered template z(l) at
 * the level's output) beside the bottom-up x(l) it should explain, for a few channels, with the
 * level's errors after normalisation and its negative units hatched.
 */
import { memo, useMemo } from 'react';
import { shapesOf } from '../../engine';
import { GradientLegend } from '../Legend';
import { divergingScale, fmt, maxAbs, maxValue, sequentialScale } from '../scales';
import type { ViewResult } from '../store';
import { MarkedMap } from './MarkedMap';
import { LinkedMap } from '../overview/LinkOutline';
import { compareMaps, negativeStats } from './metrics';

export const LevelCompare = memo(function LevelCompare({ view, index, channels }: { view: ViewResult; index: number; channels: number[] }) {
  const l = index + 1;
  const shape = shapesOf(view.spec).levels[index];
  const x = view.result.forward.levels[index].x;
  const a = view.result.forward.levels[index].a;
  const sig = view.result.backtrace.levels[index];
  const size = shape.hout * shape.wout;
  const cmp = useMemo(() => compareMaps(x, sig.sx), [x, sig.sx]);
  const neg = useMemo(() => negativeStats(sig.sr, a), [sig.sr, a]);
  const xScale = useMemo(() => sequentialScale(maxValue(x)), [x]);
  const sScale = useMemo(() => divergingScale(maxAbs(sig.sx)), [sig.sx]);
  const shown = channels.filter((c) => c < shape.c);

  return (
    <section className="render-level" aria-labelledby={`render-level-${l}`} data-testid="render-level" data-level={l} data-negative={neg.negative} data-units={neg.units}>
      <h4 id={`render-level-${l}`}>
        Level {l} <span className="dim">({shape.c} channels, x({l}) is {shape.hout}×{shape.wout})</span>
      </h4>
      <p className="render-stats">
        z({l}) vs x({l}): cos <strong data-testid={`level-cos-${l}`}>{cmp.cos === null ? 'undefined' : cmp.cos.toFixed(3)}</strong> · best scale α{' '}
        {cmp.scale === null ? '—' : fmt(cmp.scale)} · residual after scaling{' '}
        <strong>{cmp.scaledResidual === null ? '—' : `${(100 * cmp.scaledResidual).toFixed(1)}%`}</strong> · raw ‖x − z‖² {fmt(cmp.sqError)}
        <br />
        z({l}) &lt; 0 at <strong data-testid={`neg-count-${l}`}>{neg.negative.toLocaleString('en-US')}</strong> of {neg.units.toLocaleString('en-US')} units (
        {(100 * neg.fraction).toFixed(1)}%), most negative {fmt(neg.min)}, {neg.atOn} of them at ON switches
      </p>
      <div className="render-pairs">
        {shown.map((c) => {
          const ch = compareMaps(x, sig.sx, c * size, size);
          return (
            <div key={c} className="render-pair" data-channel={c + 1}>
              <LinkedMap map={{ level: l, stage: 'pool' }} channel={c} h={shape.hout} w={shape.wout}>
                <MarkedMap data={x} offset={c * size} height={shape.hout} width={shape.wout} scale={xScale} label={`Level ${l}, bottom-up x(${l}), channel ${c + 1}`} caption={`x · ch ${c + 1}`} kind="render-x" level={l} channel={c + 1} />
              </LinkedMap>
              <LinkedMap map={{ level: l, stage: 'pool' }} channel={c} h={shape.hout} w={shape.wout}>
              <MarkedMap
                data={sig.sx}
                offset={c * size}
                height={shape.hout}
                width={shape.wout}
                scale={sScale}
                label={`Level ${l}, top-down z(${l}) arriving at x(${l}), channel ${c + 1}`}
                caption={`z · cos ${ch.cos === null ? '—' : ch.cos.toFixed(2)}`}
                markNegative
                kind="render-z"
                level={l}
                channel={c + 1}
              />
              </LinkedMap>
            </div>
          );
        })}
      </div>
      <div className="render-legends">
        <span>x({l}): <GradientLegend scale={xScale} /></span>
        <span>z({l}): <GradientLegend scale={sScale} /></span>
      </div>
    </section>
  );
});
