/**
 * The flows drawn between the overview's columns (SVG, behind the labels, above nothing that is
 * clicked): the bottom-up flow in blue along the upper row (template matching into each level,
 * through its gates, on to the class scores), the top-down flow in orange along the lower row
 * (from the class template, back through the same gates, painting into the level below, down to
 * the reconstruction where the input left). The gates are the switches both flows pass through:
 * the a-switches (their share ON) and, where the level pools, the t-switches (how often each
 * window position was chosen). A flow is faint until the timeline reaches it; the one being
 * animated moves. The sampled rendering paths run along the lower row, through the tiles.
 */
import { line, curveMonotoneX } from 'd3';
import { fmt, T_CATEGORIES } from '../scales';
import type { OverviewLayout } from './layout';
import type { PathPoint } from './pathsDraw';

export const UP_COLOUR = '#2b6cb0';
export const DOWN_COLOUR = '#c05621';

export interface GateInfo {
  level: number;
  kind: 'a' | 't';
  /** ON share (a), or window-position counts (t). */
  on?: number;
  units?: number;
  t?: number[];
  /** Written by the bottom-up pass / used by the backtrace (0..1). */
  written: number;
  used: number;
}

interface FlowsProps {
  layout: OverviewLayout;
  lit: { up: number[]; down: number[] };
  /** Column of the flow being animated (1..L+1), and its direction. */
  active: { to: number; dir: 'up' | 'down' } | null;
  gates: GateInfo[];
  paths: PathPoint[][];
}

const path = line<[number, number]>().curve(curveMonotoneX);

export function Flows({ layout, lit, active, gates, paths }: FlowsProps) {
  const L = layout.levels.length;
  const yUp = layout.topY + layout.rowH / 2;
  const yDown = layout.bottomY + layout.rowH / 2;
  // Column edges: 0 the input, 1..L the levels (stack part), L + 1 the classes.
  const right = (col: number) => (col === 0 ? layout.input.x + layout.input.size : layout.levels[col - 1].stackX + layout.levels[col - 1].stackW);
  const left = (col: number) => (col === L + 1 ? layout.classes.x : layout.levels[col - 1].stackX);
  const arrows = [];
  for (let to = 1; to <= L + 1; to++) {
    const x0 = right(to - 1);
    const x1 = left(to);
    const upOn = lit.up[to - 1] ?? 0;
    const downOn = lit.down[to - 1] ?? 0;
    const isUp = active?.to === to && active.dir === 'up';
    const isDown = active?.to === to && active.dir === 'down';
    arrows.push(
      <g key={to}>
        <path className={`ov-flow up${isUp ? ' active' : ''}`} d={`M${x0 + 2},${yUp} L${x1 - 4},${yUp}`} style={{ opacity: 0.18 + 0.82 * upOn }} markerEnd="url(#ov-arrow-up)" />
        <path className={`ov-flow down${isDown ? ' active' : ''}`} d={`M${x1 - 2},${yDown} L${x0 + 4},${yDown}`} style={{ opacity: 0.18 + 0.82 * downOn }} markerEnd="url(#ov-arrow-down)" />
      </g>,
    );
  }
  return (
    <svg className="ov-flows" width={layout.width} height={layout.height} aria-hidden="true" focusable="false">
      <defs>
        <marker id="ov-arrow-up" markerWidth="7" markerHeight="7" refX="5" refY="3" orient="auto">
          <path d="M0,0 L6,3 L0,6 z" fill={UP_COLOUR} />
        </marker>
        <marker id="ov-arrow-down" markerWidth="7" markerHeight="7" refX="5" refY="3" orient="auto">
          <path d="M0,0 L6,3 L0,6 z" fill={DOWN_COLOUR} />
        </marker>
      </defs>
      {arrows}
      {gates.map((g) => {
        const lv = layout.levels[g.level - 1];
        const gate = lv.gates.find((q) => q.kind === g.kind)!;
        const y0 = yUp - 16;
        const y1 = yDown + 16;
        return (
          <g key={`${g.level}${g.kind}`} className={`ov-gate ${g.kind}`} data-written={g.written >= 1} data-used={g.used >= 1}>
            <rect x={gate.x} y={y0} width={gate.w} height={y1 - y0} rx={4} />
            <rect className="slot up" x={gate.x + 2} y={yUp - 7} width={gate.w - 4} height={14} rx={2} style={{ opacity: 0.25 + 0.75 * g.written }} />
            <rect className="slot down" x={gate.x + 2} y={yDown - 7} width={gate.w - 4} height={14} rx={2} style={{ opacity: 0.25 + 0.75 * g.used }} />
          </g>
        );
      })}
      {paths.map((pts, i) => (
        <path key={i} className="ov-path" d={path(pts.map((p) => [p.x, p.y])) ?? ''} />
      ))}
      {paths.map((pts, i) =>
        pts.map((p, k) => (p.dot ? <circle key={`${i}-${k}`} className="ov-path-dot" cx={p.x} cy={p.y} r={1.8} /> : null)),
      )}
    </svg>
  );
}

/** The gates' numbers, as text in the band between the rows (readable by everyone, not only as colour). */
export function GateLabels({ layout, gates }: { layout: OverviewLayout; gates: GateInfo[] }) {
  return (
    <>
      {gates.map((g) => {
        const lv = layout.levels[g.level - 1];
        const gate = lv.gates.find((q) => q.kind === g.kind)!;
        const title =
          g.kind === 'a'
            ? `a-switches of level ${g.level}: ${g.on} of ${g.units} ON (${fmt((100 * (g.on ?? 0)) / Math.max(1, g.units ?? 1))}%)`
            : `t-switches of level ${g.level}: ${g.t!.map((n, q) => `${T_CATEGORIES[q].name} ${n}`).join(', ')}`;
        return (
          <span key={`${g.level}${g.kind}`} className={`ov-gate-label ${g.kind}`} style={{ left: gate.x + gate.w / 2, top: layout.midY + layout.midH / 2 }} title={title} data-testid={`ov-gate-${g.level}-${g.kind}`}>
            <b>{g.kind}</b>
            {g.kind === 'a' ? (
              <span className="share">{Math.round((100 * (g.on ?? 0)) / Math.max(1, g.units ?? 1))}%</span>
            ) : (
              <span className="tmix" aria-hidden="true">
                {g.t!.map((n, q) => (
                  <i key={q} style={{ background: T_CATEGORIES[q].css, opacity: 0.25 + (0.75 * n) / Math.max(1, ...g.t!) }} />
                ))}
              </span>
            )}
            <span className="visually-hidden">{title}</span>
          </span>
        );
      })}
    </>
  );
}
