/**
 * Getting a GPUDevice, or a plain reason why there is none (for the fallback notice). The
 * requested limits are the adapter's own maxima for the buffer sizes the engine needs.
 */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  description: string;
  isFallback: boolean;
}

export type DeviceResult =
  | { ok: true; device: GPUDevice; adapter: AdapterReport }
  | { ok: false; reason: string };

export function describeAdapterInfo(info: GPUAdapterInfo | undefined, isFallback = false): AdapterReport {
  return {
    vendor: info?.vendor || 'unknown vendor',
    architecture: info?.architecture || '',
    description: info?.description || '',
    isFallback: Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ?? isFallback),
  };
}

export function adapterLabel(a: AdapterReport): string {
  const parts = [a.vendor, a.architecture, a.description].filter(Boolean);
  return parts.join(' / ') + (a.isFallback ? ' (software adapter)' : '');
}

export async function requestDevice(gpu: GPU | undefined, label = 'drmm'): Promise<DeviceResult> {
  if (!gpu) return { ok: false, reason: 'This browser has no WebGPU (navigator.gpu is missing). Chrome or Edge 113+, or Safari 26+, have it; Firefox 141+ on Windows.' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, reason: `WebGPU could not be started: ${(e as Error).message}` };
  }
  if (!adapter) return { ok: false, reason: 'WebGPU is present but no GPU adapter is available (it may be blocked for this GPU or driver; in Chrome, chrome://gpu tells why).' };
  const want: (keyof GPUSupportedLimits)[] = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage'];
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k] as number;
  try {
    const device = await adapter.requestDevice({ label, requiredLimits });
    return { ok: true, device, adapter: describeAdapterInfo(adapter.info) };
  } catch (e) {
    return { ok: false, reason: `The GPU device request failed: ${(e as Error).message}` };
  }
}
