/**
 * The unit card's top-down part: where the backtrace's signal at this unit came from (the class
 * template placed on the top map, or the templates of the level above painting into it: the
 * largest terms of that sum), then the unpooling through t and the mask by a, as the variant in
 * use computes them (arithmetic.ts states the formulas).
 */
import { fmt, T_CATEGORIES } from '../scales';
import type { UnitArithmetic } from './arithmetic';
import { Tex, texNum } from './Tex';

const MASK_TEX: Record<UnitArithmetic['down']['variant'], string> = {
  rendering: 'a\\,\\max(0,\\ s_r)',
  gradient: 'a\\,s_r',
  deconvnet: '\\max(0,\\ s_r)',
};

const MASK_TEXT: Record<UnitArithmetic['down']['variant'], string> = {
  rendering: 'a · max(0, sr)',
  gradient: 'a · sr',
  deconvnet: 'max(0, sr) (no mask)',
};

export function DownSection({ a }: { a: UnitArithmetic }) {
  const d = a.down;
  const src = d.source;
  const l = a.unit.level;
  const pool = a.pool;
  const shown = src.kind === 'level' ? src.terms.slice(0, 5) : [];
  return (
    <section className="ov-card-sec down" aria-label="Going down: the backtrace">
      <h4>Going down: the backtrace from class {d.startClass}</h4>
      {src.kind === 'class' ? (
        <p className="ov-eq">
          {src.readout === 'gap' ? (
            <Tex
              tex={`s_x = \\mu_{${d.startClass}}[${a.unit.channel + 1}] / ${src.positions} = ${texNum(src.mu)} / ${src.positions} = ${texNum(src.value)}`}
              text={`sx = μ_${d.startClass}[${a.unit.channel + 1}] / ${src.positions} = ${fmt(src.value)}`}
            />
          ) : (
            <Tex tex={`s_x = \\mu_{${d.startClass}}[\\text{this position}] = ${texNum(src.value)}`} text={`sx = μ_${d.startClass} at this position = ${fmt(src.value)}`} />
          )}{' '}
          <span className="dim">the class template, placed on the top map by the read-out ({src.readout === 'gap' ? 'global average: spread over every position' : 'dense: one entry per position'})</span>
        </p>
      ) : (
        <>
          <p className="ov-eq">
            <Tex
              tex={`s_x = \\sum_{c',\\,\\delta} s_u^{(${src.level})}\\,W^{(${src.level})} = ${texNum(src.value)}`}
              text={`sx = Σ su(${src.level}) · W(${src.level}) = ${fmt(src.value)}`}
            />{' '}
            <span className="dim">
              painted by {src.nonzero} unit{src.nonzero === 1 ? '' : 's'} of level {src.level} with a nonzero signal
            </span>
          </p>
          {shown.length > 0 && (
            <table className="ov-down-terms" aria-label={`The largest terms painted from level ${src.level}`}>
              <thead>
                <tr>
                  <th scope="col">level {src.level} unit</th>
                  <th scope="col">su</th>
                  <th scope="col">× w</th>
                  <th scope="col">= term</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((t, i) => (
                  <tr key={i}>
                    <td>
                      ch {t.channel + 1} ({t.y + 1}, {t.x + 1})
                    </td>
                    <td>{fmt(t.su)}</td>
                    <td>{fmt(t.w)}</td>
                    <td>{fmt(t.product)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {pool ? (
        <p className="ov-eq">
          <Tex
            tex={`s_r = ${pool.chosenHere ? `s_x = ${texNum(d.sr)}` : `0`}`}
            text={`sr = ${pool.chosenHere ? `sx = ${fmt(d.sr)}` : '0'}`}
          />{' '}
          <span className="dim">{pool.chosenHere ? `unpooled through t: it comes back here (${T_CATEGORIES[pool.winner].name})` : `unpooled through t: it goes to ${T_CATEGORIES[pool.winner].name}, not here`}</span>
        </p>
      ) : (
        <p className="dim">{l > 0 && a.shape.pool ? 'A trailing row or column the pooling drops: no signal comes back.' : 'No pooling at this level: sr = sx.'}</p>
      )}
      <p className="ov-eq" data-testid="ov-card-su">
        <Tex tex={`s_u = ${MASK_TEX[d.variant]} = ${texNum(d.su)}`} text={`su = ${MASK_TEXT[d.variant]} = ${fmt(d.su)}`} />{' '}
        <span className="dim">
          ({d.variant} backtrace; the engine's su = {fmt(d.engineSu)}) — what this unit's template paints into {l === 1 ? 'the pixels' : `level ${l - 1}`}
        </span>
      </p>
    </section>
  );
}
