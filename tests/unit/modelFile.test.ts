// The model file: bit-exact round trips for every preset, every documented rejection by its
// message, and a seeded fuzz showing the reader only ever returns the original or a prefixed Error.
import { describe, expect, it } from 'vitest';
import { initParams, paramList, paramShapes, PRESET_NAMES, PRESETS, rng, type ModelSpec, type PresetName } from '../../src/engine/model';
import { TWO_LEVEL } from '../helpers/specs';
import { bitsEqual, sealedHeader } from '../helpers/modelFileEdits';
import { assembleModelFile, splitModelFile } from '../helpers/modelFileV1';
import {
  crc32,
  MODEL_FILE_ERROR_PREFIX,
  MODEL_FILE_MAX_HEADER,
  readModelFile,
  writeModelFile,
  type ModelFile,
  type TrainingMeta,
} from '../../src/engine/modelFile';

const training: TrainingMeta = {
  mode: 'semi-supervised',
  labelled: 100,
  seed: 42,
  epoch: 3,
  step: 1407,
  optimizer: 'adam lr=0.001 b1=0.9 b2=0.999',
  metrics: [
    { epoch: 1, trainLoss: 0.61, testAccuracy: 0.912 },
    { epoch: 2, trainLoss: 0.25, testAccuracy: 0.968, note: 'lr halved' },
  ],
};

function sample(preset: PresetName, spec: ModelSpec = PRESETS[preset]) {
  const params = initParams(spec, 7);
  const w1 = params.weights[0];
  // Edge values that must survive bit-exactly: negative zero, a subnormal, the largest float32.
  w1[0] = -0;
  w1[1] = 1e-40;
  w1[2] = 3.4028234663852886e38;
  const m = w1.map((v) => v * 0.5);
  const extra = [
    { name: 'adam.m.level1.weights', shape: paramShapes(spec)[0].shape, data: m },
    { name: 'adam.step', shape: [], data: new Float32Array([1407]) },
  ];
  return { spec, preset, params, training, extra };
}

function expectSame(got: ModelFile, want: ReturnType<typeof sample>) {
  expect(got.spec).toEqual(want.spec);
  expect(got.preset).toBe(want.preset);
  expect(got.training).toEqual(want.training);
  const a = paramList(got.params);
  const b = paramList(want.params);
  expect(a.length).toBe(b.length);
  a.forEach((t, i) => expect(bitsEqual(t, b[i])).toBe(true));
  expect(got.extra.map((e) => [e.name, e.shape])).toEqual(want.extra.map((e) => [e.name, e.shape]));
  got.extra.forEach((e, i) => expect(bitsEqual(e.data, want.extra[i].data)).toBe(true));
}

/** Splits a file into its header object and data section. */
const split = (bytes: Uint8Array) => splitModelFile(bytes);

/** Reassembles a file from raw header bytes and data, as a writer would lay it out. */
const assemble = (json: Uint8Array, data: Uint8Array, version = 2) => assembleModelFile(json, data, version);

/** A file with an edited header whose checksums are made valid again, so the edit itself is what the reader sees. */
function withHeader(edit: (h: Record<string, any>) => void, opts: { data?: Uint8Array; fixDataCrc?: boolean } = {}) {
  const { header, data: original } = split(writeModelFile(sample('drmm-compact', TWO_LEVEL)));
  const data = opts.data ?? original;
  if (opts.fixDataCrc) header.checksum.value = crc32(data);
  edit(header);
  return assemble(sealedHeader(header), data);
}

