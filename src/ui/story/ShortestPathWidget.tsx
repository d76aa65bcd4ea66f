/**
 * The lecture's first warm-up, interactive (shortestPath.ts has the math): a five-node graph with
 * editable edge costs, the recursion over path length stepped one iteration at a time (the table
 * of d_x(l) and next_x(l), as on the slides), and the route the back-pointers give. The same DP
 * "unrolled": one column of node copies per iteration, each copy taking the best of its edges from
 * the column before; that layered picture is the convnet's shape.
 *
 * Button names avoid the words "Back" and "Next": those are the story's own buttons.
 */
import { useMemo, useState } from 'react';
import { DEMO_GRAPH, backtraceRoute, parseWeight, routeCost, settledLength, shortestPathLayers, type SpGraph } from './shortestPath';

export interface WeightEntry {
  text: string;
  value: number;
  error: string | null;
}

export const initialWeights = (): WeightEntry[] => DEMO_GRAPH.edges.map((e) => ({ text: String(e.w), value: e.w, error: null }));

/** The graph drawing's size and node radius (px). */
const W = 330;
const H = 156;
const R = 13;

/** Node positions in the drawing (S, A, B, C, T). */
const POS: [number, number][] = [
  [22, 86],
  [110, 30],
  [150, 136],
  [230, 30],
  [306, 86],
];
/** Where each node's cost is written, relative to the node: above it, or left of it for B (under it the drawing ends). */
const DIST_AT: [number, number, 'middle' | 'end'][] = [
  [0, -18, 'middle'],
  [0, -18, 'middle'],
  [-R - 4, 4, 'end'],
  [0, -18, 'middle'],
  [0, -18, 'middle'],
];

const fmtD = (d: number) => (Number.isFinite(d) ? String(d) : '∞');

/** A segment from circle a to circle b, shortened by the radius at both ends. */
function segment(a: [number, number], b: [number, number], r = R) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = Math.hypot(dx, dy) || 1;
  return { x1: a[0] + (dx / len) * r, y1: a[1] + (dy / len) * r, x2: b[0] - (dx / len) * (r + 3), y2: b[1] - (dy / len) * (r + 3) };
}

