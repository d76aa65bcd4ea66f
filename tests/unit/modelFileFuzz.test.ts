// Model-file fuzz (issue 5, item 3): about 1,500 hostile files, in named categories, go to
// readModelFile. Each must come back either as a clear rejection (a plain Error with the reader's
// prefix saying what is wrong, never an "unexpected error", never a RangeError or TypeError) or,
// only when the file still says exactly the same thing (or is another valid model, and then it must
// be exactly that model), as a model. Nothing may take long. The counts per category are printed
// and recorded in docs/RELIABILITY.md. Seeded, so a failure reproduces.
import { afterAll, describe, expect, it } from 'vitest';
import { initParams, paramList, paramShapes, PRESET_NAMES, PRESETS, rng, type ModelSpec, type PresetName } from '../../src/engine/model';
import { bitsEqual, sealedHeader } from '../helpers/modelFileEdits';
import { assembleModelFile, writeModelFileV1 } from '../helpers/modelFileV1';
import {
  crc32,
  MODEL_FILE_ERROR_PREFIX,
  MODEL_FILE_MAX_DEPTH,
  MODEL_FILE_MAX_HEADER,
  readModelFile,
  writeModelFile,
  type ModelFile,
} from '../../src/engine/modelFile';

type Json = Record<string, any>;

interface Base {
  preset: PresetName;
  bytes: Uint8Array;
  header: Json;
  headerText: string;
  data: Uint8Array;
  dataStart: number;
  tensors: Float32Array[];
}

function makeBase(preset: PresetName, seed: number): Base {
  const spec = PRESETS[preset];
  const params = initParams(spec, seed);
  const extra = [
    { name: 'adam.m.level1.weights', shape: paramShapes(spec)[0].shape, data: params.weights[0].map((v) => v * 0.25) },
    { name: 'adam.step', shape: [], data: new Float32Array([seed]) },
  ];
  const training = { mode: 'supervised', seed, epoch: 2, step: 938, optimizer: 'adam lr=0.001', metrics: [{ epoch: 1, trainLoss: 0.31, testAccuracy: 0.962 }] };
  const bytes = writeModelFile({ spec, preset, params, training, extra });
  const h = new DataView(bytes.buffer).getUint32(12, true);
  const headerText = new TextDecoder().decode(bytes.subarray(16, 16 + h));
  const dataStart = 16 + Math.ceil(h / 4) * 4;
  return { preset, bytes, header: JSON.parse(headerText), headerText, data: bytes.slice(dataStart), dataStart, tensors: [...paramList(params), ...extra.map((e) => e.data)] };
}

/** A file from raw header bytes and a data section, laid out as the writer does (version 2). */
const assemble = (json: Uint8Array, data: Uint8Array, headerLength = json.length) => assembleModelFile(json, data, 2, headerLength);

/**
 * Recomputes both checksums, so the reader gets past them and judges the edit itself. The header
 * CRC can only be sealed where the header still begins with the checksum lead; the object's
 * checksum.header is set to what the bytes say.
 */
function sealed(header: Json, data: Uint8Array): Uint8Array {
  if (header.checksum && typeof header.checksum === 'object') header.checksum.value = crc32(data);
  return assemble(sealedHeader(header), data);
}

const clone = (v: Json): Json => JSON.parse(JSON.stringify(v));

/** What an accepted file must have said: its architecture, preset and training record, over the base's tensors. */
interface Expect {
  spec: ModelSpec;
  preset: string | null;
  training: unknown;
  /** Names and shapes of every tensor, parameters then extras. */
  entries: [string, number[]][];
  tensors: Float32Array[];
}
const expectOf = (b: Base, header: Json = b.header): Expect => ({
  spec: header.architecture,
  preset: header.preset,
  training: header.training,
  entries: Array.isArray(header.tensors) ? header.tensors.map((t: Json) => [t?.name, t?.shape]) : [],
  tensors: b.tensors,
});

function sameModel(got: ModelFile, want: Expect): boolean {
  const t = [...paramList(got.params), ...got.extra.map((e) => e.data)];
  return (
    JSON.stringify(got.spec) === JSON.stringify(want.spec) &&
    got.preset === want.preset &&
    JSON.stringify(got.training) === JSON.stringify(want.training) &&
    JSON.stringify([...paramShapes(got.spec).map((p) => [p.name, p.shape]), ...got.extra.map((e) => [e.name, e.shape])]) === JSON.stringify(want.entries) &&
    t.length === want.tensors.length &&
    t.every((x, i) => bitsEqual(x, want.tensors[i]))
  );
}

