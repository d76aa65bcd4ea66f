/**
 * The DRMM's inference DP on WebGPU. Given a GPUDevice (browser or Node/Dawn), it owns every
 * buffer of the model: parameters, the bottom-up maps with their a- and t-switches, the top-down
 * signals of the backtrace, and (through enginePaths.ts, on the same switches) the path-count DP. Each `encode*` records dispatches into a
 * caller's command encoder (one compute pass, no read-back between levels); `read*` copies
 * results out through a pooled staging buffer only when asked.
 */
import { shapesOf, type ModelParams, type ModelShapes, type ModelSpec } from '../model';
import type { BacktraceMaps, ForwardMaps, PathSummary, Start, Variant } from '../types';
import { KERNELS } from './kernels';
import {
  classStartParams, levelPool, readoutOf, readoutScoresParams, reluTopDownParams, softmaxParams, unitStartParams, unpoolParams, variantMode,
} from './params';
import { LevelForward, Transpose, checkChoice, parseChoice, type KernelChoice } from './convSteps';
import { chooseKernels, type KernelReport } from './tuner';
import { GpuPathCounts } from './enginePaths';
import { GpuOwner, preparePipelines, type Step } from './runner';
import { capBatch, largestBatch } from './limits';
import type { ReadRange } from './staging';

export interface GpuEngineOptions {
  /** Largest batch the buffers are sized for (default 256). */
  maxBatch?: number;
  label?: string;
  /**
   * The kernel variants (gpu/convSteps.ts): a choice or its text form (`formatChoice`). Absent:
   * the device's tuner decides (tuner.ts's `useKernelTuner`), or, with none set for the device,
   * today's direct kernels.
   */
  kernels?: KernelChoice | string;
}

const F = 4; // bytes per f32/u32

export interface LevelBuffers {
  W: GPUBuffer;
  b: GPUBuffer;
  u: GPUBuffer;
  r: GPUBuffer;
  a: GPUBuffer;
  /** Pooled output and t-switches; for a level without pooling x = r and t is null. */
  x: GPUBuffer;
  t: GPUBuffer | null;
  /** Top-down: signal at x(l), at r(l) before the ReLU/mask (sr = sx without pooling), after it. */
  sx: GPUBuffer;
  sr: GPUBuffer;
  su: GPUBuffer;
}

/** The buffers a trainer shares with the engine (see gpu/trainer.ts); not for UI code. */
export interface EngineInternals {
  images: GPUBuffer;
  levels: readonly LevelBuffers[];
  mu: GPUBuffer;
  classBias: GPUBuffer;
  probs: GPUBuffer;
  startClasses: GPUBuffer;
  pixels: GPUBuffer;
  /** A never-written 4-byte buffer for bindings a kernel leaves unused. */
  unused: GPUBuffer;
}

export class DrmmGpuEngine {
  readonly device: GPUDevice;
  readonly spec: ModelSpec;
  readonly shapes: ModelShapes;
  readonly maxBatch: number;
  private readonly label: string;
  private n = 0;
  private readonly own: GpuOwner;

  private readonly images: GPUBuffer;
  private readonly levels: LevelBuffers[];
  private readonly mu: GPUBuffer;
  private readonly classBias: GPUBuffer;
  private readonly scores: GPUBuffer;
  private readonly probs: GPUBuffer;
  private readonly pred: GPUBuffer;
  private readonly cls: GPUBuffer;
  private readonly pixels: GPUBuffer;
  private readonly dummy: GPUBuffer;

  /** The kernel variants this engine runs, fixed for its life, and how they were chosen. */
  readonly kernels: KernelChoice;
  readonly kernelReport: KernelReport;
  private readonly fwdSteps: LevelForward[];
  private readonly readoutStep: Step;
  private readonly softmaxStep: Step;
  private readonly classStartStep: Step;
  private readonly predStartStep: Step;
  private readonly unitStartSteps = new Map<string, Step>();
  private readonly classStartFrom = new Map<GPUBuffer, Step>();
  private readonly tdSteps: { unpool: Step | null; relu: Step; convT: Transpose }[];
  private readonly paths: GpuPathCounts;
  private lastBacktrace: Variant = 'rendering';

