/**
 * The DRMM model file: architecture, parameters, optional training metadata and optimizer state
 * in one self-checking binary (spec and rationale: docs/MODEL_FORMAT.md).
 *
 *   "DRMMODEL" (8 bytes ASCII) | u32 LE version (1) | u32 LE header length H
 *   | H bytes UTF-8 JSON header | zero padding to a multiple of 4 | float32 LE tensors
 *
 * Files come from users (uploads, drag and drop), so the reader treats every byte as hostile:
 * it checks everything before allocating, throws only Errors prefixed "Not a valid DRMM model
 * file: ", and returns either a complete model or nothing. Pure TS (TextEncoder/Decoder, DataView).
 */
import { paramList, paramShapes, paramsFromList, validateSpec, type ModelParams, type ModelSpec } from './model';

export const MODEL_FILE_MAGIC = 'DRMMODEL';
export const MODEL_FILE_VERSION = 1;
/** Headers are a few KB; the cap keeps a hostile length from making us decode megabytes of JSON. */
export const MODEL_FILE_MAX_HEADER = 1 << 20;
/**
 * Deepest nesting of arrays and objects allowed in the header (the header object itself is 1; a
 * written header reaches 4). JSON.stringify, which the header checksum needs, overflows the stack
 * at a few thousand levels, and a 1 MiB header can nest far deeper than that.
 */
export const MODEL_FILE_MAX_DEPTH = 32;
/** Keys that could reach an object's prototype if a header were ever merged into another object: header data stays data. */
export const FORBIDDEN_HEADER_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
export const MODEL_FILE_ERROR_PREFIX = 'Not a valid DRMM model file: ';
/** Optimizer state and other non-parameter tensors must use one of these name prefixes. */
export const EXTRA_TENSOR_PREFIXES = ['adam.', 'opt.'] as const;

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
  spec: ModelSpec;
  preset?: string | null;
  params: ModelParams;
  training?: TrainingMeta | null;
  extra?: ExtraTensor[];
}

export interface ModelFile {
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

const HEADER_FIELDS = ['format', 'version', 'preset', 'architecture', 'tensors', 'checksum', 'training', 'createdBy'];
const TRAINING_TYPES: Record<string, 'string' | 'number'> = { mode: 'string', labelled: 'number', seed: 'number', epoch: 'number', step: 'number', optimizer: 'string' };
const PREFIX_BYTES = 16;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zip and PNG use): detects any burst error up to 32 bits. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The header's own checksum: CRC-32 of the UTF-8 of JSON.stringify(header) with checksum.header
 * left out, keys in the file's order. The data CRC cannot protect the header, and a flipped digit
 * in a metric or name would otherwise load silently.
 */