interface Case {
  bytes: Uint8Array | ArrayBuffer;
  /** Set when this file may load: it must then be exactly this model. */
  accept?: Expect;
  /** The rejection must say this (besides the prefix). */
  message?: RegExp;
}

interface Tally {
  files: number;
  rejected: number;
  accepted: number;
  slowestMs: number;
  /** Distinct rejection messages (numbers stripped), to see how deep a category reaches. */
  kinds: Set<string>;
}
const tallies = new Map<string, Tally>();

/** Feeds one file and checks the outcome; returns 'accepted' or 'rejected'. */
function feed(category: string, c: Case): 'accepted' | 'rejected' {
  const tally = tallies.get(category) ?? { files: 0, rejected: 0, accepted: 0, slowestMs: 0, kinds: new Set<string>() };
  tallies.set(category, tally);
  tally.files++;
  const t0 = performance.now();
  let got: ModelFile | undefined;
  let err: unknown;
  try {
    got = readModelFile(c.bytes);
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t0;
  tally.slowestMs = Math.max(tally.slowestMs, ms);
  expect(ms, `${category}: one file took ${ms.toFixed(0)} ms`).toBeLessThan(2000);
  if (got) {
    expect(c.accept, `${category}: a file that must be rejected loaded`).toBeDefined();
    expect(sameModel(got, c.accept!), `${category}: loaded, but not as the model the file describes`).toBe(true);
    tally.accepted++;
    return 'accepted';
  }
  // Exactly Error: a RangeError or TypeError escaping would be a reader bug, even if prefixed.
  expect(err, `${category}: threw a non-Error`).toBeInstanceOf(Error);
  const e = err as Error;
  expect(e.constructor, `${category}: threw ${e.constructor.name}: ${e.message}`).toBe(Error);
  expect(e.message.startsWith(MODEL_FILE_ERROR_PREFIX), `${category}: unprefixed message: ${e.message}`).toBe(true);
  const what = e.message.slice(MODEL_FILE_ERROR_PREFIX.length);
  expect(what, `${category}: internal failure instead of a clear message`).not.toMatch(/^unexpected error/);
  expect(what.length, `${category}: message says too little`).toBeGreaterThan(10);
  if (c.message) expect(what, category).toMatch(c.message);
  tally.kinds.add(what.replace(/-?\d[\d.e+-]*/g, 'N').slice(0, 60));
  tally.rejected++;
  return 'rejected';
}

/** Alternates how the bytes are handed over: a Uint8Array, an ArrayBuffer, an unaligned view into a larger buffer. */
function asInput(b: Uint8Array, i: number): Uint8Array | ArrayBuffer {
  if (i % 3 === 1) return b.slice().buffer;
  if (i % 3 === 2) {
    const big = new Uint8Array(b.length + 7);
    big.set(b, 3);
    return big.subarray(3, 3 + b.length);
  }
  return b;
}

const compact = makeBase('drmm-compact', 11);
const bases = Object.fromEntries(PRESET_NAMES.map((p) => [p, p === 'drmm-compact' ? compact : makeBase(p, 12)])) as Record<PresetName, Base>;
const r = rng(5150);
const int = (n: number) => Math.floor(r() * n);
const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)];

