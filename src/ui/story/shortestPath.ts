/**
 * The lecture's first warm-up (the slides' DP tutorial, not the paper): shortest paths to a
 * destination T by the recursion over path length, with back-pointers, then a backtrace.
 *
 *   d_x(0) = 0 if x = T, else +inf
 *   d_T(l) = 0                                   (the destination waits: a route may end early)
 *   d_x(l) = min over edges x->y of [ w(x, y) + d_y(l - 1) ]      (x != T)
 *   next_x(l) = the y that attains the min (the first such edge on ties, as a t-switch takes the
 *               first index of a tied window)
 *
 * d_x(l) is then the least cost of a walk from x that reaches T in at most l edges (stopping the
 * first time it arrives), so d(l) never increases with l: an early hypothesis can be superseded by
 * a longer, cheaper one, and once superseded it is never used again. Following the back-pointers
 * from the source, next_S(L), then next at L - 1, ..., reconstructs the best route: the backtrace.
 *
 * Unrolled, each l is a layer holding a copy of every node, each copy taking the best of its
 * incoming edges from the layer below: the convnet's shape, with min-sum in place of max-sum.
 * Pure functions; `bruteForce` enumerates walks to check the recursion in the tests.
 */

export interface SpEdge {
  from: number;
  to: number;
  /** The edge's cost: a nonnegative integer (parseWeight's range). */
  w: number;
}

export interface SpGraph {
  /** Node names, e.g. 'S'. */
  nodes: string[];
  edges: SpEdge[];
  source: number;
  target: number;
}

/** One iteration l of the recursion: each node's best distance and back-pointer (null: none yet, or the destination). */
export interface SpLayer {
  dist: number[];
  next: (number | null)[];
}

/** The warm-up's graph: the cheapest route (S A B C T, cost 6) has the most edges, so S's best route changes at every l. */
export const DEMO_GRAPH: SpGraph = {
  nodes: ['S', 'A', 'B', 'C', 'T'],
  edges: [
    { from: 0, to: 1, w: 2 },
    { from: 0, to: 2, w: 6 },
    { from: 1, to: 2, w: 2 },
    { from: 1, to: 3, w: 5 },
    { from: 2, to: 3, w: 1 },
    { from: 2, to: 4, w: 3 },
    { from: 3, to: 4, w: 1 },
  ],
  source: 0,
  target: 4,
};

/** The layers d(0) .. d(maxLen) of the recursion. */
export function shortestPathLayers(g: SpGraph, maxLen: number): SpLayer[] {
  checkGraph(g);
  const n = g.nodes.length;
  const layers: SpLayer[] = [];
  layers.push({ dist: g.nodes.map((_, x) => (x === g.target ? 0 : Infinity)), next: g.nodes.map(() => null) });
  for (let l = 1; l <= maxLen; l++) {
    const prev = layers[l - 1];
    const dist = new Array<number>(n).fill(Infinity);
    const next = new Array<number | null>(n).fill(null);
    dist[g.target] = 0;
    for (const e of g.edges) {
      if (e.from === g.target) continue; // a route ends when it reaches T
      const d = e.w + prev.dist[e.to];
      if (d < dist[e.from]) {
        dist[e.from] = d;
        next[e.from] = e.to;
      }
    }
    layers.push({ dist, next });
  }
  return layers;
}

/**
 * The route the back-pointers give from `from` at iteration `len`: from, next_from(len), then that
 * node's next at len - 1, ..., until T. Null when `from` has no route within len edges.
 */
export function backtraceRoute(layers: SpLayer[], g: SpGraph, from: number, len: number): number[] | null {
  if (len < 0 || len >= layers.length) throw new Error(`iteration ${len} is not computed (0..${layers.length - 1})`);
  if (!Number.isFinite(layers[len].dist[from])) return null;
  const route = [from];
  let x = from;
  for (let l = len; l >= 1 && x !== g.target; l--) {
    const y = layers[l].next[x];
    if (y === null) throw new Error(`node ${g.nodes[x]} has a finite distance at l = ${l} but no back-pointer`);
    route.push(y);
    x = y;
  }
  if (x !== g.target) throw new Error('the back-pointers did not reach the destination');
  return route;
}

/** The cost of a route (a list of nodes joined by edges; the first matching edge counts). */
export function routeCost(g: SpGraph, route: number[]): number {
  let c = 0;
  for (let i = 0; i + 1 < route.length; i++) {
    const e = g.edges.find((e) => e.from === route[i] && e.to === route[i + 1]);
    if (!e) throw new Error(`no edge ${g.nodes[route[i]]}→${g.nodes[route[i + 1]]}`);
    c += e.w;
  }
  return c;
}

/**
 * The least cost over every walk from x that reaches T within maxLen edges (stopping at its first
 * arrival), by listing them all: exponential, for the tests only.
 */
export function bruteForce(g: SpGraph, x: number, maxLen: number): number {
  checkGraph(g);
  if (x === g.target) return 0;
  let best = Infinity;
  const walk = (at: number, cost: number, edgesLeft: number) => {
    if (at === g.target) {
      best = Math.min(best, cost);
      return;
    }
    if (edgesLeft === 0) return;
    for (const e of g.edges) if (e.from === at) walk(e.to, cost + e.w, edgesLeft - 1);
  };
  walk(x, 0, maxLen);
  return best;
}

/** The iterations the recursion needs to settle: every simple path has at most n - 1 edges. */
export function settledLength(g: SpGraph): number {
  return g.nodes.length - 1;
}

/** The largest weight a student may type. */
export const MAX_WEIGHT = 99;

/** A typed edge weight: an integer 0..99, or a message saying what is wrong. */
export function parseWeight(text: string): { ok: true; value: number } | { ok: false; message: string } {
  const t = text.trim();
  if (t === '') return { ok: false, message: 'Type a whole number.' };
  if (!/^\d+$/.test(t)) return { ok: false, message: `“${text.slice(0, 12)}” is not a whole number 0–${MAX_WEIGHT}.` };
  const v = Number(t);
  if (v > MAX_WEIGHT) return { ok: false, message: `Keep it within 0–${MAX_WEIGHT}.` };
  return { ok: true, value: v };
}

function checkGraph(g: SpGraph): void {
  const n = g.nodes.length;
  const ok = (i: number) => Number.isInteger(i) && i >= 0 && i < n;
  if (!ok(g.source) || !ok(g.target)) throw new Error('source and target must be nodes of the graph');
  for (const e of g.edges) {
    if (!ok(e.from) || !ok(e.to)) throw new Error(`edge ${e.from}→${e.to} names a node that is not there`);
    if (!Number.isFinite(e.w)) throw new Error(`edge ${g.nodes[e.from]}→${g.nodes[e.to]} has no finite weight`);
  }
}
