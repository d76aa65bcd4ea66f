/**
 * The view's state as the URL's hash, and back: pure functions, no DOM (sync.ts does the effects).
 *
 * Why the hash and not the query: a static host serves the same index.html whatever the hash
 * holds, the hash is never sent to the server, and changing it reloads nothing.
 *
 * Format: `#key=value&key=value`, each value percent-encoded, keys in a fixed order, and values
 * that equal the app's defaults left out (so the bare URL is the default view):
 *
 * | key | value | meaning |
 * | --- | --- | --- |
 * | `model` | a preset name, `file` or `shipped` | the architecture with random weights, a model loaded from a file, or one shipped with the app (left out: the model the app starts with) |
 * | `seed` | integer 0..4294967295 | the random weights' seed (with a preset; default 1) |
 * | `file` | a file name (at most 200 characters) | which file (`model=file`/`shipped`); a shipped model is reopened, a local file cannot be |
 * | `digit` | integer 0..9999 | the MNIST test digit |
 * | `draw` | 523 base64url characters | a 28x28 drawing, each pixel quantised to 4 bits (16 levels) |
 * | `clutter` | `noise` or `fragments` | distractors added to the input |
 * | `amount` | decimal 0..1 | how much clutter (default 0.3) |
 * | `cseed` | integer 1..2147483647 | the clutter's seed (default 1) |
 * | `variant` | `rendering`, `gradient`, `deconvnet` | the backtrace variant |
 * | `start` | `predicted` or a class | where the backtrace starts |
 * | `unit` | `level.stage.channel.y.x`, e.g. `2.relu.5.3.4` | the selected unit (level 1-based, channel/y/x 0-based, stage `relu` or `pool`) |
 * | `step` | integer 0..99999 | the DP stepper's step |
 * | `maps`, `sal`, `ch` | `u`/`r`, `su`/`sr`, integer | the level panels' feature stage, saliency stage, channels shown (0: all) |
 * | `panel` | a panel id | the panel shown |
 * | `story` | integer 1..N, or `off` | the story card shown (1 is the first; left out for the first), or the story hidden |
 * | `lecture` | `1` | lecture mode |
 *
 * `#term-<id>` alone (a glossary link opened in a new tab) opens the About panel at that term.
 *
 * Weights that exist only in this page (trained here on the GPU or the CPU) cannot travel in a
 * link: a link made while they are shown leaves the model out (it opens with the app's starting
 * model, and says nothing is wrong), and applying such a link here keeps them.
 *
 * Parsing is strict: an unknown key, a repeated key, a malformed value or an out-of-range number is
 * dropped and named in `ignored` (plain text for a notice; never evaluated, never put in the page
 * as markup). A value is only ever compared against fixed lists or fixed patterns.
 */
import { PRESET_NAMES, VARIANTS, type PresetName, type Variant } from '../../engine';
import { TERM_IDS, type TermId } from '../about/glossary';
import { STORY_COUNT } from '../story/cards';
import { PANEL_IDS, type Clutter, type FeatureStage, type PanelId, type SaliencyStage, type StartChoice, type UnitRef } from '../store';

/** The model a link names. */
export type UrlModel =
  | { kind: 'preset'; preset: PresetName; seed: number }
  /** A local file, or a model shipped with the app, by name. */
  | { kind: 'file' | 'shipped'; fileName: string }
  /** Weights that exist only in this page (never written to a link, never parsed from one). */
  | { kind: 'page' };

/**
 * The source names under which weights trained in the page are installed (train/host.ts,
 * recovery/cpuTrainHost.ts): the model exists only in this page, so a link cannot name it.
 */
export const PAGE_MODEL_NAMES: readonly string[] = ['in-page training', 'CPU training'];

/** Everything a link can say; a missing field means the app's default. */
export interface UrlState {
  model?: UrlModel;
  digit?: number;
  /** 28x28 intensities in [0, 1], quantised to 16 levels. */
  drawing?: Float32Array;
  clutter?: Clutter;
  variant?: Variant;
  start?: StartChoice;
  unit?: UnitRef;
  step?: number;
  featureStage?: FeatureStage;
  saliencyStage?: SaliencyStage;
  maxChannels?: number;
  panel?: PanelId;
  /** The story card shown (0-based; the link writes it 1-based), or null: the story hidden. */
  story?: number | null;
  lecture?: boolean;
  /** A glossary entry to show (the `#term-<id>` form only). */
  term?: TermId;
}

