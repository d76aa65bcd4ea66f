/**
 * onnxruntime-web with its WebGPU execution provider running our network for inference (issue
 * 16 item 3), beside our engine in the same page on the same adapter: the model is built in code
 * from our parameters (bench/onnxModel.ts), passes the same correctness gate as ours (against tfjs
 * on the gate batch), and only then is timed in pairs with ours: latency at batch 1 and
 * throughput at the preset's batch, each call an upload, the whole network and the read-back of
 * the probabilities (ours: forwardRead, the same). ORT's wasm and WebGPU glue files are served by
 * the bench's own Vite server from node_modules/onnxruntime-web/dist (nothing is downloaded).
 */
import * as ort from 'onnxruntime-web/webgpu';
import type { DrmmGpuEngine, ModelParams, ModelSpec } from '../src/engine';
import { compareOutputs } from './gate';
import { buildOnnxModel } from './onnxModel';
import { forwardRead } from './ours';
import { measurePair, type MeasureOptions } from './stats';
import type { GateResult, Timing } from './types';

export interface OrtResult {
  version: string;
  error?: string;
  gate?: GateResult;
  latency1?: { ours: Timing; ort: Timing; ratio: number };
  throughput?: { batch: number; ours: Timing; ort: Timing; imagesPerSecOurs: number; imagesPerSecOrt: number; ratio: number };
}

export async function benchOrt(
  core: DrmmGpuEngine, spec: ModelSpec, params: ModelParams, images: Float32Array, ref: { scores: Float32Array; probs: Float32Array },
  gateBatch: number, batch: number, o: MeasureOptions, log: (s: string) => void,
): Promise<OrtResult> {
  const out: OrtResult = { version: ort.env.versions?.common ?? '?' };
  let sess: ort.InferenceSession | null = null;
  try {
    ort.env.wasm.wasmPaths = new URL('/node_modules/onnxruntime-web/dist/', location.href).href;
    ort.env.wasm.numThreads = 1; // no cross-origin isolation here: no SharedArrayBuffer
    sess = await ort.InferenceSession.create(buildOnnxModel(spec, params), { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
    const per = spec.input.channels * spec.input.height * spec.input.width;
    const run = async (n: number) => {
      const x = new ort.Tensor('float32', images.subarray(0, n * per), [n, spec.input.channels, spec.input.height, spec.input.width]);
      const r = await sess!.run({ images: x });
      const s = r.scores.data as Float32Array;
      const p = r.probs.data as Float32Array;
      r.scores.dispose();
      r.probs.dispose();
      return { scores: s, probs: p };
    };
    const got = await run(gateBatch);
    const pred = new Int32Array(gateBatch).map((_, i) => {
      const row = got.probs.subarray(i * spec.classes, (i + 1) * spec.classes);
      return row.indexOf(Math.max(...row));
    });
    out.gate = compareOutputs({ ...got, pred }, ref, gateBatch, spec.classes);
    log(`ort: gate ${out.gate.pass ? 'PASS' : 'FAIL'} (${out.gate.worstOverTol.toFixed(3)} of tolerance)`);
    if (!out.gate.pass) return out;
    const one = images.subarray(0, per);
    const [l1, l2] = await measurePair(() => forwardRead(core, one, 1), () => run(1), o);
    out.latency1 = { ours: l1, ort: l2, ratio: l2.medianMs / l1.medianMs };
    const [t1, t2] = await measurePair(() => forwardRead(core, images, batch), () => run(batch), { ...o, reps: Math.min(o.reps, 7) });
    const ipsOurs = (batch * 1000) / t1.medianMs;
    const ipsOrt = (batch * 1000) / t2.medianMs;
    out.throughput = { batch, ours: t1, ort: t2, imagesPerSecOurs: ipsOurs, imagesPerSecOrt: ipsOrt, ratio: ipsOurs / ipsOrt };
    log(`ort: latency b1 ours ${l1.medianMs.toFixed(1)} ms, ort ${l2.medianMs.toFixed(1)} ms; batch ${batch}: ours ${ipsOurs.toFixed(0)} img/s, ort ${ipsOrt.toFixed(0)} img/s`);
  } catch (e) {
    out.error = String((e as Error).message ?? e);
    log(`ort: error ${out.error}`);
  } finally {
    await sess?.release();
  }
  return out;
}
