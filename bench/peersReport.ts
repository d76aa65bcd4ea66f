/** Plain-text lines for issue 16's additions: the tuner's choice per preset, onnxruntime-web beside ours, and the roofline. */
import { table } from './report';
import type { BenchResult } from './types';

export function peersSummary(r: BenchResult): string {
  const out: string[] = [];
  if (r.matmulPeak)
    out.push(`matrix-product peak on this adapter: ${r.matmulPeak.best.gflops.toFixed(2)} GFLOP/s (${r.matmulPeak.best.kernel}; ${r.matmulPeak.shape}); all: ${r.matmulPeak.rows.map((x) => `${x.kernel} ${x.gflops.toFixed(2)}`).join(', ')}`);
  for (const p of r.presets) if (p.kernels) out.push(`${p.preset}: ${p.kernels.about}`);
  const ortRows = r.presets.filter((p) => p.ort).map((p) => {
    const o = p.ort!;
    if (o.error) return [p.preset, `failed: ${o.error}`, '', '', ''];
    if (!o.gate?.pass) return [p.preset, `gate FAILED (${o.gate?.worstOverTol.toFixed(2)} of tolerance)`, '', '', ''];
    return [
      p.preset,
      `${o.latency1!.ours.medianMs.toFixed(1)} / ${o.latency1!.ort.medianMs.toFixed(1)} ms (${(1 / o.latency1!.ratio).toFixed(2)})`,
      `${o.throughput!.imagesPerSecOurs.toFixed(0)} / ${o.throughput!.imagesPerSecOrt.toFixed(0)} img/s at ${o.throughput!.batch}`,
      `${o.throughput!.ratio.toFixed(2)}x`,
      `PASS (${o.gate.worstOverTol.toFixed(3)})`,
    ];
  });
  if (ortRows.length) out.push('', table(['preset', 'latency b1 ours / ort (ours/ort)', 'throughput ours / ort', 'throughput ours / ort', 'ort gate'], ortRows));
  if (r.roofline?.length)
    out.push('', table(['preset', 'step', 'implementation', 'GFLOP/s', 'of matrix-product peak'], r.roofline.map((x) => [x.preset, x.step, x.impl, x.gflops.toFixed(2), `${(100 * x.ofMatmulPeak).toFixed(0)}%`])));
  return out.join('\n');
}
