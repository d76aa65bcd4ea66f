/**
 * Which Vulkan driver Dawn (the `webgpu` package) runs on in Node. The one place that chooses, for
 * the CLI (scripts/lib/nodeGpu.ts) and the GPU tests (tests/helpers/gpu.ts, tests/setup/global.ts):
 *   1. VK_ICD_FILENAMES, when set, is used as given: an override, with no fallback.
 *   2. Otherwise the system's Vulkan drivers, if they give a hardware (non-fallback) adapter.
 *   3. Otherwise Mesa's lavapipe, if it is Mesa >= 24 (Debian 12's own Mesa 22 is too old for
 *      Dawn; bookworm-backports has Mesa 25). On this project's 2-core machine it evaluated the
 *      shipped drmm-compact about 5x faster than SwiftShader, with the same results.
 *   4. Otherwise SwiftShader, from Debian's chromium package (Chromium's WebGPU uses its own copy
 *      whatever else is installed; only Node's Dawn is chosen here).
 *   5. Otherwise any other software adapter the system gives, with a warning.
 * The Vulkan loader reads VK_ICD_FILENAMES when Dawn creates its Vulkan instance (in create() and
 * the first requestAdapter()), so each candidate is probed with a Dawn instance of its own, and the
 * chosen ICD is left in process.env so that child processes (the CLI tests spawn the CLI) and code
 * that calls `create()` itself get the same adapter.
 * Node only: the engine (src/engine) never imports this.
 */
import fs from 'node:fs';
import path from 'node:path';
import { create, globals } from 'webgpu';

export type AdapterKind = 'gpu' | 'lavapipe' | 'swiftshader' | 'software';

/** Names as logged. */
export const KIND_NAMES: Record<AdapterKind, string> = { gpu: 'GPU', lavapipe: 'lavapipe', swiftshader: 'SwiftShader', software: 'software' };

/** SwiftShader's Vulkan ICD as installed by Debian's `chromium` package. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Where distributions put Vulkan ICD manifests; lavapipe's is lvp_icd.json (lvp_icd.<arch>.json on some). */
export const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/** The oldest Mesa whose lavapipe Dawn accepts. */
export const MIN_LAVAPIPE_MESA = 24;

/** How a user without a GPU gets the fast adapter (also in README.md and docs/TRAINING.md). */
export const FAST_ADAPTER_HELP = [
  'For an adapter about 5x faster than SwiftShader, install Mesa >= 24\'s lavapipe. On Debian 12:',
  '  echo "deb http://deb.debian.org/debian bookworm-backports main" | sudo tee /etc/apt/sources.list.d/bookworm-backports.list',
  '  sudo apt-get update && sudo apt-get install -y -t bookworm-backports mesa-vulkan-drivers',
  'elsewhere, your distribution\'s mesa-vulkan-drivers (or vulkan-swrast) package of Mesa >= 24. See docs/TRAINING.md.',
].join('\n');

/** What a probe found, as plain data (JSON-safe). */
export interface AdapterRecord {
  kind: AdapterKind;
  /** KIND_NAMES[kind], with the Mesa version for lavapipe: "lavapipe (Mesa 25)". */
  name: string;
  /** The VK_ICD_FILENAMES it was found with; null: the system's drivers (the variable unset). */
  icd: string | null;
  /** "vendor / architecture / description" from GPUAdapterInfo. */
  description: string;
  /** Mesa's major version, for lavapipe; null when not Mesa or not stated. */
  mesa: number | null;
}

/** The chosen adapter, still open, and why it was chosen. */
export interface NodeAdapter extends AdapterRecord {
  gpu: GPU;
  adapter: GPUAdapter;
  why: string;
  /** True when VK_ICD_FILENAMES was set by the caller (an override), false when chosen here. */
  explicit: boolean;
}

interface Probe extends AdapterRecord {
  gpu: GPU;
  adapter: GPUAdapter;
}

/**
 * Dawn aborts the process if an instance is garbage-collected while a device made from it lives,
 * so every instance made here is kept for the life of the process (a few, each cheap without a device).
 */
