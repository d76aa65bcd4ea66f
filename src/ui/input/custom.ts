/** Custom inputs (drawings, uploads) as the store takes them: each with an id of its own. */
import type { CustomInput } from '../store';

// Inference keys tell inputs apart by id, so every new drawing or upload needs a fresh one.
let nextId = 1;

export function makeCustom(kind: CustomInput['kind'], name: string, pixels: Float32Array): CustomInput {
  return { id: nextId++, kind, name, pixels };
}
