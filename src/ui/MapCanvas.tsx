/**
 * One dense h x w map on a <canvas>: one canvas pixel per map cell, upscaled by CSS with
 * pixelated rendering, coloured through a ColourScale. Labelled for assistive technology
 * (role img + aria-label) and with a visible caption.
 */
import { useEffect, useRef } from 'react';
import { mapToRgba, upscale, type ColourScale, type MapData } from './scales';

export interface MapCanvasProps {
  data: MapData;
  /** Index of the map's first cell in data (e.g. channel * h * w). */
  offset?: number;
  height: number;
  width: number;
  scale: ColourScale;
  /** Read by screen readers: what the map shows. */
  label: string;
  /** Shown under the map. */
  caption: string;
  /** Display size in CSS pixels of the map's width (rounded to a whole multiple of width). */
  displayWidth?: number;
  /** Extra data-* attributes for tests and styling. */
  kind?: string;
  level?: number;
  channel?: number;
}

export function MapCanvas({ data, offset = 0, height, width, scale, label, caption, displayWidth = 56, kind, level, channel }: MapCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(mapToRgba(data, offset, height, width, scale), width, height), 0, 0);
  }, [data, offset, height, width, scale]);
  const k = upscale(width, displayWidth);
  return (
    <figure className="map">
      <canvas
        ref={ref}
        width={width}
        height={height}
        style={{ width: width * k, height: height * k }}
        role="img"
        aria-label={label}
        data-kind={kind}
        data-level={level}
        data-channel={channel}
      />
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
