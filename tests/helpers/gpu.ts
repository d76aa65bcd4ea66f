// Test helpers for running WGSL compute on a real WebGPU device under Node, via Dawn (`webgpu`).
//
// GPU tests must never skip silently: if no adapter can be found, getTestDevice() throws an
// Error that says why and how to fix it. The adapter is chosen as for the CLI, by
// scripts/lib/nodeAdapter.ts: a hardware GPU, else Mesa's lavapipe (Mesa >= 24), else SwiftShader
// (from Debian's `chromium` package); tests/setup/global.ts makes that choice once per vitest run
// and pins it in VK_ICD_FILENAMES, and a VK_ICD_FILENAMES set by the caller overrides it
// (scripts/test.mjs runs the kernel tests on each software adapter that way).
//
// Typical use:
//   const device = await getTestDevice();
//   const tracker = new BufferTracker();
//   afterEach(async () => { tracker.destroyAll(); await assertNoUncapturedErrors(); });
//   const out = tracker.track(uploadF32(device, new Float32Array(64), undefined, 'out'));
//   await expectNoGpuErrors(device, async () => { ...encode + submit... });
//   const values = new Float32Array(await readBuffer(device, out));
import { openNodeAdapter, type NodeAdapter } from '../../scripts/lib/nodeAdapter';

export { SWIFTSHADER_ICD } from '../../scripts/lib/nodeAdapter';

/** Limits requested at the adapter's maximum, so tests can exercise the engine's large buffers. */
export const MAX_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
] as const;

/** Default usage of buffers made by uploadF32/uploadU32. */
export const STORAGE_RW_USAGE = 0x0080 /* STORAGE */ | 0x0004 /* COPY_SRC */ | 0x0008; /* COPY_DST */

// One adapter/device per test file: vitest isolates test files, so module state is per file.
let chosen: NodeAdapter | undefined;
let adapter: GPUAdapter | undefined;
let devicePromise: Promise<GPUDevice> | undefined;
let currentDevice: GPUDevice | undefined;
const uncaptured: string[] = [];

async function createDevice(): Promise<GPUDevice> {
  // Throws, naming what it tried and the fix, when there is no adapter. Also installs Dawn's
  // globals (GPUBufferUsage, GPUMapMode, ...), as in a browser.
  let a: GPUAdapter | null;
  if (!chosen) a = (chosen = await openNodeAdapter()).adapter;
  // A WebGPU adapter gives one device; after releaseTestDevice() ask the same Dawn instance again.
  else a = await chosen.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!a) throw new Error(`requestAdapter() returned null on the second request (first: ${chosen.name}, ${chosen.description})`);
  adapter = a;

  const requiredLimits: Record<string, number> = {};
  for (const key of MAX_LIMITS) requiredLimits[key] = a.limits[key];
  const device = await a.requestDevice({ label: 'test-device', requiredLimits });

  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    uncaptured.push(`${error.constructor?.name ?? 'GPUError'}: ${error.message}`);
  });
  void device.lost.then((info) => {
    if (currentDevice === device) {
      currentDevice = undefined;
      devicePromise = undefined;
    }
    if (info.reason !== 'destroyed') uncaptured.push(`device lost (${info.reason}): ${info.message}`);
  });
  currentDevice = device;
  return device;
}

/**
 * The test file's shared Dawn device (created on first call, then cached). Its limits are raised
 * to the adapter's maximum for MAX_LIMITS. Throws, with a fix-it message, when there is no adapter.
 */
export function getTestDevice(): Promise<GPUDevice> {
  if (!devicePromise) {
    devicePromise = createDevice();
    devicePromise.catch(() => {
      devicePromise = undefined; // let a later call retry rather than cache the failure
    });
  }
  return devicePromise;
}

/** The adapter behind getTestDevice() (creating the device if needed). */
export async function getTestAdapter(): Promise<GPUAdapter> {
  await getTestDevice();
  return adapter!;
}

/** The test adapter's kind ('gpu', 'lavapipe', 'swiftshader' or 'software'); after getTestDevice(). */
export function testAdapterKind(): NodeAdapter['kind'] {
  if (!chosen) throw new Error('testAdapterKind(): no adapter yet; await getTestDevice() first.');
  return chosen.kind;
}

/** "name: vendor / architecture / device / description (VK_ICD_FILENAMES=...)"; after getTestDevice(). */
export function describeAdapter(): string {
  if (!chosen) throw new Error('describeAdapter(): no adapter yet; await getTestDevice() first.');
  const info = (adapter ?? chosen.adapter).info;
  const parts = [info.vendor, info.architecture, info.device, info.description].map((s) => s || '?');
  return `${chosen.name}: ${parts.join(' / ')} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`;
}

/** Destroys the cached device (e.g. in afterAll); the next getTestDevice() makes a new one. */
export async function releaseTestDevice(): Promise<void> {
  const device = currentDevice;
  currentDevice = undefined;
  devicePromise = undefined;
  device?.destroy();
}

/**
 * Runs fn inside 'validation', 'out-of-memory' and 'internal' error scopes and throws if any
 * GPU error was captured (or rethrows fn's own error). Returns fn's result.
 */
