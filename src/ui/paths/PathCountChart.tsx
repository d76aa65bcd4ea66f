/**
 * Active vs possible paths per level, as log10 bars (d3 scales): from the class at the top to the
 * pixels at the bottom, between each level and the selection's anchor. The gap between the two
 * bars is how sparse the active set is, in orders of magnitude.
 */
import { scaleBand, scaleLinear } from 'd3';
import { fmtLog10 } from '../scales';
import { PATH_NONE_CSS } from './pathScale';

export interface CountRow {
  name: string;
  /** log10 counts; NaN where the row is the selection itself. */
  active: number;
  possible: number;
}

const WIDTH = 300;
const ROW = 17;
const LEFT = 58;
const RIGHT = 8;

export function PathCountChart({ rows, caption }: { rows: CountRow[]; caption: string }) {
  const finite = rows.flatMap((r) => [r.active, r.possible]).filter((v) => Number.isFinite(v));
  const max = Math.max(1, ...finite);
  const x = scaleLinear().domain([0, max]).range([LEFT, WIDTH - RIGHT]).nice();
  const y = scaleBand<number>().domain(rows.map((_, i) => i)).range([4, 4 + rows.length * ROW]).padding(0.2);
  const height = 4 + rows.length * ROW + 18;
  const ticks = x.ticks(4);
  const summary = rows
    .map((r) => (Number.isNaN(r.active) ? `${r.name}: the selection` : `${r.name}: ${fmtLog10(r.active)} of ${fmtLog10(r.possible)}`))
    .join('; ');
  return (
    <figure className="chart path-count-chart" data-testid="path-count-chart">
      <svg width={WIDTH} height={height} role="img" aria-label={`Active and possible paths per level, log10: ${summary}`}>
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid" x1={x(t)} x2={x(t)} y1={2} y2={height - 16} />
            <text className="tick" x={x(t)} y={height - 4} textAnchor="middle">
              {t}
            </text>
          </g>
        ))}
        {rows.map((r, i) => {
          const top = y(i)!;
          const bh = y.bandwidth();
          const at = Number.isNaN(r.active);
          return (
            <g key={r.name} data-row={r.name} data-active={String(r.active)} data-possible={String(r.possible)}>
              <text className="tick" x={LEFT - 4} y={top + bh / 2 + 3} textAnchor="end">
                {r.name}
              </text>
              {at ? (
                <text className="tick" x={LEFT + 2} y={top + bh / 2 + 3}>
                  selected
                </text>
              ) : (
                <>
                  {Number.isFinite(r.possible) && <rect x={LEFT} y={top} width={Math.max(0, x(Math.max(0, r.possible)) - LEFT)} height={bh} fill={PATH_NONE_CSS} stroke="#b5b5b5" strokeWidth={0.5} />}
                  {Number.isFinite(r.active) && <rect x={LEFT} y={top + bh * 0.2} width={Math.max(1, x(Math.max(0, r.active)) - LEFT)} height={bh * 0.6} fill="#b35806" />}
                </>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