const instances: GPU[] = [];

/** Kind and Mesa version from what Dawn reports. Exported for tests. */
export function classifyAdapter(info: GPUAdapterInfo, isFallback: boolean): { kind: AdapterKind; mesa: number | null } {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  const mesaMatch = /mesa (\d+)\./i.exec(info.description);
  const mesa = mesaMatch ? Number(mesaMatch[1]) : null;
  if (text.includes('swiftshader')) return { kind: 'swiftshader', mesa: null };
  if (text.includes('llvmpipe') || text.includes('lavapipe')) return { kind: 'lavapipe', mesa };
  if (isFallback || info.architecture === 'software') return { kind: 'software', mesa };
  return { kind: 'gpu', mesa };
}

function describeInfo(info: GPUAdapterInfo): string {
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') || '(no adapter info)';
}

function installGlobals(): void {
  // Dawn's GPUBufferUsage, GPUMapMode, GPUShaderStage, ... become globals, as in a browser.
  if (typeof (globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage === 'undefined') Object.assign(globalThis, globals);
}

/** One Dawn instance with VK_ICD_FILENAMES = icd (null: unset), and the adapter it offers, if any. */
async function probe(icd: string | null): Promise<Probe | null> {
  if (icd === null) delete process.env.VK_ICD_FILENAMES;
  else process.env.VK_ICD_FILENAMES = icd;
  installGlobals();
  const gpu = create([]);
  instances.push(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const info = adapter.info;
  const isFallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const { kind, mesa } = classifyAdapter(info, isFallback);
  const name = kind === 'lavapipe' && mesa !== null ? `lavapipe (Mesa ${mesa})` : KIND_NAMES[kind];
  return { gpu, adapter, kind, mesa, name, icd, description: describeInfo(info) };
}

/** lavapipe's ICD manifests on this system (none when Mesa's Vulkan drivers are not installed). */
export function lavapipeIcds(): string[] {
  const found: string[] = [];
  for (const dir of ICD_DIRS) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) if (/^lvp_icd(\.[\w-]+)?\.json$/.test(n)) found.push(path.join(dir, n));
  }
  return found;
}

const recordOf = (p: Probe): AdapterRecord => ({ kind: p.kind, name: p.name, icd: p.icd, description: p.description, mesa: p.mesa });
/** lavapipe that Dawn can use: Mesa >= MIN_LAVAPIPE_MESA, or a version Dawn's description does not state. */
export const lavapipeUsable = (p: Pick<AdapterRecord, 'kind' | 'mesa'> | null): boolean =>
  p?.kind === 'lavapipe' && (p.mesa === null || p.mesa >= MIN_LAVAPIPE_MESA);
const tooOld = (p: Probe) => `${p.name} at ${p.icd ?? 'the system drivers'} is older than Mesa ${MIN_LAVAPIPE_MESA}, too old for Dawn`;

/** The lavapipe probe result, or why there is none. */
async function findLavapipe(): Promise<{ found: Probe | null; missing: string }> {
  const icds = lavapipeIcds();
  if (!icds.length) return { found: null, missing: `no lvp_icd*.json in ${ICD_DIRS.join(', ')} (Mesa's Vulkan drivers are not installed)` };
  const reasons: string[] = [];
  for (const icd of icds) {
    const p = await probe(icd);
    if (lavapipeUsable(p)) return { found: p, missing: '' };
    reasons.push(p ? tooOld(p) : `${icd} gives Dawn no adapter`);
  }
  return { found: null, missing: reasons.join('; ') };
}

async function findSwiftShader(): Promise<{ found: Probe | null; missing: string }> {
  if (!fs.existsSync(SWIFTSHADER_ICD)) return { found: null, missing: `${SWIFTSHADER_ICD} not found (Debian's chromium package provides it)` };
  const p = await probe(SWIFTSHADER_ICD);
  return p ? { found: p, missing: '' } : { found: null, missing: `${SWIFTSHADER_ICD} gives Dawn no adapter` };
}

