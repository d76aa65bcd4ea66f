/**
 * A dense map on a canvas, like MapCanvas, that can also mark the cells where the map is negative:
 * a diagonal hatch in Okabe-Ito orange with a dark halo, so the mark reads on the blue (negative)
 * and near-white (small) cells of the diverging scale, for colour-blind readers too. The map is
 * drawn at a whole-number upscale (not CSS-scaled) so the marks stay crisp.
 */
import { useEffect, useMemo, useRef } from 'react';
import type { MapCanvasProps } from '../MapCanvas';
import { mapToRgba, upscale } from '../scales';
import { negativeMask } from './metrics';

export const MARK_COLOUR = '#E69F00';
const HALO = '#1d1d1f';

/** MapCanvas's props, and whether to mark the negative cells. */
export interface MarkedMapProps extends MapCanvasProps {
  /** Hatch every cell whose value is below zero. */
  markNegative?: boolean;
}

export function MarkedMap({ data, offset = 0, height, width, scale, label, caption, displayWidth = 56, markNegative = false, kind, level, channel }: MarkedMapProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const k = upscale(width, displayWidth);
  const mask = useMemo(() => (markNegative ? negativeMask(data, offset, height * width) : null), [markNegative, data, offset, height, width]);
  const marked = mask ? mask.reduce((n, v) => n + v, 0) : 0;

  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const small = document.createElement('canvas');
    small.width = width;
    small.height = height;
    small.getContext('2d')?.putImageData(new ImageData(mapToRgba(data, offset, height, width, scale), width, height), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(small, 0, 0, width * k, height * k);
    if (!mask) return;
    const line = Math.max(1, k / 6);
    ctx.lineCap = 'butt';
    // The halo only where cells are big enough to hold it without hiding the map.
    const strokes = k >= 6 ? ([[HALO, line + 1], [MARK_COLOUR, line]] as const) : ([[MARK_COLOUR, line]] as const);
    for (const [colour, w] of strokes) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = w;
      ctx.beginPath();
      for (let i = 0; i < mask.length; i++) {
        if (!mask[i]) continue;
        const x = (i % width) * k;
        const y = Math.floor(i / width) * k;
        ctx.moveTo(x + 0.15 * k, y + 0.85 * k);
        ctx.lineTo(x + 0.85 * k, y + 0.15 * k);
      }
      ctx.stroke();
    }
  }, [data, offset, height, width, scale, k, mask]);

  return (
    <figure className="map">
      <canvas
        ref={ref}
        width={width * k}
        height={height * k}
        role="img"
        aria-label={markNegative ? `${label}; ${marked} negative cell${marked === 1 ? '' : 's'} hatched` : label}
        data-kind={kind}
        data-level={level}
        data-channel={channel}
        data-negative={markNegative ? marked : undefined}
      />
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