export interface ParsedUrl {
  state: UrlState;
  /** One plain-text line per dropped part, e.g. `foo (unknown parameter)`. */
  ignored: string[];
}

/** The defaults a link leaves out (the store's initial values). */
export const URL_DEFAULTS = {
  preset: 'drmm-compact' as PresetName,
  seed: 1,
  digit: 0,
  clutterAmount: 0.3,
  clutterSeed: 1,
  variant: 'rendering' as Variant,
  start: 'predicted' as StartChoice,
  featureStage: 'u' as FeatureStage,
  saliencyStage: 'su' as SaliencyStage,
  maxChannels: 16,
  panel: 'overview' as PanelId,
};

/** Longer hashes are refused whole: a drawing needs 523 characters, everything else far less. */
export const MAX_HASH_LENGTH = 2048;
export const DRAWING_SIZE = 28 * 28;
export const MAX_SEED = 0xffffffff;
export const MAX_CLUTTER_SEED = 0x7fffffff;
export const MAX_DIGIT = 9999;
export const MAX_FILE_NAME = 200;

/** Keys in the order they are written. */
export const URL_KEYS = ['model', 'seed', 'file', 'digit', 'draw', 'clutter', 'amount', 'cseed', 'variant', 'start', 'unit', 'step', 'maps', 'sal', 'ch', 'panel', 'story', 'lecture'] as const;
type UrlKey = (typeof URL_KEYS)[number];

// ---------------------------------------------------------------------------------------------
// drawings: 4 bits a pixel, two pixels a byte (the first in the high nibble), base64url, no padding

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The drawing's pixels (in [0, 1]) at 16 levels, as base64url. */
export function encodeDrawing(pixels: ArrayLike<number>): string {
  const bytes = new Uint8Array(Math.ceil(pixels.length / 2));
  for (let i = 0; i < pixels.length; i++) {
    const v = Number.isFinite(pixels[i]) ? Math.min(15, Math.max(0, Math.round(pixels[i] * 15))) : 0;
    bytes[i >> 1] |= i % 2 === 0 ? v << 4 : v;
  }
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += B64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** The base64url length encodeDrawing gives for `count` pixels. */
export function drawingLength(count: number): number {
  return Math.ceil((Math.ceil(count / 2) * 8) / 6);
}

/** `count` pixels from encodeDrawing's text, or null when the text is not exactly such an encoding. */
export function decodeDrawing(text: string, count = DRAWING_SIZE): Float32Array | null {
  if (text.length !== drawingLength(count) || !/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const nBytes = Math.ceil(count / 2);
  const bytes = new Uint8Array(nBytes);
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (const ch of text) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (j < nBytes) bytes[j++] = (acc >> bits) & 255;
    }
    acc &= (1 << bits) - 1;
  }
  // Leftover bits must be zero, so each drawing has exactly one spelling.
  if (acc !== 0) return null;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (i % 2 === 0 ? bytes[i >> 1] >> 4 : bytes[i >> 1] & 15) / 15;
  return out;
}

// ---------------------------------------------------------------------------------------------
// parsing

/** A value, quoted for a notice: control characters dropped, at most 40 characters. */
export function quoteValue(v: string): string {
  const clean = v.replace(/[\u0000-\u001f\u007f]/g, '');
  return `“${clean.length > 40 ? `${clean.slice(0, 40)}…` : clean}”`;
}

function uint(text: string, max: number): number | null {
  if (!/^\d{1,10}$/.test(text)) return null;
  const v = Number(text);
  return v <= max ? v : null;
}

/** A decimal in [0, 1] without exponent or sign (as String(number) writes such numbers). */
function unitInterval(text: string): number | null {
  if (!/^(0|1)(\.\d{1,20})?$/.test(text)) return null;
  const v = Number(text);
  return v >= 0 && v <= 1 ? v : null;
}

