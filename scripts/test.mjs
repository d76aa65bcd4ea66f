#!/usr/bin/env node
// `npm test`: runs vitest (all of tests/, or whatever extra CLI args select) on the Node GPU adapter
// that tests/setup/global.ts chooses (a hardware GPU, else lavapipe, else SwiftShader), then runs
// the kernel tests again on each other software adapter, with VK_ICD_FILENAMES pointed at it: two
// Vulkan implementations with different threading catch missing barriers and unwritten memory that
// one alone hides. Streams vitest's output and prints one summary line over all runs:
//   tests: N passed, M failed[, K skipped]
// Exit status is non-zero if any run failed, if any test was skipped (a skipped GPU test must not
// pass as green), if a run ran no test at all, or if a required software adapter is missing.
// Required: those named in DRMM_REQUIRE_ADAPTERS (comma-separated: lavapipe, swiftshader; .ci/run
// sets it), else SwiftShader when CI is set, else none (a missing one is then a loud warning).
// With file arguments, the kernel tests run again only where an argument names them
// (`npm test -- tests/gpu/kernels.test.ts`); DRMM_KERNEL_ADAPTERS=0 turns the extra runs off.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(root, 'test-results');
fs.mkdirSync(resultsDir, { recursive: true });

/** The tests that check kernels (and the whole DP and the G-step built from them) against the CPU reference. */
const KERNEL_TESTS = ['tests/gpu/device.test.ts', 'tests/gpu/kernels.test.ts', 'tests/gpu/gemm.test.ts', 'tests/gpu/pipeline.test.ts', 'tests/gpu/train.test.ts'];
const SOFTWARE = /** @type {const} */ (['lavapipe', 'swiftshader']);
const NAMES = { lavapipe: 'lavapipe', swiftshader: 'SwiftShader' };

const userArgs = process.argv.slice(2);
const ci = /^(1|true|yes)$/i.test(process.env.CI ?? '');
const required = new Set(
  (process.env.DRMM_REQUIRE_ADAPTERS ?? (ci ? 'swiftshader' : ''))
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean),
);
for (const r of required) {
  if (!SOFTWARE.includes(r)) {
    console.error(`DRMM_REQUIRE_ADAPTERS names '${r}'; known: ${SOFTWARE.join(', ')}`);
    process.exit(2);
  }
}

// Same as `npx vitest ...`, without npx's start-up cost and npm config warnings.
const localBin = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');

let child;
const forward = (signal) => () => child?.kill(signal);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));

/**
 * One vitest run; returns its counts from the JSON report, with the failure rules above applied,
 * and the adapter survey tests/setup/global.ts wrote (null if none).
 */
