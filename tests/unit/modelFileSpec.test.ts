// docs/MODEL_FORMAT.md's claims that a reader in another language relies on, checked against the
// CPU reference (which the GPU tests hold every WGSL kernel to): template matching is cross-correlation (no flip) over weights stored [out, in, dy, dx]
// row-major; the dense read-out's class templates flatten the top map channel-major (CHW); the gap
// read-out averages each channel; the example header is in the current format; the Python checker
// shown is scripts/verify-model.py verbatim.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initParams, paramShapes, rng, shapesOf, type ModelSpec } from '../../src/engine/model';
import { MODEL_FILE_VERSION, writeModelFile } from '../../src/engine/modelFile';
import { conv } from '../../src/engine/reference/ops';
import { forward } from '../../src/engine/reference/pipeline';
import { splitModelFile } from '../helpers/modelFileV1';

const ROOT = path.resolve(__dirname, '../..');
const doc = fs.readFileSync(path.join(ROOT, 'docs/MODEL_FORMAT.md'), 'utf8');
const random = (n: number, seed: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
};

describe('template matching: cross-correlation over W[co, ci, dy, dx], row-major', () => {
  it('u[n,co,y,x] = b[co] + sum W[co,ci,dy,dx] x[n,ci,y+dy-pad,x+dx-pad], not the flipped sum', () => {
    const [n, cin, h, w, cout, k, pad] = [2, 3, 6, 5, 4, 3, 1];
    const x = random(n * cin * h * w, 1);
    const W = random(cout * cin * k * k, 2);
    const b = random(cout, 3);
    const u = conv(x, n, cin, h, w, W, b, cout, k, pad);
    const ho = h + 2 * pad - k + 1;
    const wo = w + 2 * pad - k + 1;
    const X = (i: number, ci: number, yy: number, xx: number) => (yy < 0 || yy >= h || xx < 0 || xx >= w ? 0 : x[((i * cin + ci) * h + yy) * w + xx]);
    let worstCorr = 0;
    let worstFlip = 0;
    for (let i = 0; i < n; i++)
      for (let co = 0; co < cout; co++)
        for (let y = 0; y < ho; y++)
          for (let xo = 0; xo < wo; xo++) {
            let corr = b[co];
            let flip = b[co];
            for (let ci = 0; ci < cin; ci++)
              for (let dy = 0; dy < k; dy++)
                for (let dx = 0; dx < k; dx++) {
                  const wt = W[((co * cin + ci) * k + dy) * k + dx];
                  corr += wt * X(i, ci, y + dy - pad, xo + dx - pad);
                  flip += wt * X(i, ci, y + (k - 1 - dy) - pad, xo + (k - 1 - dx) - pad);
                }
            const got = u[((i * cout + co) * ho + y) * wo + xo];
            worstCorr = Math.max(worstCorr, Math.abs(got - corr));
            worstFlip = Math.max(worstFlip, Math.abs(got - flip));
          }
    expect(worstCorr).toBeLessThan(1e-12);
    // A true convolution (template flipped) gives other numbers: the claim can fail.
    expect(worstFlip).toBeGreaterThan(0.1);
  });
});