export function headerChecksum(header: Record<string, unknown>): number {
  const { header: _omit, ...rest } = header.checksum as Record<string, unknown>;
  return crc32(new TextEncoder().encode(JSON.stringify({ ...header, checksum: rest })));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isU32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
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

  const data = new Uint8Array(offset);
  const dv = new DataView(data.buffer);
  let at = 0;
  for (const t of tensors) for (let i = 0; i < t.data.length; i++, at += 4) dv.setFloat32(at, t.data[i], true);

  const header: Record<string, unknown> = {
    format: 'drmm-model',
    version: MODEL_FILE_VERSION,
    preset,
    architecture: spec,
    tensors: entries,
    checksum: { algorithm: 'crc32', value: crc32(data) },
    training,
    createdBy: 'drmm-explainer',
  };
  (header.checksum as Record<string, unknown>).header = headerChecksum(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
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

/** NaN, Infinity and undefined would not survive JSON: refuse them instead of silently changing them. */
function checkJsonSafe(v: unknown, path: string, fail: (m: string) => never, depth: number): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(`${path} is ${v}, which JSON cannot hold`);
    return;
  }
  if (depth > MODEL_FILE_MAX_DEPTH) fail(`${path} nests deeper than ${MODEL_FILE_MAX_DEPTH} levels`);
  if (Array.isArray(v)) return v.forEach((x, i) => checkJsonSafe(x, `${path}[${i}]`, fail, depth + 1));
  if (isObject(v) && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) {
      if ((FORBIDDEN_HEADER_KEYS as readonly string[]).includes(k)) fail(`${path} has the key "${k}", which is not allowed`);
      if (x !== undefined) checkJsonSafe(x, `${path}.${k}`, fail, depth + 1);
    }
    return;
  }
  fail(`${path} is not plain JSON data`);
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
  if (version !== MODEL_FILE_VERSION) bad(`unsupported version ${version} (this app reads version ${MODEL_FILE_VERSION})`);
  const h = dv.getUint32(12, true);
  if (h > MODEL_FILE_MAX_HEADER) bad(`header too large (${h} bytes, limit ${MODEL_FILE_MAX_HEADER})`);
  if (PREFIX_BYTES + h > bytes.length) bad(`truncated: header length ${h} runs past the end of the file (${bytes.length} bytes)`);
  const dataStart = PREFIX_BYTES + Math.ceil(h / 4) * 4;
  if (dataStart > bytes.length) bad(`truncated: padding after the header runs past the end of the file`);
  for (let i = PREFIX_BYTES + h; i < dataStart; i++) if (bytes[i] !== 0) bad(`padding byte at offset ${i} is not zero`);

  const header = parseHeader(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + h));
  const { spec, entries, dataCrc } = checkHeader(header);

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
    spec,
    preset: header.preset as string | null,
    params: paramsFromList(spec, tensors.slice(0, nParams)),
    training: header.training as TrainingMeta | null,
    extra: entries.slice(nParams).map((e, i) => ({ name: e.name, shape: e.shape, data: tensors[nParams + i] })),
  };
}

function parseHeader(raw: Uint8Array): Record<string, unknown> {
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
  const unknown = Object.keys(header).filter((k) => !HEADER_FIELDS.includes(k));
  if (unknown.length) bad(`unknown header field(s): ${unknown.join(', ')}`);
  const missing = HEADER_FIELDS.filter((k) => !(k in header));
  if (missing.length) bad(`missing header field(s): ${missing.join(', ')}`);
  return header;
}

/** The deepest bracket nesting of JSON text, strings skipped; a scan, so no input can overflow the stack. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Where a forbidden key sits in parsed header JSON (e.g. `"__proto__" in header.training`), or null. Depth is already bounded. */
function forbiddenKeyPath(v: unknown, path: string): string | null {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = forbiddenKeyPath(v[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if ((FORBIDDEN_HEADER_KEYS as readonly string[]).includes(k)) return `"${k}" in ${path}`;
      const found = forbiddenKeyPath(v[k], `${path}.${k}`);
      if (found) return found;
    }
  }
  return null;
}

function checkHeader(header: Record<string, unknown>): { spec: ModelSpec; entries: TensorEntry[]; dataCrc: number } {
  const ck = header.checksum;
  if (!isObject(ck)) bad('checksum must be an object');
  const ckExtra = Object.keys(ck).filter((k) => !['algorithm', 'value', 'header'].includes(k));
  if (ckExtra.length) bad(`unknown checksum field(s): ${ckExtra.join(', ')}`);
  if (ck.algorithm !== 'crc32') bad(`unsupported checksum algorithm ${JSON.stringify(ck.algorithm)} (expected "crc32")`);
  if (!isU32(ck.value)) bad('checksum.value must be an unsigned 32-bit integer');
  if (!isU32(ck.header)) bad('checksum.header must be an unsigned 32-bit integer');
  const hc = headerChecksum(header);
  if (hc !== ck.header) bad(`header checksum mismatch: header CRC-32 is ${hc}, header says ${ck.header}`);

  if (header.format !== 'drmm-model') bad(`format must be "drmm-model", got ${JSON.stringify(header.format)}`);
  if (header.version !== MODEL_FILE_VERSION) bad(`header version ${JSON.stringify(header.version)} does not match file version ${MODEL_FILE_VERSION}`);
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

  return { spec: cleanSpec(spec), entries: checkTensors(header.tensors, spec), dataCrc: ck.value };
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
