/**
 * The training benchmark (page side): per preset, four implementations of a training step at one
 * batch size, all from the same initial parameters (initParams(spec, 1)) on the same batches:
 * our EG step, our convnet-baseline step, and the same convnet in tfjs on its WebGPU and WebGL
 * backends. See docs/BENCHMARKS.md ("Training").
 *
 * 1. Cross-check: `checkSteps` steps each, one at a time with a read-back after each; the losses
 *    are recorded (they double as the warm-up that compiles every pipeline / shader).
 * 2. Steps per sample K: one more step is timed alone, and K is chosen so that a sample takes
 *    about targetSampleMs (at least 1).
 * 3. Rounds: each implementation in turn runs one sample: K steps issued back to back, then one
 *    read-back that waits for all of them; ms/step = sample time / K. Round-robin so that
 *    whatever else the shared machine does falls on all four alike. The first round also counts
 *    GPU API calls (bench/trainCount.ts).
 */
import { initParams, PRESETS, type ModelParams, type ModelSpec, type PresetName } from '../src/engine';
import { emptySubmitMs } from './profile';
import { countCalls } from './trainCount';
import { loadTrainData, type TrainBatch } from './trainData';
import type { TrainStepper } from './trainImpl';
import { oursStepper, profilePhases, profileStepDispatches, type OursStepper } from './trainOurs';
import { maxRelDiff, speedRatio, stepsPerSample, stepTiming } from './trainStats';
import { tfjsStepper, webglInfo } from './trainTfjs';
import { jaxStepper } from './trainJax';
import type { TrainBenchConfig, TrainBenchResult, TrainImpl, TrainImplResult, TrainPresetResult } from './types';

type Log = (msg: string) => void;

async function makeSteppers(device: GPUDevice, spec: ModelSpec, params: ModelParams, cfg: TrainBenchConfig, results: Map<TrainImpl, TrainImplResult>): Promise<TrainStepper[]> {
  const makers: [TrainImpl, string, () => Promise<TrainStepper>][] = [
    ['oursEg', 'ours, EG step', () => oursStepper(device, spec, params, true, cfg.lr, cfg.batch)],
    ['oursConvnet', 'ours, convnet', () => oursStepper(device, spec, params, false, cfg.lr, cfg.batch)],
    ['tfjsWebgpu', 'tfjs WebGPU', () => tfjsStepper('webgpu', spec, params, cfg.lr, cfg.tfjsFused)],
    ['tfjsWebgl', 'tfjs WebGL', () => tfjsStepper('webgl', spec, params, cfg.lr, cfg.tfjsFused)],
    ['jaxWebgpu', 'jax-js WebGPU', () => jaxStepper(spec, params, cfg.lr)],
  ];
  const out: TrainStepper[] = [];
  for (const [impl, description, make] of makers) {
    try {
      const s = await make();
      out.push(s);
      results.set(impl, { impl, description: s.description, ce: [], total: [] });
    } catch (e) {
      results.set(impl, { impl, description, error: String((e as Error).message ?? e), ce: [], total: [] });
    }
  }
  return out;
}

