/**
 * A chart's export buttons: its data as CSV, and the drawn figure (the <figure> the buttons sit
 * in) as SVG and/or PNG. A failed export says why next to the buttons.
 */
import { useState, type MouseEvent } from 'react';
import { download } from '../train/host';
import { exportFigure, fileStem } from './exportChart';

export interface ExportButtonsProps {
  /** The chart's title: the buttons' labels and the files' names. */
  title: string;
  /** The chart's data as CSV; no CSV button without it. */
  csv?: () => string;
  formats?: ('svg' | 'png')[];
  /** Prefix of the buttons' test ids, e.g. "export-confusion" -> export-confusion-csv. */
  testId?: string;
}

export function ExportButtons({ title, csv, formats = ['svg', 'png'], testId }: ExportButtonsProps) {
  const [error, setError] = useState<string | null>(null);
  const image = (format: 'svg' | 'png') => (e: MouseEvent<HTMLButtonElement>) => {
    const figure = e.currentTarget.closest('figure');
    setError(null);
    if (!figure) return setError('nothing to export');
    exportFigure(figure, title, format).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };
  return (
    <span className="export-buttons" role="group" aria-label={`Export the ${title} chart`}>
      {csv && (
        <button type="button" className="mini" onClick={() => download(csv(), `${fileStem(title)}.csv`, 'text/csv')} aria-label={`Export the ${title} data as CSV`} data-testid={testId && `${testId}-csv`}>
          CSV
        </button>
      )}
      {formats.map((f) => (
        <button key={f} type="button" className="mini" onClick={image(f)} aria-label={`Export the ${title} chart as ${f.toUpperCase()}`} data-testid={testId && `${testId}-${f}`}>
          {f.toUpperCase()}
        </button>
      ))}
      {error && (
        <span className="export-error" role="alert">
          Export failed: {error}
        </span>
      )}
    </span>
  );
}
