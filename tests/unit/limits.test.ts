// The largest batch a model fits on a device, from made-up device limits (src/engine/gpu/limits.ts):
// buffer size, buffer binding size, dispatch size (workgroups a dimension) and invocations a
// workgroup each decide in turn, and the messages say which and what to use instead.
import { describe, expect, it } from 'vitest';
import { capBatch, largestBatch, type LimitsLike } from '../../src/engine/gpu/limits';
import { PRESETS, type ModelSpec } from '../../src/engine/model';
import { TWO_LEVEL } from '../helpers/specs';

/** WebGPU's default limits (what any adapter offers at least). */
const DEFAULTS: LimitsLike = {
  maxStorageBufferBindingSize: 128 * 2 ** 20,
  maxBufferSize: 256 * 2 ** 20,
  maxComputeWorkgroupsPerDimension: 65535,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
};

describe('largestBatch', () => {
  it('is set by the largest map under the default limits', () => {
    // drmm-mnist: level 1's r is 32 channels x 32 x 32 (padded 28 + 2 x 2) = 131,072 bytes an image.
    expect(largestBatch(PRESETS['drmm-mnist'], DEFAULTS)).toMatchObject({ maxBatch: 1024, limitedBy: 'buffer', largest: 'level1.r', perImageBytes: 131072 });
    // TWO_LEVEL: 12 x 28 x 28 floats = 37,632 bytes; 128 MiB / 37,632 = 3,566.5.
    expect(largestBatch(TWO_LEVEL, DEFAULTS)).toMatchObject({ maxBatch: 3566, limitedBy: 'buffer', largest: 'level1.r' });
    // rmm-shallow: 32 x 28 x 28 floats = 100,352 bytes: 1,337 images.
    expect(largestBatch(PRESETS['rmm-shallow'], DEFAULTS, { training: true, paths: true }).maxBatch).toBe(1337);
  });

  it('takes the smaller of the binding size and the buffer size', () => {
    const lim = { ...DEFAULTS, maxBufferSize: 2 ** 20 };
    expect(largestBatch(TWO_LEVEL, lim)).toMatchObject({ maxBatch: 27, bufferCap: 2 ** 20 }); // 1,048,576 / 37,632 = 27.9
  });

  it('is set by the dispatch grid when few workgroups a dimension are allowed', () => {
    // 64 x 200 x 200 = 2,560,000 threads a dispatch; TWO_LEVEL's largest dispatch is 9,408 threads an image.
    const fit = largestBatch(TWO_LEVEL, { ...DEFAULTS, maxComputeWorkgroupsPerDimension: 200 });
    expect(fit).toMatchObject({ maxBatch: 272, limitedBy: 'dispatch', perImageThreads: 9408, threadCap: 2_560_000 });
  });
});

describe('capBatch', () => {
  it('keeps a batch that fits, caps one that does not, with a message', () => {
    const lim = { ...DEFAULTS, maxStorageBufferBindingSize: 2 ** 20 };
    expect(capBatch(TWO_LEVEL, lim, 16, { training: true })).toEqual({ batch: 16, message: null });
    const c = capBatch(TWO_LEVEL, lim, 64, { training: true });
    expect(c.batch).toBe(27);
    expect(c.message).toBe(
      'Batch 64 does not fit this GPU: each image needs 0.036 MiB in its largest buffer (level1.r) and this GPU allows 1.0 MiB a buffer. Using batch 27 instead.',
    );
    const d = capBatch(TWO_LEVEL, { ...DEFAULTS, maxComputeWorkgroupsPerDimension: 200 }, 1000);
    expect(d.batch).toBe(272);
    expect(d.message).toMatch(/each image needs 9,408 threads in its largest dispatch and this GPU runs at most 2,560,000 in one\. Using batch 272 instead\.$/);
  });

  it('refuses a model that fits no batch at all, saying why', () => {
    // rmm-shallow's class templates: 10 x 6,272 floats = 250,880 bytes in one buffer.
    expect(() => capBatch(PRESETS['rmm-shallow'], { ...DEFAULTS, maxStorageBufferBindingSize: 200_000 }, 8)).toThrow(
      "This model does not fit this GPU: its weights need a 0.239 MiB buffer, above this GPU's limit of 0.191 MiB a buffer.",
    );
    // A small model whose weights fit where one image's map (4 x 26 x 26 floats = 10,816 bytes) does not.
    const tiny: ModelSpec = { input: { channels: 1, height: 28, width: 28 }, levels: [{ kernel: 3, channels: 4, pad: 0, pool: true }], readout: 'gap', classes: 10 };
    expect(() => capBatch(tiny, { ...DEFAULTS, maxStorageBufferBindingSize: 5000 }, 8)).toThrow(
      "This model does not fit this GPU: one image needs a 0.010 MiB buffer (level1.r), above this GPU's limit of 0.005 MiB a buffer.",
    );
    expect(() => capBatch(TWO_LEVEL, { ...DEFAULTS, maxComputeInvocationsPerWorkgroup: 32 }, 8)).toThrow(
      'this GPU allows 32 invocations a workgroup; the kernels need 64',
    );
    expect(() => capBatch(TWO_LEVEL, { ...DEFAULTS, maxComputeWorkgroupsPerDimension: 1 }, 8)).toThrow(/one image needs 9,408 threads in one dispatch and this GPU runs at most 64/);
  });
});
