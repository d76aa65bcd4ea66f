/**
 * scripts/record-labelled.ts on copies of the shipped 100-label DRMM: a file without its
 * validation split gets it (and keeps its labelled images, parameters and extras, with valid
 * checksums); a file whose recorded labelled images differ from the engine's derivation, or that is
 * not a semi-supervised run, is refused and nothing is written.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelFile, writeModelFile, type JsonValue, type ModelFile } from '../../src/engine/modelFile';
import { paramList } from '../../src/engine/model';
import { HUNDRED_LABEL_FILES } from '../../src/ui/story/hundredLabels';
import { ROOT } from '../helpers/server';

const SOURCE = path.join(ROOT, 'public', 'models', HUNDRED_LABEL_FILES.drmm);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-record-labelled-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function withTraining(f: ModelFile, training: Record<string, JsonValue>, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, writeModelFile({ kind: f.kind, spec: f.spec, preset: f.preset, params: f.params, extra: f.extra, training }));
  return file;
}

function record(file: string, out: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'record-labelled.ts'), file, '--out', out], { cwd: ROOT, encoding: 'utf8' });
}

describe('scripts/record-labelled.ts', () => {
  const shipped = readModelFile(fs.readFileSync(SOURCE));
  const t = shipped.training as Record<string, JsonValue>;

  it('adds the validation split to a file without it, keeping everything else', () => {
    const { validationIndices: _dropped, ...rest } = t;
    const input = withTraining(shipped, rest, 'no-validation.drmm');
    const out = path.join(dir, 'recorded.drmm');
    const r = record(input, out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/100 labelled images \(per class 10 10 10 10 10 10 10 10 10 10\), 1000 validation images/);
    const back = readModelFile(fs.readFileSync(out));
    const bt = back.training as Record<string, unknown>;
    expect(bt.validationIndices).toEqual(t.validationIndices);
    expect(bt.labelledIndices).toEqual(t.labelledIndices);
    expect(paramList(back.params)).toEqual(paramList(shipped.params));
    expect(back.extra.map((e) => e.name)).toEqual(shipped.extra.map((e) => e.name));
  });

  it('refuses a file naming other labelled images than the engine derives, and one that is not semi-supervised', () => {
    const li = [...(t.labelledIndices as number[])];
    li[0] = li[0] + 1;
    for (const [name, training] of [
      ['tampered.drmm', { ...t, labelledIndices: li }],
      ['supervised.drmm', { ...t, mode: 'supervised' }],
    ] as const) {
      const out = path.join(dir, `out-${name}`);
      const r = record(withTraining(shipped, training, name), out);
      expect(r.status, name).toBe(2);
      expect(r.stderr).toMatch(name === 'tampered.drmm' ? /other labelled images than the engine derives/ : /not a semi-supervised run/);
      expect(fs.existsSync(out), name).toBe(false);
    }
  });
});