function oneOf<T extends string>(text: string, list: readonly T[]): T | null {
  return (list as readonly string[]).includes(text) ? (text as T) : null;
}

function parseUnit(text: string): UnitRef | null {
  const m = /^(\d{1,2})\.(relu|pool)\.(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/.exec(text);
  if (!m) return null;
  const level = Number(m[1]);
  if (level < 1) return null;
  return { level, stage: m[2] as UnitRef['stage'], channel: Number(m[3]), y: Number(m[4]), x: Number(m[5]) };
}

/** Parses a location hash (with or without its '#'). Never throws. */
export function parseUrlState(hash: string): ParsedUrl {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const ignored: string[] = [];
  const state: UrlState = {};
  if (raw === '') return { state, ignored };
  if (raw.length > MAX_HASH_LENGTH) return { state, ignored: [`the whole link state (${raw.length} characters, more than ${MAX_HASH_LENGTH})`] };

  const term = /^term-([a-z-]{1,40})$/.exec(raw);
  if (term) {
    const id = oneOf(term[1], TERM_IDS);
    if (id) return { state: { panel: 'about', term: id }, ignored };
    return { state, ignored: [`${quoteValue(raw)} (not a glossary term)`] };
  }

  const values = new Map<UrlKey, string>();
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    } catch {
      ignored.push(`${quoteValue(part)} (malformed percent-encoding)`);
      continue;
    }
    const known = oneOf(key, URL_KEYS);
    if (!known) ignored.push(`${quoteValue(key)} (unknown parameter)`);
    else if (values.has(known)) ignored.push(`${key} (repeated; the first one is used)`);
    else values.set(known, value);
  }

  const take = <T>(key: UrlKey, parse: (v: string) => T | null, what: string): T | undefined => {
    const v = values.get(key);
    if (v === undefined) return undefined;
    const out = parse(v);
    if (out === null) {
      ignored.push(`${key}=${quoteValue(v)} (${what})`);
      return undefined;
    }
    return out;
  };

  // model, seed, file
  const modelName = take('model', (v) => (v === 'file' || v === 'shipped' ? v : oneOf(v, PRESET_NAMES)), `not one of ${PRESET_NAMES.join(', ')}, file, shipped`);
  const seed = take('seed', (v) => uint(v, MAX_SEED), `not a seed 0–${MAX_SEED}`);
  const fileName = take('file', (v) => (v.length > 0 && v.length <= MAX_FILE_NAME ? v : null), `not a file name of 1–${MAX_FILE_NAME} characters`);
  if (modelName === 'file' || modelName === 'shipped') {
    if (fileName !== undefined) state.model = { kind: modelName, fileName };
    else ignored.push(`model=${modelName} (no file name given)`);
    if (seed !== undefined) ignored.push('seed (only with a preset model)');
  } else if (modelName !== undefined || seed !== undefined) {
    state.model = { kind: 'preset', preset: modelName ?? URL_DEFAULTS.preset, seed: seed ?? URL_DEFAULTS.seed };
    if (fileName !== undefined) ignored.push('file (only with model=file or model=shipped)');
  } else if (fileName !== undefined) ignored.push('file (only with model=file or model=shipped)');

  // input
  const digit = take('digit', (v) => uint(v, MAX_DIGIT), `not a test digit index 0–${MAX_DIGIT}`);
  if (digit !== undefined) state.digit = digit;
  const drawing = take('draw', (v) => decodeDrawing(v), `not a 28×28 drawing (${drawingLength(DRAWING_SIZE)} base64url characters)`);
  if (drawing) state.drawing = drawing;

  const kind = take('clutter', (v) => oneOf(v, ['noise', 'fragments'] as const), 'not noise or fragments');
  const amount = take('amount', unitInterval, 'not a decimal 0–1');
  const cseed = take('cseed', (v) => {
    const s = uint(v, MAX_CLUTTER_SEED);
    return s !== null && s >= 1 ? s : null;
  }, `not a clutter seed 1–${MAX_CLUTTER_SEED}`);
  if (kind) state.clutter = { kind, amount: amount ?? URL_DEFAULTS.clutterAmount, seed: cseed ?? URL_DEFAULTS.clutterSeed };
  else {
    if (amount !== undefined) ignored.push('amount (no clutter kind given)');
    if (cseed !== undefined) ignored.push('cseed (no clutter kind given)');
  }

  // view
  const variant = take('variant', (v) => oneOf(v, VARIANTS), `not one of ${VARIANTS.join(', ')}`);
  if (variant) state.variant = variant;
  const start = take('start', (v): StartChoice | null => (v === 'predicted' ? v : uint(v, 999)), 'not “predicted” or a class number');
  if (start !== undefined) state.start = start;
  const unit = take('unit', parseUnit, 'not level.stage.channel.y.x, e.g. 2.relu.5.3.4');
  if (unit) state.unit = unit;
  const step = take('step', (v) => uint(v, 99999), 'not a step number');
  if (step !== undefined) state.step = step;
  const maps = take('maps', (v) => oneOf(v, ['u', 'r'] as const), 'not u or r');
  if (maps) state.featureStage = maps;
  const sal = take('sal', (v) => oneOf(v, ['su', 'sr'] as const), 'not su or sr');
  if (sal) state.saliencyStage = sal;
  const ch = take('ch', (v) => uint(v, 4096), 'not a channel count');
  if (ch !== undefined) state.maxChannels = ch;
  const panel = take('panel', (v) => oneOf(v, PANEL_IDS), `not one of ${PANEL_IDS.join(', ')}`);
  if (panel) state.panel = panel;
  // -1 stands for `off` here (take() reads null as a malformed value).
  const story = take('story', (v) => {
    if (v === 'off') return -1;
    const n = uint(v, 999);
    return n !== null && n >= 1 && n <= STORY_COUNT ? n - 1 : null;
  }, `not a story card 1–${STORY_COUNT} or off`);
  if (story !== undefined) state.story = story < 0 ? null : story;
  const lecture = take('lecture', (v) => (v === '1' ? true : v === '0' ? false : null), 'not 1 or 0');
  if (lecture !== undefined) state.lecture = lecture;

  return { state, ignored };
}

