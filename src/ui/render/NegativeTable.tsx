/**
 * Where the top-down signal goes negative, level by level and at the pixels: the count, the
 * fraction and the most negative value of z(l) (the `sr` signal the nonnegativity penalty reads).
 */
import { useMemo } from 'react';
import { TermLink } from '../about/TermLink';
import { fmt } from '../scales';
import type { ViewResult } from '../store';
import { MARK_COLOUR } from './MarkedMap';
import { negativeStats, type NegativeStats } from './metrics';
import { RendersOffer } from './RendersOffer';

/** `topDownNonneg`: the shown model's templates above level 1 and its class templates are all >= 0 (topDownNonnegative). */
export function NegativeTable({ view, topDownNonneg }: { view: ViewResult; topDownNonneg: boolean }) {
  const rows = useMemo(() => {
    const { forward, backtrace } = view.result;
    const levels = backtrace.levels.map((lv, i) => ({ key: String(i + 1), name: `z(${i + 1}), level ${i + 1}`, stats: negativeStats(lv.sr, forward.levels[i].a) }));
    const pixels = { key: 'pixels', name: 'Î = z(0), the pixels', stats: negativeStats(backtrace.pixels) };
    return [...levels.reverse(), pixels];
  }, [view.result]);
  const total = rows.slice(0, -1).reduce((n, r) => n + r.stats.negative, 0);
  const claim = topDownNonneg
    ? 'This model\'s templates above level 1 and its class templates are all ≥ 0, so z(l) ≥ 0 for every input and every switch setting, and its forward pass is exact MAP inference of the NN-DRMM.'
    : `${total > 0 ? `Here ${total.toLocaleString('en-US')} units of z are negative, so` : 'Here no unit of z is negative, but'} with signed templates above level 1 the forward pass is the discriminative relaxation, not exact MAP.`;

  return (
    <section className="render-card" aria-labelledby="render-neg-title" data-testid="negatives">
      <h3 id="render-neg-title">
        Where <TermLink term="nonnegativity">nonnegativity</TermLink> fails: z(l) &lt; 0
      </h3>
      <table className="render-table">
        <caption className="dim">
          From class {view.startClass}, variant <em>{view.variant}</em>, top down. z(l) is the top-down signal at r(l) after unpooling through t(l), before the
          ReLU/mask (<code>sr</code>). Unpooling only places each value of the signal arriving at x(l) in its window, so that signal has the same
          negative values; the level maps below hatch them in{' '}
          <span className="render-mark" style={{ borderColor: MARK_COLOUR }} aria-hidden="true" /> orange.
        </caption>
        <thead>
          <tr>
            <th scope="col">signal</th>
            <th scope="col">units</th>
            <th scope="col">&lt; 0</th>
            <th scope="col">fraction</th>
            <th scope="col">most negative</th>
            <th scope="col">at ON switches</th>
            <th scope="col">mean relu(−z)²</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <Row key={r.key} level={r.key} name={r.name} s={r.stats} />
          ))}
        </tbody>
      </table>
      <p className="dim render-caption">
        The bottom-up max-sum DP is exact MAP inference only for the nonnegative DRMM: pushing each level's max inside the product of the rendering
        matrices needs every intermediate rendered template z(l) ≥ 0. {claim} The <em>rendering</em> variant clips z(l) at 0 and masks it with
        the a-switches on the way down, so only ON units with z(l) &gt; 0 pass the signal on along their{' '}
        <TermLink term="rendering-path">rendering paths</TermLink>; training's nonnegativity term (the last column,
        before its weight a_nn) pushes z(l) towards ≥ 0. The pixels are never rectified, and carry no penalty.
      </p>
      <RendersOffer />
    </section>
  );
}

function Row({ level, name, s }: { level: string; name: string; s: NegativeStats }) {
  return (
    <tr data-testid="neg-row" data-level={level} data-negative={s.negative} data-units={s.units} data-min={s.min}>
      <th scope="row">{name}</th>
      <td>{s.units.toLocaleString('en-US')}</td>
      <td>{s.negative.toLocaleString('en-US')}</td>
      <td>{(100 * s.fraction).toFixed(1)}%</td>
      <td>{s.negative ? fmt(s.min) : '—'}</td>
      <td>{s.atOn === null ? '—' : s.atOn.toLocaleString('en-US')}</td>
      <td>{s.atOn === null ? '—' : fmt(s.penalty)}</td>
    </tr>
  );
}
