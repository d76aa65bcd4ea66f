/**
 * The Node side of the bench (issue 16 items 2, 4, 5): our engine on Dawn (the `webgpu` package)
 * without a browser, on whatever adapter Node gets (a GPU, else lavapipe, else SwiftShader;
 * VK_ICD_FILENAMES picks one). Per preset it runs the tuner (every variant timed), then times the
 * inference forward pass, the convnet step and the EG step with the direct kernels and with the
 * tuner's choice, in alternating pairs (medians), checks that both give the same first losses,
 * and reports FLOP/s against the best matrix product measured here (bench/roofline.ts) and the
 * CPU's peak (bench/cpuPeak.ts). The tuned EG step is also profiled dispatch by dispatch.
 *
 *   npm run bench:node -- [--presets a,b] [--batch 64] [--samples 5] [--no-profile] [--out FILE] [--kernels TEXT]
 * (--kernels: compare the direct kernels with this choice, formatChoice's text, instead of the tuner's; the tuner still runs and reports its timings)
 *
 * Without npm or a TypeScript runner: `npm run bench:node:build` writes one self-contained file,
 * bench/dist/node-bench.mjs (the WGSL inlined); copy it beside a node_modules/webgpu and run
 * `node node-bench.mjs` (docs/BENCHMARKS.md, "Node only").
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DrmmGpuEngine, PRESETS, initParams, type ModelSpec, type PresetName } from '../src/engine';
import { GpuTrainer } from '../src/engine/gpu/trainer';
import { directChoice, formatChoice, parseChoice, type KernelChoice } from '../src/engine/gpu/convSteps';
import { describeKernels } from '../src/engine/gpu/tuner';
import { tuneKernels } from '../src/engine/gpu/tunerTiming';
import { nodeDevice } from '../scripts/lib/nodeGpu';
import { cpuPeak } from './cpuPeak';
import { freshResultPath, watchHostLoad } from './host';
import { emptySubmitMs, profileDispatches, recordingPass } from './profile';
import { gflopsOf, matmulPeak, type StepKind } from './roofline';
import { median } from './stats';
import { CONVNET_WEIGHTS, EG_WEIGHTS } from './trainOurs';

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const presets = (arg('--presets') ?? 'drmm-compact,rmm-shallow').split(',') as PresetName[];
for (const p of presets) if (!(p in PRESETS)) throw new Error(`unknown preset ${p}`);
const batch = Number(arg('--batch') ?? 64);
const samples = Number(arg('--samples') ?? 5);
const profile = !argv.includes('--no-profile');
const log = (s: string) => console.log(`[bench:node] ${s}`);

/** A step of one kind on one kernel choice; `run(k)` does k steps and waits for them. */
async function stepper(device: GPUDevice, spec: ModelSpec, kind: StepKind, kernels: KernelChoice, images: Float32Array, labels: Int32Array) {
  const engine = await DrmmGpuEngine.create(device, spec, initParams(spec, 1), { maxBatch: batch, kernels });
  const trainer = kind === 'forward' ? null : new GpuTrainer(engine, { weights: kind === 'eg' ? EG_WEIGHTS : CONVNET_WEIGHTS, lr: 1e-3 });
  return {
    engine,
    trainer,
    /** ms a step over k steps, wall clock; `cpu` gets this process's CPU ms a step (all its threads). */
    async run(k: number, cpu?: number[]): Promise<number> {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < k; i++) {
        if (trainer) {
          trainer.setBatch(images, labels, batch);
          trainer.step();
        } else engine.run({ images, n: batch });
      }
      if (trainer) await trainer.readMetrics(true);
      else await device.queue.onSubmittedWorkDone();
      const c = process.cpuUsage(c0);
      cpu?.push((c.user + c.system) / 1000 / k);
      return (performance.now() - t0) / k;
    },
    /** The first step's objective (before its update), for the cross-check. */
    async firstLoss(): Promise<number> {
      if (!trainer) {
        engine.run({ images, n: batch });
        return (await engine.readForward(0, batch, false)).scores[0];
      }
      trainer.setBatch(images, labels, batch);
      trainer.step();
      return (await trainer.readMetrics(true)).total;
    },
    destroy() {
      trainer?.destroy();
      engine.destroy();
    },
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const load0 = os.loadavg();
  const hostLoad = watchHostLoad();
  const nd = await nodeDevice();
  const { device } = nd;
  log(`adapter ${nd.adapter}`);
  const cpu = cpuPeak();
  const peak = await matmulPeak(device);
  log(`matrix product (${peak.shape}): best ${peak.best.gflops.toFixed(2)} GFLOP/s (${peak.best.kernel}); ${peak.rows.map((r) => `${r.kernel} ${r.gflops.toFixed(2)}`).join(', ')}`);
  if (cpu) log(`CPU peak ${cpu.gflops.toFixed(1)} GFLOP/s = ${cpu.formula}`);
  const per = 784;
  const images = new Float32Array(batch * per).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const results = [];
  for (const preset of presets) {
    const spec = PRESETS[preset];
    const tune = await tuneKernels(device, spec, batch);
    const report = { choice: tune.choice, source: 'tuned' as const, timings: tune.timings, tuneMs: tune.ms, compileMs: tune.compileMs, batch: Math.min(batch, 8), adapter: nd.adapter };
    log(`${preset}: ${describeKernels(report)}`);
    const msOf = (f: string, level: number, v: string) => tune.timings.find((x) => x.family === f && x.level === level && x.variant === v)?.ms.toFixed(2) ?? '-';
    for (const sh of tune.shared)
      log(`${preset} level ${sh.level} (pooled, ms with the bottom-up work each needs): transpose direct ${msOf('transpose', sh.level, 'direct')} sparse ${msOf('transpose', sh.level, 'sparse')}; wgrad direct ${msOf('wgrad', sh.level, 'direct')} sparse ${msOf('wgrad', sh.level, 'sparse')}; shared unpool+mask ${sh.unpoolMask.toFixed(2)}, switch_mask ${sh.switchMask.toFixed(2)}`);
    const direct = directChoice(spec.levels.length);
    const given = arg('--kernels');
    const other = given ? parseChoice(given, spec.levels.length) : tune.choice;
    if (given) log(`${preset}: comparing with the given choice ${formatChoice(other)}`);
    const kinds = [];
    for (const kind of ['forward', 'convnet', 'eg'] as StepKind[]) {
      const a = await stepper(device, spec, kind, direct, images, labels);
      const b = await stepper(device, spec, kind, other, images, labels);
      try {
        const [la, lb] = [await a.firstLoss(), await b.firstLoss()];
        const first = Math.max(await a.run(1), await b.run(1));
        const k = Math.max(1, Math.min(20, Math.round(1000 / first)));
        const sa: number[] = [];
        const sb: number[] = [];
        const [ca, cb]: number[][] = [[], []];
        for (let s = 0; s < samples; s++) {
          // Alternate which goes first, so that a drift in the machine's load falls on both.
          if (s % 2 === 0) {
            sa.push(await a.run(k, ca));
            sb.push(await b.run(k, cb));
          } else {
            sb.push(await b.run(k, cb));
            sa.push(await a.run(k, ca));
          }
        }
        const [ma, mb] = [median(sa), median(sb)];
        const row = {
          kind,
          stepsPerSample: k,
          direct: { msPerStep: ma, samples: sa, cpuMsPerStep: median(ca), gflops: gflopsOf(spec, kind, batch, ma) },
          tuned: { msPerStep: mb, samples: sb, cpuMsPerStep: median(cb), gflops: gflopsOf(spec, kind, batch, mb) },
          speedup: ma / mb,
          cpuSpeedup: median(ca) / median(cb),
          tunedOfMatmulPeak: gflopsOf(spec, kind, batch, mb) / peak.best.gflops,
          tunedOfCpuPeak: cpu ? gflopsOf(spec, kind, batch, mb) / cpu.gflops : null,
          firstLoss: { direct: la, tuned: lb, relDiff: Math.abs(la - lb) / Math.max(1e-12, Math.abs(la)) },
        };
        log(`${preset} ${kind}: direct ${ma.toFixed(1)} ms, tuned ${mb.toFixed(1)} ms (${row.speedup.toFixed(2)}x; CPU time ${row.direct.cpuMsPerStep.toFixed(1)} vs ${row.tuned.cpuMsPerStep.toFixed(1)} ms, ${row.cpuSpeedup.toFixed(2)}x), ${row.tuned.gflops.toFixed(2)} GFLOP/s = ${(100 * row.tunedOfMatmulPeak).toFixed(0)}% of the matrix product${cpu ? `, ${(100 * row.tunedOfCpuPeak!).toFixed(1)}% of the CPU peak` : ''}; first loss rel. diff ${row.firstLoss.relDiff.toExponential(1)}`);
        kinds.push(row);
        if (kind === 'eg' && profile) {
          const floor = await emptySubmitMs(device);
          const dispatches = [];
          for (const [name, s] of [['direct', a], ['tuned', b]] as const) {
            const rec = recordingPass();
            s.trainer!.setBatch(images, labels, batch);
            for (const phase of s.trainer!.phases()) phase(rec.pass);
            dispatches.push({ kernels: name, emptySubmitMs: floor, dispatches: await profileDispatches(device, rec.dispatches, floor, 40, 3) });
          }
          (row as Record<string, unknown>).profile = dispatches;
        }
      } finally {
        a.destroy();
        b.destroy();
      }
    }
    results.push({ preset, batch, kernels: formatChoice(tune.choice), compared: given ? `given: ${formatChoice(other)}` : 'tuned', about: describeKernels(report), tuneMs: tune.ms, compileMs: tune.compileMs, tuneTimings: tune.timings, tuneShared: tune.shared, kinds });
  }
  const file = {
    date: new Date().toISOString(),
    adapter: nd.adapter,
    adapterKind: nd.kind,
    node: process.version,
    host: { cpu: os.cpus()[0]?.model ?? '?', cores: os.cpus().length, loadavgStart: load0, loadavgEnd: os.loadavg() },
    otherLoad: hostLoad(),
    cpuPeak: cpu,
    matmulPeak: peak,
    presets: results,
    totalSeconds: (performance.now() - t0) / 1000,
  };
  const out = arg('--out') ?? freshResultPath(path.join('bench', 'results', `${file.date.slice(0, 10)}-node-${nd.kind}.json`));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(file, null, 2) + '\n');
  log(`wrote ${out} (${file.totalSeconds.toFixed(0)} s; load ${load0.map((x) => x.toFixed(2)).join(' ')} -> ${file.host.loadavgEnd.map((x) => x.toFixed(2)).join(' ')})`);
  device.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
