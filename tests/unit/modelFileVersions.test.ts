// Model-file versions and the model kind: version 2's header checksum over the bytes as stored
// (any changed header byte is caught, and Python's standard library reproduces it), version-1
// files (every shipped model and run) still load, and the `kind` field.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initParams, paramList, PRESETS } from '../../src/engine/model';
import {
  crcHex,
  HEADER_CRC_LEAD,
  headerCrc,
  legacyHeaderChecksum,
  MODEL_FILE_ERROR_PREFIX,
  readModelFile,
  sealHeader,
  writeModelFile,
  type ModelFile,
  type ModelFileContents,
} from '../../src/engine/modelFile';
import { bitsEqual } from '../helpers/modelFileEdits';
import { assembleModelFile, splitModelFile, writeModelFileV1 } from '../helpers/modelFileV1';
import { TWO_LEVEL } from '../helpers/specs';

const ROOT = path.resolve(__dirname, '../..');
const enc = (s: string) => new TextEncoder().encode(s);
/** The shipped models and the committed runs and checkpoints. */
const shipped = [
  ...fs.readdirSync(path.join(ROOT, 'public/models')).filter((f) => f.endsWith('.drmm')).map((f) => `public/models/${f}`),
  ...fs.readdirSync(path.join(ROOT, 'runs')).filter((f) => f.endsWith('.drmm') || f.endsWith('.ckpt')).map((f) => `runs/${f}`),
];

/** A small model whose header holds what JSON libraries spell differently: tiny numbers, non-ASCII text, an escaped quote. */
function fixture(): ModelFileContents {
  const spec = TWO_LEVEL;
  const params = initParams(spec, 3);
  return {
    spec,
    preset: 'drmm-compact',
    params,
    training: { mode: 'supervised', seed: 3, epoch: 1, step: 938, metrics: [{ lr: 0.0000625, loss: 1e-7, big: 1e21, note: 'µ-step "α" ✓ 🙂' }] },
    extra: [{ name: 'opt.avg.level1.bias', shape: [12], data: params.biases[0].map((v) => v / 2) }],
  };
}

function expectSameModel(got: ModelFile, want: ModelFile | ModelFileContents) {
  expect(got.spec).toEqual(want.spec);
  expect(got.preset).toBe(want.preset ?? null);
  expect(got.training).toEqual(want.training ?? null);
  const a = paramList(got.params);
  paramList(want.params).forEach((t, i) => expect(bitsEqual(a[i], t), `parameter tensor ${i}`).toBe(true));
  expect(got.extra.map((e) => [e.name, e.shape])).toEqual((want.extra ?? []).map((e) => [e.name, e.shape]));
  got.extra.forEach((e, i) => expect(bitsEqual(e.data, want.extra![i].data), e.name).toBe(true));
}

function rejection(bytes: Uint8Array): string {
  try {
    readModelFile(bytes);
  } catch (e) {
    const m = (e as Error).message;
    expect(m.startsWith(MODEL_FILE_ERROR_PREFIX)).toBe(true);
    return m.slice(MODEL_FILE_ERROR_PREFIX.length);
  }
  throw new Error('the file loaded');
}