export function ShortestPathWidget({ view, weights, setWeights }: { view: 'graph' | 'unrolled'; weights: WeightEntry[]; setWeights(w: WeightEntry[]): void }) {
  const L = settledLength(DEMO_GRAPH);
  const [l, setL] = useState(view === 'unrolled' ? L : 0);
  const [trace, setTrace] = useState(view === 'unrolled');
  const g: SpGraph = useMemo(() => ({ ...DEMO_GRAPH, edges: DEMO_GRAPH.edges.map((e, i) => ({ ...e, w: weights[i].value })) }), [weights]);
  const layers = useMemo(() => shortestPathLayers(g, L), [g, L]);
  const route = trace ? backtraceRoute(layers, g, g.source, l) : null;
  const onRoute = (from: number, to: number) => !!route && route.some((x, i) => x === from && route[i + 1] === to);

  const edit = (i: number, text: string) => {
    const p = parseWeight(text);
    setWeights(weights.map((e, j) => (j !== i ? e : p.ok ? { text, value: p.value, error: null } : { text, value: e.value, error: `${p.message} Still using ${e.value}.` })));
  };
  const error = weights.find((w) => w.error)?.error ?? null;
  const routeText = route ? `Route: ${route.map((x) => g.nodes[x]).join(' → ')}, cost ${routeCost(g, route)}` : trace ? `No route from S within ${l} edge${l === 1 ? '' : 's'} yet.` : null;

  return (
    <div className="sp-widget" data-testid="shortest-path" data-view={view} data-l={l} data-route={route ? route.map((x) => g.nodes[x]).join('') : ''}>
      <div className="sp-figure">
        {view === 'graph' ? (
          <div className="sp-graph" style={{ width: W, height: H }}>
            <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`A graph of ${g.nodes.length} nodes and ${g.edges.length} one-way edges, from S to T; the edge costs are the fields on the edges.`}>
              <defs>
                <marker id="sp-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                  <path d="M0,0 L8,4 L0,8 z" fill="context-stroke" />
                </marker>
              </defs>
              {g.edges.map((e, i) => {
                const ptr = layers[l].next[e.from] === e.to && e.from !== g.target;
                const cls = onRoute(e.from, e.to) ? 'sp-edge route' : ptr ? 'sp-edge pointer' : 'sp-edge';
                return <line key={i} className={cls} {...segment(POS[e.from], POS[e.to])} markerEnd="url(#sp-arrow)" />;
              })}
              {g.nodes.map((name, x) => (
                <g key={name} className={route?.includes(x) ? 'sp-node route' : 'sp-node'}>
                  <circle cx={POS[x][0]} cy={POS[x][1]} r={R} />
                  <text x={POS[x][0]} y={POS[x][1] + 4} textAnchor="middle">
                    {name}
                  </text>
                  <text className="sp-dist" x={POS[x][0] + DIST_AT[x][0]} y={POS[x][1] + DIST_AT[x][1]} textAnchor={DIST_AT[x][2]}>
                    {fmtD(layers[l].dist[x])}
                  </text>
                </g>
              ))}
            </svg>
            {g.edges.map((e, i) => {
              const a = POS[e.from];
              const b = POS[e.to];
              return (
                <input
                  key={i}
                  className="sp-weight"
                  type="text"
                  inputMode="numeric"
                  style={{ left: (a[0] + b[0]) / 2 - 15, top: (a[1] + b[1]) / 2 - 10 }}
                  value={weights[i].text}
                  aria-label={`cost of the edge ${g.nodes[e.from]} to ${g.nodes[e.to]}`}
                  aria-invalid={weights[i].error ? true : undefined}
                  data-testid={`sp-weight-${g.nodes[e.from]}${g.nodes[e.to]}`}
                  onChange={(ev) => edit(i, ev.target.value)}
                />
              );
            })}
          </div>
        ) : (
          <Unrolled g={g} layers={layers} l={l} route={route} />
        )}
      </div>
      <div className="sp-side">
        {view === 'graph' ? <DpTable g={g} layers={layers} l={l} /> : <Correspondence />}
        <div className="sp-controls" role="group" aria-label="The recursion">
          <button type="button" onClick={() => setL(Math.max(0, l - 1))} disabled={l === 0}>
            ℓ − 1<span className="sr-only"> (one fewer iteration)</span>
          </button>
          <span className="sp-l" aria-live="polite">
            ℓ = {l}/{L}
          </span>
          <button type="button" onClick={() => setL(Math.min(L, l + 1))} disabled={l === L}>
            ℓ + 1<span className="sr-only"> (one more iteration)</span>
          </button>
          <button type="button" aria-pressed={trace} onClick={() => setTrace(!trace)}>
            Trace from S
          </button>
          <button type="button" onClick={() => setWeights(initialWeights())}>
            Reset
          </button>
        </div>
        <p className="sp-status" role="status">
          {error ?? routeText ?? `ℓ = ${l}: each node’s best cost to T within ${l} edge${l === 1 ? '' : 's'}.`}
        </p>
      </div>
    </div>
  );
}

/** The unrolled DP's parts and the DRMM's (the slides' correspondence; scores are minus costs, so min-sum becomes max-sum). */
const PAIRS: [string, string][] = [
  ['layer ℓ', 'level ℓ'],
  ['a node’s copy, d_x(ℓ)', 'a unit, its best score'],
  ['min over incoming edges', 'max over a and over t'],
  ['back-pointer next_x(ℓ)', 'the a- and t-switches'],
  ['the route traced from S', 'the rendering from ĉ'],
];

