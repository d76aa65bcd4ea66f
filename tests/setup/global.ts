// Global setup for vitest: point Dawn (the `webgpu` package) at SwiftShader when no ICD is set.
import fs from 'node:fs';
export default function setup() {
  const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
}
