/** Legends for the colour scales: a gradient with its end values, or swatches for categories. */
import { useId } from 'react';
import { fmt, type ColourScale } from './scales';

export function GradientLegend({ scale, unit }: { scale: ColourScale; unit?: string }) {
  const id = useId();
  const stops = 11;
  const mid = scale.kind === 'diverging' ? '0' : null;
  return (
    <span className="legend" aria-label={`colour scale from ${fmt(scale.lo)} to ${fmt(scale.hi)}${unit ? ' ' + unit : ''}`} role="img">
      <span className="legend-value">{fmt(scale.lo)}</span>
      <svg width="96" height="12" aria-hidden="true">
        <defs>
          <linearGradient id={id}>
            {Array.from({ length: stops }, (_, i) => {
              const k = Math.round((i / (stops - 1)) * (scale.entries - 1));
              return <stop key={i} offset={`${(100 * i) / (stops - 1)}%`} stopColor={scale.css[k]} />;
            })}
          </linearGradient>
        </defs>
        <rect width="96" height="12" fill={`url(#${id})`} stroke="#888" strokeWidth="0.5" />
        {mid && <line x1="48" x2="48" y1="0" y2="12" stroke="#444" strokeWidth="0.75" />}
      </svg>
      <span className="legend-value">{fmt(scale.hi)}</span>
      {mid && <span className="legend-note">(white = 0)</span>}
    </span>
  );
}

export function SwatchLegend({ items }: { items: { name: string; css: string; title?: string }[] }) {
  return (
    <ul className="swatches" aria-label="colour key">
      {items.map((it) => (
        <li key={it.name} title={it.title}>
          <span className="swatch" style={{ background: it.css }} aria-hidden="true" />
          {it.name}
        </li>
      ))}
    </ul>
  );
}
