/**
 * The bench page. The driver (bench/run.ts) calls window.drmmBench.run(config) and gets back one
 * JSON result: adapter, then per preset the correctness gate and, only if it passed, timings of
 * our engine and of tfjs-webgpu on the same adapter in the same page, and our per-kernel profile;
 * then, when asked, the training benchmark (bench/train.ts).
 */
import { DrmmGpuEngine, initParams, PRESETS, requestDevice, type ModelSpec } from '../src/engine';
import { compareOutputs } from './gate';
import { loadInputs, type Inputs } from './inputs';
import { forwardGpuDone, forwardRead, fullDp, pathsOnly, PREDICTED } from './ours';
import { emptySubmitMs, profileDispatches, recordingPass } from './profile';
import { measurePair } from './stats';
import { benchTraining } from './train';
import { buildTfjsNet, tf, useWebGpuBackend, type TfjsNet } from './tfjsNet';
import type { AdapterInfoRecord, BenchConfig, BenchResult, PresetConfig, PresetResult, ProfileResult, RooflineRow } from './types';
import { adapterKey, describeKernels, useKernelTuner, webStorageStore } from '../src/engine/gpu/tuner';
import { formatChoice } from '../src/engine/gpu/convSteps';
import { benchOrt } from './ortPeer';
import { matmulPeak, stepFlops, type MatmulPeak } from './roofline';

declare global {
  interface Window {
    drmmBench?: { run(cfg: BenchConfig): Promise<BenchResult> };
  }
}

const log = (msg: string) => console.log(`[bench] ${msg}`);

async function adapterInfo(): Promise<AdapterInfoRecord> {
  const a = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!a) throw new Error('no WebGPU adapter (is --enable-unsafe-webgpu set?)');
  const info = a.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    device: info.device,
    isFallbackAdapter: Boolean(info.isFallbackAdapter),
    features: [...a.features].sort(),
  };
}

/** tfjs's scores and probs for n images, read back. */
async function tfjsForwardRead(net: TfjsNet, images: Float32Array, n: number) {
  const { scores, probs } = net.forward(images, n);
  try {
    const [s, p] = await Promise.all([scores.data(), probs.data()]);
    return { scores: s as Float32Array, probs: p as Float32Array };
  } finally {
    tf.dispose([scores, probs]);
  }
}

/** What a tfjs classifier call costs: upload, every op, read-back of the probabilities. */
async function tfjsTimed(net: TfjsNet, images: Float32Array, n: number): Promise<void> {
  const { scores, probs } = net.forward(images, n);
  await probs.data();
  tf.dispose([scores, probs]);
}

/** tfjs's own per-op profile (kernel times from its timestamp queries) of one forward. */
async function tfjsProfile(net: TfjsNet, images: Float32Array, n: number): Promise<ProfileResult['tfjsForwardThroughput']> {
  const info = await tf.profile(() => tfjsTimed(net, images, n));
  return info.kernels.map((k) => ({
    name: k.name,
    ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : NaN,
    outShape: k.outputShapes[0] ?? [],
  }));
}

async function profile(core: DrmmGpuEngine, net: TfjsNet, inputs: Inputs, batch: number): Promise<ProfileResult> {
  const device = core.device;
  const floor = await emptySubmitMs(device);
  const one = inputs.images.subarray(0, 784);
  const forwardAt = async (n: number) => {
    core.setImages(inputs.images, n);
    const rec = recordingPass();
    core.encodeForward(rec.pass);
    return profileDispatches(device, rec.dispatches, floor);
  };
  const forwardBatch1 = await forwardAt(1);
  const forwardThroughput = await forwardAt(batch);
  // Real maps for the top-down steps to walk: a forward pass at batch 1 first.
  core.run({ images: one, n: 1 });
  await device.queue.onSubmittedWorkDone();
  let rec = recordingPass();
  const enc = device.createCommandEncoder();
  core.prepareBacktrace(enc, PREDICTED); // a no-op for a predicted-class start; kept for form
  device.queue.submit([enc.finish()]);
  core.encodeBacktrace(rec.pass, PREDICTED, 'rendering');
  const backtraceBatch1 = await profileDispatches(device, rec.dispatches, floor);
  core.preparePaths();
  rec = recordingPass();
  core.encodePaths(rec.pass, PREDICTED);
  const pathsBatch1 = await profileDispatches(device, rec.dispatches, floor);
  const tfjsForwardThroughput = await tfjsProfile(net, inputs.images, batch);
  return { emptySubmitMs: floor, forwardBatch1, forwardThroughput, backtraceBatch1, pathsBatch1, tfjsForwardThroughput };
}

