// The training benchmark's pure parts: GPU call counting (bench/trainCount.ts) and its arithmetic
// (bench/trainStats.ts). The browser run itself is `npm run bench -- --train`.
import { afterEach, describe, expect, it } from 'vitest';
import { countCalls } from '../../bench/trainCount';
import { lossAgrees, maxRelDiff, speedRatio, stepsPerSample, stepTiming } from '../../bench/trainStats';

// Stand-ins for the browser's WebGPU / WebGL interfaces (Node has none): countCalls wraps
// whatever prototypes it finds on globalThis.
class FakePass {
  dispatchWorkgroups(x: number): number {
    return x;
  }
}
class FakeQueue {
  submits = 0;
  submit(): void {
    this.submits++;
  }
  writeBuffer(): void {}
}
class FakeGl {
  drawElements(): void {}
  flush(): void {}
}
const g = globalThis as Record<string, unknown>;

describe('countCalls', () => {
  afterEach(() => {
    delete g.GPUComputePassEncoder;
    delete g.GPUQueue;
    delete g.WebGL2RenderingContext;
  });

  it('counts dispatches, submits, writes, draws and flushes made while the function runs', async () => {
    g.GPUComputePassEncoder = FakePass;
    g.GPUQueue = FakeQueue;
    g.WebGL2RenderingContext = FakeGl;
    const pass = new FakePass();
    const queue = new FakeQueue();
    const gl = new FakeGl();
    const c = await countCalls(async () => {
      expect(pass.dispatchWorkgroups(7)).toBe(7); // the original still runs and returns
      pass.dispatchWorkgroups(1);
      queue.writeBuffer();
      await Promise.resolve();
      queue.submit();
      gl.drawElements();
      gl.drawElements();
      gl.drawElements();
      gl.flush();
    });
    expect(c).toEqual({ dispatches: 2, submits: 1, queueWrites: 1, draws: 3, flushes: 1 });
    expect(queue.submits).toBe(1);
  });

  it('restores the prototypes afterwards, also when the function throws', async () => {
    g.GPUQueue = FakeQueue;
    const original = FakeQueue.prototype.submit;
    await expect(countCalls(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(FakeQueue.prototype.submit).toBe(original);
    const c = await countCalls(async () => {});
    new FakeQueue().submit(); // after the count: not counted
    expect(c.submits).toBe(0);
    expect(FakeQueue.prototype.submit).toBe(original);
  });

  it('works where an API is missing (no WebGL, no WebGPU)', async () => {
    const c = await countCalls(async () => {});
    expect(c).toEqual({ dispatches: 0, submits: 0, queueWrites: 0, draws: 0, flushes: 0 });
  });
});

describe('training bench arithmetic', () => {
  it('maxRelDiff takes the worst step, relative to the reference', () => {
    expect(maxRelDiff([2, 1.01], [2, 1])).toBeCloseTo(0.01, 12);
    expect(maxRelDiff([1, 1], [1])).toBeNaN();
    expect(maxRelDiff([], [])).toBeNaN();
  });

  it('lossAgrees accepts float32-level differences only', () => {
    expect(lossAgrees(7.5e-7)).toBe(true);
    expect(lossAgrees(1e-3)).toBe(false);
    expect(lossAgrees(NaN)).toBe(false);
  });

  it('stepsPerSample aims at the target time within 1..max', () => {
    expect(stepsPerSample(5000, 1000, 20)).toBe(5);
    expect(stepsPerSample(5000, 12000, 20)).toBe(1);
    expect(stepsPerSample(5000, 10, 20)).toBe(20);
    expect(stepsPerSample(5000, 0, 20)).toBe(1);
  });

  it('stepTiming reports the median and range of the samples', () => {
    expect(stepTiming([30, 10, 20, 1000], 4)).toEqual({ medianMs: 25, minMs: 10, maxMs: 1000, runs: 4, warmup: 4 });
    expect(() => stepTiming([], 1)).toThrow('no samples');
  });

  it('speedRatio is a / b, NaN when a side is missing', () => {
    expect(speedRatio(30, 10)).toBe(3);
    expect(speedRatio(undefined, 10)).toBeNaN();
    expect(speedRatio(30, 0)).toBeNaN();
  });
});
