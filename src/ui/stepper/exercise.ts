/**
 * The lecture's exercise ("push the max to the right"): for D-vectors z and u,
 *
 *   max over a in {0,1}^D of z^T diag(a) u  =  sum_i max(a_i in {0,1}) a_i z_i u_i  =  sum_i ReLU(z_i u_i),
 *
 * with the maximiser a_i = [z_i u_i > 0]. When z >= 0 this is z^T ReLU(u), the ReLU of a convnet;
 * with negative entries in z it is not, which is why the NN-DRMM asks for z >= 0. Brute force
 * (all 2^D settings) is here to show the closed form is right, not to compute it.
 */

/** The most entries the brute force accepts (2^D settings are listed). */
export const MAX_D = 10;

/** z^T diag(a) u = sum_i z_i a_i u_i. */
export function switchedValue(z: readonly number[], u: readonly number[], a: readonly number[]): number {
  let v = 0;
  for (let i = 0; i < z.length; i++) if (a[i]) v += z[i] * u[i];
  return v;
}

/** Switch setting number k: a_i is bit i of k. */
export function settingOf(k: number, d: number): number[] {
  return Array.from({ length: d }, (_, i) => (k >> i) & 1);
}

export interface Enumeration {
  /** Every setting, in order k = 0 .. 2^D - 1, with its value. */
  settings: { a: number[]; value: number }[];
  /** The first setting with the largest value (so a tie keeps the switch OFF, as [z u > 0] does). */
  best: number;
  bestValue: number;
}

export function enumerateSwitches(z: readonly number[], u: readonly number[]): Enumeration {
  checkSizes(z, u);
  const d = z.length;
  const settings: Enumeration['settings'] = [];
  let best = 0;
  let bestValue = -Infinity;
  for (let k = 0; k < 1 << d; k++) {
    const a = settingOf(k, d);
    const value = switchedValue(z, u, a);
    settings.push({ a, value });
    if (value > bestValue) {
      bestValue = value;
      best = k;
    }
  }
  return { settings, best, bestValue };
}

/** sum_i ReLU(z_i u_i): the closed form. */
export function reluSum(z: readonly number[], u: readonly number[]): number {
  checkSizes(z, u);
  let v = 0;
  for (let i = 0; i < z.length; i++) v += Math.max(0, z[i] * u[i]);
  return v;
}

/** The maximiser in closed form: a_i = [z_i u_i > 0]. */
export function closedFormSwitches(z: readonly number[], u: readonly number[]): number[] {
  checkSizes(z, u);
  return z.map((zi, i) => (zi * u[i] > 0 ? 1 : 0));
}

/** z^T ReLU(u): what the convnet computes; equal to the max only when z >= 0 (part (b)). */
export function zDotReluU(z: readonly number[], u: readonly number[]): number {
  checkSizes(z, u);
  let v = 0;
  for (let i = 0; i < z.length; i++) v += z[i] * Math.max(0, u[i]);
  return v;
}

/** Equal up to rounding (the two sides add the same terms in a different order). */
export function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** One typed entry: a finite number, or a message saying what is wrong. */
export function parseEntry(text: string): { ok: true; value: number } | { ok: false; message: string } {
  const t = text.trim().replace(/^−/, '-');
  if (t === '') return { ok: false, message: 'Type a number.' };
  const v = Number(t);
  if (!Number.isFinite(v)) return { ok: false, message: `“${text}” is not a number.` };
  if (Math.abs(v) > 1e6) return { ok: false, message: 'Keep it within ±1,000,000.' };
  return { ok: true, value: v };
}

function checkSizes(z: readonly number[], u: readonly number[]): void {
  if (z.length !== u.length) throw new Error(`z has ${z.length} entries but u has ${u.length}`);
  if (z.length < 1 || z.length > MAX_D) throw new Error(`D must be 1..${MAX_D}, got ${z.length}`);
}
