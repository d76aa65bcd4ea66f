/** Plain-text summary of the training benchmark (printed by bench/run.ts; the doc's tables come from it). */
import { table, topDispatches } from './report';
import { LOSS_REL_TOL, lossAgrees } from './trainStats';
import type { TrainBenchResult, TrainImpl, TrainImplResult, TrainPresetResult } from './types';

const IMPLS: [TrainImpl, string][] = [
  ['oursEg', 'ours EG'],
  ['oursConvnet', 'ours convnet'],
  ['tfjsWebgpu', 'tfjs-webgpu'],
  ['tfjsWebgl', 'tfjs-webgl'],
  ['jaxWebgpu', 'jax-js webgpu'],
];

const impl = (p: TrainPresetResult, i: TrainImpl) => p.impls.find((r) => r.impl === i);
const ratio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : '-');
const fmt = (v: number, d = 1) => (Number.isFinite(v) ? (Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(d)) : '-');

function speedCell(r: TrainImplResult | undefined): string {
  if (!r) return '-';
  if (!r.msPerStep) return r.error ? `failed: ${r.error}` : '-';
  return `${fmt(r.msPerStep.medianMs, 0)} ms (${fmt(r.imagesPerSec ?? NaN)} img/s)`;
}

export function trainSpeedTable(t: TrainBenchResult): string {
  return table(
    ['preset', 'batch', ...IMPLS.map(([, n]) => n), 'EG / webgpu', 'EG / webgl', 'EG / jax', 'convnet / webgpu', 'convnet / webgl', 'convnet / jax'],
    t.presets.map((p) => [
      p.preset,
      `${p.batch}`,
      ...IMPLS.map(([i]) => speedCell(impl(p, i))),
      ratio(p.ratios.egVsWebgpu),
      ratio(p.ratios.egVsWebgl),
      ratio(p.ratios.egVsJax ?? NaN),
      ratio(p.ratios.convnetVsWebgpu),
      ratio(p.ratios.convnetVsWebgl),
      ratio(p.ratios.convnetVsJax ?? NaN),
    ]),
  );
}

export function trainLossTable(t: TrainBenchResult): string {
  const rows: string[][] = [];
  for (const p of t.presets) {
    for (const [i, name] of IMPLS) {
      const r = impl(p, i);
      if (!r) continue;
      const diff = i === 'tfjsWebgpu' ? p.convnetLossRelDiff.webgpu : i === 'tfjsWebgl' ? p.convnetLossRelDiff.webgl : i === 'jaxWebgpu' ? p.convnetLossRelDiff.jax ?? NaN : NaN;
      rows.push([
        p.preset,
        name,
        r.ce.map((v) => v.toFixed(6)).join(', ') || '-',
        i === 'oursEg' ? r.total.map((v) => v.toFixed(6)).join(', ') : '',
        Number.isFinite(diff) ? `${diff.toExponential(1)} ${lossAgrees(diff) ? 'agree' : 'DISAGREE'}` : '',
      ]);
    }
  }
  return table(['preset', 'implementation', 'CE, steps 1..n', 'EG objective', 'max rel. diff vs ours convnet'], rows);
}

export function trainCountTable(t: TrainBenchResult): string {
  const rows: string[][] = [];
  for (const p of t.presets) {
    for (const [i, name] of IMPLS) {
      const c = impl(p, i)?.perStep;
      if (!c) continue;
      const webgl = i === 'tfjsWebgl';
      rows.push([
        p.preset,
        name,
        webgl ? `${fmt(c.draws)} draws` : fmt(c.dispatches),
        webgl ? `${fmt(c.flushes, 2)} gl.flush` : fmt(c.submits, 2),
        webgl ? '-' : fmt(c.queueWrites),
        `${impl(p, i)?.countedSteps ?? '?'}`,
      ]);
    }
  }
  return table(['preset', 'implementation', 'dispatches / step', 'submits / step', 'queue writes / step', 'steps counted (+1 read-back)'], rows);
}

export function trainPhaseTable(p: TrainPresetResult): string {
  if (!p.profile) return '';
  const rows = [
    ...p.profile.eg.map((ph) => ['EG', ph.phase, `${ph.dispatches}`, fmt(ph.ms)]),
    ...p.profile.convnet.map((ph) => ['convnet', ph.phase, `${ph.dispatches}`, fmt(ph.ms)]),
  ];
  return table(['step', 'phase (submitted alone)', 'dispatches', 'ms'], rows);
}

export function trainSummary(t: TrainBenchResult): string {
  const w = t.webgl;
  const out = [
    `training: ${t.data}`,
    'error' in w ? `tfjs WebGL: unavailable (${w.error})` : `tfjs WebGL: ${w.renderer}; ${w.version}; float32 textures: ${w.float32Textures}`,
    '',
    'training, median ms per step (images/s) and ratios of images/s, ours / tfjs',
    trainSpeedTable(t),
    '',
    `first losses (same initial parameters, same batches; the convnets must agree to ${LOSS_REL_TOL} relative)`,
    trainLossTable(t),
    '',
    'GPU API calls per training step',
    trainCountTable(t),
  ];
  for (const p of t.presets) {
    if (!p.profile) continue;
    out.push('', `${p.preset}: our training step, phase by phase (empty submit ${fmt(p.profile.emptySubmitMs, 2)} ms)`, trainPhaseTable(p));
    out.push('', `${p.preset}: slowest dispatches of one EG step (replayed alone)`, topDispatches(p.profile.egDispatches, 8));
    out.push('', `${p.preset}: slowest dispatches of one convnet step (replayed alone)`, topDispatches(p.profile.convnetDispatches, 6));
    for (const [name, sums] of Object.entries(p.profile.tfjs)) {
      if (!sums?.length) continue;
      if (!sums.some((k) => Number.isFinite(k.ms))) {
        out.push('', `${p.preset}: tfjs-${name}: tf.profile gives no kernel times (no GPU timer query on this backend)`);
        continue;
      }
      const total = sums.reduce((a, k) => a + (Number.isFinite(k.ms) ? k.ms : 0), 0);
      const rows = sums.slice(0, 8).map((k) => [k.kernel, `${k.count}`, fmt(k.ms), Number.isFinite(k.ms) && total > 0 ? `${((100 * k.ms) / total).toFixed(0)}%` : '-']);
      out.push('', `${p.preset}: tfjs-${name}, one training step under tf.profile (its own GPU timer; sum ${fmt(total)} ms)`, table(['kernel', 'runs', 'ms', 'share'], rows));
    }
  }
  out.push('', `training total ${t.totalSeconds.toFixed(0)} s`);
  return out.join('\n');
}
