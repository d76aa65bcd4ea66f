/**
 * The active-path DP on WebGPU (shaders/paths.wgsl), run by DrmmGpuEngine on the switches of its
 * last forward pass: counts, as log10, the rendering paths from a start (a class, or one unit)
 * through the ON units down to the pixels, and the same with every switch ON ("possible"). Two
 * runs of the same steps: one through the switches, one with every switch ON. Its buffers are
 * allocated on first use (training never needs them) by the engine's GpuOwner, so they are
 * released with the engine.
 */
import type { ModelShapes, ModelSpec } from '../model';
import type { PathSummary } from '../types';
import type { LevelBuffers } from './engine';
import { KERNELS, type KernelName } from './kernels';
import {
  levelConv, levelPool, pathsActiveParams, pathsDownConvParams, pathsDownPoolParams, pathsStartParams, pathsUpConvParams,
  pathsUpUnpoolParams, type MapGeometry,
} from './params';
import type { GpuOwner, Step } from './runner';
import type { ReadRange } from './staging';

const F = 4; // bytes per f32/u32

/** Buffers of one run of the path DP (active, or "possible" with every switch ON). */
interface PathBuffers {
  downR: GPUBuffer[];
  downX: GPUBuffer[];
  upR: GPUBuffer[];
  /** up over x(l-1) of each level: upBelow[0] is over the pixels. upR of a level without pooling is upBelow of the level above. */
  upBelow: GPUBuffer[];
  /** up over the start's map (x(L), or a unit's level map). */
  upStart: GPUBuffer;
  /** Per level [2n]: log10 active paths and units ON; last entry: the pixels. */
  active: GPUBuffer[];
  /** down over the pixels: log10(1) = 0, a zero-initialised buffer. */
  pixelsDown: GPUBuffer;
}

/** What the path DP reads of the engine: its owner (buffers, steps, read-back), shapes and switch buffers. */
export interface PathContext {
  own: GpuOwner;
  spec: ModelSpec;
  shapes: ModelShapes;
  maxBatch: number;
  levels: readonly LevelBuffers[];
  /** A never-written buffer for bindings a kernel leaves unused. */
  unused: GPUBuffer;
}

/** Where the DP starts: level `from` (0-based), at its r(l) map when atRelu, over `map`; a unit start names its unit. */
export interface PathStart {
  from: number;
  atRelu: boolean;
  map: MapGeometry;
  unit: { channel: number; y: number; x: number } | null;
}

export class GpuPathCounts {
  private buffers: { active: PathBuffers; possible: PathBuffers } | null = null;
  private readonly stepCache = new Map<string, ReturnType<GpuPathCounts['buildSteps']>>();
  /** 0-based level the last DP started at: levels above it have no paths from the start. */
  private from = -1;

  constructor(private readonly ctx: PathContext) {}

  get prepared(): boolean {
    return this.buffers !== null;
  }

  /** Allocates both runs' buffers, once. */
  prepare(): void {
    if (this.buffers) return;
    const { own, spec, shapes, maxBatch: N } = this.ctx;
    const mk = (possible: boolean): PathBuffers => {
      const tag = possible ? 'paths.possible' : 'paths.active';
      const buf = (name: string, elems: number) => own.buffer(`${tag}.${name}`, elems);
      const inp = spec.input;
      const ls = shapes.levels;
      const pb: PathBuffers = {
        downR: ls.map((l, i) => buf(`level${i + 1}.downR`, N * l.c * l.hc * l.wc)),
        downX: [],
        upR: [],
        upBelow: ls.map((l, i) => buf(`level${i + 1}.upBelow`, N * l.cin * l.hin * l.win)),
        upStart: buf('upStart', N * Math.max(...ls.map((l) => l.c * l.hc * l.wc))),
        active: [...ls.map((_, i) => buf(`level${i + 1}.count`, 2 * N)), buf('pixels.count', 2 * N)],
        pixelsDown: buf('pixels.down', N * inp.channels * inp.height * inp.width),
      };
      pb.downX = ls.map((l, i) => (l.pool ? buf(`level${i + 1}.downX`, N * l.c * l.hout * l.wout) : pb.downR[i]));
      // Without pooling, up over r(l) is up over x(l), which the level above writes: one buffer.
      pb.upR = ls.map((l, i) => (l.pool || i === ls.length - 1 ? buf(`level${i + 1}.upR`, N * l.c * l.hc * l.wc) : pb.upBelow[i + 1]));
      return pb;
    };
    this.buffers = { active: mk(false), possible: mk(true) };
  }

