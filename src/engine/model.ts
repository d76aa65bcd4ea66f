/**
 * The DRMM's architecture as a small typed description, its presets, the shapes that follow
 * from it, and seeded parameter initialisation.
 *
 * A model is L levels. Level l matches templates (conv k x k, stride 1, `pad` zeros on each side)
 * producing u(l) = W(l) * x(l-1) + b(l); takes the max over the ON/OFF switch, r(l) = max(0, u(l))
 * with a-switch a(l) = [u(l) > 0]; then, if `pool`, the max over the translation t inside each
 * 2x2 window (stride 2, a trailing odd row/column is dropped), x(l) = MaxPool(r(l)), else x(l) = r(l).
 * Class scores are s_c = <mu_c, R(x(L))> + b_c where the read-out R is the global average over
 * positions (`gap`: mu_c has C_L entries) or the identity (`dense`: mu_c has C_L*H_L*W_L entries).
 */

export interface LevelSpec {
  /** Template (filter) size k of a k x k convolution, stride 1. */
  kernel: number;
  /** Number of templates C(l): the channels of this level's output. */
  channels: number;
  /** Zero padding on each side of the input; output size = in + 2*pad - k + 1. */
  pad: number;
  /** Whether a 2x2 max-pool over the translation t follows the ReLU. */
  pool: boolean;
}

export type Readout = 'gap' | 'dense';

export interface ModelSpec {
  /** Input image: channels x height x width (MNIST: 1 x 28 x 28). */
  input: { channels: number; height: number; width: number };
  levels: LevelSpec[];
  readout: Readout;
  classes: number;
}

export type PresetName = 'rmm-shallow' | 'drmm-compact' | 'drmm-mnist';

const MNIST_INPUT = { channels: 1, height: 28, width: 28 } as const;

/**
 * Presets. `drmm-mnist` follows the authors' MNIST layout (docs/MODEL.md section 5, the authors' MNIST network): the first level's
 * 5x5 templates are padded so its output is 32x32 ("padded to 32x32"), then
 * pool - 3x3x64 - 3x3x64 (padded) - pool - 3x3x128 - global average - 1x1 class templates.
 */
