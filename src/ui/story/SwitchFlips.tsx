/**
 * "Which switches flip?": the a- and t-switches of the input on show against those of a pinned
 * input (the first one this card saw, or any the student pins), counted per level. Switches are
 * the DP's back-pointers, so a flip is a part the model now draws differently.
 */
import { useEffect, useState } from 'react';
import type { ForwardMaps } from '../../engine';
import { inferenceKey, useApp, type ViewResult } from '../store';
import { switchFlips, type LevelFlips } from './pick';

interface Pinned {
  key: string;
  name: string;
  forward: ForwardMaps;
}

function nameOf(r: ViewResult): string {
  return r.custom ? (r.custom.kind === 'drawing' ? 'your drawing' : r.custom.name) : `test digit ${r.digitIndex}${r.label >= 0 ? ` (a ${r.label})` : ''}`;
}

const pct = (n: number, of: number) => (of === 0 ? '' : ` (${((100 * n) / of).toFixed(n > 0 && (100 * n) / of < 0.1 ? 2 : 1)}%)`);

export function SwitchFlips() {
  const result = useApp((s) => (s.result && s.result.key === inferenceKey(s) ? s.result : null));
  const [pinned, setPinned] = useState<Pinned | null>(null);
  // The first current result this card sees is the one to compare against.
  useEffect(() => {
    if (!pinned && result) setPinned({ key: result.key, name: nameOf(result), forward: result.result.forward });
  }, [pinned, result]);

  let flips: LevelFlips[] | null = null;
  let problem: string | null = null;
  if (pinned && result && result.key !== pinned.key) {
    try {
      flips = switchFlips(pinned.forward, result.result.forward);
    } catch {
      problem = 'The model changed since the pin: pin this input to compare again.';
    }
  }
  const same = !!pinned && !!result && result.key === pinned.key;
  return (
    <div className="switch-flips" data-testid="switch-flips">
      <p className="switch-flips-head">
        {pinned ? (
          <>
            Switches that differ from <strong>{pinned.name}</strong>:
          </>
        ) : (
          'Waiting for the model’s answer…'
        )}
      </p>
      {same && <p className="dim">Draw on the pad (or pick another digit): the switches that flip are counted here, level by level.</p>}
      {problem && <p>{problem}</p>}
      {flips && (
        <table className="switch-flips-table" data-testid="switch-flips-table">
          <thead>
            <tr>
              <th scope="col">level</th>
              <th scope="col">a-switches (ON/OFF)</th>
              <th scope="col">t-switches (where)</th>
            </tr>
          </thead>
          <tbody>
            {flips.map((f) => (
              <tr key={f.level} data-level={f.level} data-a-flips={f.aFlips} data-t-flips={f.tFlips}>
                <th scope="row">{f.level}</th>
                <td>
                  {f.aFlips.toLocaleString('en-US')} of {f.aCount.toLocaleString('en-US')}
                  {pct(f.aFlips, f.aCount)}
                </td>
                <td>{f.tCount === 0 ? 'no pooling' : `${f.tFlips.toLocaleString('en-US')} of ${f.tCount.toLocaleString('en-US')}${pct(f.tFlips, f.tCount)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result && !same && (
        <button type="button" onClick={() => setPinned({ key: result.key, name: nameOf(result), forward: result.result.forward })}>
          Pin this input instead
        </button>
      )}
    </div>
  );
}
