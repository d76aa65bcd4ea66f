/**
 * `npm run bench`: serves bench/index.html with Vite's dev server (so the engine's `?raw` WGSL
 * imports resolve exactly as in the app), opens it in headless Chromium with WebGPU (the system
 * browser, via tests/helpers/browser.ts), runs the whole benchmark in one page on one adapter,
 * writes bench/results/<date>-<adapter>.json (-2, -3, ... where that exists) and prints a summary.
 *
 * Options: --presets a,b (default drmm-compact,drmm-mnist,rmm-shallow), --quick (fewer runs, no
 * profile: a smoke run of the bench itself), --no-profile / --profile, --batch N (throughput batch
 * of every preset), --tfjs-unfused (tfjs baseline as conv2d + add + relu), --out FILE,
 * --ref COMMIT (bench the engine as committed at COMMIT instead of the working tree: src/ and
 * shaders/ are extracted to bench/tmp/ and the bench page's `../src/` imports are pointed there).
 * Training (bench/train.ts): --train runs the training benchmark instead of the inference one
 * (it takes about as long as the whole inference bench here, so it is not in the default run);
 * --all runs both in one browser; --train-presets a,b (default drmm-compact,rmm-shallow),
 * --train-batch N (default 64). The result file name gets `-train` / `-all` appended.
 * Interaction (bench/interaction.ts): --interaction times the built app's answers to a user's
 * actions (a DP step, another digit, a saliency mode, a unit's paths) instead;
 * --ui-presets a,b (default drmm-compact,drmm-mnist).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from 'vite';
import { findChrome, launchBrowser } from '../tests/helpers/browser';
import { ROOT } from '../tests/helpers/server';
import type { PresetName } from '../src/engine';
import { freshResultPath, watchHostLoad } from './host';
import { interactionTable, runInteraction, writeInteraction } from './interaction';
import { summary, type BenchFile } from './report';
import { trainSummary } from './trainReport';
import { peersSummary } from './peersReport';
import { lossAgrees } from './trainStats';
import type { BenchConfig, BenchResult, PresetConfig, TrainBenchConfig, TrainPresetResult } from './types';

/**
 * Throughput batches. 256 everywhere; the software adapter runs drmm-mnist (13.5 M MACs an
 * image) at a few hundred images/s at best, so it uses 64 there to keep the bench under ~10 min.
 */
const DEFAULT_BATCH: Record<PresetName, number> = { 'drmm-compact': 256, 'drmm-mnist': 64, 'rmm-shallow': 256 };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const TRAIN_PRESETS = 'drmm-compact,rmm-shallow';

type Part = 'inference' | 'train' | 'all';
const part: Part = process.argv.includes('--all') ? 'all' : process.argv.includes('--train') ? 'train' : 'inference';

