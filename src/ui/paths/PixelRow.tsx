/**
 * The bottom of the path view: the input (click or Enter selects a pixel) with the selected
 * unit's receptive field, and the active paths through the selection reaching each pixel.
 */
import { memo, useMemo } from 'react';
import type { MapRef } from '../overview/links';
import { fmtLog10, imageScale } from '../scales';
import { tileLayout, type Box } from './geometry';
import type { PathView } from '../../engine';
import { pathCountScale } from './pathScale';
import { FIELD_CSS, SELECTED_CSS } from './LevelRow';
import { TileGrid, type Cell, type Outline } from './TileGrid';

const IMAGE = imageScale();
const PIXELS: MapRef = { level: 0, stage: 'pixel' };

export interface PixelRowProps {
  image: Float32Array;
  h: number;
  w: number;
  pv: PathView;
  anchor: string;
  field: Box | null;
  pixel: { y: number; x: number } | null;
  onPick: (p: { y: number; x: number }) => void;
}

export const PixelRow = memo(function PixelRow({ image, h, w, pv, anchor, field, pixel, onPick }: PixelRowProps) {
  const layout = useMemo(() => tileLayout(1, h, w, 112, 112, 6, 0), [h, w]);
  const px = pv.pixels;
  const scale = useMemo(() => pathCountScale(px.maxLog10), [px.maxLog10]);
  const outlines = useMemo<Outline[]>(() => {
    const out: Outline[] = [];
    if (field) out.push({ tile: 0, box: field, css: FIELD_CSS });
    if (pixel) out.push({ tile: 0, box: { y0: pixel.y, y1: pixel.y, x0: pixel.x, x1: pixel.x }, css: SELECTED_CSS });
    return out;
  }, [field, pixel]);
  const describe = (c: Cell) => {
    const n = px.positionLog10[c.y * w + c.x];
    return `Pixel y ${c.y}, x ${c.x}: ink ${image[c.y * w + c.x].toFixed(2)}, ${n === -Infinity ? 'no' : fmtLog10(n)} active paths through the selection reach it.`;
  };
  // Both figures are the input's grid: one h x w tile, the same outlines, linked to the pixels.
  const pixelGrid = { tiles: 1, h, w, layout, outlines, linked: PIXELS };
  const fieldSize = field ? `${field.y1 - field.y0 + 1}×${field.x1 - field.x0 + 1}` : null;

  return (
    <section className="path-level path-pixels" aria-labelledby="path-level-0" data-testid="path-level-0" data-reached={px.reached} data-active-log10={String(px.activeLog10)}>
      <div className="path-info">
        <h3 id="path-level-0">
          Pixels <span className="dim">{h}×{w}</span>
        </h3>
        <p>
          Reached by active paths through the selection: <strong data-testid="pixels-reached">{px.reached.toLocaleString('en-US')}</strong> of {(h * w).toLocaleString('en-US')}.
        </p>
        <p>
          {px.side === 'at' ? (
            <>The selected pixel: {fmtLog10(pv.fromClassLog10)} active paths from the class reach it.</>
          ) : (
            <>
              Paths from {anchor} to the pixels: <strong>{fmtLog10(px.activeLog10)}</strong> of {fmtLog10(px.possibleLog10)} possible.
            </>
          )}
        </p>
        {fieldSize && (
          <p data-testid="receptive-field" data-box={JSON.stringify(field)}>
            <span className="swatch" style={{ borderColor: FIELD_CSS, borderWidth: 2 }} aria-hidden="true" /> Receptive field of the selected unit: {fieldSize} pixels, rows {field!.y0}–{field!.y1}, columns {field!.x0}–{field!.x1}.
          </p>
        )}
      </div>
      <figure className="path-figure">
        <TileGrid
          {...pixelGrid}
          data={image}
          scale={IMAGE}
          label="The input; select a pixel to see the active paths that reach it"
          onPick={(c) => onPick({ y: c.y, x: c.x })}
          start={pixel ? { tile: 0, y: pixel.y, x: pixel.x } : { tile: 0, y: Math.floor(h / 2), x: Math.floor(w / 2) }}
          describe={describe}
          testId="path-input"
        />
        <figcaption>input (select a pixel)</figcaption>
      </figure>
      <figure className="path-figure">
        <TileGrid
          {...pixelGrid}
          data={px.positionLog10}
          scale={scale}
          label="Active paths through the selection reaching each pixel"
          testId="path-pixels"
        />
        <figcaption>paths reaching each pixel</figcaption>
      </figure>
    </section>
  );
});