  private constructor(device: GPUDevice, spec: ModelSpec, opts: GpuEngineOptions, report: KernelReport) {
    this.device = device;
    this.kernelReport = report;
    this.kernels = report.choice;
    this.spec = spec;
    this.shapes = shapesOf(spec);
    this.maxBatch = opts.maxBatch ?? 256;
    this.label = opts.label ?? 'drmm';
    const N = this.maxBatch;
    const inp = spec.input;
    this.checkLimits();
    this.own = new GpuOwner(device, this.label);
    const buf = (name: string, elems: number) => this.own.buffer(name, elems);

    this.images = buf('images', N * inp.channels * inp.height * inp.width);
    this.pixels = buf('topdown.pixels', N * inp.channels * inp.height * inp.width);
    this.dummy = buf('unused', 1);
    this.levels = this.shapes.levels.map((l, i) => {
      const name = `level${i + 1}`;
      const fine = N * l.c * l.hc * l.wc;
      const coarse = N * l.c * l.hout * l.wout;
      const r = buf(`${name}.r`, fine);
      const sr = buf(`${name}.topdown.sr`, fine);
      return {
        W: buf(`${name}.weights`, l.c * l.cin * l.k * l.k),
        b: buf(`${name}.bias`, l.c),
        u: buf(`${name}.u`, fine),
        r,
        a: buf(`${name}.aSwitch`, fine),
        x: l.pool ? buf(`${name}.pooled`, coarse) : r,
        t: l.pool ? buf(`${name}.tSwitch`, coarse) : null,
        sx: l.pool ? buf(`${name}.topdown.sx`, coarse) : sr,
        sr,
        su: buf(`${name}.topdown.su`, fine),
      };
    });
    const C = spec.classes;
    this.mu = buf('classes.mu', C * this.shapes.templateLength);
    this.classBias = buf('classes.bias', C);
    this.scores = buf('scores', N * C);
    this.probs = buf('probs', N * C);
    this.pred = buf('pred', N);
    this.cls = buf('startClass', N);

    const step = (kernel: keyof typeof KERNELS, buffers: GPUBuffer[], label: string) => this.own.step(KERNELS[kernel], buffers, label);
    this.fwdSteps = this.levels.map((lb, i) => {
      const below = i === 0 ? this.images : this.levels[i - 1].x;
      const bufs = { src: below, W: lb.W, b: lb.b, u: lb.u, r: lb.r, a: lb.a, x: lb.t ? lb.x : null, t: lb.t };
      return new LevelForward(this.own, this.kernels.forward[i], this.shapes.levels[i], bufs, `level${i + 1}`);
    });
    this.paths = new GpuPathCounts({ own: this.own, spec, shapes: this.shapes, maxBatch: N, levels: this.levels, unused: this.dummy });
    const top = this.levels[this.levels.length - 1];
    this.readoutStep = step('readoutScores', [top.x, this.mu, this.classBias, this.scores], 'readout');
    this.softmaxStep = step('softmaxArgmax', [this.scores, this.probs, this.pred], 'softmax');
    this.classStartStep = step('classStart', [this.mu, this.cls, top.sx], 'start.class');
    // The predicted-class start reads the argmax buffer itself: no copy, no read-back.
    this.predStartStep = step('classStart', [this.mu, this.pred, top.sx], 'start.predicted');
    this.tdSteps = this.levels.map((lb, i) => {
      const below = i === 0 ? this.pixels : this.levels[i - 1].sx;
      const name = `level${i + 1}.topdown`;
      return {
        unpool: lb.t ? step('unpool', [lb.sx, lb.sr, lb.t], `${name}.unpool`) : null,
        relu: step('reluTopDown', [lb.sr, lb.su, lb.a], `${name}.relu`),
        // The sparse transpose reads su at the t-switched positions, gathered into a coarse map.
        convT: new Transpose(this.own, this.kernels.transpose[i], this.shapes.levels[i], lb.su, lb.W, lb.b, below, `${name}.convT`,
          lb.t && this.kernels.transpose[i] === 'sparse' ? { t: lb.t, coarse: buf(`${name}.suSwitched`, lb.t.size / 4), gatherFrom: lb.su } : null),
      };
    });
  }