describe('the read-out: how classes.mu pairs with the top map', () => {
  const base: Omit<ModelSpec, 'readout'> = {
    input: { channels: 1, height: 10, width: 9 },
    levels: [{ kernel: 3, channels: 3, pad: 1, pool: true }],
    classes: 4,
  };
  const images = random(2 * 10 * 9, 7).map((v) => Math.abs(v));

  it('dense: s_k = b_k + sum over c,y,x of mu[k, (c*H + y)*W + x] * x(L)[c,y,x] (channel-major)', () => {
    const spec: ModelSpec = { ...base, readout: 'dense' };
    const p = initParams(spec, 5);
    const { top, templateLength } = shapesOf(spec);
    expect([top.c, top.h, top.w, templateLength]).toEqual([3, 5, 4, 60]);
    expect(paramShapes(spec).find((t) => t.name === 'classes.mu')!.shape).toEqual([4, 60]);
    const f = forward(spec, p, images, 2);
    const xL = f.levels[0].x;
    for (let i = 0; i < 2; i++)
      for (let k = 0; k < 4; k++) {
        let s = p.classBias[k];
        let hwc = p.classBias[k];
        for (let c = 0; c < top.c; c++)
          for (let y = 0; y < top.h; y++)
            for (let x = 0; x < top.w; x++) {
              const v = xL[((i * top.c + c) * top.h + y) * top.w + x];
              s += p.mu[k * 60 + (c * top.h + y) * top.w + x] * v;
              hwc += p.mu[k * 60 + (y * top.w + x) * top.c + c] * v;
            }
        expect(f.scores[i * 4 + k]).toBeCloseTo(s, 10);
        // Flattened HWC (Keras on NHWC) would pair other entries.
        expect(Math.abs(f.scores[i * 4 + k] - hwc)).toBeGreaterThan(1e-6);
      }
  });

  it('gap: s_k = b_k + sum over c of mu[k, c] * mean over positions of x(L)[c]', () => {
    const spec: ModelSpec = { ...base, readout: 'gap' };
    const p = initParams(spec, 6);
    const { top } = shapesOf(spec);
    expect(paramShapes(spec).find((t) => t.name === 'classes.mu')!.shape).toEqual([4, 3]);
    const f = forward(spec, p, images, 2);
    const xL = f.levels[0].x;
    const hw = top.h * top.w;
    for (let i = 0; i < 2; i++)
      for (let k = 0; k < 4; k++) {
        let s = p.classBias[k];
        for (let c = 0; c < top.c; c++) {
          let m = 0;
          for (let j = 0; j < hw; j++) m += xL[(i * top.c + c) * hw + j];
          s += p.mu[k * top.c + c] * (m / hw);
        }
        expect(f.scores[i * 4 + k]).toBeCloseTo(s, 10);
      }
  });
});

describe('docs/MODEL_FORMAT.md', () => {
  it('shows scripts/verify-model.py verbatim', () => {
    const script = fs.readFileSync(path.join(ROOT, 'scripts/verify-model.py'), 'utf8');
    expect(doc).toContain('```python\n' + script + '```');
  });

  it('its example header is in the current format: field order, version, kind, tensors back to back', () => {
    const block = /```json\n([\s\S]*?)\n```/.exec(doc);
    expect(block).not.toBeNull();
    const example = JSON.parse(block![1]);
    const spec = example.architecture as ModelSpec;
    const written = splitModelFile(writeModelFile({ spec, params: initParams(spec, 1) })).header;
    expect(Object.keys(example)).toEqual(Object.keys(written));
    expect(Object.keys(example.checksum)).toEqual(Object.keys(written.checksum));
    expect(example.checksum.header).toMatch(/^[0-9a-f]{8}$/);
    expect([example.version, example.kind]).toEqual([MODEL_FILE_VERSION, 'drmm']);
    const shapes = paramShapes(spec);
    const byName = new Map(shapes.map((s) => [s.name, s.shape]));
    let offset = 0;
    example.tensors.forEach((t: { name: string; shape: number[]; offset: number; length: number }, i: number) => {
      if (i < shapes.length) expect([t.name, t.shape]).toEqual([shapes[i].name, shapes[i].shape]);
      else {
        // adam.m.*, adam.v.*, opt.avg.*, opt.last.*: each the shape of its parameter.
        const m = /^(adam\.m|adam\.v|opt\.avg|opt\.last)\.(.+)$/.exec(t.name);
        expect(m, t.name).not.toBeNull();
        expect(t.shape).toEqual(byName.get(m![2]));
      }
      expect([t.offset, t.length]).toEqual([offset, t.shape.reduce((a, b) => a * b, 1)]);
      offset += 4 * t.length;
    });
  });
});
