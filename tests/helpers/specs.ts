/**
 * Fixed architectures for tests whose expected numbers (buffer sizes, thread counts, messages,
 * table sizes) are worked out by hand for one shape, so that resizing a preset does not change
 * what such a test checks. TWO_LEVEL is drmm-compact's shape before 2026-12-04.
 */
import type { ModelSpec } from '../../src/engine/model';

/** 5x5 x 12 templates (padded, pooled), then 3x3 x 24 (padded, pooled), dense read-out: 28x28 -> 14x14 -> 7x7. */
export const TWO_LEVEL: ModelSpec = {
  input: { channels: 1, height: 28, width: 28 },
  levels: [
    { kernel: 5, channels: 12, pad: 2, pool: true },
    { kernel: 3, channels: 24, pad: 1, pool: true },
  ],
  readout: 'dense',
  classes: 10,
};

/** Three levels over a 9x11 input: 3x3 x 3 (padded, pooled), 3x3 x 4 (padded, no pooling), 2x2 x 3 (pooled), global-average read-out, 4 classes. */
export const SMALL: ModelSpec = {
  input: { channels: 1, height: 9, width: 11 },
  levels: [
    { kernel: 3, channels: 3, pad: 1, pool: true },
    { kernel: 3, channels: 4, pad: 1, pool: false },
    { kernel: 2, channels: 3, pad: 0, pool: true },
  ],
  readout: 'gap',
  classes: 4,
};

/** For finite-difference checks in float64 (a few hundred parameters): 8x7 input, 3x3 x 3 (padded, pooled), 2x2 x 4 (padded), global-average read-out, 3 classes. */
export const FD_SPEC: ModelSpec = {
  input: { channels: 1, height: 8, width: 7 },
  levels: [
    { kernel: 3, channels: 3, pad: 1, pool: true },
    { kernel: 2, channels: 4, pad: 1, pool: false },
  ],
  readout: 'gap',
  classes: 3,
};
