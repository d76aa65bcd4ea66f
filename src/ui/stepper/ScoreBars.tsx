/**
 * Class scores s_c as horizontal bars around zero (d3 scales, React-rendered SVG): signed, so the
 * axis is symmetric. The highest score is drawn in the highlight colour and marked in text.
 */
import { scaleBand, scaleLinear } from 'd3';
import { fmt, maxAbs } from '../scales';

const ROW = 18;
const LEFT = 40;
const TOP = 16;

export function ScoreBars({ scores, pred, width = 300 }: { scores: ArrayLike<number>; pred: number; width?: number }) {
  const classes = Array.from({ length: scores.length }, (_, c) => c);
  const m = maxAbs(scores) || 1;
  const height = TOP + ROW * classes.length + 4;
  const x = scaleLinear().domain([-m, m]).range([LEFT, width - 44]).nice();
  const y = scaleBand<number>().domain(classes).range([TOP, TOP + ROW * classes.length]).padding(0.2);
  return (
    <svg className="scorebars class-bars" width={width} height={height} role="img" aria-label={`Class scores; the highest is class ${pred}, s = ${fmt(scores[pred])}`} data-testid="score-bars" data-pred={pred}>
      {x.ticks(4).map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={TOP - 4} y2={height - 4} className={t === 0 ? 'zero' : 'grid'} />
          <text x={x(t)} y={TOP - 6} textAnchor="middle" className="tick">
            {t}
          </text>
        </g>
      ))}
      {classes.map((c) => {
        const s = scores[c];
        const yc = y(c) ?? 0;
        const x0 = Math.min(x(0), x(s));
        return (
          <g key={c} className={c === pred ? 'bar pred' : 'bar'} data-class={c} data-score={s}>
            <title>{`class ${c}: s = ${s}`}</title>
            <text x={LEFT - 6} y={yc + y.bandwidth() / 2} dy="0.35em" textAnchor="end" className="cls">
              {c === pred ? '▶ ' : ''}
              {c}
            </text>
            <rect x={x0} y={yc} width={Math.abs(x(s) - x(0))} height={y.bandwidth()} />
            <text x={Math.max(x(0), x(s)) + 3} y={yc + y.bandwidth() / 2} dy="0.35em" className="val">
              {fmt(s)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