const rejects = (bytes: Uint8Array | ArrayBuffer, message: string) => {
  let err: unknown;
  try {
    readModelFile(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message.startsWith(MODEL_FILE_ERROR_PREFIX)).toBe(true);
  expect((err as Error).message).toContain(message);
};

describe('round trip', () => {
  it.each(PRESET_NAMES)('%s: bit-exact, with training metadata and adam tensors', (preset) => {
    const want = sample(preset);
    const bytes = writeModelFile(want);
    expect(String.fromCharCode(...bytes.subarray(0, 8))).toBe('DRMMODEL');
    const { header } = split(bytes);
    expect(Object.keys(header)).toEqual(['checksum', 'format', 'version', 'kind', 'preset', 'architecture', 'tensors', 'training', 'createdBy']);
    expect([header.version, header.kind, new DataView(bytes.buffer).getUint32(8, true)]).toEqual([2, 'drmm', 2]);
    expect(header.tensors.map((t: { name: string }) => t.name)).toEqual([...paramShapes(want.spec).map((s) => s.name), 'adam.m.level1.weights', 'adam.step']);
    expect((bytes.length - split(bytes).data.length) % 4).toBe(0);
    expectSame(readModelFile(bytes), want);
    // Also from an ArrayBuffer, and from an unaligned view into a larger buffer.
    expectSame(readModelFile(bytes.slice().buffer), want);
    const big = new Uint8Array(bytes.length + 5);
    big.set(bytes, 3);
    expectSame(readModelFile(big.subarray(3, 3 + bytes.length)), want);
  });

  it('minimal file: no preset, no training, no extras', () => {
    const spec = PRESETS['rmm-shallow'];
    const params = initParams(spec, 1);
    const got = readModelFile(writeModelFile({ spec, params }));
    expect([got.preset, got.training, got.extra, got.kind, got.formatVersion]).toEqual([null, null, [], 'drmm', 2]);
    expect(got.spec).toEqual(spec);
  });

  it('returned tensors do not alias the input bytes', () => {
    const bytes = writeModelFile(sample('rmm-shallow'));
    const got = readModelFile(bytes);
    bytes.fill(0);
    expect(got.params.classBias.buffer).not.toBe(bytes.buffer);
    expect(got.params.weights[0][3]).not.toBe(0);
  });

  it('reading does not change the bytes it reads: a Node Buffer (whose slice() is a view) reads the same twice', () => {
    const bytes = Buffer.from(writeModelFile(sample('rmm-shallow')));
    const before = Buffer.from(bytes);
    readModelFile(bytes);
    expect(bytes.equals(before)).toBe(true);
    expectSame(readModelFile(bytes), sample('rmm-shallow'));
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(MODEL_FILE_MAX_HEADER).toBe(1 << 20);
  });
});

describe('writer refuses what the reader would reject', () => {
  const w = (f: (m: ReturnType<typeof sample>) => void) => () => {
    const m = sample('rmm-shallow');
    f(m);
    writeModelFile(m);
  };
  it('non-finite values', () => {
    expect(w((m) => (m.params.mu[5] = NaN))).toThrow('Cannot write DRMM model file: tensor classes.mu has a non-finite value (NaN) at index 5');
    expect(w((m) => (m.training = { ...training, epoch: Infinity }))).toThrow('training.epoch is Infinity');
  });
  it('wrong sizes, bad names, bad architecture', () => {
    expect(w((m) => (m.params.biases[0] = new Float32Array(3)))).toThrow('tensor level1.bias has 3 values, shape [32] needs 32');
    expect(w((m) => (m.extra[0].name = 'momentum'))).toThrow('extra tensor "momentum" must be named "adam.*" or "opt.*"');
    expect(w((m) => (m.extra[1].name = m.extra[0].name))).toThrow('duplicate tensor name "adam.m.level1.weights"');
    expect(w((m) => (m.spec = { ...m.spec, classes: 0 }))).toThrow('Invalid model architecture: classes must be an integer');
    expect(w((m) => (m.training = { mode: 3 as unknown as string }))).toThrow('training.mode must be a string');
  });
});

describe('reader rejections, each by its message', () => {
  // The shape the rejection messages below are worked out for (12 channels at level 1).
  const good = () => writeModelFile(sample('drmm-compact', TWO_LEVEL));
  const setU32 = (b: Uint8Array, at: number, v: number) => {
    const c = b.slice();
    new DataView(c.buffer).setUint32(at, v, true);
    return c;
  };
  const rawHeader = (text: string | Uint8Array) => assemble(typeof text === 'string' ? new TextEncoder().encode(text) : text, new Uint8Array(0));

  it('too short, empty', () => {
    rejects(good().subarray(0, 15), 'too short (15 bytes');
    rejects(new Uint8Array(0), 'too short (0 bytes');
  });
  it('wrong magic', () => {
    const b = good();
    b[7] = 0x58;
    rejects(b, 'wrong magic "DRMMODEX", expected "DRMMODEL"');
  });
  it('unsupported version', () => {
    rejects(setU32(good(), 8, 3), 'unsupported version 3 (this app reads versions 1 and 2)');
    rejects(setU32(good(), 8, 0), 'unsupported version 0 (this app reads versions 1 and 2)');
  });
  it('header length beyond the file, or above 1 MiB', () => {
    const b = good();
    rejects(setU32(b, 12, b.length), `truncated: header length ${b.length} runs past the end of the file`);
    rejects(setU32(b, 12, MODEL_FILE_MAX_HEADER + 1), 'header too large (1048577 bytes, limit 1048576)');
    rejects(setU32(b, 12, 0xffffffff), 'header too large');
  });
  it('header not UTF-8, not JSON, not an object', () => {
    rejects(rawHeader(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 'header is not valid UTF-8');
    rejects(rawHeader('{"format": '), 'header is not valid JSON');
    rejects(rawHeader(''), 'header is not valid JSON');
    rejects(rawHeader('[1, 2, 3]'), 'header is not a JSON object');
    rejects(rawHeader('null'), 'header is not a JSON object');
  });
  it('nonzero padding after the header', () => {
    const b = good();
    const h = new DataView(b.buffer).getUint32(12, true);
    if (h % 4 === 0) throw new Error('test needs a header length that is not a multiple of 4');
    b[16 + h] = 1;
    rejects(b, `padding byte at offset ${16 + h} is not zero`);
  });
  it('unknown and missing header fields, listed', () => {
    rejects(withHeader((h) => ((h.foo = 1), (h.bar = 2))), 'unknown header field(s): foo, bar');
    rejects(withHeader((h) => (delete h.training, delete h.createdBy)), 'missing header field(s): training, createdBy');
    rejects(withHeader((h) => delete h.kind), 'missing header field(s): kind');
  });
  it('wrong field values', () => {
    rejects(withHeader((h) => (h.format = 'onnx')), 'format must be "drmm-model", got "onnx"');
    rejects(withHeader((h) => (h.version = 3)), 'header version 3 does not match file version 2');
    rejects(withHeader((h) => (h.version = 1)), 'header version 1 does not match file version 2');
    rejects(withHeader((h) => (h.preset = 5)), 'preset must be a string or null');
    rejects(withHeader((h) => (h.createdBy = null)), 'createdBy must be a string');
    rejects(withHeader((h) => (h.training = [])), 'training must be an object or null');
    rejects(withHeader((h) => (h.training.epoch = 'three')), 'training.epoch must be a number');
    rejects(withHeader((h) => (h.training.metrics = [1])), 'training.metrics must be a list of objects');
    rejects(withHeader((h) => (h.checksum.algorithm = 'md5')), 'unsupported checksum algorithm "md5"');
    rejects(withHeader((h) => (h.checksum.value = -1)), 'checksum.value must be an unsigned 32-bit integer');
    rejects(withHeader((h) => (h.checksum.salt = 1)), 'unknown checksum field(s): salt');
    rejects(withHeader((h) => (h.checksum = 'crc')), 'checksum must be an object');
  });
  it('invalid architecture, with validateSpec\'s message', () => {
    rejects(withHeader((h) => (h.architecture.levels[1].kernel = 0)), 'architecture: Invalid model architecture: level 2 kernel must be an integer in 1..15, got 0');
    rejects(withHeader((h) => (h.architecture.readout = 'max')), 'architecture: Invalid model architecture: readout must be "gap" or "dense", got max');
    rejects(withHeader((h) => (h.architecture = [])), 'architecture must be an object');
    rejects(withHeader((h) => (h.architecture.levels[0].dilation = 2)), 'architecture: unknown field(s): levels[0].dilation');
  });
  it('tensor list not matching the architecture', () => {
    rejects(withHeader((h) => (h.tensors[0].name = 'conv1')), 'tensors[0] is "conv1", expected parameter "level1.weights"');
    rejects(withHeader((h) => (h.tensors[1].shape = [13])), 'tensor level1.bias has shape [13], the architecture needs [12]');
    rejects(withHeader((h) => h.tensors.splice(1, 1)), 'tensors[1] is "level2.weights", expected parameter "level1.bias"');
    rejects(withHeader((h) => (h.tensors = h.tensors.slice(0, 3))), 'expected 6 parameter tensors for this architecture, got 3 entries');
    rejects(withHeader((h) => (h.tensors[6].name = 'momentum.level1')), '"momentum.level1" is not a parameter of this architecture, and extra tensors must be named "adam.*" or "opt.*"');
    rejects(withHeader((h) => (h.tensors[7].name = h.tensors[6].name)), 'duplicate tensor name "adam.m.level1.weights"');
    rejects(withHeader((h) => (h.tensors[1].length = 11)), 'tensor level1.bias: length 11 does not match shape [12] (12 values)');
    rejects(withHeader((h) => (h.tensors[2].offset += 4)), 'tensor level2.weights: offset 1252, expected 1248');
    rejects(withHeader((h) => (h.tensors[6].shape = [-1])), 'shape must be a list of non-negative integers');
    rejects(withHeader((h) => (h.tensors[0].dtype = 'f16')), 'tensors[0] has unknown field(s): dtype');
    rejects(withHeader((h) => (h.tensors = {})), 'tensors must be a list');
  });
  it('tensors running past the data section (huge declared extra)', () => {
    rejects(withHeader((h) => ((h.tensors[7].shape = [1e9]), (h.tensors[7].length = 1e9))), 'truncated: data section has');
  });
  it('data section shorter or longer than declared', () => {
    const b = good();
    rejects(b.subarray(0, b.length - 4), 'truncated: data section has');
    rejects(b.subarray(0, b.length - 1), 'truncated: data section has');
    rejects(Uint8Array.from([...b, 0, 0, 0, 0]), 'data section is longer than declared');
  });
  it('checksum mismatch in the data and in the header', () => {
    const b = good();
    b[b.length - 9] ^= 0x10;
    rejects(b, 'checksum mismatch: tensor data CRC-32 is');
    const { header, data } = split(good());
    const said = header.checksum.header;
    header.training.epoch = 4;
    rejects(assemble(new TextEncoder().encode(JSON.stringify(header)), data), `header checksum mismatch: header CRC-32 is `);
    rejects(assemble(new TextEncoder().encode(JSON.stringify(header)), data), `, header says ${said}`);
  });
  it('the header CRC must be 8 lowercase hex digits at the start of the header', () => {
    const { header, data } = split(good());
    const raw = (h: Record<string, any>) => assemble(new TextEncoder().encode(JSON.stringify(h)), data);
    for (const v of [5, 'ABCDEF01', '1234567', '123456789', null]) rejects(raw({ ...header, checksum: { ...header.checksum, header: v } }), 'checksum.header must be the header CRC-32 as 8 lowercase hex digits');
    // The same fields in another order: the CRC is not where a reader looks for it.
    const { checksum, ...rest } = header;
    rejects(raw({ ...rest, checksum }), 'header must begin with {"checksum":{"header":" and the header CRC-32');
    rejects(raw({ checksum: { algorithm: 'crc32', header: checksum.header, value: checksum.value }, ...rest }), 'header must begin with');
    // A second checksum.header after the first: JSON keeps the last, which is not the one checksummed.
    const text = JSON.stringify(header).replace('"algorithm"', '"header":"0badf00d","algorithm"');
    rejects(assemble(new TextEncoder().encode(text), data), `checksum.header is given twice ("${header.checksum.header}" at the start, "0badf00d" later)`);
  });
  it('NaN or Infinity in a tensor, named with its index', () => {
    const { data } = split(good());
    const nan = data.slice();
    new DataView(nan.buffer).setFloat32(1200 + 4 * 3, NaN, true); // level1.bias starts at 300 floats = 1200 bytes
    rejects(withHeader(() => {}, { data: nan, fixDataCrc: true }), 'tensor level1.bias has a non-finite value (NaN) at index 3');
    const inf = data.slice();
    new DataView(inf.buffer).setFloat32(inf.length - 4, -Infinity, true);
    rejects(withHeader(() => {}, { data: inf, fixDataCrc: true }), 'tensor adam.step has a non-finite value (-Infinity) at index 0');
  });
  it('non-byte input and unexpected internal failures become prefixed Errors', () => {
    rejects(null as unknown as Uint8Array, 'input is not an ArrayBuffer or Uint8Array');
    const hostile = new Proxy(good(), { get: () => { throw new RangeError('boom'); } });
    rejects(hostile, 'unexpected error: boom');
  });
});

describe('seeded mini-fuzz: 300 mutations', () => {
  it('each mutation parses to the original or throws a prefixed Error, nothing else', () => {
    const want = sample('drmm-compact');
    const original = writeModelFile(want);
    const headerEnd = 16 + new DataView(original.buffer).getUint32(12, true);
    const r = rng(20240601);
    const int = (n: number) => Math.floor(r() * n);
    const tally = { flip: 0, truncate: 0, overwrite: 0, random: 0, parsed: 0, rejected: 0 };
    for (let i = 0; i < 300; i++) {
      let b: Uint8Array;
      const kind = (['flip', 'truncate', 'overwrite', 'random'] as const)[i % 4];
      tally[kind]++;
      if (kind === 'flip') {
        b = original.slice();
        // Half the flips land in the prefix, header or padding, where the parsing logic lives.
        const at = int(r() < 0.5 ? headerEnd + 4 : b.length);
        b[at] ^= 1 + int(255);
      } else if (kind === 'truncate') {
        // Half the cuts land in the prefix, header or padding, half anywhere.
        b = original.slice(0, int(r() < 0.5 ? headerEnd + 4 : original.length));
      } else if (kind === 'overwrite') {
        b = original.slice();
        const at = int(b.length);
        for (let j = at; j < Math.min(b.length, at + 1 + int(16)); j++) b[j] = int(256);
      } else {
        b = Uint8Array.from({ length: int(200) }, () => int(256));
        if (r() < 0.5) b.set(original.subarray(0, Math.min(b.length, 16)));
      }
      let got: ModelFile | undefined;
      try {
        got = readModelFile(b);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message.startsWith(MODEL_FILE_ERROR_PREFIX)).toBe(true);
        tally.rejected++;
        // FUZZ_LOG=1 shows which checks the mutations hit, to judge how deep the fuzz reaches.
        if (process.env.FUZZ_LOG) console.log(kind, (e as Error).message.slice(0, 90));
        continue;
      }
      tally.parsed++;
      expectSame(got, want);
    }
    expect(tally.parsed + tally.rejected).toBe(300);
    // Padding must be zero and the header carries its own CRC, so only an unchanged file (an
    // overwrite that rewrote the same bytes) can parse.
    expect(tally.rejected).toBeGreaterThanOrEqual(295);
  });
});
