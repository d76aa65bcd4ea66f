// The story's first warm-up: the shortest-path recursion over path length, its back-pointers and
// its backtrace, checked against listing every walk (random graphs, and the demo graph's numbers
// worked by hand), and the weight parser a student types into.
import { describe, expect, it } from 'vitest';
import { DEMO_GRAPH, backtraceRoute, bruteForce, parseWeight, routeCost, settledLength, shortestPathLayers, type SpGraph } from '../../src/ui/story/shortestPath';

/** A small deterministic generator (mulberry32), so a failing graph can be rebuilt from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomGraph(seed: number): SpGraph {
  const r = rng(seed);
  const n = 3 + Math.floor(r() * 4);
  const edges: SpGraph['edges'] = [];
  for (let x = 0; x < n; x++) for (let y = 0; y < n; y++) if (x !== y && r() < 0.45) edges.push({ from: x, to: y, w: Math.floor(r() * 10) });
  return { nodes: Array.from({ length: n }, (_, i) => String.fromCharCode(65 + i)), edges, source: 0, target: n - 1 };
}

describe('the shortest-path DP', () => {
  it('works the demo graph as the card tells it: S is superseded at every l, the best route is S A B C T at cost 6', () => {
    const layers = shortestPathLayers(DEMO_GRAPH, settledLength(DEMO_GRAPH));
    const S = 0;
    expect(layers.map((l) => l.dist[S])).toEqual([Infinity, Infinity, 9, 7, 6]);
    expect(layers.map((l) => l.next[S])).toEqual([null, null, 2, 1, 1]);
    expect(layers[4].dist).toEqual([6, 4, 2, 1, 0]);
    const route = backtraceRoute(layers, DEMO_GRAPH, S, 4)!;
    expect(route.map((i) => DEMO_GRAPH.nodes[i]).join(' ')).toBe('S A B C T');
    expect(routeCost(DEMO_GRAPH, route)).toBe(6);
    // After two iterations the best route within two edges is S B T.
    expect(backtraceRoute(layers, DEMO_GRAPH, S, 2)!.map((i) => DEMO_GRAPH.nodes[i]).join(' ')).toBe('S B T');
    expect(backtraceRoute(layers, DEMO_GRAPH, S, 1)).toBeNull();
  });

  it('agrees with listing every walk on 300 random graphs, at every iteration, and its back-pointers give routes of that cost', () => {
    let routes = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const g = randomGraph(seed);
      const L = g.nodes.length + 1; // past settling too
      const layers = shortestPathLayers(g, L);
      for (let l = 0; l <= L; l++) {
        for (let x = 0; x < g.nodes.length; x++) {
          const want = bruteForce(g, x, l);
          expect(layers[l].dist[x], `seed ${seed}, node ${x}, l ${l}`).toBe(want);
          if (l > 0) expect(layers[l].dist[x]).toBeLessThanOrEqual(layers[l - 1].dist[x]);
          const route = backtraceRoute(layers, g, x, l);
          if (!Number.isFinite(want)) expect(route).toBeNull();
          else {
            expect(route![0]).toBe(x);
            expect(route![route!.length - 1]).toBe(g.target);
            expect(route!.length - 1).toBeLessThanOrEqual(l);
            expect(routeCost(g, route!)).toBe(want);
            routes++;
          }
        }
      }
      // With nonnegative weights nothing improves after n - 1 iterations.
      expect(layers[L].dist).toEqual(layers[settledLength(g)].dist);
    }
    expect(routes).toBeGreaterThan(1000);
  });

  it('breaks ties by the first edge (as a t-switch takes the first index of a tied window)', () => {
    const g: SpGraph = { nodes: ['S', 'A', 'B', 'T'], edges: [{ from: 0, to: 1, w: 1 }, { from: 0, to: 2, w: 1 }, { from: 1, to: 3, w: 1 }, { from: 2, to: 3, w: 1 }], source: 0, target: 3 };
    expect(shortestPathLayers(g, 2)[2].next[0]).toBe(1);
    g.edges.reverse();
    expect(shortestPathLayers(g, 2)[2].next[0]).toBe(2);
  });

  it('refuses graphs that name missing nodes, and iterations it did not compute', () => {
    expect(() => shortestPathLayers({ ...DEMO_GRAPH, edges: [{ from: 0, to: 9, w: 1 }] }, 2)).toThrow(/not there/);
    expect(() => shortestPathLayers({ ...DEMO_GRAPH, target: 7 }, 2)).toThrow(/source and target/);
    expect(() => backtraceRoute(shortestPathLayers(DEMO_GRAPH, 2), DEMO_GRAPH, 0, 3)).toThrow(/not computed/);
  });
});

describe('parseWeight', () => {
  it('takes whole numbers 0..99 and says what is wrong with anything else', () => {
    expect(parseWeight(' 7 ')).toEqual({ ok: true, value: 7 });
    expect(parseWeight('0')).toEqual({ ok: true, value: 0 });
    expect(parseWeight('99')).toEqual({ ok: true, value: 99 });
    for (const bad of ['', '-1', '1.5', '1e2', 'abc', '100']) {
      const p = parseWeight(bad);
      expect(p.ok, bad).toBe(false);
      if (!p.ok) expect(p.message.length).toBeGreaterThan(5);
    }
  });
});
