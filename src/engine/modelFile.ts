/**
 * The DRMM model file: architecture, parameters, optional training metadata and optimizer state
 * in one self-checking binary (spec and rationale: docs/MODEL_FORMAT.md).
 *
 *   "DRMMODEL" (8 bytes ASCII) | u32 LE version (2; 1 still read) | u32 LE header length H
 *   | H bytes UTF-8 JSON header | zero padding to a multiple of 4 | float32 LE tensors
 *
 * Files come from users (uploads, drag and drop), so the reader treats every byte as hostile:
 * it checks everything before allocating, throws only Errors prefixed "Not a valid DRMM model
 * file: ", and returns either a complete model or nothing. Pure TS (TextEncoder/Decoder, DataView).
 * Checksums: modelFileChecksum.ts; JSON hygiene: modelFileJson.ts.
 */
import { paramList, paramShapes, paramsFromList, validateSpec, type ModelParams, type ModelSpec } from './model';
import { crc32, crcHex, HEADER_CRC_DIGITS, HEADER_CRC_LEAD, headerCrc, legacyHeaderChecksum, sealHeader, storedHeaderCrc } from './modelFileChecksum';
import { checkJsonSafe, forbiddenKeyPath, isObject, jsonDepth, MODEL_FILE_MAX_DEPTH } from './modelFileJson';

export { crc32, crcHex, headerCrc, HEADER_CRC_AT, HEADER_CRC_LEAD, legacyHeaderChecksum, sealHeader, storedHeaderCrc } from './modelFileChecksum';
export { FORBIDDEN_HEADER_KEYS, MODEL_FILE_MAX_DEPTH } from './modelFileJson';

export const MODEL_FILE_MAGIC = 'DRMMODEL';
/** The version the writer writes. Version 2 added `kind` and the byte-exact header checksum. */
export const MODEL_FILE_VERSION = 2;
/** The versions the reader accepts. */
export const MODEL_FILE_VERSIONS_READ: readonly number[] = [1, 2];
/** Headers are a few KB; the cap keeps a hostile length from making us decode megabytes of JSON. */
export const MODEL_FILE_MAX_HEADER = 1 << 20;
export const MODEL_FILE_ERROR_PREFIX = 'Not a valid DRMM model file: ';
/** Optimizer state and other non-parameter tensors must use one of these name prefixes. */
export const EXTRA_TENSOR_PREFIXES = ['adam.', 'opt.'] as const;
/**
 * The model kinds this app reads. The format and the training core are meant to be shared by other
 * models (an RBM, a capsule autoencoder: future work); each kind adds its architecture and tensor
 * list here. Version-1 files have no `kind`: they are DRMMs.
 */
