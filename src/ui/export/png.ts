/**
 * Figures as PNG: a map canvas at its own pixels, scaled up without smoothing (a 28x28 map stays
 * crisp); or any region of the page, drawn by the browser itself from a copy of the region's DOM
 * inside an SVG <foreignObject>, with the page's style sheets and each canvas as an image.
 */

export function canvasToBlob(canvas: HTMLCanvasElement, type = 'image/png'): Promise<Blob> {
  return new Promise((resolve, reject) => {
    try {
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not encode the image'))), type);
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

/** Integer scale that brings `size` CSS pixels to about `target` (at least 1). */
export function exportScale(size: number, target = 560): number {
  return Math.max(1, Math.round(target / Math.max(1, size)));
}

/** A map canvas as PNG, each pixel a `scale` x `scale` block. */
export function mapCanvasToPng(canvas: HTMLCanvasElement, scale = exportScale(Math.max(canvas.width, canvas.height))): Promise<Blob> {
  const out = document.createElement('canvas');
  out.width = canvas.width * scale;
  out.height = canvas.height * scale;
  const ctx = out.getContext('2d');
  if (!ctx) return Promise.reject(new Error('no 2D canvas'));
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(canvas, 0, 0, out.width, out.height);
  return canvasToBlob(out);
}

/** The text of every same-origin style sheet (a cross-origin one cannot be read, and we have none). */
function pageCss(): string {
  const parts: string[] = [];
  for (const sheet of Array.from(document.styleSheets)) {
    try {
      for (const rule of Array.from(sheet.cssRules)) parts.push(rule.cssText);
    } catch {
      // A sheet we may not read: its rules are simply missing from the picture.
    }
  }
  return parts.join('\n');
}

const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * XHTML text for a live element's subtree, read without cloning it: a clone would re-apply every
 * style attribute, which the page's Content-Security-Policy refuses (it allows styles set through
 * the CSSOM only). Canvases become images of their pixels; scripts, event handlers and the export
 * buttons are left out.
 */
export function serializeRegion(root: Element): string {
  const walk = (el: Element, ns: string): string => {
    if (el.classList.contains('export-buttons')) return '';
    const name = el.localName;
    if (name === 'script' || name === 'style') return '';
    const inSvg = ns === SVG_NAMESPACE || name === 'svg';
    const attrs: string[] = [];
    if (name === 'svg' && ns !== SVG_NAMESPACE) attrs.push(`xmlns="${SVG_NAMESPACE}"`);
    if (name === 'canvas') {
      const c = el as HTMLCanvasElement;
      const cs = getComputedStyle(c);
      const style = `${c.style.cssText};width:${cs.width};height:${cs.height};image-rendering:pixelated;border:${cs.border};display:block`;
      return `<img src="${esc(c.toDataURL('image/png'))}" width="${c.width}" height="${c.height}" style="${esc(style)}" alt="${esc(c.getAttribute('aria-label') ?? '')}"/>`;
    }
    for (const a of Array.from(el.attributes)) {
      if (a.name.includes(':') || /^on/i.test(a.name) || a.name === 'xmlns') continue;
      attrs.push(`${a.name}="${esc(a.value)}"`);
    }
    let inner = '';
    for (const n of Array.from(el.childNodes)) {
      if (n.nodeType === Node.TEXT_NODE) inner += esc(n.textContent ?? '');
      else if (n.nodeType === Node.ELEMENT_NODE) inner += walk(n as Element, inSvg ? SVG_NAMESPACE : XHTML_NS);
    }
    const open = `<${name}${attrs.length ? ` ${attrs.join(' ')}` : ''}`;
    if (inner === '' && (inSvg || VOID.has(name))) return `${open}/>`;
    return `${open}>${inner}</${name}>`;
  };
  return walk(root, XHTML_NS);
}

/** Openings and closings of el's ancestors up to <body> (classes and data attributes only), so scoped selectors still match. */
function ancestorShells(el: Element): { open: string; close: string } {
  const chain: Element[] = [];
  for (let p = el.parentElement; p && p !== document.body && p !== document.documentElement; p = p.parentElement) chain.unshift(p);
  let open = '';
  let close = '';
  for (const a of chain) {
    const attrs = Array.from(a.attributes)
      .filter((x) => x.name === 'class' || x.name.startsWith('data-'))
      .map((x) => ` ${x.name}="${esc(x.value)}"`)
      .join('');
    open += `<${a.localName}${attrs} style="display:block;margin:0;padding:0;border:0;max-width:none;width:auto">`;
    close = `</${a.localName}>${close}`;
  }
  return { open, close };
}

/** A region of the page as PNG at `pixelRatio` device pixels per CSS pixel. */
export async function elementToPng(el: HTMLElement, pixelRatio = 2): Promise<Blob> {
  const rect = el.getBoundingClientRect();
  const width = Math.ceil(rect.width);
  const height = Math.ceil(rect.height);
  if (width === 0 || height === 0) throw new Error('the figure is not on screen');

  const shells = ancestorShells(el);
  const xhtml =
    `<div xmlns="${XHTML_NS}" style="width:${width}px;margin:0;padding:0;background:#fff">` +
    `<style>${esc(pageCss())}</style>${shells.open}${serializeRegion(el)}${shells.close}</div>`;
  const svg =
    `<svg xmlns="${SVG_NAMESPACE}" width="${width}" height="${height}">` +
    `<foreignObject x="0" y="0" width="100%" height="100%">${xhtml}</foreignObject></svg>`;

  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await img.decode();
  const out = document.createElement('canvas');
  out.width = width * pixelRatio;
  out.height = height * pixelRatio;
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.scale(pixelRatio, pixelRatio);
  ctx.drawImage(img, 0, 0, width, height);
  return canvasToBlob(out);
}
