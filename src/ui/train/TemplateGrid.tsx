/**
 * The level-1 templates (the first level's k x k weights, one per channel) as one canvas grid,
 * each template on its own symmetric diverging scale (red positive, blue negative), so its shape
 * shows whatever its size.
 */
import { useEffect, useMemo, useRef } from 'react';
import { divergingScale, lutIndex, maxAbs } from '../scales';
import type { TemplateImage } from './slice';

/** RGBA pixels of the grid: `cols` templates a row, 1-pixel white gaps. Exported for tests. */
export function templateGridPixels(t: TemplateImage, cols: number): { rgba: Uint8ClampedArray<ArrayBuffer>; width: number; height: number } {
  const { k, channels, cin } = t;
  const rows = Math.ceil(channels / cols);
  const width = cols * (k + 1) - 1;
  const height = rows * (k + 1) - 1;
  const rgba = new Uint8ClampedArray(4 * width * height).fill(255);
  const size = k * k;
  for (let c = 0; c < channels; c++) {
    // Input channel 0 of each template (MNIST has one).
    const tpl = t.data.subarray(c * cin * size, c * cin * size + size);
    const scale = divergingScale(maxAbs(tpl));
    const ox = (c % cols) * (k + 1);
    const oy = Math.floor(c / cols) * (k + 1);
    for (let i = 0; i < size; i++) {
      const j = 3 * lutIndex(scale, tpl[i]);
      const p = 4 * ((oy + Math.floor(i / k)) * width + ox + (i % k));
      rgba[p] = scale.lut[j];
      rgba[p + 1] = scale.lut[j + 1];
      rgba[p + 2] = scale.lut[j + 2];
    }
  }
  return { rgba, width, height };
}

export function TemplateGrid({ templates }: { templates: TemplateImage | null }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const cols = templates ? Math.min(templates.channels, 12) : 1;
  const grid = useMemo(() => (templates ? templateGridPixels(templates, cols) : null), [templates, cols]);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx || !grid) return;
    ctx.putImageData(new ImageData(grid.rgba, grid.width, grid.height), 0, 0);
  }, [grid]);
  if (!templates || !grid) return <p className="dim">The level-1 templates appear here once a run exists.</p>;
  const zoom = Math.max(1, Math.floor(360 / grid.width));
  return (
    <figure className="templates">
      <canvas
        ref={ref}
        width={grid.width}
        height={grid.height}
        style={{ width: grid.width * zoom, height: grid.height * zoom }}
        role="img"
        aria-label={`The ${templates.channels} level-1 templates (${templates.k}x${templates.k}) at step ${templates.step}, red positive, blue negative`}
        data-testid="templates"
        data-kind="templates"
        data-step={templates.step}
      />
      <figcaption className="dim">
        Level-1 templates W(1) at step {templates.step}: {templates.channels} of {templates.k}×{templates.k}, each on its own scale (red positive, blue
        negative).
      </figcaption>
    </figure>
  );
}