async function benchPreset(device: GPUDevice, pc: PresetConfig, cfg: BenchConfig, inputs: Inputs): Promise<PresetResult> {
  const spec: ModelSpec = PRESETS[pc.preset];
  const params = initParams(spec, 1);
  const B = pc.throughputBatch;
  const core = await DrmmGpuEngine.create(device, spec, params, { maxBatch: Math.max(B, cfg.gateBatch) });
  const net = buildTfjsNet(spec, params, cfg.tfjsFused);
  try {
    log(`${pc.preset}: gate at batch ${cfg.gateBatch}`);
    const ours = await forwardRead(core, inputs.images, cfg.gateBatch);
    const ref = await tfjsForwardRead(net, inputs.images, cfg.gateBatch);
    const gate = compareOutputs(ours, ref, cfg.gateBatch, spec.classes);
    log(`${pc.preset}: gate ${gate.pass ? 'PASS' : 'FAIL'} (max |err| scores ${gate.maxAbsErrScores.toExponential(2)}, ${gate.worstOverTol.toFixed(3)} of tolerance)`);
    if (!gate.pass) return { preset: pc.preset, gate };

    const imgs = inputs.images;
    const one = imgs.subarray(0, 784);
    const o = { warmup: cfg.warmup, reps: cfg.reps, budgetMs: cfg.budgetMs };
    const slow = { ...o, reps: Math.min(o.reps, 7) }; // batch-B runs take seconds here
    const step = async <T>(name: string, p: Promise<T>) => {
      const r = await p;
      log(`${pc.preset}: ${name} ${JSON.stringify(r)}`);
      return r;
    };
    const [latency1, tfLatency1] = await step('latency b1 ours, tfjs', measurePair(() => forwardRead(core, one, 1), () => tfjsTimed(net, one, 1), o));
    const [throughput, tfThroughput] = await step(`batch ${B} ours, tfjs`, measurePair(() => forwardRead(core, imgs, B), () => tfjsTimed(net, imgs, B), slow));
    // Ours only from here; still in pairs, so that each pair's difference is not the machine's.
    const [latency1GpuDone, fullDp1GpuDone] = await step('b1 gpu-done: forward, full DP', measurePair(() => forwardGpuDone(core, one, 1), () => fullDp(core, one, 'none'), o));
    const [fullDp1, fullDpWithPaths1] = await step('full DP, full DP + paths', measurePair(() => fullDp(core, one, 'signals'), () => fullDp(core, one, 'paths'), o));
    const [paths1Read, paths1GpuDone] = await step('paths alone: read, gpu-done', measurePair(() => pathsOnly(core, true), () => pathsOnly(core, false), o));
    log(`${pc.preset}: onnxruntime-web (WebGPU EP)`);
    const ortResult = await benchOrt(core, spec, params, imgs, ref, cfg.gateBatch, B, o, (m) => log(`${pc.preset}: ${m}`));
    const imagesPerSecOurs = (B * 1000) / throughput.medianMs;
    const imagesPerSecTfjs = (B * 1000) / tfThroughput.medianMs;
    const result: PresetResult = {
      preset: pc.preset,
      kernels: { choice: formatChoice(core.kernels), about: describeKernels(core.kernelReport), timings: core.kernelReport.timings },
      ort: ortResult,
      gate,
      timings: {
        throughputBatch: B,
        ours: { latency1, latency1GpuDone, throughput, fullDp1, fullDp1GpuDone, fullDpWithPaths1, paths1GpuDone, paths1Read },
        tfjs: { latency1: tfLatency1, throughput: tfThroughput },
        imagesPerSecOurs,
        imagesPerSecTfjs,
        latencyRatio: latency1.medianMs / tfLatency1.medianMs,
        throughputRatio: imagesPerSecOurs / imagesPerSecTfjs,
      },
    };
    if (cfg.profile) {
      log(`${pc.preset}: per-dispatch profile`);
      result.profile = await profile(core, net, inputs, B);
    }
    return result;
  } finally {
    net.dispose();
    core.destroy();
  }
}

