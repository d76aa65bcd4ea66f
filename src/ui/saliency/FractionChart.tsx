/**
 * The digit fraction per level (d3 scales and line), for the installed and the random model,
 * with the mask's area as the chance level: a map spread evenly over the level scores the area.
 */
import { line, scaleLinear, scalePoint } from 'd3';

export interface FractionSeries {
  name: string;
  css: string;
  dash?: string;
  /** One value per level, pixels first; null where there is none (no saliency, or above a unit). */
  values: (number | null)[];
}

const W = 330;
const H = 200;
const M = { top: 10, right: 12, bottom: 34, left: 40 };

export function FractionChart({ levels, series }: { levels: string[]; series: FractionSeries[] }) {
  const x = scalePoint<string>().domain(levels).range([M.left, W - M.right]).padding(0.3);
  const y = scaleLinear().domain([0, 1]).range([H - M.bottom, M.top]);
  const path = line<number | null>()
    .defined((v) => v !== null)
    .x((_, i) => x(levels[i])!)
    .y((v) => y(v ?? 0));
  const pct = (v: number | null) => (v === null ? 'none' : `${(100 * v).toFixed(0)}%`);
  const summary = series.map((s) => `${s.name}: ${s.values.map((v, i) => `${levels[i]} ${pct(v)}`).join(', ')}`).join('; ');
  return (
    <figure className="chart fraction-chart" data-testid="fraction-chart">
      <svg width={W} height={H} role="img" aria-label={`Share of |saliency| on the digit per level. ${summary}`}>
        {y.ticks(5).map((t) => (
          <g key={t}>
            <line className="grid" x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} />
            <text className="tick" x={M.left - 4} y={y(t) + 3} textAnchor="end">
              {(100 * t).toFixed(0)}%
            </text>
          </g>
        ))}
        {levels.map((l) => (
          <text key={l} className="tick" x={x(l)} y={H - M.bottom + 13} textAnchor="middle">
            {l}
          </text>
        ))}
        <text className="tick" x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle">
          level (pixels at the left)
        </text>
        {series.map((s) => (
          <g key={s.name} data-series={s.name} data-values={JSON.stringify(s.values)}>
            <path d={path(s.values) ?? ''} fill="none" stroke={s.css} strokeWidth={2} strokeDasharray={s.dash} />
            {s.values.map((v, i) =>
              v === null ? null : (
                <circle key={i} cx={x(levels[i])} cy={y(v)} r={3} fill={s.css}>
                  <title>{`${s.name}, ${levels[i]}: ${pct(v)}`}</title>
                </circle>
              ),
            )}
          </g>
        ))}
      </svg>
      <figcaption>
        <ul className="chart-key">
          {series.map((s) => (
            <li key={s.name}>
              <svg width="22" height="8" aria-hidden="true">
                <line x1="0" x2="22" y1="4" y2="4" stroke={s.css} strokeWidth="2" strokeDasharray={s.dash} />
              </svg>
              {s.name}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