  /** Creates the engine, compiling its pipelines without blocking, and uploads the parameters. */
  static async create(device: GPUDevice, spec: ModelSpec, params: ModelParams, opts: GpuEngineOptions = {}): Promise<DrmmGpuEngine> {
    await preparePipelines(device);
    const L = spec.levels.length;
    const report: KernelReport =
      opts.kernels === undefined
        ? await chooseKernels(device, spec, opts.maxBatch ?? 256)
        : { choice: typeof opts.kernels === 'string' ? parseChoice(opts.kernels, L) : opts.kernels, source: 'given', timings: [] };
    checkChoice(report.choice, shapesOf(spec).levels);
    const e = new DrmmGpuEngine(device, spec, opts, report);
    e.setParams(params);
    return e;
  }

  /**
   * Refuses, with a clear message, a model/batch that exceeds the device's limits (buffer sizes,
   * dispatch size, invocations a workgroup): limits.ts's largestBatch, the one rule for all callers.
   */
  private checkLimits(): void {
    const N = this.maxBatch;
    const fit = largestBatch(this.spec, this.device.limits, { paths: true });
    if (fit.maxBatch < 1) capBatch(this.spec, this.device.limits, N, { paths: true }); // throws with the reason
    if (N <= fit.maxBatch) return;
    const need =
      fit.limitedBy === 'buffer'
        ? `a ${((N * fit.perImageBytes) / 2 ** 20).toFixed(1)} MiB buffer (${fit.largest}), above this GPU's limit of ${(fit.bufferCap / 2 ** 20).toFixed(1)} MiB`
        : `${(N * fit.perImageThreads).toLocaleString('en')} threads in one dispatch, above this GPU's limit of ${fit.threadCap.toLocaleString('en')}`;
    throw new Error(`Batch ${N} needs ${need}: use a batch of at most ${fit.maxBatch}.`);
  }

  private live(): void {
    if (this.own.destroyed) throw new Error('This DRMM engine was destroyed.');
  }

  /** Uploads parameters (shapes are checked against the architecture). */
  setParams(p: ModelParams): void {
    this.live();
    const q = this.device.queue;
    const put = (b: GPUBuffer, a: Float32Array, expect: number, name: string) => {
      if (a.length !== expect) throw new Error(`setParams: ${name} has ${a.length} values, expected ${expect}`);
      q.writeBuffer(b, 0, a.buffer, a.byteOffset, a.byteLength);
    };
    this.shapes.levels.forEach((l, i) => {
      put(this.levels[i].W, p.weights[i], l.c * l.cin * l.k * l.k, `level${i + 1}.weights`);
      put(this.levels[i].b, p.biases[i], l.c, `level${i + 1}.bias`);
    });
    put(this.mu, p.mu, this.spec.classes * this.shapes.templateLength, 'classes.mu');
    put(this.classBias, p.classBias, this.spec.classes, 'classes.bias');
  }

  get batch(): number {
    return this.n;
  }

  /** Uploads n images (n x C x H x W floats, batch-major) for the next encode. */
  setImages(images: Float32Array, n: number): void {
    this.live();
    const per = this.spec.input.channels * this.spec.input.height * this.spec.input.width;
    if (!Number.isInteger(n) || n < 1 || n > this.maxBatch) throw new Error(`batch must be 1..${this.maxBatch}, got ${n}`);
    if (images.length < n * per) throw new Error(`setImages: ${images.length} values for ${n} images of ${per}`);
    this.device.queue.writeBuffer(this.images, 0, images.buffer, images.byteOffset, n * per * F);
    this.n = n;
  }

  private needBatch(): number {
    if (this.n < 1) throw new Error('No images: call setImages first.');
    return this.n;
  }

