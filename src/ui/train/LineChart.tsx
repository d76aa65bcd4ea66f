/**
 * A small SVG line chart: d3 computes the scales and the path strings, React renders them.
 * Non-finite points are gaps. Labelled for assistive technology with the last value of each series.
 */
import type { ReactNode } from 'react';
import { extent, line, scaleLinear } from 'd3';

export interface Series {
  name: string;
  /** CSS colour. */
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
  /** Draw each point as a dot (sparse series, e.g. test evaluations). */
  dots?: boolean;
}

export interface LineChartProps {
  title: string;
  subtitle?: string;
  series: Series[];
  xLabel: string;
  width?: number;
  height?: number;
  /** Fixed y domain (e.g. [0, 1] for accuracies); else the data's extent. */
  yDomain?: [number, number];
  format?: (v: number) => string;
  testId?: string;
  /** Controls shown with the title (e.g. export buttons). */
  actions?: ReactNode;
  /** Said in the plot when no series has a point (default "no data yet"). */
  emptyText?: string;
}

const M = { top: 6, right: 8, bottom: 20, left: 44 };

export function fmtSig(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

export function LineChart({ title, subtitle, series, xLabel, width = 250, height = 130, yDomain, format, testId, actions, emptyText = 'no data yet' }: LineChartProps) {
  const all = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
  const [x0, x1] = extent(all, (p) => p.x) as [number | undefined, number | undefined];
  const [y0, y1] = extent(all, (p) => p.y) as [number | undefined, number | undefined];
  const x = scaleLinear()
    .domain(x0 === undefined ? [0, 1] : x0 === x1 ? [x0 - 1, x1! + 1] : [x0, x1!])
    .range([M.left, width - M.right]);
  const yd: [number, number] = yDomain ?? (y0 === undefined ? [0, 1] : y0 === y1 ? [y0 - Math.abs(y0 || 1) * 0.1, y1! + Math.abs(y1 || 1) * 0.1] : [y0, y1!]);
  const y = scaleLinear().domain(yd).range([height - M.bottom, M.top]);
  if (!yDomain) y.nice(4);
  // Ticks: the given format, else d3's, whose precision follows the tick step (3 significant
  // digits would print a narrow range such as 1.50e-4..1.51e-4 as four equal labels).
  const big = Math.max(...y.domain().map(Math.abs));
  const tick = format ?? y.tickFormat(4, big !== 0 && (big < 1e-3 || big >= 1e5) ? 'e' : undefined);
  const value = format ?? fmtSig;
  const path = line<{ x: number; y: number }>()
    .defined((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .x((p) => x(p.x))
    .y((p) => y(p.y));
  const last = series.map((s) => {
    const p = [...s.points].reverse().find((q) => Number.isFinite(q.y));
    return `${s.name} ${p ? value(p.y) : 'not yet measured'}`;
  });
  const label = `${title}: ${all.length ? last.join(', ') : emptyText}`;
  return (
    <figure className="chart" data-testid={testId} data-points={all.length}>
      <figcaption>
        <strong>{title}</strong>
        {subtitle && <span className="dim"> {subtitle}</span>}
        {actions}
      </figcaption>
      <svg width={width} height={height} role="img" aria-label={label}>
        {y.ticks(4).map((t) => (
          <g key={`y${t}`}>
            <line className="grid" x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} />
            <text className="tick" x={M.left - 4} y={y(t)} dy="0.32em" textAnchor="end">
              {tick(t)}
            </text>
          </g>
        ))}
        {x.ticks(4).map((t) => (
          <text key={`x${t}`} className="tick" x={x(t)} y={height - M.bottom + 12} textAnchor="middle">
            {fmtSig(t)}
          </text>
        ))}
        <text className="tick" x={width - M.right} y={height - 2} textAnchor="end">
          {xLabel}
        </text>
        {series.map((s) => (
          <g key={s.name} className="series" data-series={s.name}>
            <path d={path(s.points) ?? ''} fill="none" stroke={s.color} strokeWidth={1.5} strokeDasharray={s.dashed ? '4 3' : undefined} />
            {s.dots &&
              s.points
                .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
                .map((p, i) => <circle key={i} cx={x(p.x)} cy={y(p.y)} r={2.5} fill={s.color} />)}
          </g>
        ))}
        {all.length === 0 && (
          <text className="tick" x={(M.left + width - M.right) / 2} y={(M.top + height - M.bottom) / 2} textAnchor="middle">
            {emptyText}
          </text>
        )}
      </svg>
      {series.length > 1 && (
        <ul className="swatches">
          {series.map((s) => (
            <li key={s.name}>
              <span className="swatch" style={{ background: s.color }} />
              {s.name}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
