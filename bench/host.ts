/**
 * How busy the rest of the machine was while the bench ran. The bench machine is shared (2 cores,
 * other people's tests and training runs), and the software adapter runs on those same cores, so
 * a timing means little without this: CPU time spent by processes *outside* the bench's own
 * process tree (this Node process, Chromium and their children), from /proc. Linux only; null
 * elsewhere.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Busy ticks of all CPUs since boot (/proc/stat: user nice system idle iowait irq softirq steal). */
function busyTicks(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0);
}

/** CPU ticks of `root` and its descendants, including children they have already reaped. */
function treeTicks(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ').map(Number); // fields from 3 (state) on
      stats.set(Number(d), { ppid: f[1], ticks: f[11] + f[12] + f[13] + f[14] });
    } catch {
      /* the process exited meanwhile */
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    total += stats.get(pid)?.ticks ?? 0;
    for (const [p, s] of stats) if (s.ppid === pid) todo.push(p);
  }
  return total;
}

export interface HostLoad {
  wallSeconds: number;
  /** CPU-seconds used by processes outside the bench during the run, and per wall second (cores). */
  otherCpuSeconds: number;
  otherCores: number;
}

/** Starts counting; call the returned function (before Chromium exits) to get the figures. */
export function watchHostLoad(): () => HostLoad | null {
  if (!fs.existsSync('/proc/stat')) return () => null;
  const t0 = Date.now();
  const busy0 = busyTicks();
  const ours0 = treeTicks(process.pid);
  return () => {
    const wallSeconds = (Date.now() - t0) / 1000;
    const other = (busyTicks() - busy0 - (treeTicks(process.pid) - ours0)) / ticksPerSecond;
    return { wallSeconds, otherCpuSeconds: Math.max(0, other), otherCores: Math.max(0, other) / wallSeconds };
  };
}

/**
 * `file`, or where a result of that name is already there (an earlier run of the same day), the
 * first free `<name>-2.json`, `<name>-3.json`, ...: a default result path never overwrites a
 * recorded result (--out FILE still writes where it is told).
 */
export function freshResultPath(file: string): string {
  if (!fs.existsSync(file)) return file;
  const stem = file.replace(/\.json$/, '');
  for (let i = 2; ; i++) if (!fs.existsSync(`${stem}-${i}.json`)) return `${stem}-${i}.json`;
}