  /** @internal The trainer's view of the engine's buffers. */
  internals(): EngineInternals {
    this.live();
    return {
      images: this.images, levels: this.levels, mu: this.mu, classBias: this.classBias, probs: this.probs,
      startClasses: this.cls, pixels: this.pixels, unused: this.dummy,
    };
  }

  /**
   * The top-down pass from the classes already in the start-class buffer (a trainer writes them on
   * the GPU: the label, or the prediction for an unlabelled image), or in `classes`, a u32 buffer of
   * the caller's (the trainer's rival classes).
   */
  encodeClassBufferBacktrace(pass: GPUComputePassEncoder, variant: Variant, classes?: GPUBuffer): void {
    this.live();
    this.useVariant(variant);
    let st = this.classStartStep;
    if (classes) {
      st = this.classStartFrom.get(classes) ?? this.own.step(KERNELS.classStart, [this.mu, classes, this.levels[this.levels.length - 1].sx], 'start.classBuffer');
      this.classStartFrom.set(classes, st);
    }
    this.encodeClassStart(pass, st);
    this.descend(pass, this.levels.length - 1, false, variant);
  }

  /** Bottom-up max-sum: template matching, max over a (ReLU, a-switches), max over t (pool, t-switches), scores, softmax, argmax. */
  encodeForward(pass: GPUComputePassEncoder): void {
    this.live();
    const n = this.needBatch();
    for (const f of this.fwdSteps) f.encode(pass, n);
    this.readoutStep.setDims(readoutScoresParams(readoutOf(n, this.shapes, this.spec.classes, this.spec.readout))).encode(pass);
    this.softmaxStep.setDims(softmaxParams(n, this.spec.classes)).encode(pass);
  }

  /**
   * Must run before the compute pass that holds `encodeBacktrace`: zeroes the top-down maps above
   * a unit start and writes chosen start classes (a predicted-class start reads pred[] directly).
   */
  prepareBacktrace(encoder: GPUCommandEncoder, start: Start): void {
    this.live();
    const n = this.needBatch();
    if (start.kind === 'class') {
      if (start.classes !== 'predicted') {
        if (start.classes.length !== n) throw new Error(`backtrace: ${start.classes.length} classes for ${n} images`);
        for (const c of start.classes)
          if (!Number.isInteger(c) || c < 0 || c >= this.spec.classes) throw new Error(`backtrace: no class ${c}`);
        this.device.queue.writeBuffer(this.cls, 0, new Uint32Array(start.classes));
      }
      return;
    }
    const { level, atRelu } = this.unitStart(start);
    for (let i = level; i < this.levels.length; i++) {
      const lb = this.levels[i];
      encoder.clearBuffer(lb.sx);
      encoder.clearBuffer(lb.sr);
      encoder.clearBuffer(lb.su);
    }
    if (atRelu && this.levels[level - 1].t) encoder.clearBuffer(this.levels[level - 1].sx);
  }

  private unitStart(start: Extract<Start, { kind: 'unit' }>): { level: number; atRelu: boolean; h: number; w: number } {
    const l = this.shapes.levels[start.level - 1];
    if (!l) throw new Error(`backtrace: no level ${start.level} (the model has ${this.shapes.levels.length})`);
    const atRelu = start.stage === 'relu' || !l.pool;
    const h = atRelu ? l.hc : l.hout;
    const w = atRelu ? l.wc : l.wout;
    const ok = (v: number, hi: number) => Number.isInteger(v) && v >= 0 && v < hi;
    if (!ok(start.channel, l.c) || !ok(start.y, h) || !ok(start.x, w))
      throw new Error(`backtrace: unit (${start.channel}, ${start.y}, ${start.x}) is outside level ${start.level}'s ${l.c}x${h}x${w} map`);
    return { level: start.level, atRelu, h, w };
  }

