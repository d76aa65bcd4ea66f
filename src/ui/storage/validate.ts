/**
 * Typed checks for data the app reads back from outside its own memory: IndexedDB records (the
 * saved-models library, the training autosaves), which another version of the app, another tab, a
 * browser extension or the user's devtools may have written. Nothing read from storage reaches
 * React (or any other code) before it has passed one of these checks, so a malformed record can be
 * named with the reason instead of, say, an object rendered as a React child (React error #31)
 * blanking the page.
 *
 * Each check takes `unknown` and either returns a value of its type or throws `Invalid` with the
 * field's path and what was found ("meta.mode is an object, not one of supervised, ..."). No `as`
 * cast of unknown data: values are narrowed by `typeof`, `instanceof` and list membership only.
 * Records are read through `field`, own properties only, so nothing on a prototype counts.
 */

/** A record that failed a check: `path` names the field, `reason` what is wrong with it. */
export class Invalid extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path} ${reason}` : reason);
    this.name = 'Invalid';
  }
}

/** A check: the value as type T, or Invalid. `path` names the value in messages. */
export type Check<T> = (v: unknown, path: string) => T;

/** A short description of what a value is, for messages (never the value itself when it is large). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return `${v.byteLength} bytes`;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return 'binary data of another kind';
  switch (typeof v) {
    case 'string':
      return v.length > 24 ? `the text "${v.slice(0, 24)}…"` : `the text ${JSON.stringify(v)}`;
    case 'number':
      return Number.isFinite(v) ? `the number ${v}` : `${v}`;
    case 'boolean':
      return `${v}`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof v}`;
  }
}

/** True for a non-null object that is not a list (a record read back from storage). */
export function isRecord(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A record's own property (undefined when absent or inherited). */
export function field(o: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d && 'value' in d ? d.value : undefined;
}

/** The value as a record, or Invalid. */
export function record(v: unknown, path: string): object {
  if (!isRecord(v)) throw new Invalid(path, `is ${describe(v)}, not a record`);
  return v;
}

/** A string of at most `max` characters (and at least `min`). */
export function text(max: number, min = 0): Check<string> {
  return (v, path) => {
    if (typeof v !== 'string') throw new Invalid(path, `is ${describe(v)}, not text`);
    if (v.length < min) throw new Invalid(path, min === 1 ? 'is empty' : `is shorter than ${min} characters`);
    if (v.length > max) throw new Invalid(path, `is ${v.length} characters long (at most ${max})`);
    return v;
  };
}

/** A finite number in [min, max]. */
export function num(min = -Infinity, max = Infinity): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(path, `is ${describe(v)}, not a finite number`);
    if (v < min || v > max) throw new Invalid(path, `is ${v}, outside ${min}..${max}`);
    return v;
  };
}

/** An integer in [min, max]. */
export function int(min = 0, max = Number.MAX_SAFE_INTEGER): Check<number> {
  const n = num(min, max);
  return (v, path) => {
    const x = n(v, path);
    if (!Number.isInteger(x)) throw new Invalid(path, `is ${x}, not a whole number`);
    return x;
  };
}

/** True or false. */
export const bool: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new Invalid(path, `is ${describe(v)}, not true or false`);
  return v;
};

/** One of a fixed list of strings. */
export function oneOf<T extends string>(list: readonly T[]): Check<T> {
  return (v, path) => {
    const hit = list.find((x) => x === v);
    if (hit === undefined) throw new Invalid(path, `is ${describe(v)}, not one of ${list.join(', ')}`);
    return hit;
  };
}

/** The check's value, or null. */
export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, path) => (v === null ? null : check(v, path));
}

/** Bytes (a Uint8Array, as IndexedDB gives back what was stored as one). */
export const bytes: Check<Uint8Array> = (v, path) => {
  if (!(v instanceof Uint8Array)) throw new Invalid(path, `is ${describe(v)}, not bytes`);
  return v;
};

/** A record's field, checked: `at(o, 'meta', check, 'run')` checks o.meta as "run.meta". */
export function at<T>(o: object, key: string, check: Check<T>, path: string): T {
  return check(field(o, key), path ? `${path}.${key}` : key);
}

/** Runs a check without throwing: the value, or the reason it failed. */
export function attempt<T>(check: Check<T>, v: unknown, path: string): { ok: true; value: T } | { ok: false; reason: string } {
  try {
    return { ok: true, value: check(v, path) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.message };
    return { ok: false, reason: `could not be read (${e instanceof Error ? e.message : String(e)})` };
  }
}

/** A storage key as text for a message or a list: strings as they are, other keys described. */
export function keyText(key: unknown): string {
  if (typeof key === 'string') return key.length > 80 ? `${key.slice(0, 80)}…` : key;
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  return `(a key that is ${describe(key)})`;
}