async function run(cfg: BenchConfig): Promise<BenchResult> {
  const t0 = performance.now();
  const adapter = await adapterInfo();
  log(`adapter ${JSON.stringify(adapter)}`);
  const got = await requestDevice(navigator.gpu, 'drmm.bench');
  if (!got.ok) throw new Error(got.reason);
  // The per-adapter tuner, as the page would run it (its store: this profile's localStorage).
  useKernelTuner(got.device, { adapter: adapterKey(adapter), store: webStorageStore(localStorage) });
  const peak: MatmulPeak = await matmulPeak(got.device);
  log(`matrix product peak: ${peak.best.gflops.toFixed(2)} GFLOP/s (${peak.best.kernel})`);
  got.device.lost.then((l) => {
    if (l.reason !== 'destroyed') log(`our device lost: ${l.message}`);
  });
  await useWebGpuBackend();
  const tfInfo = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  const maxBatch = Math.max(cfg.gateBatch, ...cfg.presets.map((p) => p.throughputBatch));
  const inputs = await loadInputs(maxBatch, 784);
  log(`inputs: ${inputs.source}`);
  const presets: PresetResult[] = [];
  for (const pc of cfg.presets) {
    try {
      presets.push(await benchPreset(got.device, pc, cfg, inputs));
    } catch (e) {
      log(`${pc.preset}: error ${(e as Error).stack ?? e}`);
      presets.push({
        preset: pc.preset,
        gate: { pass: false, batch: 0, maxAbsErrScores: NaN, maxAbsErrProbs: NaN, maxRelErrScores: NaN, worstOverTol: NaN, predAgree: NaN },
        error: String((e as Error).message ?? e),
      });
    }
  }
  // Training last: it switches tfjs between its WebGPU and WebGL backends.
  const train = cfg.train ? await benchTraining(got.device, cfg.train, log) : undefined;
  const roofline: RooflineRow[] = [];
  for (const p of presets) {
    const ips = p.timings?.imagesPerSecOurs;
    if (ips) roofline.push(row(p.preset, 'inference forward', 'ours', stepFlops(PRESETS[p.preset], 'forward') * ips, peak));
    const o = p.ort?.throughput;
    if (o) roofline.push(row(p.preset, 'inference forward', 'onnxruntime-web', stepFlops(PRESETS[p.preset], 'forward') * o.imagesPerSecOrt, peak));
  }
  for (const p of train?.presets ?? [])
    for (const r of p.impls)
      if (r.imagesPerSec) roofline.push(row(p.preset, r.impl === 'oursEg' ? 'EG step' : 'convnet step', r.impl, stepFlops(PRESETS[p.preset], r.impl === 'oursEg' ? 'eg' : 'convnet') * r.imagesPerSec, peak));
  got.device.destroy();
  return {
    date: new Date().toISOString(),
    userAgent: navigator.userAgent,
    adapter,
    tfjsAdapter: { vendor: tfInfo?.vendor ?? '?', architecture: tfInfo?.architecture ?? '?' },
    tfjsVersion: tf.version_core,
    inputs: inputs.source,
    config: cfg,
    presets,
    train,
    matmulPeak: peak,
    roofline,
    totalSeconds: (performance.now() - t0) / 1000,
  };
}

function row(preset: string, step: string, impl: string, flopsPerSec: number, peak: MatmulPeak): RooflineRow {
  return { preset, step, impl, gflops: flopsPerSec / 1e9, ofMatmulPeak: flopsPerSec / 1e9 / peak.best.gflops };
}

window.drmmBench = { run };
