// Version-1 model files, written exactly as the app wrote them before version 2 (header keys in the
// old order, no kind, checksum.header = the CRC-32 of JSON.stringify(header) without it), so the
// tests can check that old files still load. tests/unit/modelFileVersions.test.ts shows that this
// reproduces the shipped version-1 files byte for byte.
import { legacyHeaderChecksum, writeModelFile, type ModelFileContents } from '../../src/engine/modelFile';

/** Splits a file into its raw header bytes, parsed header and data section. */
export function splitModelFile(bytes: Uint8Array) {
  const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
  const raw = bytes.slice(16, 16 + h);
  return { raw, header: JSON.parse(new TextDecoder().decode(raw)) as Record<string, any>, data: bytes.slice(16 + Math.ceil(h / 4) * 4) };
}

/** Lays out a file from header bytes and a data section, as every writer does. */
export function assembleModelFile(json: Uint8Array, data: Uint8Array, version: number, headerLength = json.length): Uint8Array {
  const start = 16 + Math.ceil(json.length / 4) * 4;
  const out = new Uint8Array(start + data.length);
  out.set(new TextEncoder().encode('DRMMODEL'));
  const dv = new DataView(out.buffer);
  dv.setUint32(8, version, true);
  dv.setUint32(12, headerLength, true);
  out.set(json, 16);
  out.set(data, start);
  return out;
}

/** A version-1 header over the given fields, with its (JSON re-serialisation) checksum filled in. */
export function legacyHeader(h: Record<string, any>): Record<string, any> {
  const header = {
    format: h.format,
    version: 1,
    preset: h.preset,
    architecture: h.architecture,
    tensors: h.tensors,
    checksum: { algorithm: h.checksum.algorithm, value: h.checksum.value } as Record<string, unknown>,
    training: h.training,
    createdBy: h.createdBy,
  };
  header.checksum.header = legacyHeaderChecksum(header);
  return header;
}

/** The version-1 file of a model (what the writer produced before version 2). */
export function writeModelFileV1(model: ModelFileContents): Uint8Array {
  const { header, data } = splitModelFile(writeModelFile(model));
  return assembleModelFile(new TextEncoder().encode(JSON.stringify(legacyHeader(header))), data, 1);
}
