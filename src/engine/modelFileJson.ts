/**
 * JSON hygiene for the model file's header (docs/MODEL_FORMAT.md, "Validation"): a nesting bound
 * checked by a scan before anything parses or recurses, prototype-reaching keys refused anywhere,
 * and, for the writer, values that JSON cannot hold exactly refused instead of changed.
 */

/**
 * Deepest nesting of arrays and objects allowed in the header (the header object itself is 1; a
 * written header reaches 4). Recursion over parsed JSON (the key scan below, version 1's
 * JSON.stringify checksum) overflows the stack at a few thousand levels, and a 1 MiB header can
 * nest far deeper than that.
 */
export const MODEL_FILE_MAX_DEPTH = 32;
/** Keys that could reach an object's prototype if a header were ever merged into another object: header data stays data. */
export const FORBIDDEN_HEADER_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The deepest bracket nesting of JSON text, strings skipped; a scan, so no input can overflow the stack. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Where a forbidden key sits in parsed header JSON (e.g. `"__proto__" in header.training`), or null. Depth is already bounded. */
export function forbiddenKeyPath(v: unknown, path: string): string | null {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = forbiddenKeyPath(v[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if ((FORBIDDEN_HEADER_KEYS as readonly string[]).includes(k)) return `"${k}" in ${path}`;
      const found = forbiddenKeyPath(v[k], `${path}.${k}`);
      if (found) return found;
    }
  }
  return null;
}

/** NaN, Infinity and undefined would not survive JSON: refuse them instead of silently changing them. */
export function checkJsonSafe(v: unknown, path: string, fail: (m: string) => never, depth: number): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(`${path} is ${v}, which JSON cannot hold`);
    return;
  }
  if (depth > MODEL_FILE_MAX_DEPTH) fail(`${path} nests deeper than ${MODEL_FILE_MAX_DEPTH} levels`);
  if (Array.isArray(v)) return v.forEach((x, i) => checkJsonSafe(x, `${path}[${i}]`, fail, depth + 1));
  if (isObject(v) && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) {
      if ((FORBIDDEN_HEADER_KEYS as readonly string[]).includes(k)) fail(`${path} has the key "${k}", which is not allowed`);
      if (x !== undefined) checkJsonSafe(x, `${path}.${k}`, fail, depth + 1);
    }
    return;
  }
  fail(`${path} is not plain JSON data`);
}
