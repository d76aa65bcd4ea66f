/**
 * The <option>s of a <select> over a list of values: each option's key and value are the value
 * itself, and its text is `text(value)` (the value as written, unless a text is given). The
 * selects of the model, view, training, render, sampling and test-browser controls all list
 * their choices this way.
 */
import type { ReactNode } from 'react';

export function Options<T extends string | number>({ values, text = String }: { values: readonly T[]; text?: (value: T) => ReactNode }) {
  return (
    <>
      {values.map((v) => (
        <option key={v} value={v}>
          {text(v)}
        </option>
      ))}
    </>
  );
}

/** The classes 0 .. count - 1, as options. */
export function ClassOptions({ count }: { count: number }) {
  return <Options values={Array.from({ length: count }, (_, c) => c)} />;
}