/** The error when nothing can be used: what was tried, and how to fix it. */
function noAdapterError(tried: string[]): Error {
  return new Error(
    [
      'No WebGPU adapter for Dawn in Node. Tried:',
      ...tried.map((t) => `  - ${t}`),
      `platform ${process.platform}-${process.arch}. Dawn needs the Vulkan loader (libvulkan1) and a Vulkan driver:`,
      '  a GPU\'s driver; or SwiftShader: sudo apt-get install -y libvulkan1 chromium   # Debian/Ubuntu',
      FAST_ADAPTER_HELP,
      'or point VK_ICD_FILENAMES at a Vulkan ICD manifest (.json). GPU tests never skip: fix the environment instead.',
    ].join('\n'),
  );
}

function chosen(p: Probe, why: string, explicit = false): NodeAdapter {
  // Leave the chosen driver in the environment for child processes and later create() calls.
  if (p.icd === null) delete process.env.VK_ICD_FILENAMES;
  else process.env.VK_ICD_FILENAMES = p.icd;
  return { ...p, why, explicit };
}

/**
 * Opens the adapter the order above picks and says why. Throws, naming everything tried and the
 * fix, when there is none. A set VK_ICD_FILENAMES is used as given, with no fallback.
 */
export async function openNodeAdapter(): Promise<NodeAdapter> {
  const explicit = process.env.VK_ICD_FILENAMES;
  if (explicit) {
    const p = await probe(explicit);
    if (!p) throw noAdapterError([`VK_ICD_FILENAMES=${explicit} (set in the environment, so nothing else is tried): no adapter`]);
    return chosen(p, 'VK_ICD_FILENAMES is set', true);
  }
  const tried: string[] = [];
  const system = await probe(null);
  if (system?.kind === 'gpu') return chosen(system, 'a hardware adapter from the system\'s Vulkan drivers');
  tried.push(`the system's Vulkan drivers: ${system ? `${system.name} (${system.description}), not a hardware adapter` : 'no adapter'}`);
  const lvp = await findLavapipe();
  if (lvp.found) return chosen(lvp.found, 'no hardware adapter; lavapipe preferred over SwiftShader (about 5x faster)');
  tried.push(`lavapipe: ${lvp.missing}`);
  const ss = await findSwiftShader();
  if (ss.found) return chosen(ss.found, `no hardware adapter and no usable lavapipe (${lvp.missing})`);
  tried.push(`SwiftShader: ${ss.missing}`);
  if (system && system.kind !== 'lavapipe') return chosen(system, `the only adapter found (${tried.join('; ')})`);
  throw noAdapterError(tried);
}

/** What the GPU tests run on, and which software adapters exist (for running kernel tests on each). */
export interface AdapterSurvey {
  chosen: AdapterRecord & { why: string };
  software: Record<'lavapipe' | 'swiftshader', { available: AdapterRecord } | { missing: string }>;
}

/**
 * openNodeAdapter()'s choice plus a probe of each software adapter, as plain data; leaves the
 * choice in VK_ICD_FILENAMES. For tests/setup/global.ts, which hands the choice to every test file
 * and, for scripts/test.mjs, says which software adapters the kernel tests can also run on.
 */
export async function surveyNodeAdapters(): Promise<AdapterSurvey> {
  const pick = await openNodeAdapter();
  const icd = process.env.VK_ICD_FILENAMES;
  const lvp = pick.kind === 'lavapipe' && lavapipeUsable(pick) ? { found: pick as Probe, missing: '' } : await findLavapipe();
  const ss = pick.kind === 'swiftshader' ? { found: pick as Probe, missing: '' } : await findSwiftShader();
  // The probes above set VK_ICD_FILENAMES; put back the choice.
  if (icd === undefined) delete process.env.VK_ICD_FILENAMES;
  else process.env.VK_ICD_FILENAMES = icd;
  const entry = (r: { found: Probe | null; missing: string }) => (r.found ? { available: recordOf(r.found) } : { missing: r.missing });
  return { chosen: { ...recordOf(pick), why: pick.why }, software: { lavapipe: entry(lvp), swiftshader: entry(ss) } };
}