export const PRESETS: Record<PresetName, ModelSpec> = {
  'rmm-shallow': {
    input: { ...MNIST_INPUT },
    levels: [{ kernel: 5, channels: 32, pad: 2, pool: true }],
    readout: 'dense',
    classes: 10,
  },
  // Three levels since 2026-12-06: the third (3x3 on the 7x7 maps, no pooling) widens the
  // read-out's receptive field. Trained with the shipped schedule it reached 1.5% test error in
  // half the epochs of the two-level 12/24 network and ended lower (docs/RESULTS.md), for about
  // 1.5x the multiply-adds an image (1.1 M against 0.75 M).
  'drmm-compact': {
    input: { ...MNIST_INPUT },
    levels: [
      { kernel: 5, channels: 12, pad: 2, pool: true },
      { kernel: 3, channels: 24, pad: 1, pool: true },
      { kernel: 3, channels: 32, pad: 1, pool: false },
    ],
    readout: 'dense',
    classes: 10,
  },
  'drmm-mnist': {
    input: { ...MNIST_INPUT },
    levels: [
      { kernel: 5, channels: 32, pad: 4, pool: true },
      { kernel: 3, channels: 64, pad: 0, pool: false },
      { kernel: 3, channels: 64, pad: 1, pool: true },
      { kernel: 3, channels: 128, pad: 0, pool: false },
    ],
    readout: 'gap',
    classes: 10,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** Shapes of one level's maps for a single image (multiply by N for a batch). */
export interface LevelShape {
  /** Input x(l-1): channels, height, width. */
  cin: number;
  hin: number;
  win: number;
  /** Template-matching output u(l) and r(l), a(l): channels, height, width. */
  c: number;
  hc: number;
  wc: number;
  /** Output x(l) (pooled if the level pools, else equal to r(l)). */
  hout: number;
  wout: number;
  k: number;
  pad: number;
  pool: boolean;
}

export interface ModelShapes {
  levels: LevelShape[];
  /** Channels, height, width of the top map x(L). */
  top: { c: number; h: number; w: number };
  /** Length of one class template mu_c. */
  templateLength: number;
}

export function shapesOf(spec: ModelSpec): ModelShapes {
  validateSpec(spec);
  let cin = spec.input.channels;
  let h = spec.input.height;
  let w = spec.input.width;
  const levels: LevelShape[] = [];
  for (const lv of spec.levels) {
    const hc = h + 2 * lv.pad - lv.kernel + 1;
    const wc = w + 2 * lv.pad - lv.kernel + 1;
    const hout = lv.pool ? Math.floor(hc / 2) : hc;
    const wout = lv.pool ? Math.floor(wc / 2) : wc;
    levels.push({ cin, hin: h, win: w, c: lv.channels, hc, wc, hout, wout, k: lv.kernel, pad: lv.pad, pool: lv.pool });
    cin = lv.channels;
    h = hout;
    w = wout;
  }
  const top = { c: cin, h, w };
  return { levels, top, templateLength: spec.readout === 'gap' ? cin : cin * h * w };
}

/** Throws a clear error when the architecture cannot be run. */
export function validateSpec(spec: ModelSpec): void {
  const fail = (msg: string): never => {
    throw new Error(`Invalid model architecture: ${msg}`);
  };
  const posInt = (v: unknown, name: string, max: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) fail(`${name} must be an integer in 1..${max}, got ${String(v)}`);
  };
  if (!spec || typeof spec !== 'object') fail('not an object');
  if (!spec.input || typeof spec.input !== 'object') fail('missing input');
  posInt(spec.input.channels, 'input.channels', 16);
  posInt(spec.input.height, 'input.height', 1024);
  posInt(spec.input.width, 'input.width', 1024);
  if (!Array.isArray(spec.levels) || spec.levels.length < 1 || spec.levels.length > 16) fail('levels must be a list of 1..16 levels');
  if (spec.readout !== 'gap' && spec.readout !== 'dense') fail(`readout must be "gap" or "dense", got ${String(spec.readout)}`);
  posInt(spec.classes, 'classes', 1000);
  let h = spec.input.height;
  let w = spec.input.width;
  spec.levels.forEach((lv, i) => {
    if (!lv || typeof lv !== 'object') fail(`level ${i + 1} is not an object`);
    posInt(lv.kernel, `level ${i + 1} kernel`, 15);
    posInt(lv.channels, `level ${i + 1} channels`, 1024);
    if (!Number.isInteger(lv.pad) || lv.pad < 0 || lv.pad >= lv.kernel) fail(`level ${i + 1} pad must be an integer in 0..kernel-1`);
    if (typeof lv.pool !== 'boolean') fail(`level ${i + 1} pool must be true or false`);
    h = h + 2 * lv.pad - lv.kernel + 1;
    w = w + 2 * lv.pad - lv.kernel + 1;
    if (lv.pool) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    if (h < 1 || w < 1) fail(`level ${i + 1} leaves no positions (the maps shrink to ${h}x${w})`);
  });
}

/** Parameters: W(l) as [C(l), C(l-1), k, k], b(l) as [C(l)], mu as [classes, templateLength], bc as [classes]. */
export interface ModelParams {
  weights: Float32Array[];
  biases: Float32Array[];
  mu: Float32Array;
  classBias: Float32Array;
}

/** Tensor names and shapes in a fixed order: the model file stores tensors in this order. */
export function paramShapes(spec: ModelSpec): { name: string; shape: number[] }[] {
  const s = shapesOf(spec);
  const out: { name: string; shape: number[] }[] = [];
  s.levels.forEach((l, i) => {
    out.push({ name: `level${i + 1}.weights`, shape: [l.c, l.cin, l.k, l.k] });
    out.push({ name: `level${i + 1}.bias`, shape: [l.c] });
  });
  out.push({ name: 'classes.mu', shape: [spec.classes, s.templateLength] });
  out.push({ name: 'classes.bias', shape: [spec.classes] });
  return out;
}

export function paramList(p: ModelParams): Float32Array[] {
  const out: Float32Array[] = [];
  p.weights.forEach((w, i) => out.push(w, p.biases[i]));
  out.push(p.mu, p.classBias);
  return out;
}

export function paramsFromList(spec: ModelSpec, tensors: Float32Array[]): ModelParams {
  const L = spec.levels.length;
  if (tensors.length !== 2 * L + 2) throw new Error(`expected ${2 * L + 2} tensors, got ${tensors.length}`);
  return {
    weights: Array.from({ length: L }, (_, i) => tensors[2 * i]),
    biases: Array.from({ length: L }, (_, i) => tensors[2 * i + 1]),
    mu: tensors[2 * L],
    classBias: tensors[2 * L + 1],
  };
}

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box-Muller from a uniform source. */
export function gaussian(u: () => number): () => number {
  return () => {
    const a = Math.max(u(), 1e-12);
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
  };
}

/**
 * He-normal templates (std sqrt(2 / fan_in)) so that signals neither vanish nor explode through
 * the ReLUs; small positive level biases (0.01) so that about half the switches start ON;
 * class templates with std sqrt(1 / fan_in); zero class biases. Deterministic given the seed.
 */
export function initParams(spec: ModelSpec, seed: number): ModelParams {
  const s = shapesOf(spec);
  const g = gaussian(rng(seed));
  const fill = (n: number, std: number) => Float32Array.from({ length: n }, () => g() * std);
  const weights = s.levels.map((l) => fill(l.c * l.cin * l.k * l.k, Math.sqrt(2 / (l.cin * l.k * l.k))));
  const biases = s.levels.map((l) => new Float32Array(l.c).fill(0.01));
  const mu = fill(spec.classes * s.templateLength, Math.sqrt(1 / s.templateLength));
  return { weights, biases, mu, classBias: new Float32Array(spec.classes) };
}

export function cloneParams(p: ModelParams): ModelParams {
  return {
    weights: p.weights.map((w) => w.slice()),
    biases: p.biases.map((b) => b.slice()),
    mu: p.mu.slice(),
    classBias: p.classBias.slice(),
  };
}

/**
 * True when the templates of levels 2..L and the class templates are all >= 0 (what the NN-DRMM's
 * 'top-down' training keeps). Then every top-down signal z(l), l >= 1, is a nonnegative sum of
 * nonnegative terms for any input and any switch setting, so each level's max over its ON/OFF
 * switch commutes with the product of rendering matrices and the bottom-up max-sum pass is exact
 * MAP inference. Level 1's templates may be signed: they only shape the pixels, z(0).
 */
export function topDownNonnegative(p: ModelParams): boolean {
  const nonneg = (t: Float32Array) => t.every((v) => v >= 0);
  return p.weights.slice(1).every(nonneg) && nonneg(p.mu);
}
