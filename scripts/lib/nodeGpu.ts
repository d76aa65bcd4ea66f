/**
 * A GPUDevice in Node through Dawn (the `webgpu` package), for the CLI (`npm run train`,
 * `npm run eval`). The adapter is chosen by ./nodeAdapter.ts, as for the GPU tests: a hardware GPU,
 * else Mesa's lavapipe (Mesa >= 24), else SwiftShader; a set VK_ICD_FILENAMES overrides.
 */
import { FAST_ADAPTER_HELP, openNodeAdapter, type AdapterKind } from './nodeAdapter';

export interface NodeDevice {
  device: GPUDevice;
  /** "<name>: vendor / architecture / description", e.g. "lavapipe (Mesa 25): mesa / software / llvmpipe: ...". */
  adapter: string;
  kind: AdapterKind;
  /** The VK_ICD_FILENAMES it runs with; null: the system's Vulkan drivers. */
  icd: string | null;
  /** Why this adapter was chosen. */
  why: string;
}

/**
 * Opens the chosen adapter's device with its largest storage-buffer limits (the engine sizes its
 * buffers to them), and logs on stderr which adapter it got and why; on SwiftShader it also says
 * how to get the faster lavapipe.
 */
export async function nodeDevice(): Promise<NodeDevice> {
  const chosen = await openNodeAdapter();
  const { adapter } = chosen;
  const requiredLimits: Record<string, number> = {};
  for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage'] as const) requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ label: 'drmm.cli', requiredLimits });
  device.addEventListener('uncapturederror', (e) => console.error('GPU error:', (e as GPUUncapturedErrorEvent).error.message));
  console.error(`GPU adapter: ${chosen.name}, chosen because: ${chosen.why}${chosen.icd ? ` (VK_ICD_FILENAMES=${chosen.icd})` : ''}`);
  if (chosen.kind === 'swiftshader' && !chosen.explicit) console.error(FAST_ADAPTER_HELP);
  return { device, adapter: `${chosen.name}: ${chosen.description}`, kind: chosen.kind, icd: chosen.icd, why: chosen.why };
}
