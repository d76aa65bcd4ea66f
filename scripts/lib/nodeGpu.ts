/**
 * A GPUDevice in Node through Dawn (the `webgpu` package). Without a GPU, SwiftShader (from
 * Debian's chromium package) is selected through VK_ICD_FILENAMES.
 */
import fs from 'node:fs';
import { create, globals } from 'webgpu';

// The Dawn instance must outlive every device made from it: if it is garbage-collected, Dawn
// aborts the process. Keep it for the life of the module.
let instance: GPU | undefined;

export async function nodeDevice(): Promise<{ device: GPUDevice; adapter: string }> {
  const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
  Object.assign(globalThis, globals);
  instance ??= create([]);
  const adapter = await instance.requestAdapter();
  if (!adapter) throw new Error('No WebGPU adapter: install libvulkan1 and chromium (for SwiftShader) or set VK_ICD_FILENAMES.');
  const requiredLimits: Record<string, number> = {};
  for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage'] as const) requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ label: 'drmm.cli', requiredLimits });
  device.addEventListener('uncapturederror', (e) => console.error('GPU error:', (e as GPUUncapturedErrorEvent).error.message));
  const i = adapter.info;
  return { device, adapter: [i.vendor, i.architecture, i.description].filter(Boolean).join(' / ') };
}
