/**
 * The training CLI end to end (scripts/train.ts, in a child process on Dawn): a run stops after
 * the planned epochs and writes the model and its log; `--resume` on a finished run continues from
 * the model file for more epochs. A tiny run: 128 training images (2 steps an epoch), 200 test images.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelFile } from '../../src/engine/modelFile';
import { ROOT } from '../helpers/server';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-train-cli-'));
const out = path.join(dir, 'tiny.drmm');
const logFile = path.join(dir, 'tiny.log.json');

function train(...extra: string[]) {
  const args = ['--import', './scripts/raw-loader.mjs', 'scripts/train.ts', '--preset', 'rmm-shallow', '--mode', 'supervised', '--seed', '3',
    '--batch', '64', '--train-count', '128', '--test-count', '200', '--evals-per-epoch', '1', '--log-every', '1', '--checkpoint-every', '1', '--out', out, ...extra];
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), args, { cwd: ROOT, encoding: 'utf8', timeout: 240_000, env: process.env });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

interface Log { finished: boolean; steps: number; trainImages: number; testImages: number; finalTestError: number; metrics: { epoch: number; step: number; testAccuracy?: number }[] }
const readLog = () => JSON.parse(fs.readFileSync(logFile, 'utf8')) as Log;

describe('npm run train (the CLI)', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stops after the planned epochs, writes the model and a finished log, and removes its checkpoint', () => {
    const r = train('--epochs', '2');
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/done: test error [\d.]+% on 200 images/);
    const log = readLog();
    expect(log.finished).toBe(true);
    expect(log.steps).toBe(4);
    expect(log.trainImages).toBe(128);
    expect(log.metrics.filter((m) => m.testAccuracy !== undefined).map((m) => m.epoch)).toEqual([1, 2]);
    expect(1 - log.metrics[log.metrics.length - 1].testAccuracy!).toBeCloseTo(log.finalTestError, 12);
    expect(fs.existsSync(`${out}.ckpt`)).toBe(false);
    const file = readModelFile(fs.readFileSync(out));
    expect(file.training?.epoch).toBe(2);
    expect(file.training?.step).toBe(4);
  }, 300_000);

  it('--resume on a finished run trains the further epochs from the model file, and stops again', () => {
    const r = train('--epochs', '3', '--resume');
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(`resuming ${out}: epoch 2, step 0`);
    const log = readLog();
    expect(log.finished).toBe(true);
    expect(log.steps).toBe(6);
    expect(log.metrics.filter((m) => m.testAccuracy !== undefined).map((m) => m.epoch)).toEqual([1, 2, 3]);
  }, 300_000);
});
