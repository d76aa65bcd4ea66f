/** Clutter on the input (clutter.ts draws it): its kind, its amount, and a fresh draw of it. */
import { useId, type ChangeEvent } from 'react';
import { useApp, type Clutter } from '../store';

const KINDS: { value: Clutter['kind']; text: string }[] = [
  { value: 'none', text: 'none' },
  { value: 'noise', text: 'pixel noise' },
  { value: 'fragments', text: 'stroke fragments' },
];

export function ClutterControls() {
  const clutter = useApp((s) => s.clutter);
  const setClutter = useApp((s) => s.setClutter);
  return <ClutterView clutter={clutter} setClutter={setClutter} />;
}

export function ClutterView({ clutter, setClutter }: { clutter: Clutter; setClutter(c: Clutter): void }) {
  const captionId = useId();
  const off = clutter.kind === 'none';
  return (
    <fieldset className="controls clutter-controls" aria-describedby={captionId}>
      <legend>Clutter</legend>
      <label>
        Kind
        <select value={clutter.kind} onChange={(e: ChangeEvent<HTMLSelectElement>) => setClutter({ ...clutter, kind: e.target.value as Clutter['kind'] })} data-testid="clutter-kind">
          {KINDS.map((k) => (
            <option key={k.value} value={k.value}>
              {k.text}
            </option>
          ))}
        </select>
      </label>
      <label>
        Amount {Math.round(clutter.amount * 100)}%
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={clutter.amount}
          disabled={off}
          onChange={(e: ChangeEvent<HTMLInputElement>) => setClutter({ ...clutter, amount: Number(e.target.value) })}
          aria-valuetext={`${Math.round(clutter.amount * 100)} percent`}
          data-testid="clutter-amount"
        />
      </label>
      <button type="button" disabled={off} onClick={() => setClutter({ ...clutter, seed: clutter.seed + 1 })} data-testid="clutter-new" data-seed={clutter.seed}>
        New clutter
      </button>
      <p id={captionId} className="clutter-caption dim">
        Each level keeps only what matches its templates, so invariance to clutter is built up level by level. The Saliency panel measures how much of
        the decision rests on the digit and how much on the background.
      </p>
    </fieldset>
  );
}
