/**
 * The convolution shapes every conv kernel is tested on (tests/gpu/kernels.test.ts, the direct
 * kernels; tests/gpu/gemm.test.ts, the implicit-GEMM ones): odd sizes, several paddings, batches
 * above 1, channel counts that are not powers of two, and multiples of 8 channels (where the
 * engine uses the 8-channel blocks).
 */
export interface ConvCase {
  n: number;
  cin: number;
  h: number;
  w: number;
  cout: number;
  k: number;
  pad: number;
}

export const CONV_CASES: ConvCase[] = [
  { n: 3, cin: 2, h: 7, w: 9, cout: 5, k: 3, pad: 1 },
  { n: 2, cin: 3, h: 11, w: 6, cout: 4, k: 5, pad: 2 },
  { n: 1, cin: 1, h: 8, w: 8, cout: 3, k: 5, pad: 4 },
  { n: 2, cin: 4, h: 9, w: 7, cout: 2, k: 3, pad: 0 },
  { n: 2, cin: 6, h: 10, w: 13, cout: 9, k: 3, pad: 1 },
  { n: 2, cin: 8, h: 9, w: 11, cout: 16, k: 3, pad: 1 },
  { n: 1, cin: 16, h: 6, w: 7, cout: 8, k: 5, pad: 2 },
];

/** The weight gradient is also tested with many images of one channel (the first level's case). */
export const WGRAD_CASES: ConvCase[] = [...CONV_CASES, { n: 5, cin: 1, h: 9, w: 9, cout: 6, k: 5, pad: 2 }];

/** The case's template-match map size and its Dims geometry. */
export function geometry(c: ConvCase) {
  const ho = c.h + 2 * c.pad - c.k + 1;
  const wo = c.w + 2 * c.pad - c.k + 1;
  return { ho, wo, dims: { n: c.n, cin: c.cin, hin: c.h, win: c.w, cout: c.cout, hout: ho, wout: wo, k: c.k, pad: c.pad } };
}
