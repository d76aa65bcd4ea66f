/**
 * The one uniform struct every kernel reads (`struct Dims` in shaders/common.wgsl): sixteen u32
 * fields then eight f32 fields, 96 bytes, in this order. `writeDims` is the only writer; its
 * layout is tested against the WGSL struct by a kernel that echoes the fields back.
 */
export interface Dims {
  n: number;
  cin: number;
  hin: number;
  win: number;
  cout: number;
  hout: number;
  wout: number;
  k: number;
  pad: number;
  classes: number;
  mode: number;
  total: number;
  a0: number;
  a1: number;
  a2: number;
  a3: number;
  f0: number;
  f1: number;
  f2: number;
  f3: number;
  f4: number;
  f5: number;
  f6: number;
  f7: number;
}

export const DIMS_FIELDS: (keyof Dims)[] = [
  'n', 'cin', 'hin', 'win', 'cout', 'hout', 'wout', 'k', 'pad', 'classes', 'mode', 'total', 'a0', 'a1', 'a2', 'a3',
];
export const DIMS_REALS: (keyof Dims)[] = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'];

export const DIMS_BYTES = (DIMS_FIELDS.length + DIMS_REALS.length) * 4;

export function writeDims(d: Partial<Dims>, out = new Uint32Array(DIMS_BYTES / 4)): Uint32Array {
  DIMS_FIELDS.forEach((f, i) => {
    const v = d[f] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`Dims.${f} must be a u32, got ${v}`);
    out[i] = v;
  });
  const reals = new Float32Array(out.buffer, out.byteOffset + DIMS_FIELDS.length * 4, DIMS_REALS.length);
  DIMS_REALS.forEach((f, i) => {
    const v = d[f] ?? 0;
    if (!Number.isFinite(v)) throw new Error(`Dims.${f} must be finite, got ${v}`);
    reals[i] = v;
  });
  return out;
}