  /** Top-down backtrace from `start` through the saved switches to the pixels, keeping every level's signal. */
  encodeBacktrace(pass: GPUComputePassEncoder, start: Start, variant: Variant): void {
    this.live();
    const n = this.needBatch();
    this.useVariant(variant);
    let from = this.levels.length - 1;
    let atRelu = false;
    if (start.kind === 'class') {
      this.encodeClassStart(pass, start.classes === 'predicted' ? this.predStartStep : this.classStartStep);
    } else {
      const u = this.unitStart(start);
      from = u.level - 1;
      atRelu = u.atRelu;
      const lb = this.levels[from];
      const key = `${u.level}.${atRelu ? 'relu' : 'pool'}`;
      let st = this.unitStartSteps.get(key);
      if (!st) {
        st = this.own.step(KERNELS.unitStart, [this.mu, this.cls, atRelu ? lb.sr : lb.sx], `start.unit${key}`);
        this.unitStartSteps.set(key, st);
      }
      st.setDims(unitStartParams({ n, channels: this.shapes.levels[from].c, h: u.h, w: u.w }, start)).encode(pass);
    }
    this.descend(pass, from, atRelu, variant);
  }

  /** Checks the variant (an unknown one throws) and records it for readBacktrace. */
  private useVariant(variant: Variant): void {
    variantMode(variant);
    this.lastBacktrace = variant;
  }

  /** The read-out's adjoint from the classes a start step reads (written ones, or pred[]). */
  private encodeClassStart(pass: GPUComputePassEncoder, st: Step): void {
    st.setDims(classStartParams(readoutOf(this.needBatch(), this.shapes, this.spec.classes, this.spec.readout))).encode(pass);
  }

  /** From the signal on level `from`'s map (r(l) when atRelu) down to the pixels. */
  private descend(pass: GPUComputePassEncoder, from: number, atRelu: boolean, variant: Variant): void {
    const n = this.needBatch();
    for (let i = from; i >= 0; i--) {
      const l = this.shapes.levels[i];
      const s = this.tdSteps[i];
      if (s.unpool && !(i === from && atRelu)) s.unpool.setDims(unpoolParams(levelPool(n, l))).encode(pass);
      s.relu.setDims(reluTopDownParams(variant, n * l.c * l.hc * l.wc)).encode(pass);
      // A backtrace from one unit of r(l) is not zero off the switched positions there.
      s.convT.encode(pass, n, !(i === from && atRelu));
    }
  }

