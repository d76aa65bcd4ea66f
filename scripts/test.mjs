#!/usr/bin/env node
// `npm test`: runs vitest (all of tests/, or whatever extra CLI args select), streams its output,
// then prints one summary line from its JSON report:
//   tests: N passed, M failed[, K skipped]
// Exit status is non-zero if vitest failed, if any test was skipped (a skipped GPU test must not
// pass as green), or if no test ran at all.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const report = path.join(root, 'test-results', 'vitest.json');
fs.mkdirSync(path.dirname(report), { recursive: true });
fs.rmSync(report, { force: true }); // never read a stale report from an earlier run

const vitestArgs = [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile=${path.relative(root, report)}`,
  ...process.argv.slice(2),
];
// Same as `npx vitest ...`, without npx's start-up cost and npm config warnings.
const localBin = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const [cmd, args] = fs.existsSync(localBin)
  ? [process.execPath, [localBin, ...vitestArgs]]
  : ['npx', ['vitest', ...vitestArgs]];

const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
const forward = (signal) => () => child.kill(signal);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));

const status = await new Promise((resolve) => {
  child.on('error', (err) => {
    console.error(`could not start vitest: ${err.message}`);
    resolve(1);
  });
  child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});

let json;
try {
  json = JSON.parse(fs.readFileSync(report, 'utf8'));
} catch (err) {
  console.error(`vitest JSON report ${path.relative(root, report)} missing or unreadable (${err.code ?? err.message}); vitest exit status ${status}`);
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
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
if (noTests) console.error(`no tests ran (vitest exit status ${status}); that counts as a failure`);
if (status !== 0 && failed === 0) {
  // e.g. no test files matched, unhandled errors, or a vitest crash after all tests passed.
  if (!noTests) console.error(`vitest exited with status ${status} although no test failed (unhandled error?); counting 1 failure`);
  failed = 1;
}

console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
const ok = status === 0 && failed === 0 && skipped === 0 && passed > 0;
process.exit(ok ? 0 : 1);
