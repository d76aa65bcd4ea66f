/**
 * A formula typeset by KaTeX (loaded on first use, so the page's first paint does not wait for
 * it), with the plain-text form shown until it is there and kept if typesetting fails. KaTeX
 * builds its DOM with element.style (CSSOM), which the app's Content-Security-Policy allows; the
 * few constructs that would write a style attribute (\fbox, colours, error messages) are not used
 * here, and errors throw (throwOnError) instead of rendering a styled message.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import 'katex/dist/katex.min.css';

type Katex = typeof import('katex').default;

let katex: Katex | null = null;
let loading: Promise<Katex> | null = null;

function loadKatex(): Promise<Katex> {
  loading ??= import('katex').then((m) => (katex = m.default));
  return loading;
}

/** A number for TeX: 3 significant digits, exponents as a power of ten. */
export function texNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(2).split('e');
    return `${m}\\times10^{${Number(e)}}`;
  }
  return Number(v.toPrecision(3)).toString();
}

/** A number in parentheses when negative (for products and sums written out). */
export function texTerm(v: number): string {
  const s = texNum(v);
  return v < 0 ? `(${s})` : s;
}

export function Tex({ tex, text, display = false }: { tex: string; text: string; display?: boolean }) {
  const ref = useRef<HTMLSpanElement>(null);
  const [k, setK] = useState<Katex | null>(katex);
  useEffect(() => {
    if (k) return;
    let alive = true;
    loadKatex().then(
      (m) => alive && setK(() => m),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [k]);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (!k) {
      el.textContent = text;
      return;
    }
    try {
      k.render(tex, el, { throwOnError: true, displayMode: display, output: 'htmlAndMathml', strict: 'ignore', trust: false });
    } catch {
      el.textContent = text;
    }
  }, [k, tex, text, display]);
  return <span ref={ref} className={display ? 'ov-tex display' : 'ov-tex'} data-tex={tex} />;
}
