/**
 * Counts the GPU API calls an async piece of work makes, for any library in the page: while `fn`
 * runs, the prototypes of GPUComputePassEncoder / GPUQueue (WebGPU) and WebGL2RenderingContext
 * are wrapped with counters, then restored. This needs no hook in our engine or in tfjs, and counts
 * both the same way. Nothing else runs JavaScript in the page meanwhile (the bench awaits each
 * step), so every call counted belongs to `fn`.
 */

export interface CallCounts {
  /** WebGPU: dispatchWorkgroups(+Indirect) calls, queue submits, queue.writeBuffer calls. */
  dispatches: number;
  submits: number;
  queueWrites: number;
  /** WebGL: draw calls (tfjs runs one draw per shader program) and explicit gl.flush calls. */
  draws: number;
  flushes: number;
}

type Counter = keyof CallCounts;

const TARGETS: [() => object | undefined, string, Counter][] = [
  [() => globalThis.GPUComputePassEncoder?.prototype, 'dispatchWorkgroups', 'dispatches'],
  [() => globalThis.GPUComputePassEncoder?.prototype, 'dispatchWorkgroupsIndirect', 'dispatches'],
  [() => globalThis.GPUQueue?.prototype, 'submit', 'submits'],
  [() => globalThis.GPUQueue?.prototype, 'writeBuffer', 'queueWrites'],
  [() => globalThis.WebGL2RenderingContext?.prototype, 'drawArrays', 'draws'],
  [() => globalThis.WebGL2RenderingContext?.prototype, 'drawElements', 'draws'],
  [() => globalThis.WebGL2RenderingContext?.prototype, 'flush', 'flushes'],
];

export async function countCalls(fn: () => Promise<void>): Promise<CallCounts> {
  const counts: CallCounts = { dispatches: 0, submits: 0, queueWrites: 0, draws: 0, flushes: 0 };
  const restore: (() => void)[] = [];
  for (const [proto, method, counter] of TARGETS) {
    const p = proto() as Record<string, unknown> | undefined;
    const original = p?.[method];
    if (!p || typeof original !== 'function') continue;
    const desc = Object.getOwnPropertyDescriptor(p, method);
    p[method] = function (this: unknown, ...args: unknown[]) {
      counts[counter]++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    restore.push(() => (desc ? Object.defineProperty(p, method, desc) : delete p[method]));
  }
  try {
    await fn();
  } finally {
    for (const r of restore.reverse()) r();
  }
  return counts;
}