describe('version-1 files still load', () => {
  it('every shipped model, run and checkpoint loads; each version-1 one is exactly what the old writer wrote', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(3);
    for (const f of shipped) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(ROOT, f)));
      const got = readModelFile(bytes);
      expect(got.kind, f).toBe('drmm');
      if (got.formatVersion !== 1) continue;
      // The test helper's version-1 writer reproduces the file byte for byte: it is a faithful old writer.
      const again = writeModelFileV1({ spec: got.spec, preset: got.preset, params: got.params, training: got.training, extra: got.extra });
      expect(Buffer.from(again).equals(Buffer.from(bytes)), `${f} rewritten as version 1`).toBe(true);
    }
  });

  it('a version-1 fixture loads as the same model, with kind "drmm" and formatVersion 1', () => {
    const want = fixture();
    const got = readModelFile(writeModelFileV1(want));
    expect([got.kind, got.formatVersion]).toEqual(['drmm', 1]);
    expectSameModel(got, want);
  });

  it('a loaded version-1 file saves as version 2, bit-exact', () => {
    const f = shipped.find((p) => p.startsWith('public/models/'))!;
    const old = readModelFile(fs.readFileSync(path.join(ROOT, f)));
    const bytes = writeModelFile({ kind: old.kind, spec: old.spec, preset: old.preset, params: old.params, training: old.training, extra: old.extra });
    const got = readModelFile(bytes);
    expect([got.kind, got.formatVersion, new DataView(bytes.buffer).getUint32(8, true)]).toEqual(['drmm', 2, 2]);
    expectSameModel(got, old);
  });

  it('version 1 checksummed a re-serialisation: a re-spelled header loaded there; version 2 refuses it', () => {
    const want = fixture();
    const respell = (bytes: Uint8Array, version: number) => {
      const { raw, data } = splitModelFile(bytes);
      // Same JSON, other bytes: a space after the first comma.
      const text = new TextDecoder().decode(raw).replace('"format":', ' "format":');
      return assembleModelFile(enc(text), data, version);
    };
    expectSameModel(readModelFile(respell(writeModelFileV1(want), 1)), want);
    expect(rejection(respell(writeModelFile(want), 2))).toMatch(/^header checksum mismatch: header CRC-32 is [0-9a-f]{8}, header says [0-9a-f]{8}$/);
  });
});

describe('version 2: the header CRC-32 over the bytes as stored', () => {
  it('the header begins with the checksum lead, and the stored digits are the CRC with themselves read as "00000000"', () => {
    const bytes = writeModelFile(fixture());
    const { raw } = splitModelFile(bytes);
    const text = new TextDecoder().decode(raw);
    expect(text.startsWith(HEADER_CRC_LEAD)).toBe(true);
    const digits = text.slice(23, 31);
    const zeroed = raw.slice();
    zeroed.set(enc('00000000'), 23);
    expect(crcHex(headerCrc(raw))).toBe(digits);
    expect(crcHex(headerCrc(zeroed))).toBe(digits);
    // Sealing is idempotent: the digits are not part of what they check.
    expect(Buffer.from(sealHeader(raw)).equals(Buffer.from(raw))).toBe(true);
  });

  it('a flipped bit in any header byte is detected', () => {
    const bytes = writeModelFile({ spec: TWO_LEVEL, params: initParams(TWO_LEVEL, 1), training: fixture().training });
    const h = new DataView(bytes.buffer).getUint32(12, true);
    const messages = new Set<string>();
    for (let i = 16; i < 16 + h; i++) {
      const b = bytes.slice();
      b[i] ^= 1 << (i % 8);
      messages.add(rejection(b).replace(/[0-9a-f]{8}|\d+/g, 'N').slice(0, 50));
    }
    // Most are caught by the CRC itself; flips in the lead or the digits break the lead or the JSON first.
    expect([...messages].some((m) => m.startsWith('header checksum mismatch'))).toBe(true);
  });
});