async function runVitest(label, args, env) {
  const tag = label.replace(/[^\w-]+/g, '-');
  const report = path.join(resultsDir, `vitest-${tag}.json`);
  const adapterReport = path.join(resultsDir, `adapter-${tag}.json`);
  for (const f of [report, adapterReport]) fs.rmSync(f, { force: true }); // never read a stale report
  const vitestArgs = ['run', '--reporter=default', '--reporter=json', `--outputFile=${path.relative(root, report)}`, ...args];
  const [cmd, cmdArgs] = fs.existsSync(localBin) ? [process.execPath, [localBin, ...vitestArgs]] : ['npx', ['vitest', ...vitestArgs]];
  child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env, DRMM_ADAPTER_REPORT: adapterReport } });
  const status = await new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`could not start vitest: ${err.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  let adapters = null;
  try {
    adapters = JSON.parse(fs.readFileSync(adapterReport, 'utf8'));
  } catch {
    // reported by the caller
  }
  let json;
  try {
    json = JSON.parse(fs.readFileSync(report, 'utf8'));
  } catch (err) {
    console.error(`${label}: vitest JSON report ${path.relative(root, report)} missing or unreadable (${err.code ?? err.message}); vitest exit status ${status}`);
    return { passed: 0, failed: 1, skipped: 0, adapters };
  }

  const passed = json.numPassedTests ?? 0;
  let failed = json.numFailedTests ?? 0;
  const skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);

  // Files that failed without a failing test (import/syntax errors, failing hooks) count as failures.
  const suiteErrors = (json.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
  );
  for (const file of suiteErrors) {
    console.error(`FAILED (no test could report it): ${path.relative(root, file.name)}${file.message ? `: ${file.message.split('\n')[0]}` : ''}`);
  }
  failed += suiteErrors.length;

  const skippedNames = (json.testResults ?? []).flatMap((file) =>
    (file.assertionResults ?? [])
      .filter((t) => t.status === 'pending' || t.status === 'skipped' || t.status === 'todo')
      .map((t) => `${path.relative(root, file.name)} > ${t.fullName ?? t.title}`),
  );
  for (const name of skippedNames) console.error(`SKIPPED (counts as failure): ${name}`);

  const noTests = passed + failed + skipped === 0;
  if (noTests) console.error(`${label}: no tests ran (vitest exit status ${status}); that counts as a failure`);
  if (status !== 0 && failed === 0) {
    // e.g. no test files matched, unhandled errors, or a vitest crash after all tests passed.
    if (!noTests) console.error(`${label}: vitest exited with status ${status} although no test failed (unhandled error?); counting 1 failure`);
    failed = 1;
  }
  return { passed, failed, skipped, adapters };
}

const lines = []; // one per run, repeated above the summary
let passed = 0;
let failed = 0;
let skipped = 0;
const add = (what, r) => {
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  lines.push(`  ${what}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`);
};

const main = await runVitest('all', userArgs, {});
const survey = main.adapters;
let mainKind = null;
if (survey?.chosen) {
  mainKind = survey.chosen.kind;
  add(`${userArgs.length ? 'selected tests' : 'all tests'}, GPU tests on ${survey.chosen.name}`, main);
} else {
  add(`${userArgs.length ? 'selected tests' : 'all tests'}, GPU adapter unknown`, main);
  console.error(`no Node GPU adapter: ${survey?.error ?? 'tests/setup/global.ts wrote no adapter report'}`);
}

// The kernel test files for the extra runs: all of them, or those the arguments name.
const pathArgs = userArgs.filter((a) => !a.startsWith('-') && (a.includes('/') || /\.tsx?$/.test(a)));
const kernelFiles = process.env.DRMM_KERNEL_ADAPTERS === '0' ? [] : userArgs.length === 0 ? KERNEL_TESTS : KERNEL_TESTS.filter((k) => pathArgs.some((a) => k.includes(a.replace(/^\.\//, ''))));

const warnings = [];
if (kernelFiles.length) {
  for (const kind of SOFTWARE) {
    if (kind === mainKind) continue; // the main run already ran them there
    const entry = survey?.software?.[kind];
    if (!entry?.available) {
      const why = entry?.missing ?? survey?.error ?? 'no adapter survey';
      const msg = `${NAMES[kind]} is not available, so the kernel tests did NOT run on it: ${why}`;
      if (required.has(kind)) {
        console.error(`FAILED: ${msg} (required: ${process.env.DRMM_REQUIRE_ADAPTERS ? 'DRMM_REQUIRE_ADAPTERS' : 'CI is set'})`);
        add(`kernel tests on ${NAMES[kind]} (required, missing)`, { passed: 0, failed: 1, skipped: 0 });
      } else warnings.push(`WARNING: ${msg}`);
      continue;
    }
    const { icd, name } = entry.available;
    console.log(`\n=== kernel tests again on ${name} (VK_ICD_FILENAMES=${icd}): ${kernelFiles.join(' ')} ===\n`);
    const r = await runVitest(kind, kernelFiles, { VK_ICD_FILENAMES: icd });
    const got = r.adapters?.chosen?.kind;
    if (got !== kind) {
      console.error(`FAILED: VK_ICD_FILENAMES=${icd} gave ${r.adapters?.chosen?.name ?? 'no adapter'}, not ${NAMES[kind]}`);
      r.failed += 1;
    }
    add(`kernel tests on ${name}`, r);
  }
}

for (const w of warnings) console.error(`\n${'!'.repeat(100)}\n${w}\n${'!'.repeat(100)}`);
console.log(`\n${lines.join('\n')}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
const ok = failed === 0 && skipped === 0 && passed > 0;
process.exit(ok ? 0 : 1);
