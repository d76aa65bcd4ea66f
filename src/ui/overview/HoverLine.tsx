/**
 * One line under the picture naming what the pointer (or the keyboard cursor) is over, in any
 * view, with its values: a unit's u, r, switch and top-down signal, a pooled unit's max and t, a
 * pixel's intensity and reconstruction. The outlines' colours are explained beside it.
 */
import { shapesOf } from '../../engine';
import { fmt, T_CATEGORIES } from '../scales';
import type { HoverTarget } from '../picture/slice';
import { useApp, type ViewResult } from '../store';
import { LINK_COLOURS } from './links';

export function hoverText(view: ViewResult, h: HoverTarget): string {
  if (h.kind === 'pixel') {
    const { height, width } = view.spec.input;
    if (h.y < 0 || h.y >= height || h.x < 0 || h.x >= width) return '';
    const j = h.y * width + h.x;
    return `Pixel (${h.y + 1}, ${h.x + 1}): I = ${fmt(view.image[j])}, Î = ${fmt(view.result.backtrace.pixels[j])}`;
  }
  const u = h.unit;
  const s = shapesOf(view.spec).levels[u.level - 1];
  if (!s) return '';
  const f = view.result.forward.levels[u.level - 1];
  const b = view.result.backtrace.levels[u.level - 1];
  if (u.stage === 'pool' && s.pool) {
    if (u.y >= s.hout || u.x >= s.wout || u.channel >= s.c) return '';
    const j = (u.channel * s.hout + u.y) * s.wout + u.x;
    return `Level ${u.level}, channel ${u.channel + 1}, pooled (${u.y + 1}, ${u.x + 1}): x = ${fmt(f.x[j])}, t = ${f.x[j] > 0 ? T_CATEGORIES[f.t![j]].name : 'none'}, sx = ${fmt(b.sx[j])}`;
  }
  if (u.y >= s.hc || u.x >= s.wc || u.channel >= s.c) return '';
  const j = (u.channel * s.hc + u.y) * s.wc + u.x;
  return `Level ${u.level}, channel ${u.channel + 1}, unit (${u.y + 1}, ${u.x + 1}): u = ${fmt(f.u[j])}, a = ${f.a[j] ? 'ON' : 'OFF'}, r = ${fmt(f.r[j])}; top-down sr = ${fmt(b.sr[j])}, su = ${fmt(b.su[j])}`;
}

export function HoverLine() {
  const view = useApp((s) => s.result);
  const hover = useApp((s) => s.picture.hover);
  const text = view && hover ? hoverText(view, hover) : '';
  return (
    <p className="ov-hover" data-testid="ov-hover" data-hover={text ? 'true' : 'false'}>
      {text ? (
        <>
          <span>{text}</span>{' '}
          <span className="dim">
            <i style={{ borderColor: LINK_COLOURS.below }} /> its inputs and receptive field <i style={{ borderColor: LINK_COLOURS.above }} /> the units it feeds
          </span>
        </>
      ) : (
        <span className="dim">Hover a map for a unit’s numbers; click a level to expand it, then a unit for its arithmetic.</span>
      )}
    </p>
  );
}
