/**
 * p(c | I) as horizontal bars (d3 scales, React-rendered SVG). The predicted class is drawn in a
 * highlight colour and marked in text, so the highlight never depends on colour alone. Each bar
 * carries data-class and data-prob (full precision) for tests.
 */
import { scaleBand, scaleLinear } from 'd3';

export interface ProbBarsProps {
  probs: ArrayLike<number>;
  pred: number;
  /** The digit's true label, marked when known. */
  label?: number;
  width?: number;
}

const ROW = 20;
const LEFT = 72;
const RIGHT = 52;
const TOP = 18;

export function ProbBars({ probs, pred, label, width = 340 }: ProbBarsProps) {
  const classes = Array.from({ length: probs.length }, (_, c) => c);
  const height = TOP + ROW * classes.length + 4;
  const x = scaleLinear().domain([0, 1]).range([LEFT, width - RIGHT]);
  const y = scaleBand<number>().domain(classes).range([TOP, TOP + ROW * classes.length]).padding(0.2);
  const summary = `Class probabilities p(c | image); predicted class ${pred} with p = ${(100 * probs[pred]).toFixed(1)}%${
    label !== undefined ? `; true label ${label}` : ''
  }.`;
  return (
    <svg className="probbars class-bars" width={width} height={height} role="img" aria-label={summary} data-testid="prob-bars" data-pred={pred}>
      {x.ticks(4).map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={TOP - 4} y2={height - 4} className="grid" />
          <text x={x(t)} y={TOP - 7} textAnchor="middle" className="tick">
            {t}
          </text>
        </g>
      ))}
      {classes.map((c) => {
        const p = probs[c];
        const isPred = c === pred;
        const yc = y(c) ?? 0;
        return (
          <g key={c} className={isPred ? 'bar pred' : 'bar'} data-class={c} data-prob={p}>
            <title>{`class ${c}: p = ${p}`}</title>
            <text x={LEFT - 6} y={yc + y.bandwidth() / 2} dy="0.35em" textAnchor="end" className="cls">
              {isPred ? '▶ ' : ''}
              {c}
              {c === label ? ' (label)' : ''}
            </text>
            <rect x={x(0)} y={yc} width={Math.max(0, x(p) - x(0))} height={y.bandwidth()} />
            <text x={x(p) + 4} y={yc + y.bandwidth() / 2} dy="0.35em" className="val">
              {(100 * p).toFixed(1)}%
            </text>
          </g>
        );
      })}
    </svg>
  );
}