export async function expectNoGpuErrors<T>(device: GPUDevice, fn: () => Promise<T> | T): Promise<T> {
  const filters: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];
  for (const f of filters) device.pushErrorScope(f);
  let result: T | undefined;
  let fnError: unknown;
  let failed = false;
  try {
    result = await fn();
  } catch (err) {
    failed = true;
    fnError = err;
  }
  // Scopes are a stack: pop in reverse order, always, so a throwing fn does not leak scopes.
  const errors: string[] = [];
  for (const f of [...filters].reverse()) {
    const error = await device.popErrorScope();
    if (error) errors.push(`[${f}] ${error.message}`);
  }
  if (errors.length) {
    throw new Error(`GPU error(s) captured:\n${errors.join('\n')}`, failed ? { cause: fnError } : undefined);
  }
  if (failed) throw fnError;
  return result as T;
}

/** GPU errors that reached the device's 'uncapturederror' event (and non-destroy device losses). */
export function uncapturedErrors(): readonly string[] {
  return uncaptured;
}

/**
 * Fails (throws) if any uncaptured GPU error was recorded since the last call, then clears the
 * record. Waits for the device's queue first, since Dawn reports errors asynchronously.
 * Use in afterEach: `afterEach(() => assertNoUncapturedErrors())`.
 */
export async function assertNoUncapturedErrors(): Promise<void> {
  const device = currentDevice;
  if (device) {
    await device.queue.onSubmittedWorkDone();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  if (uncaptured.length) {
    const errors = uncaptured.splice(0);
    throw new Error(`Uncaptured GPU error(s):\n${errors.join('\n')}`);
  }
}

/**
 * Copies [offset, offset+byteLength) of `buffer` (needs COPY_SRC) into a MAP_READ staging buffer
 * and returns a copy of its bytes. byteLength defaults to the rest of the buffer.
 */
export async function readBuffer(
  device: GPUDevice,
  buffer: GPUBuffer,
  byteLength: number = buffer.size,
  offset = 0,
): Promise<ArrayBuffer> {
  if (offset % 4 !== 0) throw new Error(`readBuffer: offset ${offset} is not a multiple of 4`);
  if (offset + byteLength > buffer.size) {
    throw new Error(`readBuffer: ${offset}+${byteLength} bytes exceeds buffer '${buffer.label}' of ${buffer.size}`);
  }
  const copySize = Math.ceil(byteLength / 4) * 4; // copies must be 4-byte multiples
  if (copySize === 0) return new ArrayBuffer(0);
  const staging = device.createBuffer({
    label: `readBuffer staging for '${buffer.label}'`,
    size: copySize,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder({ label: 'readBuffer' });
    encoder.copyBufferToBuffer(buffer, offset, staging, 0, copySize);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0, byteLength);
    staging.unmap();
    return out;
  } finally {
    staging.destroy();
  }
}

function upload(
  device: GPUDevice,
  bytes: Uint8Array,
  usage: GPUBufferUsageFlags,
  label: string,
): GPUBuffer {
  // Never zero-sized (not bindable) and always a 4-byte multiple.
  const size = Math.max(4, Math.ceil(bytes.byteLength / 4) * 4);
  const buffer = device.createBuffer({ label, size, usage, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(bytes);
  buffer.unmap();
  return buffer;
}

/** A new labelled buffer (STORAGE|COPY_SRC|COPY_DST unless usage is given) holding `data` as f32. */
export function uploadF32(
  device: GPUDevice,
  data: Float32Array | ArrayLike<number>,
  usage: GPUBufferUsageFlags = STORAGE_RW_USAGE,
  label = 'test f32 buffer',
): GPUBuffer {
  const array = data instanceof Float32Array ? data : Float32Array.from(data);
  return upload(device, new Uint8Array(array.buffer, array.byteOffset, array.byteLength), usage, label);
}

/** A new labelled buffer (STORAGE|COPY_SRC|COPY_DST unless usage is given) holding `data` as u32. */
export function uploadU32(
  device: GPUDevice,
  data: Uint32Array | ArrayLike<number>,
  usage: GPUBufferUsageFlags = STORAGE_RW_USAGE,
  label = 'test u32 buffer',
): GPUBuffer {
  const array = data instanceof Uint32Array ? data : Uint32Array.from(data);
  return upload(device, new Uint8Array(array.buffer, array.byteOffset, array.byteLength), usage, label);
}

/** Collects GPU resources a test creates so they can all be destroyed in afterEach/finally. */
export class BufferTracker {
  private resources: { destroy(): void }[] = [];

  /** Remembers `resource` for destroyAll() and returns it unchanged. */
  track<T extends { destroy(): void }>(resource: T): T {
    this.resources.push(resource);
    return resource;
  }

  get size(): number {
    return this.resources.length;
  }

  /** Destroys everything tracked (newest first) and forgets it. Safe to call repeatedly. */
  destroyAll(): void {
    const resources = this.resources.splice(0).reverse();
    for (const r of resources) r.destroy();
  }
}
