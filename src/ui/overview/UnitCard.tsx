/**
 * The arithmetic of one unit, beside the pointer that opened it (never off-screen): template
 * matching term by term (the template, the input patch under it, their products; a slider goes
 * from one term to the whole sum, and the sum plus the bias is u), the max over a (both branches,
 * the winner kept), the max over t (the window's four candidates, the chosen one, the t-switch
 * written), and going down, where the unit's top-down signal came from (the class template, or
 * the units of the level above that paint into it) and what unpooling and the mask made of it.
 * Every number is the current result's (arithmetic.ts recomputes the sums; the engine's values
 * are shown beside them).
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { divergingScale, fmt, imageScale, maxAbs, sequentialScale, T_CATEGORIES, type ColourScale } from '../scales';
import type { ModelParams } from '../../engine';
import type { UnitRef, ViewResult } from '../store';
import { partialSum, unitArithmetic, type MatchTerm, type UnitArithmetic } from './arithmetic';
import { DownSection } from './CardDown';
import { Tex, texNum, texTerm } from './Tex';
import './card.css';

export interface CardAnchor {
  /** Viewport coordinates of the pointer (or of the unit, from the keyboard). */
  x: number;
  y: number;
}

/** Where a w x h card goes beside an anchor inside a vw x vh viewport: right of it if it fits, else left; clamped. */
export function placeCard(anchor: CardAnchor, w: number, h: number, vw: number, vh: number, gap = 14, margin = 8): { left: number; top: number; maxHeight: number } {
  let left = anchor.x + gap;
  if (left + w > vw - margin) left = anchor.x - gap - w;
  left = Math.max(margin, Math.min(left, vw - margin - w));
  const maxHeight = Math.max(80, vh - 2 * margin);
  const hh = Math.min(h, maxHeight);
  const top = Math.max(margin, Math.min(anchor.y - hh / 3, vh - margin - hh));
  return { left, top, maxHeight };
}

/** WCAG relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const ch = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

/** A cell's background from the scale, and black or white text, whichever contrasts more (at least 4.6:1 for any colour). */
export function cellStyle(scale: ColourScale, v: number): { background: string; color: string } {
  const t = (v - scale.lo) / (scale.hi - scale.lo);
  const i = Math.min(scale.entries - 1, Math.max(0, Math.round((Number.isFinite(t) ? t : 0.5) * (scale.entries - 1))));
  const bg = scale.css[i];
  const L = luminance(bg);
  return { background: bg, color: (L + 0.05) / 0.05 >= 1.05 / (L + 0.05) ? '#000' : '#fff' };
}