function Correspondence() {
  return (
    <table className="sp-pairs">
      <thead>
        <tr>
          <th scope="col">shortest path</th>
          <th scope="col">DRMM</th>
        </tr>
      </thead>
      <tbody>
        {PAIRS.map(([a, b]) => (
          <tr key={a}>
            <td>{a}</td>
            <td>{b}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DpTable({ g, layers, l }: { g: SpGraph; layers: ReturnType<typeof shortestPathLayers>; l: number }) {
  return (
    <table className="sp-table">
      <caption className="sr-only">Each node’s best cost to T within ℓ edges, and the node its route goes to</caption>
      <thead>
        <tr>
          <th scope="col">
            d<sub>x</sub>(ℓ)
          </th>
          {layers.map((_, k) => (
            <th scope="col" key={k} className={k === l ? 'now' : undefined}>
              ℓ={k}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {g.nodes.map((name, x) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            {layers.map((layer, k) => {
              if (k > l) return <td key={k} className="later" />;
              const d = layer.dist[x];
              const nx = layer.next[x];
              const better = k > 0 && d < layers[k - 1].dist[x];
              return (
                <td key={k} className={[k === l ? 'now' : '', better ? 'better' : ''].join(' ').trim() || undefined}>
                  {fmtD(d)}
                  {nx !== null ? ` →${g.nodes[nx]}` : ''}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Column k holds a copy of every node: its d_x(k), and the edge to the copy below it that won. */
function Unrolled({ g, layers, l, route }: { g: SpGraph; layers: ReturnType<typeof shortestPathLayers>; l: number; route: number[] | null }) {
  const cols = layers.length;
  const UW = 380;
  const UH = 128;
  const cx = (k: number) => 30 + (k * (UW - 60)) / Math.max(1, cols - 1);
  const cy = (x: number) => 16 + (x * (UH - 32)) / Math.max(1, g.nodes.length - 1);
  const r = 11;
  // The route's node copies: route[i] sits in column l - i, and below its arrival the route
  // waits at T (a route of fewer than l edges).
  const onRoute = (x: number, k: number) => !!route && k <= l && (l - k < route.length ? route[l - k] : g.target) === x;
  return (
    <svg className="sp-unrolled" width={UW} height={UH + 16} viewBox={`0 0 ${UW} ${UH + 16}`} role="img" aria-label={`The recursion unrolled: ${cols} columns, one per number of edges ℓ, each with a copy of every node holding its best cost; the bold edges are the back-pointers.`}>
      {layers.slice(1).map((layer, i) => {
        const k = i + 1;
        if (k > l) return null;
        return (
          <g key={k}>
            {g.edges
              .filter((e) => e.from !== g.target)
              .map((e, j) => {
                const won = layer.next[e.from] === e.to;
                const cls = onRoute(e.from, k) && onRoute(e.to, k - 1) ? 'sp-edge route' : won ? 'sp-edge pointer' : 'sp-edge faint';
                return <line key={j} className={cls} {...segment([cx(k - 1), cy(e.to)], [cx(k), cy(e.from)], r)} />;
              })}
            <line className={onRoute(g.target, k) ? 'sp-edge route' : 'sp-edge faint'} {...segment([cx(k - 1), cy(g.target)], [cx(k), cy(g.target)], r)} />
          </g>
        );
      })}
      {layers.map((layer, k) =>
        g.nodes.map((name, x) => (
          <g key={`${k}-${name}`} className={k > l ? 'sp-node later' : onRoute(x, k) ? 'sp-node route' : 'sp-node'}>
            <circle cx={cx(k)} cy={cy(x)} r={r} />
            <text x={cx(k)} y={cy(x) + 4} textAnchor="middle" className="sp-copy">
              {k > l ? '' : fmtD(layer.dist[x])}
            </text>
            {k === 0 && (
              <text x={cx(0) - r - 4} y={cy(x) + 4} textAnchor="end">
                {name}
              </text>
            )}
          </g>
        )),
      )}
      {layers.map((_, k) => (
        <text key={k} className="sp-col" x={cx(k)} y={UH + 12} textAnchor="middle">
          ℓ={k}
        </text>
      ))}
    </svg>
  );
}