  /** Records both runs of the DP for the batch of `start.map` into a compute pass. */
  encode(pass: GPUComputePassEncoder, start: PathStart): void {
    if (!this.buffers) throw new Error('encodePaths: call preparePaths() first (outside the compute pass).');
    const { shapes, spec } = this.ctx;
    const { from, atRelu } = start;
    const n = start.map.n;
    this.from = from;
    const rMap = (i: number): MapGeometry => ({ n, channels: shapes.levels[i].c, h: shapes.levels[i].hc, w: shapes.levels[i].wc });
    for (const [possible, pb] of [[false, this.buffers.active], [true, this.buffers.possible]] as const) {
      const steps = this.steps(pb, from, atRelu);
      const inp = spec.input;
      // down, bottom to top
      shapes.levels.forEach((l, i) => {
        steps.downConv[i].setDims(pathsDownConvParams(levelConv(n, l), possible)).encode(pass);
        steps.downPool[i]?.setDims(pathsDownPoolParams(levelPool(n, l), possible)).encode(pass);
      });
      // up, from the start down
      steps.start.setDims(pathsStartParams(start.map, start.unit)).encode(pass);
      for (let i = shapes.levels.length - 1; i > from; i--) steps.active[i].setDims(pathsActiveParams(rMap(i), possible)).encode(pass);
      for (let i = from; i >= 0; i--) {
        const l = shapes.levels[i];
        steps.upUnpool[i]?.setDims(pathsUpUnpoolParams(levelPool(n, l), possible)).encode(pass);
        steps.active[i].setDims(pathsActiveParams(rMap(i), possible)).encode(pass);
        steps.upConv[i].setDims(pathsUpConvParams(levelConv(n, l), possible)).encode(pass);
      }
      // The pixels have no switch: every one counts, in both runs.
      steps.pixels.setDims(pathsActiveParams({ n, channels: inp.channels, h: inp.height, w: inp.width }, true)).encode(pass);
    }
  }

  private steps(pb: PathBuffers, from: number, atRelu: boolean) {
    const key = `${pb === this.buffers!.active ? 'a' : 'p'}.${from}.${atRelu}`;
    let s = this.stepCache.get(key);
    if (!s) {
      s = this.buildSteps(pb, from, atRelu, key);
      this.stepCache.set(key, s);
    }
    return s;
  }

  private buildSteps(pb: PathBuffers, from: number, atRelu: boolean, key: string) {
    const { own, unused } = this.ctx;
    const mk = (kernel: KernelName, buffers: GPUBuffer[], label: string): Step => own.step(KERNELS[kernel], buffers, `paths.${key}.${label}`);
    const ls = this.ctx.levels;
    const downConv = ls.map((lb, i) => mk('pathsDownConv', [i === 0 ? pb.pixelsDown : pb.downX[i - 1], lb.a, pb.downR[i]], `down${i + 1}`));
    const downPool = ls.map((lb, i) => (lb.t ? mk('pathsDownPool', [pb.downR[i], lb.t, pb.downX[i]], `downPool${i + 1}`) : null));
    // The start writes up over its own map: upR of its level when it starts at a ReLU map (or the
    // level does not pool), else the upStart buffer that the unpool step reads.
    const startsAtR = atRelu || !ls[from].t;
    const startBuf = startsAtR ? pb.upR[from] : pb.upStart;
    const start = mk('pathsStart', [unused, unused, startBuf], 'start');
    const upUnpool = ls.map((lb, i) => {
      if (!lb.t || i > from || (i === from && startsAtR)) return null;
      const above = i === from ? pb.upStart : pb.upBelow[i + 1];
      return mk('pathsUpUnpool', [above, lb.t, pb.upR[i]], `upUnpool${i + 1}`);
    });
    // Above the start nothing is propagated; those levels' counts still run for their ON units.
    const active = ls.map((lb, i) => mk('pathsActive', [pb.upR[i], lb.a, pb.active[i]], `active${i + 1}`));
    const upConv = ls.map((lb, i) => mk('pathsUpConv', [pb.upR[i], lb.a, pb.upBelow[i]], `up${i + 1}`));
    const pixels = mk('pathsActive', [pb.upBelow[0], unused, pb.active[ls.length]], 'pixels');
    return { downConv, downPool, start, upUnpool, active, upConv, pixels };
  }

  /** The counts of image `img` (in the batch the engine checked) from the last `encode`. */
  async read(img: number): Promise<PathSummary> {
    if (!this.buffers) throw new Error('readPaths: no path counts were computed (run with paths: true).');
    const { active, possible } = this.buffers;
    const ls = this.ctx.shapes.levels;
    const range = (b: GPUBuffer, perImage: number): ReadRange => ({ buffer: b, offset: img * perImage * F, size: perImage * F });
    const ranges: ReadRange[] = [];
    for (const pb of [active, possible]) pb.active.forEach((b) => ranges.push(range(b, 2)));
    ls.forEach((l, i) => ranges.push(range(active.upR[i], l.c * l.hc * l.wc), range(active.downR[i], l.c * l.hc * l.wc)));
    const out = await this.ctx.own.staging.read(ranges);
    const L = ls.length;
    const lg = (v: number) => (v <= -1e29 ? -Infinity : v);
    const pair = (i: number) => new Float32Array(out[i]);
    return {
      levels: ls.map((l, i) => {
        const act = pair(i);
        const pos = pair(L + 1 + i);
        const reached = i <= this.from;
        const up = new Float32Array(out[2 * (L + 1) + 2 * i]);
        const down = new Float32Array(out[2 * (L + 1) + 2 * i + 1]);
        const through = new Float64Array(up.length).fill(-Infinity);
        if (reached) for (let j = 0; j < up.length; j++) through[j] = lg(up[j]) + lg(down[j]);
        return {
          unitsOn: act[1],
          units: l.c * l.hc * l.wc,
          activeLog10: reached ? lg(act[0]) : -Infinity,
          possibleLog10: reached ? lg(pos[0]) : -Infinity,
          throughLog10: through,
        };
      }),
      pixelsActiveLog10: lg(pair(L)[0]),
      pixelsPossibleLog10: lg(pair(2 * L + 1)[0]),
    };
  }
}
