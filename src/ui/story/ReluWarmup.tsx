/**
 * The lecture's second warm-up in the story's strip: the ReLU exercise of the DP stepper
 * (stepper/ReluExercise.tsx, the same state and math from stepper/exercise.ts), laid out to fit a
 * story card: z and u as one row each, the 2^D switch settings as a grid with the best marked,
 * and the closed form beside the brute force. At most 4 entries here (16 settings).
 */
import { Fragment } from 'react';
import { fmt } from '../scales';
import { EXERCISE_MIN_D, useReluExercise } from '../stepper/ReluExercise';
import { nearlyEqual } from '../stepper/exercise';

const MAX_D_HERE = 4;

export function ReluWarmup() {
  const { z, u, zv, uv, en, closed, sum, naive, zNonneg, equal, edit, resize } = useReluExercise();
  const d = z.length;
  const error = [...z, ...u].find((e) => e.error)?.error ?? null;
  return (
    <div className="relu-warmup" data-testid="relu-warmup" data-max={en.bestValue} data-relu-sum={sum} data-equal={equal}>
      <div className="relu-warmup-row">
        <table className="relu-warmup-inputs">
          <caption className="sr-only">z and u, and what the closed form makes of them</caption>
          <thead>
            <tr>
              <th scope="col">i</th>
              {z.map((_, i) => (
                <th scope="col" key={i}>
                  {i + 1}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {([['z', z] as const, ['u', u] as const]).map(([which, entries]) => (
              <tr key={which}>
                <th scope="row">{which}ᵢ</th>
                {entries.map((e, i) => (
                  <td key={i}>
                    <input
                      type="text"
                      inputMode="decimal"
                      size={4}
                      value={e.text}
                      aria-label={`${which}${i + 1}`}
                      aria-invalid={e.error ? true : undefined}
                      data-testid={`warmup-${which}-${i}`}
                      onChange={(ev) => edit(which, i, ev.target.value)}
                    />
                  </td>
                ))}
              </tr>
            ))}
            <tr>
              <th scope="row">zᵢuᵢ</th>
              {zv.map((zi, i) => (
                <td key={i}>{fmt(zi * uv[i])}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">âᵢ</th>
              {closed.map((a, i) => (
                <td key={i} className={a ? 'on' : 'off'}>
                  {a}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
        <div className="relu-warmup-enum">
          <p className="relu-warmup-note" id="relu-warmup-enum">
            All {en.settings.length} settings of a: zᵀ diag(a) u
          </p>
          <ol aria-labelledby="relu-warmup-enum" style={{ gridTemplateColumns: `repeat(${Math.min(4, en.settings.length)}, auto)` }}>
            {en.settings.map((s, k) => (
              <li key={k} className={k === en.best ? 'best' : undefined} data-best={k === en.best}>
                <span className="bits">{s.a.join('')}</span> {fmt(s.value)}
                {k === en.best && (
                  <Fragment>
                    {' '}
                    <span aria-label="the max">★</span>
                  </Fragment>
                )}
              </li>
            ))}
          </ol>
        </div>
      </div>
      <p className="relu-warmup-result" data-testid="warmup-result" role="status">
        {error ?? (
          <>
            Max over all a: <strong>{fmt(en.bestValue)}</strong> = Σ ReLU(zᵢuᵢ) = <strong>{fmt(sum)}</strong> {equal ? '✓' : '(they differ: this should never happen)'}.
            zᵀReLU(u) = <strong>{fmt(naive)}</strong>:{' '}
            {zNonneg ? 'equal, since z ≥ 0.' : nearlyEqual(naive, sum) ? 'equal here by luck (z has a negative entry).' : 'not equal: z has a negative entry.'}
          </>
        )}
      </p>
      <p className="relu-warmup-size">
        <button type="button" onClick={() => resize(d - 1)} disabled={d <= EXERCISE_MIN_D}>
          Remove an entry
        </button>{' '}
        <button type="button" onClick={() => resize(d + 1)} disabled={d >= MAX_D_HERE}>
          Add an entry
        </button>
      </p>
    </div>
  );
}
