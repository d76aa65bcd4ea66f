/** The test digit: an index with previous/next buttons, and its label. */
import { useState, type ChangeEvent } from 'react';
import { digitCount, useApp } from './store';

export function DigitPicker() {
  const index = useApp((s) => s.digitIndex);
  const count = useApp(digitCount);
  const test = useApp((s) => s.test);
  const setDigitIndex = useApp((s) => s.setDigitIndex);
  const stepDigit = useApp((s) => s.stepDigit);
  // What the user is typing; the store only takes valid indices, so "" or "12a" stay local.
  const [draft, setDraft] = useState<string | null>(null);
  const max = count - 1;
  const disabled = !test;

  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const text = e.target.value;
    setDraft(text);
    const v = Number(text);
    if (text.trim() !== '' && Number.isInteger(v) && v >= 0 && v <= max) setDigitIndex(v);
  };

  return (
    <fieldset className="controls" disabled={disabled}>
      <legend>Test digit</legend>
      <button type="button" onClick={() => { setDraft(null); stepDigit(-1); }} disabled={index <= 0}>
        <span aria-hidden="true">◀ </span>Previous
      </button>
      <label>
        Index (0–{max})
        <input type="number" min={0} max={max} step={1} value={draft ?? String(index)} onChange={onChange} onBlur={() => setDraft(null)} className="narrow" data-testid="digit-index" />
      </label>
      <button type="button" onClick={() => { setDraft(null); stepDigit(1); }} disabled={index >= max}>
        Next<span aria-hidden="true"> ▶</span>
      </button>
      <span className="digit-label" data-testid="digit-label" data-label={test ? test.labels[index] : undefined}>
        Label: <strong>{test ? test.labels[index] : '…'}</strong>
      </span>
    </fieldset>
  );
}
