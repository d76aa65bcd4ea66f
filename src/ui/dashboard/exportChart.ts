/**
 * Exports a drawn chart as a file: an SVG chart as standalone SVG (its computed CSS written into
 * presentation attributes, since the file leaves the page's stylesheet behind; attributes, not
 * style="", which the page's Content-Security-Policy forbids) or as PNG (that SVG drawn onto a canvas at 2x), a
 * canvas figure as PNG upscaled without smoothing (each weight stays a crisp square).
 */
import { download } from '../train/host';

/** The presentation properties the app's CSS sets on chart elements (each also an SVG attribute). */
const STYLE_PROPS = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'font-size', 'font-family', 'font-weight', 'text-anchor', 'dominant-baseline'];

/** The chart as a standalone SVG document, with a white background. */
export function svgMarkup(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const src = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const dst = [clone, ...Array.from(clone.querySelectorAll('*'))];
  src.forEach((el, i) => {
    const cs = getComputedStyle(el);
    for (const p of STYLE_PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) dst[i].setAttribute(p, v);
    }
  });
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.round(width)));
  clone.setAttribute('height', String(Math.round(height)));
  clone.removeAttribute('class');
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  clone.insertBefore(bg, clone.firstChild);
  return new XMLSerializer().serializeToString(clone);
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the chart could not be drawn as an image'));
    img.src = url;
  });
}

function toBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not encode a PNG'))), 'image/png'));
}

export async function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const markup = svgMarkup(svg);
  const url = URL.createObjectURL(new Blob([markup], { type: 'image/svg+xml' }));
  try {
    const img = await loadImage(url);
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(img.width * scale));
    canvas.height = Math.max(1, Math.round(img.height * scale));
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await toBlob(canvas);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A canvas's pixels upscaled `scale` times with nearest-neighbour sampling, on white. */
export function canvasToPng(src: HTMLCanvasElement, scale: number): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = src.width * scale;
  canvas.height = src.height * scale;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
  return toBlob(canvas);
}

/** A file name from a chart title: "total loss" -> "drmm-total-loss". */
export function fileStem(title: string): string {
  return `drmm-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

/** Downloads the figure's first <svg> (or, without one, its first <canvas>) as `format`. */
export async function exportFigure(figure: Element, title: string, format: 'svg' | 'png'): Promise<void> {
  const svg = figure.querySelector('svg');
  const stem = fileStem(title);
  if (svg && format === 'svg') return download(svgMarkup(svg), `${stem}.svg`, 'image/svg+xml');
  if (svg) return download(await svgToPng(svg), `${stem}.png`, 'image/png');
  const canvas = figure.querySelector('canvas');
  if (!canvas) throw new Error(`the ${title} figure has nothing drawn yet`);
  const zoom = Math.max(1, Math.round(canvas.getBoundingClientRect().width / Math.max(1, canvas.width)));
  download(await canvasToPng(canvas, Math.max(2, zoom)), `${stem}.png`, 'image/png');
}