  /** Bottom-up, then (optionally) a backtrace and the path counts, in one encoder and one submit. */
  run(opts: { images?: Float32Array; n?: number; start?: Start; variant?: Variant; paths?: boolean } = {}): void {
    this.live();
    if (opts.images) this.setImages(opts.images, opts.n ?? 1);
    const enc = this.device.createCommandEncoder({ label: `${this.label}.run` });
    if (opts.start) {
      this.prepareBacktrace(enc, opts.start);
      if (opts.paths) this.preparePaths();
    }
    const pass = enc.beginComputePass({ label: `${this.label}.dp` });
    this.encodeForward(pass);
    if (opts.start) {
      this.encodeBacktrace(pass, opts.start, opts.variant ?? 'rendering');
      if (opts.paths) this.encodePaths(pass, opts.start);
    }
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  /** A backtrace (and optionally the path counts) on the maps of the last forward pass. */
  backtrace(start: Start, variant: Variant = 'rendering', paths = false): void {
    this.live();
    const enc = this.device.createCommandEncoder({ label: `${this.label}.backtrace` });
    this.prepareBacktrace(enc, start);
    if (paths) this.preparePaths();
    const pass = enc.beginComputePass({ label: `${this.label}.topdown` });
    this.encodeBacktrace(pass, start, variant);
    if (paths) this.encodePaths(pass, start);
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  private range(b: GPUBuffer, perImage: number, first: number, count: number): ReadRange {
    return { buffer: b, offset: first * perImage * F, size: count * perImage * F };
  }

  private checkRange(first: number, count: number): void {
    const n = this.needBatch();
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > n)
      throw new Error(`read: images ${first}..${first + count - 1} are outside the batch of ${n}`);
  }

  /** Allocates the path DP's buffers on first use (they are not needed for training). */
  preparePaths(): void {
    this.live();
    this.paths.prepare();
  }

  /** The active-path DP (and the same with every switch ON) for the last forward pass and a start. */
  encodePaths(pass: GPUComputePassEncoder, start: Start): void {
    this.live();
    if (!this.paths.prepared) throw new Error('encodePaths: call preparePaths() first (outside the compute pass).');
    const n = this.needBatch();
    if (start.kind === 'class') {
      const { top } = this.shapes;
      this.paths.encode(pass, { from: this.levels.length - 1, atRelu: false, map: { n, channels: top.c, h: top.h, w: top.w }, unit: null });
      return;
    }
    const u = this.unitStart(start);
    this.paths.encode(pass, { from: u.level - 1, atRelu: u.atRelu, map: { n, channels: this.shapes.levels[u.level - 1].c, h: u.h, w: u.w }, unit: start });
  }

  /** Reads the path counts of image `img` from the last `encodePaths`. */
  readPaths(img = 0): Promise<PathSummary> {
    this.live();
    this.checkRange(img, 1);
    return this.paths.read(img);
  }

  /** Reads the bottom-up results of images [first, first+count); with maps=false only scores, probs, pred. */
  async readForward(first = 0, count = this.n, maps = true): Promise<ForwardMaps<Float32Array>> {
    this.live();
    this.checkRange(first, count);
    const C = this.spec.classes;
    const ranges: ReadRange[] = [this.range(this.scores, C, first, count), this.range(this.probs, C, first, count), this.range(this.pred, 1, first, count)];
    if (maps)
      this.shapes.levels.forEach((l, i) => {
        const lb = this.levels[i];
        const fine = l.c * l.hc * l.wc;
        const coarse = l.c * l.hout * l.wout;
        ranges.push(this.range(lb.u, fine, first, count), this.range(lb.r, fine, first, count), this.range(lb.a, fine, first, count));
        if (lb.t) ranges.push(this.range(lb.x, coarse, first, count), this.range(lb.t, coarse, first, count));
      });
    const out = await this.own.staging.read(ranges);
    const f32 = (i: number) => new Float32Array(out[i]);
    const u8 = (i: number) => Uint8Array.from(new Uint32Array(out[i]));
    let k = 3;
    const levels = maps
      ? this.shapes.levels.map((l) => {
          const u = f32(k);
          const r = f32(k + 1);
          const a = u8(k + 2);
          k += 3;
          let x = r;
          let t: Uint8Array | null = null;
          if (l.pool) {
            x = f32(k);
            t = u8(k + 1);
            k += 2;
          }
          return { u, r, a, x, t };
        })
      : [];
    return { n: count, levels, scores: f32(0), probs: f32(1), pred: new Int32Array(out[2]) };
  }

  /** Reads the last backtrace's signals at the pixels and (unless levels is false) at every level. */
  async readBacktrace(first = 0, count = this.n, levels = true): Promise<BacktraceMaps<Float32Array>> {
    this.live();
    this.checkRange(first, count);
    const inp = this.spec.input;
    const ranges: ReadRange[] = [this.range(this.pixels, inp.channels * inp.height * inp.width, first, count)];
    if (levels) this.shapes.levels.forEach((l, i) => {
      const lb = this.levels[i];
      ranges.push(this.range(lb.sx, l.c * l.hout * l.wout, first, count), this.range(lb.sr, l.c * l.hc * l.wc, first, count), this.range(lb.su, l.c * l.hc * l.wc, first, count));
    });
    const out = await this.own.staging.read(ranges);
    return {
      variant: this.lastBacktrace,
      pixels: new Float32Array(out[0]),
      levels: levels ? this.shapes.levels.map((_, i) => ({ sx: new Float32Array(out[1 + 3 * i]), sr: new Float32Array(out[2 + 3 * i]), su: new Float32Array(out[3 + 3 * i]) })) : [],
    };
  }

  /** Releases every GPU object this engine created. Pipelines stay cached on the device. */
  destroy(): void {
    this.own.destroy();
  }
}
