/**
 * Small "PNG / SVG / CSV" buttons for a figure. Give it what to export, as functions called on
 * click (so nothing is computed until asked):
 *
 *   <ExportButtons name="digit-3-level-2" what="level 2 maps"
 *     png={() => sectionRef.current} csv={() => levelTable(view, 1)} />
 *
 * `png` may return a <canvas> (saved at its own pixels, scaled up crisply) or any element (its
 * rendering on screen); `svg` an <svg> (saved standalone, styles inlined); `csv` a table. `png`
 * and `svg` get the buttons' own group element, so a figure can be found from where the buttons
 * sit (`(g) => g.closest('figure')`) without a ref. Each button's accessible name says what it
 * saves. Failures are shown next to the buttons.
 */
import { useRef, useState } from 'react';
import { toCsv, type CsvTable } from './csv';
import { downloadBlob } from './download';
import { elementToPng, mapCanvasToPng } from './png';
import { serializeSvg, svgNodeFromElement } from './svg';
import './export.css';

export interface ExportButtonsProps {
  /** File name stem (made safe); "drmm-" and the extension are added. */
  name: string;
  /** What the figure is, for the buttons' accessible names ("PNG of <what>"). */
  what: string;
  /** A short visible word before the buttons ("Figure", "Chart"), where several groups sit together. */
  label?: string;
  /** Extra classes, e.g. "float" to sit at the right of a title. */
  className?: string;
  png?: (group: HTMLElement) => Element | null;
  svg?: (group: HTMLElement) => SVGSVGElement | null;
  csv?: () => CsvTable;
  /** Gives the buttons test ids `${testId}-png`, `-svg`, `-csv`. */
  testId?: string;
}

type Format = 'png' | 'svg' | 'csv';

async function makeBlob(format: Format, p: ExportButtonsProps, group: HTMLElement): Promise<Blob> {
  if (format === 'csv') return new Blob([toCsv(p.csv!())], { type: 'text/csv;charset=utf-8' });
  if (format === 'svg') {
    const el = p.svg!(group);
    if (!el) throw new Error('the chart is not on screen');
    return new Blob([serializeSvg(svgNodeFromElement(el))], { type: 'image/svg+xml;charset=utf-8' });
  }
  const el = p.png!(group);
  if (!el) throw new Error('the figure is not on screen');
  return el instanceof HTMLCanvasElement ? mapCanvasToPng(el) : elementToPng(el as HTMLElement);
}

export function ExportButtons(props: ExportButtonsProps) {
  const [busy, setBusy] = useState<Format | null>(null);
  const [error, setError] = useState<string | null>(null);
  const group = useRef<HTMLSpanElement>(null);
  const formats = (['png', 'svg', 'csv'] as const).filter((f) => props[f]);

  const run = async (format: Format) => {
    setBusy(format);
    setError(null);
    try {
      if (!group.current) throw new Error('the buttons are not on screen');
      downloadBlob(await makeBlob(format, props, group.current), `drmm-${props.name}.${format}`);
    } catch (e) {
      setError(`Could not export the ${format.toUpperCase()}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <span ref={group} className={props.className ? `export-buttons ${props.className}` : 'export-buttons'} role="group" aria-label={`Export ${props.what}`}>
      {props.label && (
        <span className="export-label" aria-hidden="true">
          {props.label}:
        </span>
      )}
      {formats.map((f) => (
        <button
          key={f}
          type="button"
          onClick={() => void run(f)}
          disabled={busy !== null}
          data-export={f}
          data-testid={props.testId && `${props.testId}-${f}`}
          title={`Download ${props.what} as ${f.toUpperCase()}`}
        >
          {f.toUpperCase()}
          <span className="visually-hidden"> of {props.what}</span>
        </button>
      ))}
      {error && (
        <span className="export-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