// ---------------------------------------------------------------------------------------------
// formatting

/** Percent-encodes a value, keeping the characters that are safe in a hash readable. */
function enc(v: string): string {
  return encodeURIComponent(v).replace(/%2C/g, ',');
}

/**
 * The canonical hash (without '#') for a state: fixed key order, defaults left out. The model is
 * left out when it is `defaultModel`, the one the app starts with (a shipped trained model where
 * the deployment has one, else the default preset).
 */
export function formatUrlState(s: UrlState, defaultModel?: UrlModel): string {
  const out: [UrlKey, string][] = [];
  const m = s.model;
  if (m && m.kind !== 'page' && !sameModel(m, defaultModel)) {
    if (m.kind === 'preset') {
      out.push(['model', m.preset]);
      if (m.seed !== URL_DEFAULTS.seed) out.push(['seed', String(m.seed)]);
    } else {
      out.push(['model', m.kind], ['file', m.fileName.slice(0, MAX_FILE_NAME)]);
    }
  }
  if (s.digit !== undefined && s.digit !== URL_DEFAULTS.digit) out.push(['digit', String(s.digit)]);
  if (s.drawing) out.push(['draw', encodeDrawing(s.drawing)]);
  const c = s.clutter;
  if (c && c.kind !== 'none') {
    out.push(['clutter', c.kind]);
    if (c.amount !== URL_DEFAULTS.clutterAmount) out.push(['amount', String(c.amount)]);
    if (c.seed !== URL_DEFAULTS.clutterSeed) out.push(['cseed', String(c.seed)]);
  }
  if (s.variant && s.variant !== URL_DEFAULTS.variant) out.push(['variant', s.variant]);
  if (s.start !== undefined && s.start !== URL_DEFAULTS.start) out.push(['start', String(s.start)]);
  if (s.unit) out.push(['unit', `${s.unit.level}.${s.unit.stage}.${s.unit.channel}.${s.unit.y}.${s.unit.x}`]);
  if (s.step !== undefined && s.step !== 0) out.push(['step', String(s.step)]);
  if (s.featureStage && s.featureStage !== URL_DEFAULTS.featureStage) out.push(['maps', s.featureStage]);
  if (s.saliencyStage && s.saliencyStage !== URL_DEFAULTS.saliencyStage) out.push(['sal', s.saliencyStage]);
  if (s.maxChannels !== undefined && s.maxChannels !== URL_DEFAULTS.maxChannels) out.push(['ch', String(s.maxChannels)]);
  if (s.panel && s.panel !== URL_DEFAULTS.panel) out.push(['panel', s.panel]);
  if (s.story === null) out.push(['story', 'off']);
  else if (s.story !== undefined && s.story > 0) out.push(['story', String(s.story + 1)]);
  if (s.lecture) out.push(['lecture', '1']);
  return out.map(([k, v]) => `${k}=${enc(v)}`).join('&');
}

