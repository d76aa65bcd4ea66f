/**
 * The CPU's peak FP32 FLOP/s, the roof for a software adapter (lavapipe, SwiftShader run the
 * kernels on the CPU): cores x clock x SIMD lanes x 2 (a fused multiply-add is 2 FLOPs) x FMA
 * pipes a core. Read from /proc/cpuinfo (Linux; null elsewhere): the logical CPUs, the clock
 * ("cpu MHz" of the first), the widest vector the flags allow (avx512f: 16 lanes, avx2 or avx: 8,
 * else sse: 4). FMA pipes are not in /proc/cpuinfo: 2 is assumed (every x86 core with FMA since
 * Haswell and Zen 1 has two FMA-capable vector pipes; Zen 1-3 and Zen 4's AVX-512 run 256 bits a
 * pipe, so on an AMD "avx512f" CPU 8 lanes x 2 pipes is the truthful figure, which is what this
 * takes for vendor AuthenticAMD). All of it is stated in the result, so it can be checked.
 */
import fs from 'node:fs';

export interface CpuPeak {
  model: string;
  vendor: string;
  logicalCpus: number;
  mhz: number;
  lanes: number;
  fmaPipes: number;
  gflops: number;
  formula: string;
}

export function cpuPeak(): CpuPeak | null {
  let text: string;
  try {
    text = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (b: string, k: string) => b.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim() ?? '';
  const first = blocks[0] ?? '';
  const flags = new Set(field(first, 'flags').split(/\s+/));
  const vendor = field(first, 'vendor_id');
  const mhz = Number(field(first, 'cpu MHz')) || 0;
  let lanes = flags.has('avx512f') ? 16 : flags.has('avx2') || flags.has('avx') ? 8 : 4;
  if (lanes === 16 && vendor === 'AuthenticAMD') lanes = 8; // 256-bit pipes (see above)
  const fmaPipes = flags.has('fma') ? 2 : 1;
  const perFma = flags.has('fma') ? 2 : 1;
  const gflops = (blocks.length * mhz * lanes * perFma * fmaPipes) / 1000;
  return {
    model: field(first, 'model name'),
    vendor,
    logicalCpus: blocks.length,
    mhz,
    lanes,
    fmaPipes,
    gflops,
    formula: `${blocks.length} CPUs x ${(mhz / 1000).toFixed(3)} GHz x ${lanes} FP32 lanes x ${perFma} FLOP a ${perFma === 2 ? 'FMA' : 'op'} x ${fmaPipes} pipes`,
  };
}
