/**
 * An SVG chart as a standalone .svg file. The app styles its charts with CSS classes (app.css),
 * which a file opened on its own would lose, so the presentation properties each element has on
 * screen are written into its style attribute. The serialiser itself is pure (SvgNode in, text
 * out); svgNodeFromElement reads a live element into an SvgNode.
 */

export interface SvgNode {
  tag: string;
  attrs: [string, string][];
  children: (SvgNode | string)[];
}

export const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** The CSS properties that change how SVG renders and that classes in our CSS set. */
export const SVG_STYLE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'shape-rendering',
] as const;

export function escapeXmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** `a: b; c: d` from property/value pairs, leaving out empty values. */
export function styleText(props: [string, string][]): string {
  return props
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
}

/** Names that are safe to write as XML attributes (no script, nothing that needs escaping). */
function keepAttr(name: string): boolean {
  return /^[A-Za-z_][\w:.-]*$/.test(name) && !/^on/i.test(name);
}

function serializeNode(n: SvgNode | string): string {
  if (typeof n === 'string') return escapeXmlText(n);
  if (n.tag.toLowerCase() === 'script' || n.tag.toLowerCase() === 'foreignobject') return '';
  const attrs = n.attrs
    .filter(([k]) => keepAttr(k))
    .map(([k, v]) => ` ${k}="${escapeXmlAttr(v)}"`)
    .join('');
  if (n.children.length === 0) return `<${n.tag}${attrs}/>`;
  return `<${n.tag}${attrs}>${n.children.map(serializeNode).join('')}</${n.tag}>`;
}

/** A standalone SVG document: XML declaration, the SVG namespace (and XLink's when used) on the root. */
export function serializeSvg(root: SvgNode): string {
  const attrs = root.attrs.filter(([k]) => k !== 'xmlns' && k !== 'xmlns:xlink');
  const usesXlink = JSON.stringify(root).includes('"xlink:');
  const withNs: SvgNode = {
    ...root,
    tag: 'svg',
    attrs: [['xmlns', SVG_NS], ...(usesXlink ? ([['xmlns:xlink', XLINK_NS]] as [string, string][]) : []), ...attrs],
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${serializeNode(withNs)}\n`;
}

/**
 * Reads a live SVG element (and its subtree) into an SvgNode, writing each element's computed
 * presentation properties into its style, and giving the root explicit width, height and viewBox.
 */
export function svgNodeFromElement(svg: SVGSVGElement): SvgNode {
  const rect = svg.getBoundingClientRect();
  const read = (el: Element): SvgNode | null => {
    const cs = getComputedStyle(el);
    if (cs.display === 'none') return null;
    const attrs: [string, string][] = [];
    let inline = '';
    for (const a of Array.from(el.attributes)) {
      if (a.name === 'style') inline = a.value;
      else if (a.name !== 'class') attrs.push([a.name, a.value]);
    }
    const style = styleText(SVG_STYLE_PROPS.map((p) => [p, cs.getPropertyValue(p)]));
    const merged = [style, inline].filter(Boolean).join('; ');
    if (merged) attrs.push(['style', merged]);
    const children: (SvgNode | string)[] = [];
    for (const c of Array.from(el.childNodes)) {
      if (c.nodeType === Node.TEXT_NODE) children.push(c.textContent ?? '');
      else if (c.nodeType === Node.ELEMENT_NODE) {
        const n = read(c as Element);
        if (n) children.push(n);
      }
    }
    return { tag: el.tagName, attrs, children };
  };
  const root = read(svg) ?? { tag: 'svg', attrs: [], children: [] };
  const has = (k: string) => root.attrs.some(([n]) => n === k);
  const w = Math.round(rect.width);
  const h = Math.round(rect.height);
  if (!has('width')) root.attrs.push(['width', String(w)]);
  if (!has('height')) root.attrs.push(['height', String(h)]);
  if (!has('viewBox')) root.attrs.push(['viewBox', `0 0 ${w} ${h}`]);
  return root;
}
