/**
 * A run's log kept to a bounded size: at most `cap` rows, and when over, every second row of the
 * older half is dropped (rows an evaluation wrote and the newest half are kept), so a chart keeps
 * the whole span of a long run at a coarser grain. The run's checkpoint and the page's charts both
 * thin their rows this way.
 */
export function thinRows<T>(rows: T[], cap: number, keep: (row: T) => boolean): T[] {
  if (rows.length <= cap) return rows;
  let out = rows;
  while (out.length > cap) {
    const half = Math.floor(out.length / 2);
    const older = out.slice(0, half).filter((r, i) => i % 2 === 0 || keep(r));
    const next = older.concat(out.slice(half));
    if (next.length === out.length) return out.slice(out.length - cap); // only evaluation rows left
    out = next;
  }
  return out;
}

/** Rows a checkpoint keeps (a page run logs every 10 steps: the header stays well under its 1 MiB). */
export const LOG_CAP = 2000;
