// Proves the GPU test harness itself: an adapter exists, compute runs and reads back correctly,
// and GPU validation errors are caught rather than silently ignored.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  BufferTracker,
  MAX_LIMITS,
  assertNoUncapturedErrors,
  describeAdapter,
  expectNoGpuErrors,
  getTestAdapter,
  getTestDevice,
  readBuffer,
  releaseTestDevice,
  uploadF32,
  uploadU32,
} from '../helpers/gpu';

const DOUBLE_INDEX_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> n: u32;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i < n) { out[i] = f32(i) * 2.0; }
}
`;

describe('GPU test device (Dawn)', () => {
  const tracker = new BufferTracker();

  afterEach(async () => {
    tracker.destroyAll();
    await assertNoUncapturedErrors();
  });
  afterAll(() => releaseTestDevice());

  it('finds and describes an adapter, with limits raised to the adapter maximum', async () => {
    const device = await getTestDevice();
    const adapter = await getTestAdapter();
    const description = describeAdapter();
    console.log(`GPU adapter: ${description}`);
    expect(description.length).toBeGreaterThan(0);
    expect(device).toBe(await getTestDevice()); // cached
    for (const key of MAX_LIMITS) expect(device.limits[key], key).toBe(adapter.limits[key]);
  });

  it('runs an inline WGSL compute shader and reads the result back', async () => {
    const device = await getTestDevice();
    const n = 1000; // not a multiple of the workgroup size, so the bounds check matters
    const out = tracker.track(uploadF32(device, new Float32Array(n).fill(-1), undefined, 'out'));
    const params = tracker.track(
      uploadU32(device, [n], GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'params'),
    );

    await expectNoGpuErrors(device, async () => {
      const module = device.createShaderModule({ label: 'double-index', code: DOUBLE_INDEX_WGSL });
      const pipeline = device.createComputePipeline({
        label: 'double-index',
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
      });
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: out } },
          { binding: 1, resource: { buffer: params } },
        ],
      });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(Math.ceil(n / 64));
      pass.end();
      device.queue.submit([encoder.finish()]);
    });

    const values = new Float32Array(await readBuffer(device, out));
    expect(values.length).toBe(n);
    const expected = Float32Array.from({ length: n }, (_, i) => i * 2);
    expect(Array.from(values)).toEqual(Array.from(expected));

    // Partial read at an offset: elements 10..14.
    const part = new Float32Array(await readBuffer(device, out, 5 * 4, 10 * 4));
    expect(Array.from(part)).toEqual([20, 22, 24, 26, 28]);
  });

  it('expectNoGpuErrors throws on an invalid bind group', async () => {
    const device = await getTestDevice();
    const small = tracker.track(uploadF32(device, [1], GPUBufferUsage.COPY_DST, 'not-storage'));
    const module = device.createShaderModule({ code: DOUBLE_INDEX_WGSL });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });

    await expect(
      expectNoGpuErrors(device, () => {
        // Invalid twice over: binding 0 lacks STORAGE usage, and binding 1 is missing.
        device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          entries: [{ binding: 0, resource: { buffer: small } }],
        });
      }),
    ).rejects.toThrow(/GPU error\(s\) captured:[\s\S]*\[validation\]/);

    // The scopes were popped: a valid call afterwards is clean.
    await expectNoGpuErrors(device, () => {
      tracker.track(uploadF32(device, [1, 2, 3], undefined, 'valid'));
    });
  });

  it('assertNoUncapturedErrors reports errors raised outside any error scope', async () => {
    const device = await getTestDevice();
    // Invalid usage (MAP_READ with STORAGE) and no scope: goes to 'uncapturederror'.
    // (Dawn also prints this one to stderr as "validation: ..."; that output is expected.)
    tracker.track(
      device.createBuffer({ label: 'bad-usage', size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE }),
    );
    await expect(assertNoUncapturedErrors()).rejects.toThrow(/Uncaptured GPU error/);
    await assertNoUncapturedErrors(); // cleared by the previous call
  });
});