export const MODEL_KINDS = ['drmm'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Training metadata: typed known fields, open to more (any JSON) as training features grow. */
export interface TrainingMeta {
  /** E.g. "supervised" or "semi-supervised". */
  mode?: string;
  /** Number of labelled training images used. */
  labelled?: number;
  seed?: number;
  epoch?: number;
  step?: number;
  /** One record per evaluation, e.g. {epoch: 1, trainLoss: 0.3, testAccuracy: 0.97}. */
  metrics?: { [key: string]: JsonValue }[];
  /** Optimizer name and settings, e.g. "adam lr=0.001"; its state goes in `extra` tensors. */
  optimizer?: string;
  [key: string]: JsonValue | undefined;
}

export interface ExtraTensor {
  /** Must start with "adam." or "opt.", e.g. "adam.m.level1.weights". */
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface ModelFileContents {
  /** Default "drmm". */
  kind?: ModelKind;
  spec: ModelSpec;
  preset?: string | null;
  params: ModelParams;
  training?: TrainingMeta | null;
  extra?: ExtraTensor[];
}

export interface ModelFile {
  /** "drmm" for every file today (and for version-1 files, which have no kind). */
  kind: ModelKind;
  /** The file's format version (1 or 2): what it was written as, not what a save would write. */
  formatVersion: number;
  spec: ModelSpec;
  preset: string | null;
  params: ModelParams;
  training: TrainingMeta | null;
  extra: ExtraTensor[];
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

/** Every header field, in the order the writer writes them; all are required. Version 1 had no `kind` and began with `format`. */
const HEADER_FIELDS_V1 = ['format', 'version', 'preset', 'architecture', 'tensors', 'checksum', 'training', 'createdBy'];
const HEADER_FIELDS_V2 = ['checksum', 'format', 'version', 'kind', 'preset', 'architecture', 'tensors', 'training', 'createdBy'];
const TRAINING_TYPES: Record<string, 'string' | 'number'> = { mode: 'string', labelled: 'number', seed: 'number', epoch: 'number', step: 'number', optimizer: 'string' };
const PREFIX_BYTES = 16;

const isU32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
/** A string as JSON, cut to 60 characters: messages name a bad value without repeating a hostile megabyte. */
const quoted = (s: string) => (s.length > 60 ? `${JSON.stringify(s.slice(0, 60)).slice(0, -1)}..."` : JSON.stringify(s));
const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/** A clean copy holding only the ModelSpec fields, so nothing unexpected rides along. */
function cleanSpec(s: ModelSpec): ModelSpec {
  return {
    input: { channels: s.input.channels, height: s.input.height, width: s.input.width },
    levels: s.levels.map((l) => ({ kernel: l.kernel, channels: l.channels, pad: l.pad, pool: l.pool })),
    readout: s.readout,
    classes: s.classes,
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Serialises a model. Throws (prefix "Cannot write DRMM model file: ") rather than write a file the reader would reject. */
export function writeModelFile(model: ModelFileContents): Uint8Array<ArrayBuffer> {
  const fail = (msg: string): never => {
    throw new Error(`Cannot write DRMM model file: ${msg}`);
  };
  try {
    validateSpec(model.spec);
  } catch (e) {
    fail((e as Error).message);
  }
  const spec = cleanSpec(model.spec);
  const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
  const list = paramList(model.params);
  const shapes = paramShapes(spec);
  if (list.length !== shapes.length) fail(`expected ${shapes.length} parameter tensors, got ${list.length}`);
  shapes.forEach((s, i) => tensors.push({ ...s, data: list[i] }));
  const names = new Set(shapes.map((s) => s.name));
  for (const x of model.extra ?? []) {
    if (!EXTRA_TENSOR_PREFIXES.some((p) => x.name.startsWith(p))) fail(`extra tensor "${x.name}" must be named "adam.*" or "opt.*"`);
    if (names.has(x.name)) fail(`duplicate tensor name "${x.name}"`);
    names.add(x.name);
    if (!x.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`extra tensor "${x.name}" has an invalid shape [${x.shape.join(', ')}]`);
    tensors.push({ name: x.name, shape: [...x.shape], data: x.data });
  }
  let offset = 0;
  const entries: TensorEntry[] = [];
  for (const t of tensors) {
    if (!(t.data instanceof Float32Array)) fail(`tensor ${t.name} is not a Float32Array`);
    if (t.data.length !== product(t.shape)) fail(`tensor ${t.name} has ${t.data.length} values, shape [${t.shape.join(', ')}] needs ${product(t.shape)}`);
    const bad = firstNonFinite(t.data);
    if (bad >= 0) fail(`tensor ${t.name} has a non-finite value (${t.data[bad]}) at index ${bad}`);
    entries.push({ name: t.name, shape: t.shape, offset, length: t.data.length });
    offset += 4 * t.data.length;
  }
  const training = model.training ?? null;
  if (training !== null) {
    checkJsonSafe(training, 'training', fail, 2);
    checkTraining(training, fail);
  }
  const preset = model.preset ?? null;
  if (preset !== null && typeof preset !== 'string') fail('preset must be a string or null');
  const kind = model.kind ?? 'drmm';
  if (!(MODEL_KINDS as readonly string[]).includes(kind)) fail(`model kind ${quoted(kind)} is not supported (known: ${MODEL_KINDS.join(', ')})`);

  const data = new Uint8Array(offset);
  const dv = new DataView(data.buffer);
  let at = 0;
  for (const t of tensors) for (let i = 0; i < t.data.length; i++, at += 4) dv.setFloat32(at, t.data[i], true);

  // The checksum comes first so that its header CRC sits at a fixed place (modelFileChecksum.ts):
  // written as "00000000", then overwritten with the CRC of the bytes as they stand.
  const header = {
    checksum: { header: '0'.repeat(HEADER_CRC_DIGITS), algorithm: 'crc32', value: crc32(data) },
    format: 'drmm-model',
    version: MODEL_FILE_VERSION,
    kind,
    preset,
    architecture: spec,
    tensors: entries,
    training,
    createdBy: 'drmm-explainer',
  };
  const json = sealHeader(new TextEncoder().encode(JSON.stringify(header)));
  if (json.length > MODEL_FILE_MAX_HEADER) fail(`header too large (${json.length} bytes, limit ${MODEL_FILE_MAX_HEADER})`);
  const dataStart = PREFIX_BYTES + Math.ceil(json.length / 4) * 4;
  const out = new Uint8Array(dataStart + data.length);
  for (let i = 0; i < 8; i++) out[i] = MODEL_FILE_MAGIC.charCodeAt(i);
  const hv = new DataView(out.buffer);
  hv.setUint32(8, MODEL_FILE_VERSION, true);
  hv.setUint32(12, json.length, true);
  out.set(json, PREFIX_BYTES);
  out.set(data, dataStart);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

class FormatError extends Error {}
function bad(msg: string): never {
  throw new FormatError(MODEL_FILE_ERROR_PREFIX + msg);
}

/** Parses and fully validates a model file; every failure is an Error with MODEL_FILE_ERROR_PREFIX. */
export function readModelFile(bytes: ArrayBuffer | Uint8Array): ModelFile {
  try {
    return readUnchecked(bytes);
  } catch (e) {
    if (e instanceof FormatError) throw new Error(e.message);
    throw new Error(`${MODEL_FILE_ERROR_PREFIX}unexpected error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function readUnchecked(input: ArrayBuffer | Uint8Array): ModelFile {
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) bytes = input;
  // By tag, not instanceof: buffers from another realm (a worker, an iframe) must work too.
  else if (Object.prototype.toString.call(input) === '[object ArrayBuffer]') bytes = new Uint8Array(input);
  else bad('input is not an ArrayBuffer or Uint8Array');
  if (bytes.length < PREFIX_BYTES) bad(`too short (${bytes.length} bytes; the fixed prefix alone is ${PREFIX_BYTES})`);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MODEL_FILE_MAGIC) {
    const shown = /^[\x20-\x7e]*$/.test(magic) ? JSON.stringify(magic) : Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    bad(`wrong magic ${shown}, expected "${MODEL_FILE_MAGIC}"`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (!MODEL_FILE_VERSIONS_READ.includes(version)) bad(`unsupported version ${version} (this app reads versions ${MODEL_FILE_VERSIONS_READ.join(' and ')})`);
  const h = dv.getUint32(12, true);
  if (h > MODEL_FILE_MAX_HEADER) bad(`header too large (${h} bytes, limit ${MODEL_FILE_MAX_HEADER})`);
  if (PREFIX_BYTES + h > bytes.length) bad(`truncated: header length ${h} runs past the end of the file (${bytes.length} bytes)`);
  const dataStart = PREFIX_BYTES + Math.ceil(h / 4) * 4;
  if (dataStart > bytes.length) bad(`truncated: padding after the header runs past the end of the file`);
  for (let i = PREFIX_BYTES + h; i < dataStart; i++) if (bytes[i] !== 0) bad(`padding byte at offset ${i} is not zero`);

  const raw = bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + h);
  const header = parseHeader(raw, version);
  const { kind, spec, entries, dataCrc } = checkHeader(header, raw, version);

  const data = bytes.subarray(dataStart);
  const declared = entries.reduce((a, e) => a + 4 * e.length, 0);
  if (data.length < declared) bad(`truncated: data section has ${data.length} bytes, header declares ${declared}`);
  if (data.length > declared) bad(`data section is longer than declared (${data.length} bytes, header declares ${declared})`);
  const actualCrc = crc32(data);
  if (actualCrc !== dataCrc) bad(`checksum mismatch: tensor data CRC-32 is ${actualCrc}, header says ${dataCrc}`);

  const ddv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tensors = entries.map((e) => {
    const out = new Float32Array(e.length);
    for (let i = 0; i < e.length; i++) out[i] = ddv.getFloat32(e.offset + 4 * i, true);
    const at = firstNonFinite(out);
    if (at >= 0) bad(`tensor ${e.name} has a non-finite value (${out[at]}) at index ${at}`);
    return out;
  });
  const nParams = paramShapes(spec).length;
  return {
    kind,
    formatVersion: version,
    spec,
    preset: header.preset as string | null,
    params: paramsFromList(spec, tensors.slice(0, nParams)),
    training: header.training as TrainingMeta | null,
    extra: entries.slice(nParams).map((e, i) => ({ name: e.name, shape: e.shape, data: tensors[nParams + i] })),
  };
}

function parseHeader(raw: Uint8Array, version: number): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    bad('header is not valid UTF-8');
  }
  const depth = jsonDepth(text);
  if (depth > MODEL_FILE_MAX_DEPTH) bad(`header nests arrays or objects ${depth} levels deep (limit ${MODEL_FILE_MAX_DEPTH})`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) bad('header is not a JSON object');
  const forbidden = forbiddenKeyPath(header, 'header');
  if (forbidden) bad(`header key ${forbidden} is not allowed (model files are data only)`);
  const fields = version === 1 ? HEADER_FIELDS_V1 : HEADER_FIELDS_V2;
  const unknown = Object.keys(header).filter((k) => !fields.includes(k));
  if (unknown.length) bad(`unknown header field(s): ${unknown.join(', ')}${version === 1 && unknown.includes('kind') ? ' (version-1 files have no kind)' : ''}`);
  const missing = fields.filter((k) => !(k in header));
  if (missing.length) bad(`missing header field(s): ${missing.join(', ')}`);
  return header;
}

function checkHeader(header: Record<string, unknown>, raw: Uint8Array, version: number): { kind: ModelKind; spec: ModelSpec; entries: TensorEntry[]; dataCrc: number } {
  const ck = header.checksum;
  if (!isObject(ck)) bad('checksum must be an object');
  const ckExtra = Object.keys(ck).filter((k) => !['algorithm', 'value', 'header'].includes(k));
  if (ckExtra.length) bad(`unknown checksum field(s): ${ckExtra.join(', ')}`);
  if (ck.algorithm !== 'crc32') bad(`unsupported checksum algorithm ${JSON.stringify(ck.algorithm)} (expected "crc32")`);
  if (!isU32(ck.value)) bad('checksum.value must be an unsigned 32-bit integer');
  if (version === 1) {
    if (!isU32(ck.header)) bad('checksum.header must be an unsigned 32-bit integer');
    const hc = legacyHeaderChecksum(header);
    if (hc !== ck.header) bad(`header checksum mismatch: header CRC-32 is ${hc}, header says ${ck.header}`);
  } else {
    if (typeof ck.header !== 'string' || !/^[0-9a-f]{8}$/.test(ck.header)) bad('checksum.header must be the header CRC-32 as 8 lowercase hex digits');
    const stored = storedHeaderCrc(raw);
    if (stored === null) bad(`header must begin with ${HEADER_CRC_LEAD} and the header CRC-32 (version 2 keeps it at a fixed place)`);
    // JSON keeps the last of repeated keys: a second checksum.header would be read, not the one checksummed.
    if (stored !== ck.header) bad(`checksum.header is given twice ("${stored}" at the start, "${ck.header}" later)`);
    const hc = crcHex(headerCrc(raw));
    if (hc !== stored) bad(`header checksum mismatch: header CRC-32 is ${hc}, header says ${stored}`);
  }

  if (header.format !== 'drmm-model') bad(`format must be "drmm-model", got ${JSON.stringify(header.format)}`);
  if (header.version !== version) bad(`header version ${JSON.stringify(header.version)} does not match file version ${version}`);
  let kind: ModelKind = 'drmm';
  if (version >= 2) {
    if (typeof header.kind !== 'string') bad('kind must be a string');
    if (!(MODEL_KINDS as readonly string[]).includes(header.kind)) bad(`model kind ${quoted(header.kind)} is not supported (this app reads: ${MODEL_KINDS.join(', ')})`);
    kind = header.kind as ModelKind;
  }
  if (header.preset !== null && typeof header.preset !== 'string') bad('preset must be a string or null');
  if (typeof header.createdBy !== 'string') bad('createdBy must be a string');
  if (header.training !== null) checkTraining(header.training, bad);

  const arch = header.architecture;
  if (!isObject(arch)) bad('architecture must be an object');
  try {
    validateSpec(arch as unknown as ModelSpec);
  } catch (e) {
    bad(`architecture: ${(e as Error).message}`);
  }
  const spec = arch as unknown as ModelSpec;
  const archExtra = [
    ...Object.keys(arch).filter((k) => !['input', 'levels', 'readout', 'classes'].includes(k)),
    ...Object.keys(spec.input).filter((k) => !['channels', 'height', 'width'].includes(k)).map((k) => `input.${k}`),
    ...spec.levels.flatMap((l, i) => Object.keys(l).filter((k) => !['kernel', 'channels', 'pad', 'pool'].includes(k)).map((k) => `levels[${i}].${k}`)),
  ];
  if (archExtra.length) bad(`architecture: unknown field(s): ${archExtra.join(', ')}`);

  return { kind, spec: cleanSpec(spec), entries: checkTensors(header.tensors, spec), dataCrc: ck.value };
}

/** Parameters first, exactly as paramShapes(spec), then uniquely named extras; offsets back to back. */
function checkTensors(list: unknown, spec: ModelSpec): TensorEntry[] {
  if (!Array.isArray(list)) bad('tensors must be a list');
  const expected = paramShapes(spec);
  if (list.length < expected.length) bad(`tensors: expected ${expected.length} parameter tensors for this architecture, got ${list.length} entries`);
  const seen = new Set<string>();
  let offset = 0;
  return list.map((t: unknown, i): TensorEntry => {
    const where = `tensors[${i}]`;
    if (!isObject(t)) bad(`${where} is not an object`);
    const extraKeys = Object.keys(t).filter((k) => !['name', 'shape', 'offset', 'length'].includes(k));
    if (extraKeys.length) bad(`${where} has unknown field(s): ${extraKeys.join(', ')}`);
    const { name, shape, offset: off, length } = t;
    if (typeof name !== 'string') bad(`${where}.name must be a string`);
    if (!Array.isArray(shape) || !shape.every((d) => isU32(d) && d <= 0x7fffffff)) bad(`${where} (${name}): shape must be a list of non-negative integers`);
    if (!isU32(length)) bad(`${where} (${name}): length must be a non-negative integer`);
    if (!isU32(off)) bad(`${where} (${name}): offset must be a non-negative integer`);
    if (i < expected.length) {
      const e = expected[i];
      if (name !== e.name) bad(`${where} is "${name}", expected parameter "${e.name}" for this architecture`);
      if (!sameShape(shape, e.shape)) bad(`tensor ${name} has shape [${shape.join(', ')}], the architecture needs [${e.shape.join(', ')}]`);
    } else if (!EXTRA_TENSOR_PREFIXES.some((p) => name.startsWith(p))) {
      bad(`${where} "${name}" is not a parameter of this architecture, and extra tensors must be named "adam.*" or "opt.*"`);
    }
    if (seen.has(name)) bad(`duplicate tensor name "${name}"`);
    seen.add(name);
    if (length !== product(shape)) bad(`tensor ${name}: length ${length} does not match shape [${shape.join(', ')}] (${product(shape)} values)`);
    if (off !== offset) bad(`tensor ${name}: offset ${off}, expected ${offset} (tensors are stored back to back in header order)`);
    offset += 4 * length;
    return { name, shape: [...shape], offset: off, length };
  });
}

function checkTraining(t: unknown, fail: (m: string) => never): void {
  if (!isObject(t)) fail('training must be an object or null');
  for (const [k, type] of Object.entries(TRAINING_TYPES)) {
    if (k in t && typeof t[k] !== type) fail(`training.${k} must be a ${type}`);
  }
  if ('metrics' in t && (!Array.isArray(t.metrics) || !t.metrics.every(isObject))) fail('training.metrics must be a list of objects');
}
