/**
 * The lecture's exercise, interactive: edit z and u, see all 2^D switch settings a with their value
 * z^T diag(a) u (the best highlighted) beside sum_i ReLU(z_i u_i), and that the two agree; part (b),
 * z^T ReLU(u), agrees only when z >= 0. A badly typed entry is flagged and the last good value kept.
 */
import { useId, useState } from 'react';
import { TermLink } from '../about/TermLink';
import { fmt } from '../scales';
import { closedFormSwitches, enumerateSwitches, nearlyEqual, parseEntry, reluSum, zDotReluU } from './exercise';

const MIN_D = 2;
const MAX_SHOWN_D = 5;

export interface Entry {
  text: string;
  value: number;
  error: string | null;
}

const entry = (v: number): Entry => ({ text: String(v), value: v, error: null });
const START_Z = [1, -2, 0.5, 1.5];
const START_U = [2, -1, -1, 0.5];

/**
 * The exercise's state: z and u as typed (a bad entry keeps the last good value and says so), and
 * everything computed from them. Shared by this panel's version and the story's compact one.
 */
export function useReluExercise() {
  const [z, setZ] = useState<Entry[]>(START_Z.map(entry));
  const [u, setU] = useState<Entry[]>(START_U.map(entry));
  const zv = z.map((e) => e.value);
  const uv = u.map((e) => e.value);
  // At most 2^5 settings: cheap enough to list on every render.
  const en = enumerateSwitches(zv, uv);
  const closed = closedFormSwitches(zv, uv);
  const sum = reluSum(zv, uv);
  const naive = zDotReluU(zv, uv);
  const zNonneg = zv.every((v) => v >= 0);
  const equal = nearlyEqual(en.bestValue, sum);

  const edit = (which: 'z' | 'u', i: number, text: string) => {
    const set = which === 'z' ? setZ : setU;
    set((prev) =>
      prev.map((e, j) => {
        if (j !== i) return e;
        const p = parseEntry(text);
        return p.ok ? { text, value: p.value, error: null } : { text, value: e.value, error: `${p.message} Still using ${fmt(e.value)}.` };
      }),
    );
  };
  const resize = (d: number) => {
    const fit = (prev: Entry[]) => (d > prev.length ? [...prev, entry(1)] : prev.slice(0, d));
    setZ(fit);
    setU(fit);
  };
  return { z, u, zv, uv, en, closed, sum, naive, zNonneg, equal, edit, resize };
}

export const EXERCISE_MIN_D = MIN_D;
export const EXERCISE_MAX_D = MAX_SHOWN_D;

export function ReluExercise() {
  const id = useId();
  const { z, u, zv, uv, en, closed, sum, naive, zNonneg, equal, edit, resize } = useReluExercise();
  const aText = (a: number[]) => `(${a.join(', ')})`;

  return (
    <div className="relu-exercise" data-testid="relu-exercise" data-max={en.bestValue} data-relu-sum={sum} data-equal={equal}>
      <p>
        Solve max over a ∈ {'{0, 1}'}
        <sup>D</sup> of zᵀ diag(a) u. Hint from the lecture: push the max to the right, zᵀ diag(a) u = Σᵢ aᵢ zᵢ uᵢ, and each aᵢ can be chosen on
        its own. This is why <TermLink term="relu">a ReLU is a max over ON/OFF switches</TermLink>.
      </p>
      <div className="exercise-grid">
        <table className="exercise-inputs">
          <caption>Edit z and u</caption>
          <thead>
            <tr>
              <th scope="col">i</th>
              <th scope="col">zᵢ</th>
              <th scope="col">uᵢ</th>
              <th scope="col">zᵢuᵢ</th>
              <th scope="col">ReLU(zᵢuᵢ)</th>
              <th scope="col">âᵢ = [zᵢuᵢ &gt; 0]</th>
            </tr>
          </thead>
          <tbody>
            {z.map((ze, i) => {
              const ue = u[i];
              const p = zv[i] * uv[i];
              return (
                <tr key={i}>
                  <th scope="row">{i + 1}</th>
                  {[['z', ze] as const, ['u', ue] as const].map(([which, e]) => (
                    <td key={which}>
                      <input
                        type="text"
                        inputMode="decimal"
                        size={5}
                        value={e.text}
                        aria-label={`${which}${i + 1}`}
                        aria-invalid={e.error ? true : undefined}
                        aria-describedby={e.error ? `${id}-${which}${i}` : undefined}
                        data-testid={`exercise-${which}-${i}`}
                        onChange={(ev) => edit(which, i, ev.target.value)}
                      />
                      {e.error && (
                        <span className="field-error" id={`${id}-${which}${i}`} role="alert">
                          {e.error}
                        </span>
                      )}
                    </td>
                  ))}
                  <td>{fmt(p)}</td>
                  <td>{fmt(Math.max(0, p))}</td>
                  <td>{closed[i]}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <div className="exercise-enum-box">
          <p className="dim" id={`${id}-enum`}>
            All {en.settings.length} switch settings a and their value zᵀ diag(a) u; the best is marked ★.
          </p>
          <ol className="exercise-enum" aria-labelledby={`${id}-enum`}>
            {en.settings.map((s, k) => (
              <li key={k} className={k === en.best ? 'best' : undefined} data-best={k === en.best}>
                a = {aText(s.a)}: <strong>{fmt(s.value)}</strong>
                {k === en.best ? ' ★ max' : ''}
              </li>
            ))}
          </ol>
        </div>
      </div>
      <div className="exercise-controls">
        <button type="button" onClick={() => resize(z.length - 1)} disabled={z.length <= MIN_D}>
          Remove an entry
        </button>
        <button type="button" onClick={() => resize(z.length + 1)} disabled={z.length >= MAX_SHOWN_D}>
          Add an entry
        </button>
        <span className="dim">D = {z.length}: {en.settings.length} settings enumerated.</span>
      </div>
      <p className="exercise-result" data-testid="exercise-result">
        Brute force: max = <strong>{fmt(en.bestValue)}</strong> at a = {aText(en.settings[en.best].a)}. Closed form: Σᵢ ReLU(zᵢuᵢ) ={' '}
        <strong>{fmt(sum)}</strong> with â = [z ⊙ u &gt; 0] = {aText(closed)}. {equal ? 'They are equal.' : 'They differ (this should never happen).'}
      </p>
      <p>
        (b) zᵀ ReLU(u) = <strong>{fmt(naive)}</strong>:{' '}
        {zNonneg
          ? 'with z ≥ 0 this equals the max too: the convnet’s ReLU on u is exactly the max over the switches.'
          : nearlyEqual(naive, sum)
            ? 'equal here, but only by luck of these values: with negative entries in z it need not be.'
            : 'different, because z has negative entries: the convnet’s ReLU on u is the max over the switches only when the top-down signal is nonnegative.'}{' '}
        That is the <TermLink term="nonnegativity">nonnegativity</TermLink> condition of the NN-DRMM.
      </p>
    </div>
  );
}