function trainConfig(quick: boolean, profile: boolean, tfjsFused: boolean): TrainBenchConfig | undefined {
  if (part === 'inference') return undefined;
  const presets = (arg('--train-presets') ?? TRAIN_PRESETS).split(',') as PresetName[];
  for (const p of presets) if (!(p in DEFAULT_BATCH)) throw new Error(`unknown preset ${p}`);
  const batch = Number(arg('--train-batch') ?? 64);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--train-batch must be a positive integer, got ${arg('--train-batch')}`);
  return {
    presets,
    batch,
    lr: 1e-3,
    batches: 8,
    checkSteps: 3,
    samples: quick ? 2 : 7,
    minSamples: quick ? 2 : 3,
    budgetMs: quick ? 10_000 : 150_000,
    targetSampleMs: quick ? 1_000 : 5_000,
    maxStepsPerSample: 20,
    profile,
    tfjsFused,
  };
}

function config(): BenchConfig {
  const quick = process.argv.includes('--quick');
  const names = (part === 'train' ? [] : (arg('--presets') ?? 'drmm-compact,drmm-mnist,rmm-shallow').split(',')) as PresetName[];
  const batch = arg('--batch');
  const presets: PresetConfig[] = names.map((preset) => {
    if (!(preset in DEFAULT_BATCH)) throw new Error(`unknown preset ${preset}`);
    return { preset, throughputBatch: batch ? Number(batch) : DEFAULT_BATCH[preset] };
  });
  const profile = process.argv.includes('--profile') || (!quick && !process.argv.includes('--no-profile'));
  const tfjsFused = !process.argv.includes('--tfjs-unfused');
  return {
    presets,
    gateBatch: 32,
    warmup: quick ? 1 : 3,
    reps: quick ? 3 : 15,
    budgetMs: quick ? 2_000 : 12_000,
    profile,
    tfjsFused,
    train: trainConfig(quick, profile, tfjsFused),
  };
}

interface EngineSource {
  /** Commit of the engine code that ran, and engine files that differed from it (working tree only). */
  commit: string;
  dirty: string[];
  /** Directory holding src/ and shaders/ when benching a commit, else null (the working tree). */
  dir: string | null;
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 }).trim();

function engineSource(ref: string | undefined): EngineSource {
  if (!ref) {
    const dirty = git('status', '--porcelain', '--', 'src/engine', 'shaders').split('\n').filter(Boolean);
    return { commit: git('rev-parse', 'HEAD'), dirty, dir: null };
  }
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const dir = path.join(ROOT, 'bench', 'tmp', `ref-${commit.slice(0, 12)}`);
  if (!fs.existsSync(path.join(dir, 'src'))) {
    fs.mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', '--format=tar', commit, 'src', 'shaders'], { cwd: ROOT, maxBuffer: 1 << 28 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  return { commit, dirty: [], dir };
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'unknown';

async function interactionMain(): Promise<void> {
  const browserVersion = spawnSync(findChrome(), ['--version'], { encoding: 'utf8' }).stdout.trim();
  const f = await runInteraction(process.argv, browserVersion);
  const out = writeInteraction(f, arg('--out'), slug(`${f.adapter.vendor}-${f.adapter.architecture}`));
  console.log('\n' + interactionTable(f));
  console.log(`\nwrote ${path.relative(ROOT, out)}`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--interaction')) return interactionMain();
  const cfg = config();
  const load0 = os.loadavg();
  const engine = engineSource(arg('--ref'));
  console.log(`bench: engine at ${engine.commit.slice(0, 12)}${engine.dir ? ' (extracted)' : engine.dirty.length ? ` + uncommitted ${engine.dirty.join(', ')}` : ''}`);
  const chrome = findChrome();
  const browserVersion = spawnSync(chrome, ['--version'], { encoding: 'utf8' }).stdout.trim();
  // No config file: the bench needs no plugin, and the app's config (React, vitest) is not ours.
  const server = await createServer({
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    clearScreen: false,
    // No HMR, no watcher: other people edit the tree while a bench runs, and a full reload
    // would kill the page mid-run. The modules are loaded once, at page load.
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
    resolve: { alias: engine.dir ? [{ find: /^\.\.\/src\//, replacement: `${engine.dir}/src/` }] : [] },
    // Pre-bundle tfjs at start-up, so the dev server does not reload the page mid-bench when it
    // discovers the dependency on first request.
    optimizeDeps: { entries: ['bench/index.html'], include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-core/dist/register_all_gradients', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-webgl', 'onnxruntime-web/webgpu', '@jax-js/jax'] },
  });
  await server.listen();
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') throw new Error('vite: no TCP address');
  const url = `http://127.0.0.1:${addr.port}/bench/index.html`;
  const browser = await launchBrowser({ webgpu: true });
  try {
    const { page } = browser;
    page.on('console', (m) => {
      if (m.type() === 'error' || m.text().startsWith('[bench]')) console.log(m.text());
    });
    page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
    console.log(`bench: ${url} in ${browserVersion}`);
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => !!window.drmmBench, null, { timeout: 120_000 });
    const loaded = (f: string) => (server.moduleGraph.getModulesByFile(path.join(f, 'src/engine/gpu/engine.ts'))?.size ?? 0) > 0;
    if (!loaded(engine.dir ?? ROOT) || (engine.dir && loaded(ROOT))) throw new Error('the page did not load the engine from the intended source');
    const hostLoad = watchHostLoad();
    const result: BenchResult = await page.evaluate((c) => window.drmmBench!.run(c), cfg);
    const otherLoad = hostLoad();
    const file: BenchFile = {
      ...result,
      browser: browserVersion,
      engine: { commit: engine.commit, uncommitted: engine.dirty, source: engine.dir ? 'extracted from the commit' : 'working tree' },
      host: { platform: `${os.platform()} ${os.release()}`, cpu: os.cpus()[0]?.model ?? '?', cores: os.cpus().length, node: process.version, loadavgStart: load0, loadavgEnd: os.loadavg() },
      otherLoad,
    };
    const a = result.adapter;
    const out = arg('--out') ?? freshResultPath(path.join(ROOT, 'bench', 'results', `${result.date.slice(0, 10)}-${slug(`${a.vendor}-${a.architecture}`)}${part === 'inference' ? '' : `-${part}`}.json`));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(file, null, 2) + '\n');
    console.log('\n' + summary(file));
    console.log('\n' + peersSummary(file));
    if (file.train) console.log('\n' + trainSummary(file.train));
    console.log(`\nwrote ${path.relative(ROOT, out)}`);
    if (result.presets.some((p) => !p.gate.pass)) process.exitCode = 1;
    // Training: every implementation ran, and the convnet losses agree with both tfjs backends.
    const trainOk = (p: TrainPresetResult) => p.impls.every((i) => !i.error) && lossAgrees(p.convnetLossRelDiff.webgpu) && lossAgrees(p.convnetLossRelDiff.webgl);
    if (result.train?.presets.some((p) => !trainOk(p))) process.exitCode = 1;
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