async function trainPreset(device: GPUDevice, preset: PresetName, cfg: TrainBenchConfig, batches: TrainBatch[], log: Log): Promise<TrainPresetResult> {
  const t0 = performance.now();
  const spec = PRESETS[preset];
  const params = initParams(spec, 1);
  const results = new Map<TrainImpl, TrainImplResult>();
  let steppers = await makeSteppers(device, spec, params, cfg, results);
  let next = 0;
  const batchAt = (i: number) => batches[i % batches.length];
  // Drops an implementation that throws (e.g. a lost device), keeping its error, so the others go on.
  const guarded = async (s: TrainStepper, what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      const r = results.get(s.impl)!;
      r.error = `${what}: ${(e as Error).message ?? e}`;
      log(`${preset}: ${s.impl} failed during ${what}: ${r.error}`);
      steppers = steppers.filter((x) => x !== s);
      try {
        s.dispose();
      } catch {
        /* already broken */
      }
    }
  };
  try {
    // 1. Cross-check (and warm-up): every implementation sees batches 0..checkSteps-1 in order.
    for (const s of [...steppers]) {
      await guarded(s, 'cross-check', async () => {
        await s.activate();
        const r = results.get(s.impl)!;
        for (let i = 0; i < cfg.checkSteps; i++) {
          s.step(batchAt(i));
          const m = await s.sync();
          r.ce.push(m.ce);
          r.total.push(m.total);
        }
        log(`${preset}: ${s.impl} first losses: CE ${r.ce.map((v) => v.toFixed(6)).join(', ')}${s.impl === 'oursEg' ? `; objective ${r.total.map((v) => v.toFixed(6)).join(', ')}` : ''}`);
      });
    }
    next = cfg.checkSteps;
    // 2. One more step each, timed alone, sets the steps per sample.
    const k = new Map<TrainStepper, number>();
    for (const s of [...steppers]) {
      await guarded(s, 'calibration', async () => {
        await s.activate();
        const t = performance.now();
        s.step(batchAt(next));
        await s.sync();
        const ms = performance.now() - t;
        k.set(s, stepsPerSample(cfg.targetSampleMs, ms, cfg.maxStepsPerSample));
        log(`${preset}: ${s.impl} one step + read-back ${ms.toFixed(0)} ms -> ${k.get(s)} steps a sample`);
      });
    }
    next++;
    // 3. Round-robin samples.
    const samples = new Map<TrainStepper, number[]>();
    const roundsStart = performance.now();
    for (let round = 0; round < cfg.samples && steppers.length; round++) {
      for (const s of [...steppers]) {
        await guarded(s, `sample ${round + 1}`, async () => {
          await s.activate();
          const K = k.get(s)!;
          const start = next;
          const run = async () => {
            for (let i = 0; i < K; i++) s.step(batchAt(start + i));
            await s.sync();
          };
          const t = performance.now();
          if (round === 0) {
            const c = await countCalls(run);
            const per = (v: number) => v / K;
            const r = results.get(s.impl)!;
            r.perStep = { dispatches: per(c.dispatches), submits: per(c.submits), queueWrites: per(c.queueWrites), draws: per(c.draws), flushes: per(c.flushes) };
            r.countedSteps = K;
          } else await run();
          (samples.get(s) ?? samples.set(s, []).get(s)!).push((performance.now() - t) / K);
        });
      }
      next += Math.max(1, ...k.values());
      const done = round + 1;
      log(`${preset}: round ${done}: ${steppers.map((s) => `${s.impl} ${samples.get(s)?.at(-1)?.toFixed(0)} ms/step`).join(', ')}`);
      if (done >= cfg.minSamples && performance.now() - roundsStart > cfg.budgetMs) break;
    }
    for (const s of steppers) {
      const xs = samples.get(s) ?? [];
      if (!xs.length) continue;
      const r = results.get(s.impl)!;
      r.msPerStep = stepTiming(xs, cfg.checkSteps + 1);
      r.stepsPerSample = k.get(s);
      r.imagesPerSec = (cfg.batch * 1000) / r.msPerStep.medianMs;
    }
    // 4. Profiles, last: replaying our dispatches scrambles the parameters.
    let profile: TrainPresetResult['profile'];
    const eg = steppers.find((s) => s.impl === 'oursEg') as OursStepper | undefined;
    const cn = steppers.find((s) => s.impl === 'oursConvnet') as OursStepper | undefined;
    if (cfg.profile && eg && cn) {
      log(`${preset}: profile of our step`);
      const b = batchAt(0);
      const floor = await emptySubmitMs(device);
      profile = {
        emptySubmitMs: floor,
        eg: await profilePhases(eg, b.images, b.labels, 3),
        convnet: await profilePhases(cn, b.images, b.labels, 3),
        egDispatches: await profileStepDispatches(eg, b.images, b.labels, floor),
        convnetDispatches: await profileStepDispatches(cn, b.images, b.labels, floor),
        tfjs: {},
      };
      for (const s of steppers) {
        if (!s.profileStep) continue;
        log(`${preset}: tf.profile of one ${s.impl} step`);
        await guarded(s, 'profile', async () => {
          const sums = await s.profileStep!(b);
          profile!.tfjs[s.impl === 'tfjsWebgpu' ? 'webgpu' : 'webgl'] = sums;
        });
      }
    }
    const ips = (impl: TrainImpl) => results.get(impl)?.imagesPerSec;
    const ceDiff = (impl: TrainImpl) => maxRelDiff(results.get('oursConvnet')!.ce, results.get(impl)?.ce ?? []);
    return {
      preset,
      batch: cfg.batch,
      impls: (['oursEg', 'oursConvnet', 'tfjsWebgpu', 'tfjsWebgl', 'jaxWebgpu'] as TrainImpl[]).map((i) => results.get(i)!),
      convnetLossRelDiff: { webgpu: ceDiff('tfjsWebgpu'), webgl: ceDiff('tfjsWebgl'), jax: ceDiff('jaxWebgpu') },
      ratios: {
        egVsWebgpu: speedRatio(ips('oursEg'), ips('tfjsWebgpu')),
        egVsWebgl: speedRatio(ips('oursEg'), ips('tfjsWebgl')),
        convnetVsWebgpu: speedRatio(ips('oursConvnet'), ips('tfjsWebgpu')),
        convnetVsWebgl: speedRatio(ips('oursConvnet'), ips('tfjsWebgl')),
        egVsJax: speedRatio(ips('oursEg'), ips('jaxWebgpu')),
        convnetVsJax: speedRatio(ips('oursConvnet'), ips('jaxWebgpu')),
      },
      profile,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    for (const s of steppers) s.dispose();
  }
}

export async function benchTraining(device: GPUDevice, cfg: TrainBenchConfig, log: Log): Promise<TrainBenchResult> {
  const t0 = performance.now();
  const data = await loadTrainData(cfg.batches, cfg.batch);
  log(`training data: ${data.source}`);
  let webgl: TrainBenchResult['webgl'];
  try {
    webgl = await webglInfo();
  } catch (e) {
    webgl = { error: String((e as Error).message ?? e) };
  }
  log(`tfjs WebGL: ${JSON.stringify(webgl)}`);
  const presets: TrainPresetResult[] = [];
  for (const p of cfg.presets) {
    log(`training: ${p} at batch ${cfg.batch}`);
    presets.push(await trainPreset(device, p, cfg, data.batches, log));
  }
  return { config: cfg, data: data.source, webgl, presets, totalSeconds: (performance.now() - t0) / 1000 };
}