describe('model-file fuzz', () => {
  afterAll(() => {
    const rows = [...tallies].map(([k, t]) => `${k.padEnd(34)} ${String(t.files).padStart(5)} ${String(t.rejected).padStart(8)} ${String(t.accepted).padStart(8)} ${t.slowestMs.toFixed(1).padStart(8)} ${String(t.kinds.size).padStart(6)}`);
    const total = [...tallies.values()].reduce((a, t) => ({ files: a.files + t.files, rejected: a.rejected + t.rejected, accepted: a.accepted + t.accepted }), { files: 0, rejected: 0, accepted: 0 });
    console.log(
      ['model-file fuzz', `${'category'.padEnd(34)} ${'files'.padStart(5)} rejected accepted  slowest  kinds`, ...rows, `${'total'.padEnd(34)} ${String(total.files).padStart(5)} ${String(total.rejected).padStart(8)} ${String(total.accepted).padStart(8)}`].join('\n'),
    );
    if (process.env.FUZZ_LOG) for (const [k, t] of tallies) console.log(k, [...t.kinds]);
  });

  it('bit flips in the prefix, header and padding', () => {
    for (let i = 0; i < 300; i++) {
      const b = compact.bytes.slice();
      b[int(compact.dataStart)] ^= 1 << int(8);
      // A flip can only load if the header still says the same (e.g. an equivalent JSON spelling).
      feed('bit flip: prefix, header, padding', { bytes: asInput(b, i), accept: expectOf(compact) });
    }
  });

  it('bit flips in a version-1 file\'s prefix, header and padding (old files are still read)', () => {
    const spec = PRESETS['drmm-compact'];
    const v1 = writeModelFileV1({ spec, preset: 'drmm-compact', params: initParams(spec, 11), training: compact.header.training, extra: [
      { name: 'adam.m.level1.weights', shape: paramShapes(spec)[0].shape, data: initParams(spec, 11).weights[0].map((v) => v * 0.25) },
      { name: 'adam.step', shape: [], data: new Float32Array([11]) },
    ] });
    const v1Header = JSON.parse(new TextDecoder().decode(v1.subarray(16, 16 + new DataView(v1.buffer).getUint32(12, true))));
    const want = expectOf(compact, v1Header);
    // The unflipped file loads as the same model as the version-2 base.
    expect(feed('bit flip: version-1 file', { bytes: v1, accept: want })).toBe('accepted');
    const headerEnd = 16 + Math.ceil(new DataView(v1.buffer).getUint32(12, true) / 4) * 4;
    for (let i = 0; i < 150; i++) {
      const b = v1.slice();
      b[int(headerEnd)] ^= 1 << int(8);
      // Version 1 checksums a re-serialisation, so only a flip that leaves the same JSON could load.
      feed('bit flip: version-1 file', { bytes: asInput(b, i), accept: want });
    }
  });

  it('bit flips in the tensor data: the data CRC catches every one', () => {
    for (let i = 0; i < 200; i++) {
      const b = compact.bytes.slice();
      b[compact.dataStart + int(compact.data.length)] ^= 1 << int(8);
      feed('bit flip: tensor data', { bytes: asInput(b, i), message: /^checksum mismatch: tensor data CRC-32/ });
    }
  });

  it('truncation at every region: prefix, header, padding, data', () => {
    const { bytes, dataStart } = compact;
    const h = new DataView(bytes.buffer).getUint32(12, true);
    const cuts: [number, RegExp][] = [];
    for (let n = 0; n < 16; n++) cuts.push([n, /^too short/]);
    for (let n = 16; n < 16 + h; n += 5) cuts.push([n, /^truncated: header length/]);
    for (let n = 16 + h; n < dataStart; n++) cuts.push([n, /^truncated: padding/]);
    for (let k = 0; k < 60; k++) cuts.push([dataStart + int(bytes.length - dataStart), /^truncated: data section/]);
    for (let k = 1; k <= 8; k++) cuts.push([bytes.length - k, /^truncated: data section/]);
    cuts.forEach(([n, message], i) => feed('truncation', { bytes: asInput(bytes.slice(0, n), i), message }));
    expect(cuts.length).toBeGreaterThan(250);
  });

  it('random bytes, bare or behind a valid magic, version and header length', () => {
    const magic = compact.bytes.subarray(0, 8);
    for (let i = 0; i < 160; i++) {
      const b = Uint8Array.from({ length: int(i % 2 ? 8192 : 64) }, () => int(256));
      const mode = i % 4;
      if (mode >= 1 && b.length >= 8) b.set(magic);
      if (mode >= 2 && b.length >= 16) new DataView(b.buffer).setUint32(8, 1 + ((i >> 2) & 1), true);
      if (mode === 3 && b.length >= 16) new DataView(b.buffer).setUint32(12, int(b.length - 15), true);
      feed('random bytes', { bytes: asInput(b, i) });
    }
  });

  it('empty and near-empty files', () => {
    const cases = [new Uint8Array(0), new ArrayBuffer(0), compact.bytes.subarray(5, 5), new Uint8Array(1), compact.bytes.slice(0, 8), new ArrayBuffer(15)];
    for (const bytes of cases) feed('empty', { bytes, message: /^too short \(\d+ bytes/ });
    // Sixteen zero bytes pass the length check but not the magic.
    feed('empty', { bytes: new Uint8Array(16), message: /^wrong magic 00 00/ });
  });

  it('huge and lying header lengths', () => {
    const lengths = [MODEL_FILE_MAX_HEADER + 1, MODEL_FILE_MAX_HEADER + 4096, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];
    for (let k = 0; k < 40; k++) lengths.push(MODEL_FILE_MAX_HEADER + 1 + int(0xffffffff - MODEL_FILE_MAX_HEADER));
    const inside = [MODEL_FILE_MAX_HEADER, compact.bytes.length - 15, compact.bytes.length];
    for (let k = 0; k < 40; k++) inside.push(compact.bytes.length - 15 + int(MODEL_FILE_MAX_HEADER - compact.bytes.length));
    lengths.forEach((len, i) => {
      const b = compact.bytes.slice();
      new DataView(b.buffer).setUint32(12, len, true);
      feed('huge header length', { bytes: asInput(b, i), message: /^header too large \(\d+ bytes, limit 1048576\)/ });
    });
    inside.forEach((len, i) => {
      const b = compact.bytes.slice();
      new DataView(b.buffer).setUint32(12, len, true);
      feed('huge header length', { bytes: asInput(b, i), message: /^truncated: header length \d+ runs past the end/ });
    });
    // A header length that is too short cuts the JSON: it fails to parse, or the padding is not zero.
    for (let k = 0; k < 30; k++) {
      const b = compact.bytes.slice();
      new DataView(b.buffer).setUint32(12, int(compact.headerText.length), true);
      feed('huge header length', { bytes: asInput(b, k), message: /^(header is not valid JSON|header is not valid UTF-8|padding byte at offset|header is not a JSON object)/ });
    }
  });

  it('wrong architectures: another preset, edited levels, inconsistent tensor shapes', () => {
    // A valid file of each preset loads as exactly that model.
    for (const p of PRESET_NAMES) feed('wrong architecture', { bytes: bases[p].bytes, accept: expectOf(bases[p]) });
    // One preset's architecture over another's tensors, and one's whole header over another's data.
    for (const a of PRESET_NAMES)
      for (const b of PRESET_NAMES) {
        if (a === b) continue;
        const h = clone(bases[a].header);
        h.architecture = clone(bases[b].header.architecture);
        feed('wrong architecture', { bytes: sealed(h, bases[a].data), message: /^tensor|^tensors/ });
        feed('wrong architecture', { bytes: sealed(clone(bases[b].header), bases[a].data), message: /^truncated: data section|^data section is longer/ });
      }
    // Random edits of the architecture. Some leave every tensor shape as it was (a changed pad under a
    // global-average read-out): that is another valid model, and it must load as exactly what it says.
    const edits: ((arch: Json) => void)[] = [
      (a) => (a.levels[int(a.levels.length)].channels += 1 + int(3)),
      (a) => (a.levels[int(a.levels.length)].kernel = pick([1, 2, 3, 5, 7, 0, 16, -1, 2.5])),
      (a) => (a.levels[int(a.levels.length)].pad = pick([0, 1, 2, 3, -1, 100])),
      (a) => (a.levels[int(a.levels.length)].pool = !a.levels[0].pool),
      (a) => (a.readout = a.readout === 'gap' ? 'dense' : 'gap'),
      (a) => (a.classes = pick([0, 1, 2, 9, 11, 1e9])),
      (a) => (a.input = { channels: pick([1, 3]), height: pick([14, 28, 32, 0]), width: pick([28, 27, 1e6]) }),
      (a) => a.levels.splice(int(a.levels.length), 1),
      (a) => a.levels.push(clone(a.levels[a.levels.length - 1])),
      (a) => (a.levels = []),
      (a) => (a.levels = Array.from({ length: 1000 }, () => ({ kernel: 1, channels: 1, pad: 0, pool: false }))),
    ];
    for (let i = 0; i < 110; i++) {
      const base = bases[pick(PRESET_NAMES)];
      const h = clone(base.header);
      edits[i % edits.length](h.architecture);
      const consistent = JSON.stringify(paramShapes(base.header.architecture)) === JSON.stringify(safeShapes(h.architecture));
      feed('wrong architecture', { bytes: sealed(h, base.data), accept: consistent ? expectOf(base, h) : undefined, message: consistent ? undefined : /^(architecture|tensor|tensors)/ });
    }
    // Inconsistent tensor entries under a valid architecture.
    const tensorEdits: ((t: Json[]) => void)[] = [
      (t) => (pick(t).shape = [int(100)]),
      (t) => (pick(t).length += pick([1, -1, 4, 1e9])),
      (t) => (pick(t).offset += pick([4, -4, 1, 1e9])),
      (t) => (pick(t).name = pick(['level1.weights', 'classes.mu', 'x', '', 'adam.step'])),
      (t) => t.reverse(),
      (t) => t.push({ name: 'adam.big', shape: [0x7fffffff, 0x7fffffff], offset: 0, length: 0xffffffff }),
      (t) => (pick(t).shape = [2 ** 31, 2]),
      (t) => (pick(t).shape = 'abc'),
    ];
    for (let i = 0; i < 60; i++) {
      const h = clone(compact.header);
      tensorEdits[i % tensorEdits.length](h.tensors);
      // Extra (optimizer) tensors have free shapes: adam.step reshaped from [] to [1] is still a valid file.
      feed('inconsistent tensor shapes', { bytes: sealed(h, compact.data), accept: expectOf(compact, h), message: /^(tensor|tensors|duplicate tensor name|truncated: data section)/ });
    }
  });

  it('NaN and Infinity weights behind valid checksums: named by tensor and index', () => {
    const patterns = [0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0xffffffff, 0x7f800000, 0xff800000];
    const entries = compact.header.tensors as { name: string; offset: number; length: number }[];
    for (let i = 0; i < 150; i++) {
      const e = pick(entries);
      const at = int(e.length);
      // The listed patterns first (quiet, signalling, negative NaN; both infinities), then random NaN payloads and infinities of either sign.
      const sign = r() < 0.5 ? 0x80000000 : 0;
      const bits = i < patterns.length ? patterns[i] : (r() < 0.3 ? 0x7f800000 : 0x7f800001 + int(0x7fffff)) | sign;
      const data = compact.data.slice();
      new DataView(data.buffer).setUint32(e.offset + 4 * at, bits >>> 0, true);
      const value = new Float32Array(new Uint32Array([bits >>> 0]).buffer)[0];
      const shown = String(value).replace(/[()]/g, '');
      const message = new RegExp(`^tensor ${e.name.replace(/\./g, '\\.')} has a non-finite value \\(${shown}\\) at index ${at}$`);
      feed('NaN/Inf weights, valid checksums', { bytes: asInput(sealed(clone(compact.header), data), i), message });
    }
  });

  it('prototype-pollution keys anywhere in the header', () => {
    const places: ((h: Json) => Json)[] = [
      (h) => h,
      (h) => h.checksum,
      (h) => h.architecture,
      (h) => h.architecture.input,
      (h) => h.architecture.levels[0],
      (h) => h.tensors[1],
      (h) => h.training,
      (h) => h.training.metrics[0],
      (h) => ((h.training.notes = { deeper: {} }), h.training.notes.deeper),
    ];
    let n = 0;
    for (const place of places)
      for (const key of ['__proto__', 'constructor', 'prototype'])
        for (const value of [{ polluted: true }, 'polluted', [{ polluted: 1 }]]) {
          const h = clone(compact.header);
          // defineProperty makes "__proto__" an own key, so JSON.stringify writes it as a file would carry it.
          Object.defineProperty(place(h), key, { value, enumerable: true, configurable: true, writable: true });
          feed('prototype-pollution keys', { bytes: asInput(sealed(h, compact.data), n++), message: new RegExp(`^header key "${key}" in header[\\w.\\[\\]]* is not allowed`) });
          expect(({} as Json).polluted).toBeUndefined();
          expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
        }
  });

  it('deeply nested header JSON (once a stack overflow inside the checksum)', () => {
    const text = compact.headerText;
    for (const depth of [MODEL_FILE_MAX_DEPTH - 3, MODEL_FILE_MAX_DEPTH - 2, MODEL_FILE_MAX_DEPTH - 1, 100, 5_000, 100_000, 400_000]) {
      for (const where of ['training', 'architecture']) {
        const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
        const edited = where === 'training' ? text.replace('"training":{', `"training":{"deep":${deep},`) : text.replace('"architecture":{', `"architecture":{"deep":${deep},`);
        expect(edited).not.toBe(text);
        // The checksum is not recomputed: the reader must say what is wrong before it would matter.
        const tooDeep = depth + 2 > MODEL_FILE_MAX_DEPTH;
        feed('deep nesting', { bytes: assemble(new TextEncoder().encode(edited), compact.data), message: tooDeep ? /^header nests arrays or objects \d+ levels deep \(limit 32\)$/ : /^header checksum mismatch/ });
      }
    }
  });

  it('header values replaced by hostile ones (checksums recomputed)', () => {
    const values: unknown[] = [null, true, -1, 1.5, 1e308, -0, '', 'x'.repeat(5000), [], {}, [1, 2], 2 ** 32, 2 ** 53, 'NaN', '\u0000', '\ud800'];
    const paths = leafPaths(compact.header);
    let accepted = 0;
    for (let i = 0; i < 200; i++) {
      const h = clone(compact.header);
      const path = pick(paths);
      setPath(h, path, pick(values));
      // Valid only where the format is open (training's extra fields, preset, createdBy) or nothing changed.
      const outcome = feed('header values (type confusion)', { bytes: asInput(sealed(h, compact.data), i), accept: expectOf(compact, h) });
      if (outcome === 'accepted') {
        accepted++;
        expect(path[0] === 'training' || path[0] === 'preset' || path[0] === 'createdBy' || JSON.stringify(h) === JSON.stringify(compact.header), `loaded after editing ${path.join('.')}`).toBe(true);
      }
    }
    expect(accepted).toBeLessThan(200);
  });

  it('fed at least 1,000 files in all', () => {
    const total = [...tallies.values()].reduce((a, t) => a + t.files, 0);
    expect(total).toBeGreaterThanOrEqual(1000);
  });
});

describe('regressions found by the fuzz', () => {
  it('deep nesting is refused by the reader and the writer with a clear message', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const edited = compact.headerText.replace('"training":{', `"training":{"deep":${deep},`);
    expect(() => readModelFile(assemble(new TextEncoder().encode(edited), compact.data))).toThrow(/^Not a valid DRMM model file: header nests arrays or objects 10002 levels deep \(limit 32\)$/);
    let nested: unknown = [];
    for (let i = 0; i < 40; i++) nested = [nested];
    const spec = PRESETS['rmm-shallow'];
    expect(() => writeModelFile({ spec, params: initParams(spec, 1), training: { nested: nested as never } })).toThrow(/^Cannot write DRMM model file: training\.nested\[0\].* nests deeper than 32 levels$/);
  });
  it('"__proto__", "constructor" and "prototype" keys are refused, by the reader and the writer', () => {
    const h = clone(compact.header);
    Object.defineProperty(h.training, '__proto__', { value: { isAdmin: true }, enumerable: true });
    expect(() => readModelFile(sealed(h, compact.data))).toThrow('Not a valid DRMM model file: header key "__proto__" in header.training is not allowed (model files are data only)');
    const spec = PRESETS['rmm-shallow'];
    const training = JSON.parse('{"metrics":[{"constructor":{"prototype":{}}}]}');
    expect(() => writeModelFile({ spec, params: initParams(spec, 1), training })).toThrow('Cannot write DRMM model file: training.metrics[0] has the key "constructor", which is not allowed');
  });
  it('nesting up to the limit still round-trips', () => {
    let nested: unknown = 1;
    for (let i = 0; i < MODEL_FILE_MAX_DEPTH - 2; i++) nested = [nested]; // header (1) > training (2) > arrays
    const spec = PRESETS['rmm-shallow'];
    const bytes = writeModelFile({ spec, params: initParams(spec, 1), training: { nested: nested as never } });
    expect(JSON.stringify(readModelFile(bytes).training)).toBe(JSON.stringify({ nested }));
  });
});

/** paramShapes of an edited architecture, or null when it is not one at all. */
function safeShapes(arch: Json): unknown {
  try {
    return paramShapes(arch as ModelSpec);
  } catch {
    return null;
  }
}

/** Every path to a value in a JSON tree (objects, arrays and leaves). */
function leafPaths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length ? [prefix] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...leafPaths(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...leafPaths(x, [...prefix, k]));
  return out;
}

function setPath(root: Json, path: (string | number)[], value: unknown): void {
  let o: any = root;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]] = JSON.parse(JSON.stringify(value) ?? 'null');
}