// ---------------------------------------------------------------------------------------------
// the store's side

/** What stateFromStore reads (the store's AppState has all of it; stepIndex only once the stepper adds it). */
export interface StoreView {
  presetName: PresetName | null;
  source: { kind: string; seed?: number; fileName?: string; shipped?: boolean };
  digitIndex: number;
  custom: { pixels: Float32Array } | null;
  clutter: Clutter;
  variant: Variant;
  start: StartChoice;
  unit: UnitRef | null;
  featureStage: FeatureStage;
  saliencyStage: SaliencyStage;
  maxChannels: number;
  panel: PanelId;
  lecture: boolean;
  stepIndex?: unknown;
  /** The first screen's picture state (only the story card goes into a link). */
  picture?: { story: number | null };
}

/** The model a store's source amounts to, for a link. */
export function modelOf(s: Pick<StoreView, 'presetName' | 'source'>): UrlModel | undefined {
  const src = s.source;
  if (src.kind === 'random' && s.presetName && typeof src.seed === 'number') return { kind: 'preset', preset: s.presetName, seed: src.seed };
  if (src.kind === 'training') return { kind: 'page' };
  if (src.kind === 'file' && typeof src.fileName === 'string') {
    if (!src.shipped && PAGE_MODEL_NAMES.includes(src.fileName)) return { kind: 'page' };
    // A model shipped with the app is a file too, fetched from the app's own models/ folder.
    return { kind: src.shipped ? 'shipped' : 'file', fileName: src.fileName };
  }
  return undefined;
}

/** The link state of a store state. */
export function stateFromStore(s: StoreView): UrlState {
  const step = typeof s.stepIndex === 'number' && Number.isInteger(s.stepIndex) && s.stepIndex >= 0 ? s.stepIndex : undefined;
  return {
    model: modelOf(s),
    digit: s.digitIndex,
    drawing: s.custom && s.custom.pixels.length === DRAWING_SIZE ? s.custom.pixels : undefined,
    clutter: s.clutter,
    variant: s.variant,
    start: s.start,
    unit: s.unit ?? undefined,
    step,
    featureStage: s.featureStage,
    saliencyStage: s.saliencyStage,
    maxChannels: s.maxChannels,
    panel: s.panel,
    story: s.picture ? s.picture.story : undefined,
    lecture: s.lecture,
  };
}

/** True when two link models name the same model. */
export function sameModel(a: UrlModel | undefined, b: UrlModel | undefined): boolean {
  const da = a ?? { kind: 'preset', preset: URL_DEFAULTS.preset, seed: URL_DEFAULTS.seed };
  const db = b ?? { kind: 'preset', preset: URL_DEFAULTS.preset, seed: URL_DEFAULTS.seed };
  if (da.kind === 'preset' && db.kind === 'preset') return da.preset === db.preset && da.seed === db.seed;
  if (da.kind === 'page' || db.kind === 'page') return da.kind === db.kind;
  if (da.kind !== 'preset' && db.kind !== 'preset') return da.kind === db.kind && da.fileName === db.fileName;
  return false;
}
