/**
 * What an engine, its path DP and a trainer really allocate, against limits.ts's bufferPlan (from
 * which largestBatch caps the batch): every storage buffer the device is asked for is recorded
 * (device.createBuffer wrapped), by label and size, and must be exactly the plan, for several
 * architectures and batches. Also: a kernel step refuses parameters built for another kernel.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DrmmGpuEngine } from '../../src/engine/gpu/engine';
import { KERNELS } from '../../src/engine/gpu/kernels';
import { bufferPlan, largestBatch, plannedBytes, type PlanOptions } from '../../src/engine/gpu/limits';
import { adamParams, reluParams } from '../../src/engine/gpu/params';
import { Step } from '../../src/engine/gpu/runner';
import { GpuTrainer } from '../../src/engine/gpu/trainer';
import { PRESETS, initParams, type ModelSpec } from '../../src/engine/model';
import { BufferTracker, assertNoUncapturedErrors, expectNoGpuErrors, getTestDevice, uploadF32 } from '../helpers/gpu';
import { TWO_LEVEL } from '../helpers/specs';

const tracker = new BufferTracker();
afterEach(async () => {
  tracker.destroyAll();
  await assertNoUncapturedErrors();
});

/** Records the storage buffers created on `device` until `stop()`: label -> bytes. */
function recordStorage(device: GPUDevice): { seen: Map<string, number>; stop: () => void } {
  const seen = new Map<string, number>();
  const original = device.createBuffer;
  device.createBuffer = (desc: GPUBufferDescriptor) => {
    if (desc.usage & GPUBufferUsage.STORAGE) {
      const label = desc.label ?? '(no label)';
      if (seen.has(label)) throw new Error(`two storage buffers labelled ${label}`);
      seen.set(label, desc.size);
    }
    return original.call(device, desc);
  };
  return { seen, stop: () => void (device.createBuffer = original) };
}

/** The plan as label -> bytes, with the owners' labels: the engine's 'drmm.', the trainer's 'drmm.train.'. */
function planned(spec: ModelSpec, batch: number, opts: PlanOptions): Map<string, number> {
  return new Map(bufferPlan(spec, batch, opts).map((b) => [`drmm.${b.name}`, plannedBytes(b, batch)]));
}

const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

const SPECS: [string, ModelSpec][] = [
  ['drmm-compact', PRESETS['drmm-compact']],
  ['two-level, dense', TWO_LEVEL],
  // A level without pooling in the middle and at the top, a global-average read-out, 3 input channels.
  [
    'no pooling, gap, rgb',
    {
      input: { channels: 3, height: 13, width: 11 },
      levels: [
        { kernel: 3, channels: 6, pad: 1, pool: true },
        { kernel: 3, channels: 8, pad: 1, pool: false },
        { kernel: 2, channels: 5, pad: 0, pool: false },
      ],
      readout: 'gap',
      classes: 4,
    },
  ],
];

describe('limits.ts bufferPlan is what the engine and trainer allocate', () => {
  for (const [name, spec] of SPECS)
    for (const batch of [1, 7, 300]) {
      it(`${name}, batch ${batch}: engine, + path DP, + trainer`, async () => {
        const device = await getTestDevice();
        const rec = recordStorage(device);
        let engine: DrmmGpuEngine | null = null;
        let trainer: GpuTrainer | null = null;
        try {
          await expectNoGpuErrors(device, async () => {
            engine = await DrmmGpuEngine.create(device, spec, initParams(spec, 1), { maxBatch: batch });
            expect(sorted(rec.seen)).toEqual(sorted(planned(spec, batch, {})));
            engine.preparePaths();
            expect(sorted(rec.seen)).toEqual(sorted(planned(spec, batch, { paths: true })));
            trainer = new GpuTrainer(engine);
            expect(sorted(rec.seen)).toEqual(sorted(planned(spec, batch, { paths: true, training: true })));
            // The contrastive rendering term's buffers come with its first batch of rival offsets.
            const per = spec.input.channels * spec.input.height * spec.input.width;
            (trainer as GpuTrainer).setBatch(new Float32Array(batch * per), new Array(batch).fill(0), batch, new Array(batch).fill(0));
            expect(sorted(rec.seen)).toEqual(sorted(planned(spec, batch, { paths: true, training: true, contrastive: true })));
          });
        } finally {
          rec.stop();
          (trainer as GpuTrainer | null)?.destroy();
          (engine as DrmmGpuEngine | null)?.destroy();
        }
        const opts = { paths: true, training: true };
        expect(sum(rec.seen)).toBe(sum(planned(spec, batch, { ...opts, contrastive: true })));
        // The batch cap reads the largest buffer that grows with the batch and the largest that
        // does not (the weight gradient's scratch stops growing at a batch of 256).
        const grows = new Set(bufferPlan(spec, batch, opts).filter((b) => b.perImage > 0).map((b) => `drmm.${b.name}`));
        const bytes = (keep: (label: string) => boolean) => Math.max(...[...rec.seen].filter(([l]) => keep(l)).map(([, v]) => v));
        const fit = largestBatch(spec, device.limits, opts);
        expect(bytes((l) => grows.has(l))).toBe(fit.perImageBytes * batch);
        if (batch >= 256) expect(bytes((l) => !grows.has(l))).toBe(fit.fixedBytes);
        else expect(bytes((l) => !grows.has(l))).toBeLessThanOrEqual(fit.fixedBytes);
      });
    }
});

describe('Step', () => {
  it("refuses parameters built for another kernel's kind", async () => {
    const device = await getTestDevice();
    const buf = () => tracker.track(uploadF32(device, new Float32Array(4)));
    const step = tracker.track(new Step(device, KERNELS.reluForward, [buf(), buf(), buf()], 'test.relu'));
    expect(() => step.setDims(adamParams({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1, count: 4 }))).toThrow(
      'relu.relu_forward takes relu parameters, not adam',
    );
    expect(() => step.setDims(reluParams(4))).not.toThrow();
  });
});
