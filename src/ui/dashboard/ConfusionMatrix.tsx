/**
 * The confusion matrix as SVG: d3 band scales place the cells, a sequential colour scale shades
 * them by the row-normalised fraction (d3.interpolateBlues, single-hue and so colour-blind safe;
 * a square-root scale so that confusions of a few percent stand out from zero). Each cell shows
 * its count and its row percentage, and is a button that opens its test digits.
 */
import { interpolateBlues, range, rgb, scaleBand, scaleSequentialSqrt } from 'd3';
import type { KeyboardEvent } from 'react';
import { fmtPercent, rowFraction, type Confusion } from './confusion';

export const CONFUSION_COLOURS = scaleSequentialSqrt(interpolateBlues).domain([0, 1]);

/** White text on cells whose colour is dark (relative luminance below 0.2, where white starts to contrast more than near-black), else near-black. */
export function textOnCell(fraction: number): string {
  if (!Number.isFinite(fraction)) return '#1d1d1f';
  const { r, g, b } = rgb(CONFUSION_COLOURS(fraction));
  const lin = (v: number) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  const luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return luminance < 0.2 ? '#ffffff' : '#1d1d1f';
}

const CELL = 44;
const M = { top: 34, left: 46, right: 6, bottom: 6 };

export interface ConfusionMatrixProps {
  c: Confusion;
  selected: { t: number; p: number } | null;
  onSelect(t: number, p: number): void;
}

export function ConfusionMatrix({ c, selected, onSelect }: ConfusionMatrixProps) {
  const classes = range(c.classes);
  const x = scaleBand<number>().domain(classes).range([M.left, M.left + CELL * c.classes]).paddingInner(0.04);
  const y = scaleBand<number>().domain(classes).range([M.top, M.top + CELL * c.classes]).paddingInner(0.04);
  const width = M.left + CELL * c.classes + M.right;
  const height = M.top + CELL * c.classes + M.bottom;
  const key = (t: number, p: number) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(t, p);
    }
  };
  return (
    <svg
      className="confusion-svg"
      width={width}
      height={height}
      role="group"
      aria-label={`Confusion matrix of ${c.total.toLocaleString('en')} test digits: rows are the true class, columns the predicted class`}
    >
      <text className="axis-title" x={M.left + (CELL * c.classes) / 2} y={11} textAnchor="middle">
        predicted class
      </text>
      <text className="axis-title" transform={`translate(11, ${M.top + (CELL * c.classes) / 2}) rotate(-90)`} textAnchor="middle">
        true class
      </text>
      {classes.map((k) => (
        <g key={`h${k}`}>
          <text className="axis-label" x={x(k)! + x.bandwidth() / 2} y={M.top - 6} textAnchor="middle">
            {k}
          </text>
          <text className="axis-label" x={M.left - 6} y={y(k)! + y.bandwidth() / 2} dy="0.32em" textAnchor="end">
            {k}
          </text>
        </g>
      ))}
      {classes.map((t) =>
        classes.map((p) => {
          const n = c.counts[t * c.classes + p];
          const f = rowFraction(c, t, p);
          const fill = Number.isFinite(f) ? CONFUSION_COLOURS(f) : '#f4f4f4';
          const isSel = selected?.t === t && selected?.p === p;
          const what = t === p ? 'correctly classified' : 'misclassified';
          return (
            <g
              key={`${t}-${p}`}
              className={isSel ? 'cell selected' : 'cell'}
              role="button"
              tabIndex={0}
              aria-pressed={isSel}
              aria-label={`True ${t}, predicted ${p}: ${n} digits, ${fmtPercent(f)} of the ${t}s (${what}). Show them.`}
              data-true={t}
              data-pred={p}
              data-count={n}
              onClick={() => onSelect(t, p)}
              onKeyDown={key(t, p)}
            >
              <rect x={x(p)} y={y(t)} width={x.bandwidth()} height={y.bandwidth()} fill={fill} stroke={isSel ? '#d55e00' : t === p ? '#5a5a60' : 'none'} strokeWidth={isSel ? 3 : 1} />
              <text x={x(p)! + x.bandwidth() / 2} y={y(t)! + y.bandwidth() / 2 - 5} textAnchor="middle" className="cell-count" fill={textOnCell(f)}>
                {n}
              </text>
              <text x={x(p)! + x.bandwidth() / 2} y={y(t)! + y.bandwidth() / 2 + 9} textAnchor="middle" className="cell-pct" fill={textOnCell(f)}>
                {n ? fmtPercent(f) : ''}
              </text>
            </g>
          );
        }),
      )}
    </svg>
  );
}

/** The colour key: the fraction of a row, 0 to 100%. */
export function ConfusionLegend() {
  const stops = range(0, 1.0001, 0.1);
  return (
    <span className="legend" aria-hidden="true">
      0%
      <svg width={120} height={10}>
        <defs>
          <linearGradient id="confusion-gradient">
            {stops.map((s) => (
              <stop key={s} offset={`${100 * s}%`} stopColor={CONFUSION_COLOURS(s)} />
            ))}
          </linearGradient>
        </defs>
        <rect width={120} height={10} fill="url(#confusion-gradient)" stroke="#888" />
      </svg>
      100% of the row (square-root scale)
    </span>
  );
}
