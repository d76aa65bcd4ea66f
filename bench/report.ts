/** Plain-text summary of a bench result (printed by bench/run.ts; also the source of the doc's tables). */
import type { HostLoad } from './host';
import type { BenchResult, DispatchProfile, PresetResult, ProfileResult } from './types';

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const num = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  return [line(head), '| ' + w.map((n) => '-'.repeat(n)).join(' | ') + ' |', ...rows.map(line)].join('\n');
}

function speedRow(p: PresetResult): string[] {
  const g = p.gate;
  const gate = g.pass ? `pass (${g.maxAbsErrScores.toExponential(1)})` : `FAIL${p.error ? ': ' + p.error : ''}`;
  const t = p.timings;
  if (!t) return [p.preset, gate, '-', '-', '-', '-', '-', '-', '-', '-'];
  return [
    p.preset,
    gate,
    `${ms(t.ours.latency1.medianMs)} / ${ms(t.tfjs.latency1.medianMs)}`,
    `${t.latencyRatio.toFixed(2)}`,
    `${t.throughputBatch}`,
    `${num(t.imagesPerSecOurs)} / ${num(t.imagesPerSecTfjs)}`,
    `${t.throughputRatio.toFixed(2)}`,
    ms(t.ours.fullDp1.medianMs),
    ms(t.ours.fullDpWithPaths1.medianMs),
    ms(t.ours.paths1Read.medianMs),
  ];
}

export function speedTable(r: BenchResult): string {
  return table(
    ['preset', 'gate (max abs err)', 'b1 latency ms ours / tfjs', 'ratio', 'batch', 'img/s ours / tfjs', 'ratio', 'full DP ms', 'DP+paths ms', 'paths alone ms'],
    r.presets.map(speedRow),
  );
}

/** The dispatches that take the most time, with their share of the list's total. */
export function topDispatches(list: DispatchProfile[], k = 6): string {
  const total = list.reduce((s, d) => s + d.ms, 0);
  const rows = [...list]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, k)
    .map((d) => [d.label, d.kernel, ms(d.ms), `${((100 * d.ms) / Math.max(total, 1e-9)).toFixed(0)}%`]);
  return table(['dispatch', 'kernel', 'ms', 'share'], rows) + `\n(sum of all ${list.length} dispatches: ${ms(total)} ms)`;
}

/**
 * Level by level, ours vs tfjs at the throughput batch: our conv, relu and pool dispatches against
 * tfjs's conv op (bias and ReLU fused in by default) and max-pool. The i-th tfjs convolution is
 * level i; everything else tfjs runs (reshape, mean, matmul, softmax) is `readout`.
 */
export function levelComparison(p: ProfileResult): string {
  const ours = new Map(p.forwardThroughput.map((d) => [d.label.replace(/^[^.]*\./, ''), d.ms]));
  const tfConv: number[] = [];
  const tfPool: number[] = [];
  let tfOther = 0;
  for (const k of p.tfjsForwardThroughput) {
    if (!Number.isFinite(k.ms)) continue;
    if (k.name === 'Conv2D' || k.name === 'FusedConv2D') tfConv.push(k.ms);
    else if (k.name === 'MaxPool') tfPool[tfConv.length - 1] = k.ms;
    else tfOther += k.ms;
  }
  const rows = tfConv.map((c, i) => {
    const l = `level${i + 1}`;
    const o = (ours.get(`${l}.conv`) ?? 0) + (ours.get(`${l}.relu`) ?? 0) + (ours.get(`${l}.pool`) ?? 0);
    const t = c + (tfPool[i] ?? 0);
    return [l, ms(ours.get(`${l}.conv`) ?? NaN), ms(ours.get(`${l}.relu`) ?? NaN), ours.has(`${l}.pool`) ? ms(ours.get(`${l}.pool`)!) : '-', ms(c), tfPool[i] !== undefined ? ms(tfPool[i]) : '-', (o / t).toFixed(2)];
  });
  const oursReadout = (ours.get('readout') ?? 0) + (ours.get('softmax') ?? 0);
  rows.push(['readout', ms(oursReadout), '-', '-', ms(tfOther), '-', (oursReadout / tfOther).toFixed(2)]);
  return table(['level', 'ours conv', 'ours relu', 'ours pool', 'tfjs conv', 'tfjs pool', 'time ours/tfjs'], rows);
}

/** What bench/run.ts adds to the page's result before writing the file. */
export interface BenchFile extends BenchResult {
  browser?: string;
  engine?: { commit: string; uncommitted: string[]; source: string };
  otherLoad?: HostLoad | null;
  host?: { platform: string; cpu: string; cores: number; node: string; /** os.loadavg() (1, 5, 15 min) at the start and the end of the run. */ loadavgStart?: number[]; loadavgEnd?: number[] };
}

export function summary(r: BenchFile): string {
  const a = r.adapter;
  const e = r.engine;
  const load = r.otherLoad;
  const out = [
    `engine: ${e ? `${e.commit.slice(0, 12)} (${e.source}${e.uncommitted.length ? `; uncommitted: ${e.uncommitted.join(', ')}` : ''})` : '?'}`,
    load ? `other processes on this machine: ${load.otherCpuSeconds.toFixed(0)} CPU-s during the ${load.wallSeconds.toFixed(0)} s run (${load.otherCores.toFixed(2)} cores busy on average)` : 'other processes: not measured',
    `adapter: ${a.vendor} / ${a.architecture} / ${a.description || a.device || '-'}${a.isFallbackAdapter ? ' (fallback)' : ''}; tfjs sees ${r.tfjsAdapter.vendor} / ${r.tfjsAdapter.architecture}`,
    `browser: ${r.browser ?? r.userAgent}; tfjs ${r.tfjsVersion}; inputs: ${r.inputs}`,
  ];
  if (r.presets.length) out.push('', speedTable(r));
  for (const p of r.presets) {
    if (!p.profile) continue;
    const B = p.timings?.throughputBatch ?? '?';
    out.push('', `${p.preset}: slowest dispatches, bottom-up at batch ${B} (empty submit ${ms(p.profile.emptySubmitMs)} ms subtracted)`, topDispatches(p.profile.forwardThroughput));
    out.push('', `${p.preset}: bottom-up at batch ${B}, ms per level, ours vs tfjs`, levelComparison(p.profile));
    out.push('', `${p.preset}: slowest dispatches, backtrace at batch 1`, topDispatches(p.profile.backtraceBatch1, 4));
    out.push('', `${p.preset}: slowest dispatches, path-count DP at batch 1`, topDispatches(p.profile.pathsBatch1, 4));
  }
  out.push('', `total ${r.totalSeconds.toFixed(0)} s`);
  return out.join('\n');
}