function Grid({ title, terms, k, value, scale, current }: { title: string; terms: MatchTerm[]; k: number; value: (t: MatchTerm) => number; scale: ColourScale; current: MatchTerm | null }) {
  const small = k > 5;
  return (
    <figure className="ov-grid">
      <table className={small ? 'small' : undefined} aria-label={title}>
        <tbody>
          {Array.from({ length: k }, (_, dy) => (
            <tr key={dy}>
              {Array.from({ length: k }, (_, dx) => {
                const t = terms[dy * k + dx];
                const v = value(t);
                const on = current === t;
                return (
                  <td key={dx} style={cellStyle(scale, v)} className={`${on ? 'cur' : ''}${t.inside ? '' : ' pad'}`}>
                    {small ? '' : fmt(v)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

function MatchSection({ a, level }: { a: UnitArithmetic; level: number }) {
  const N = a.match.terms.length;
  const [n, setN] = useState(N);
  const k = a.shape.k;
  const m = Math.max(1, Math.min(N, n));
  const cur = a.match.terms[m - 1];
  const ci = cur.ci;
  const chTerms = a.match.terms.slice(ci * k * k, (ci + 1) * k * k);
  const wScale = useMemo(() => divergingScale(maxAbs(a.match.terms.map((t) => t.w))), [a]);
  const xScale = useMemo(() => (level === 1 ? imageScale() : sequentialScale(Math.max(...a.match.terms.map((t) => t.x), 1e-9))), [a, level]);
  const pScale = useMemo(() => divergingScale(maxAbs(a.match.terms.map((t) => t.product))), [a]);
  const S = partialSum(a.match.terms, m);
  const whole = m === N;
  const chSums = useMemo(() => {
    const out = new Array(a.shape.cin).fill(0);
    for (const t of a.match.terms) out[t.ci] += t.product;
    return out;
  }, [a]);
  const top = chSums.map((v, c) => ({ v, c })).sort((p, q) => Math.abs(q.v) - Math.abs(p.v)).slice(0, 6);
  const inName = level === 1 ? 'I' : `x^{(${level - 1})}`;
  return (
    <section className="ov-card-sec" aria-label="Template matching">
      <h4>Template matching: u = Σ w·x + b</h4>
      <div className="ov-grids">
        <Grid title={`template W(${level})[${a.unit.channel + 1}${a.shape.cin > 1 ? `, ${ci + 1}` : ''}]`} terms={chTerms} k={k} value={(t) => t.w} scale={wScale} current={cur} />
        <span className="ov-op">×</span>
        <Grid title={level === 1 ? 'input patch' : `x(${level - 1}) channel ${ci + 1}`} terms={chTerms} k={k} value={(t) => t.x} scale={xScale} current={cur} />
        <span className="ov-op">=</span>
        <Grid title="products" terms={chTerms} k={k} value={(t) => t.product} scale={pScale} current={cur} />
      </div>
      <label className="ov-terms">
        <span>
          terms: {m} of {N}
        </span>
        <input type="range" min={1} max={N} value={m} onChange={(e) => setN(Number(e.target.value))} aria-label="Terms of the sum shown" data-testid="ov-card-terms" />
        <button type="button" onClick={() => setN(1)} disabled={m === 1}>
          one term
        </button>
        <button type="button" onClick={() => setN(N)} disabled={whole}>
          whole sum
        </button>
      </label>
      <p className="ov-eq" data-testid="ov-card-sum" data-n={m} data-partial={S}>
        {whole ? (
          <Tex
            tex={`u = \\sum_{i=1}^{${N}} w_i\\,${inName}_i + b = ${texNum(a.match.sum)} + ${texTerm(a.match.bias)} = ${texNum(a.match.u)}`}
            text={`u = Σ_{i=1..${N}} w_i x_i + b = ${fmt(a.match.sum)} + ${fmt(a.match.bias)} = ${fmt(a.match.u)}`}
          />
        ) : (
          <Tex
            tex={`w_{${m}}\\,${inName}_{${m}} = ${texTerm(cur.w)} \\cdot ${texTerm(cur.x)} = ${texNum(cur.product)},\\quad \\sum_{i=1}^{${m}} w_i\\,${inName}_i = ${texNum(S)}`}
            text={`w_${m} x_${m} = ${fmt(cur.w)} · ${fmt(cur.x)} = ${fmt(cur.product)}; Σ_{i=1..${m}} = ${fmt(S)}`}
          />
        )}
      </p>
      {whole && (
        <p className="dim ov-check">
          The engine computed u = {fmt(a.match.engineU)} in float32; this sum is taken again in float64 from the template and the saved maps.
        </p>
      )}
      {a.shape.cin > 1 && (
        <p className="dim ov-chsums">
          Largest per-channel sums: {top.map((t) => `ch ${t.c + 1}: ${fmt(t.v)}`).join(' · ')}
          {a.shape.cin > 6 ? ` (of ${a.shape.cin} channels)` : ''}
        </p>
      )}
    </section>
  );
}

function SwitchSections({ a }: { a: UnitArithmetic }) {
  const p = a.pool;
  return (
    <>
      <section className="ov-card-sec" aria-label="Max over a">
        <h4>Max over a (the ReLU): ON or OFF</h4>
        <div className="ov-branches" data-testid="ov-card-relu" data-on={a.relu.engineA === 1} data-r={a.relu.engineR}>
          <span className={a.relu.engineA ? 'won' : undefined}>a = ON: u = {fmt(a.match.engineU)}</span>
          <span className={a.relu.engineA ? undefined : 'won'}>a = OFF: 0</span>
        </div>
        <p className="ov-eq">
          <Tex tex={`r = \\max(0,\\ u) = \\max(0,\\ ${texNum(a.match.engineU)}) = ${texNum(a.relu.engineR)}`} text={`r = max(0, u) = ${fmt(a.relu.engineR)}`} />
        </p>
      </section>
      {p && (
        <section className="ov-card-sec" aria-label="Max over t">
          <h4>Max over t (the max-pool): which position of the window</h4>
          <table className="ov-window" aria-label="The window's four r values; the chosen one is marked" data-testid="ov-card-window" data-winner={p.winner} data-x={p.engineX}>
            <tbody>
              {[0, 1].map((dy) => (
                <tr key={dy}>
                  {[0, 1].map((dx) => {
                    const q = dy * 2 + dx;
                    const here = q === (a.unit.y & 1) * 2 + (a.unit.x & 1);
                    return (
                      <td key={dx} className={`${q === p.winner ? 'won' : ''}${here ? ' here' : ''}`} style={q === p.winner ? { borderColor: T_CATEGORIES[q].css } : undefined}>
                        {T_CATEGORIES[q].name} {fmt(p.values[q])}
                        {q === p.winner ? ' ★' : ''}
                        {here ? <span className="visually-hidden"> (this unit)</span> : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          <p className="ov-eq">
            <Tex
              tex={`x = \\max_t r_t = ${texNum(p.engineX)},\\quad t = \\text{${T_CATEGORIES[p.winner].name}}`}
              text={`x = max over t = ${fmt(p.engineX)}, t = ${T_CATEGORIES[p.winner].name}`}
            />
          </p>
          <p className="dim">
            {p.max > 0
              ? p.chosenHere
                ? 'This unit won its window: the t-switch points here, so the backtrace comes back through it.'
                : `This unit lost its window to ${T_CATEGORIES[p.winner].long}: the backtrace skips it.`
              : 'Every unit of this window is OFF: t (the first position, by the tie rule) carries no path.'}
          </p>
        </section>
      )}
    </>
  );
}

export function UnitArithmeticCard({ view, params, unit, anchor, onClose }: { view: ViewResult; params: ModelParams; unit: UnitRef; anchor: CardAnchor; onClose(): void }) {
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ left: number; top: number; maxHeight: number } | null>(null);
  const result = useMemo(() => {
    try {
      return { a: unitArithmetic(view, params, unit), error: null };
    } catch (e) {
      return { a: null, error: (e as Error).message };
    }
  }, [view, params, unit]);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    setPos(placeCard(anchor, r.width, el.scrollHeight, window.innerWidth, window.innerHeight));
  }, [anchor, result]);
  useLayoutEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, [unit]);
  // A press outside the card closes it (a press on another unit opens that one's card).
  useEffect(() => {
    const down = (e: PointerEvent) => {
      if (ref.current && e.target instanceof Node && !ref.current.contains(e.target) && !(e.target instanceof Element && e.target.closest('[data-testid="ov-picture"]'))) onClose();
    };
    document.addEventListener('pointerdown', down);
    return () => document.removeEventListener('pointerdown', down);
  }, [onClose]);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  };
  const a = result.a;
  const title = a ? `Level ${a.unit.level}, channel ${a.unit.channel + 1}, unit (${a.unit.y + 1}, ${a.unit.x + 1})` : 'Unit';
  return (
    <div
      ref={ref}
      className="ov-card"
      role="dialog"
      aria-modal="false"
      aria-labelledby="ov-card-title"
      tabIndex={-1}
      onKeyDown={onKey}
      style={{ left: pos?.left ?? anchor.x + 14, top: pos?.top ?? anchor.y, maxHeight: pos?.maxHeight, visibility: pos ? 'visible' : 'hidden' }}
      data-testid="ov-card"
      data-level={a?.unit.level}
      data-channel={a?.unit.channel}
      data-y={a?.unit.y}
      data-x={a?.unit.x}
      data-u={a?.match.u}
      data-sum={a?.match.sum}
      data-bias={a?.match.bias}
      data-engine-u={a?.match.engineU}
      data-sx={a?.down.source.value}
      data-su={a?.down.su}
      data-engine-su={a?.down.engineSu}
    >
      <div className="ov-card-head">
        <h3 id="ov-card-title">{title}</h3>
        <button type="button" onClick={onClose} data-testid="ov-card-close">
          Close
        </button>
      </div>
      {a ? (
        <>
          <MatchSection key={`${a.unit.level}-${a.unit.channel}-${a.unit.y}-${a.unit.x}`} a={a} level={a.unit.level} />
          <SwitchSections a={a} />
          <DownSection a={a} />
        </>
      ) : (
        <p role="alert">{result.error}</p>
      )}
    </div>
  );
}
