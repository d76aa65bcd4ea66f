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

/** Shallow copies of el's ancestors up to <body>, outermost first, so scoped selectors still match. */
function ancestorShells(el: Element, width: number): { outer: HTMLElement; inner: HTMLElement } {
  const chain: Element[] = [];
  for (let p = el.parentElement; p && p !== document.body && p !== document.documentElement; p = p.parentElement) chain.unshift(p);
  const outer = document.createElement('div');
  // Styles through the CSSOM, never setAttribute('style'): the page's CSP refuses inline style attributes.
  outer.style.cssText = `width:${width}px;margin:0;padding:0;background:#fff`;
  let inner: HTMLElement = outer;
  for (const a of chain) {
    const shell = document.createElement(a.tagName.toLowerCase());
    for (const attr of Array.from(a.attributes)) if (attr.name === 'class' || attr.name.startsWith('data-')) shell.setAttribute(attr.name, attr.value);
    shell.style.cssText = 'display:block;margin:0;padding:0;border:0;max-width:none;width:auto;opacity:1';
    inner.append(shell);
    inner = shell;
  }
  return { outer, inner };
}

/** A region of the page as PNG at `pixelRatio` device pixels per CSS pixel. */
export async function elementToPng(el: HTMLElement, pixelRatio = 2): Promise<Blob> {
  const rect = el.getBoundingClientRect();
  const width = Math.ceil(rect.width);
  const height = Math.ceil(rect.height);
  if (width === 0 || height === 0) throw new Error('the figure is not on screen');

  const clone = el.cloneNode(true) as HTMLElement;
  clone.style.margin = '0';
  // Canvases do not survive cloning (their pixels are not in the DOM): swap in images of them.
  const originals = el.querySelectorAll('canvas');
  clone.querySelectorAll('canvas').forEach((c, i) => {
    const src = originals[i];
    const img = document.createElement('img');
    img.src = src.toDataURL('image/png');
    img.width = src.width;
    img.height = src.height;
    const cs = getComputedStyle(src);
    img.style.cssText = `${src.style.cssText};width:${cs.width};height:${cs.height};image-rendering:pixelated;border:${cs.border};display:block`;
    img.alt = src.getAttribute('aria-label') ?? '';
    c.replaceWith(img);
  });
  // Buttons that only act on the page (the export buttons themselves) are not part of the figure.
  clone.querySelectorAll('.export-buttons').forEach((b) => b.remove());

  const { outer, inner } = ancestorShells(el, width);
  inner.append(clone);
  const style = document.createElement('style');
  style.textContent = pageCss();
  outer.prepend(style);
  const xhtml = new XMLSerializer().serializeToString(outer);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
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
