/**
 * The one uniform struct every kernel reads (`struct Dims` in shaders/common.wgsl): sixteen
 * 32-bit unsigned fields, 64 bytes, in this order. `writeDims` is the only writer; its layout is
 * tested against the WGSL struct by a kernel that echoes the fields back.
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
}

export const DIMS_FIELDS: (keyof Dims)[] = [
  'n', 'cin', 'hin', 'win', 'cout', 'hout', 'wout', 'k', 'pad', 'classes', 'mode', 'total', 'a0', 'a1', 'a2', 'a3',
];

export const DIMS_BYTES = DIMS_FIELDS.length * 4;

export function writeDims(d: Partial<Dims>, out = new Uint32Array(DIMS_FIELDS.length)): Uint32Array {
  DIMS_FIELDS.forEach((f, i) => {
    const v = d[f] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`Dims.${f} must be a u32, got ${v}`);
    out[i] = v;
  });
  return out;
}
