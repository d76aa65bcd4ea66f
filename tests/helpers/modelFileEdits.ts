/**
 * For tests that edit model files (src/engine/modelFile) and compare what comes back: tensors
 * compared bit for bit, and an edited header's bytes with a valid header CRC again, so the reader
 * judges the edit rather than the checksum.
 */
import { sealHeader, storedHeaderCrc } from '../../src/engine/modelFile';

/** Whether two tensors hold the same bits (so -0, NaN payloads and subnormals count). */
export const bitsEqual = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/**
 * The header's bytes with a valid version-2 header CRC, where the header still begins with the
 * fixed checksum lead (otherwise just its JSON); `header.checksum.header` is set to match, so the
 * object says what the bytes say.
 */
export function sealedHeader(header: Record<string, any>): Uint8Array {
  const ck = header.checksum && typeof header.checksum === 'object' ? header.checksum : null;
  if (ck) ck.header = '00000000';
  const raw = new TextEncoder().encode(JSON.stringify(header));
  if (!ck || storedHeaderCrc(raw) === null) return raw;
  const out = sealHeader(raw);
  ck.header = storedHeaderCrc(out);
  return out;
}