describe('scripts/verify-model.py (the Python check in docs/MODEL_FORMAT.md) agrees with the reader', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-verify-'));
  const python = (files: string[]) => {
    const r = spawnSync('python3', [path.join(ROOT, 'scripts/verify-model.py'), ...files], { encoding: 'utf8' });
    if (r.error) throw new Error(`python3 is needed for this test (CI installs it): ${r.error.message}`);
    return { status: r.status, lines: r.stdout.trim().split('\n') };
  };
  const save = (name: string, bytes: Uint8Array) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };

  it('computes the same header CRC as the TS reader on version-2 and version-1 fixtures and a shipped model', () => {
    const v2 = writeModelFile(fixture());
    const v1 = writeModelFileV1(fixture());
    const shippedFile = path.join(ROOT, shipped[0]);
    const { status, lines } = python([save('v2.drmm', v2), save('v1.drmm', v1), shippedFile]);
    expect(status, lines.join('\n')).toBe(0);
    const crcOf = (line: string) => /: ok, version (\d), kind drmm, \d+ tensors, header CRC-32 ([0-9a-f]{8})$/.exec(line)?.slice(1);
    expect(crcOf(lines[0])).toEqual(['2', crcHex(headerCrc(splitModelFile(v2).raw))]);
    expect(crcOf(lines[1])).toEqual(['1', crcHex(legacyHeaderChecksum(splitModelFile(v1).header))]);
    const s = new Uint8Array(fs.readFileSync(shippedFile));
    const { raw, header } = splitModelFile(s);
    const tsCrc = readModelFile(s).formatVersion === 1 ? legacyHeaderChecksum(header) : headerCrc(raw);
    expect(crcOf(lines[2])?.[1]).toBe(crcHex(tsCrc));
  });

  it('refuses what the reader refuses: a changed header byte, a changed data byte', () => {
    const good = writeModelFile(fixture());
    const header = good.slice();
    const at = 16 + new TextDecoder().decode(splitModelFile(good).raw).indexOf('"step":938') + 8;
    header[at] ^= 1; // "938" -> "928"
    const data = good.slice();
    data[data.length - 3] ^= 0x40;
    expect(() => readModelFile(header)).toThrow('header checksum mismatch');
    expect(() => readModelFile(data)).toThrow('checksum mismatch: tensor data');
    const { status, lines } = python([save('header.drmm', header), save('data.drmm', data)]);
    expect(status).toBe(1);
    expect(lines[0]).toMatch(/header\.drmm: FAILED: header CRC-32 is [0-9a-f]{8}, the header says [0-9a-f]{8}$/);
    expect(lines[1]).toMatch(/data\.drmm: FAILED: tensor data does not match/);
  });
});

describe('the model kind', () => {
  const spec = PRESETS['rmm-shallow'];
  const params = initParams(spec, 2);

  it('is written ("drmm" by default) and read back', () => {
    for (const kind of [undefined, 'drmm'] as const) {
      const bytes = writeModelFile({ kind, spec, params });
      expect(splitModelFile(bytes).header.kind).toBe('drmm');
      expect(readModelFile(bytes).kind).toBe('drmm');
    }
  });

  it('an unknown kind is refused by the writer and the reader, by name', () => {
    expect(() => writeModelFile({ kind: 'rbm' as never, spec, params })).toThrow('Cannot write DRMM model file: model kind "rbm" is not supported (known: drmm)');
    const reseal = (edit: (h: Record<string, unknown>) => void) => {
      const { header, data } = splitModelFile(writeModelFile({ spec, params }));
      edit(header);
      header.checksum.header = '00000000';
      return assembleModelFile(sealHeader(enc(JSON.stringify(header))), data, 2);
    };
    expect(rejection(reseal((h) => (h.kind = 'rbm')))).toBe('model kind "rbm" is not supported (this app reads: drmm)');
    expect(rejection(reseal((h) => (h.kind = 'capsule-autoencoder')))).toBe('model kind "capsule-autoencoder" is not supported (this app reads: drmm)');
    expect(rejection(reseal((h) => (h.kind = 'x'.repeat(5000))))).toMatch(/^model kind "x{60}\.\.\." is not supported/);
    expect(rejection(reseal((h) => (h.kind = 5)))).toBe('kind must be a string');
    expect(rejection(reseal((h) => (h.kind = null)))).toBe('kind must be a string');
    expect(rejection(reseal((h) => delete h.kind))).toBe('missing header field(s): kind');
  });

  it('a version-1 file has no kind field', () => {
    const { header, data } = splitModelFile(writeModelFileV1({ spec, params }));
    const withKind: Record<string, any> = { ...header, kind: 'drmm' };
    delete withKind.checksum.header;
    withKind.checksum.header = legacyHeaderChecksum(withKind);
    expect(rejection(assembleModelFile(enc(JSON.stringify(withKind)), data, 1))).toBe('unknown header field(s): kind (version-1 files have no kind)');
  });
});
