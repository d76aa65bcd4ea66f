// Global setup for vitest: choose the Node GPU adapter once per run (scripts/lib/nodeAdapter.ts: a
// hardware GPU, else lavapipe of Mesa >= 24, else SwiftShader; a set VK_ICD_FILENAMES overrides) and
// pin it in VK_ICD_FILENAMES, which every test file and every child process it spawns inherits.
// Prints the adapter, so every test run's output names it. When DRMM_ADAPTER_REPORT names a file,
// also writes there which software adapters exist (scripts/test.mjs runs the kernel tests on each).
import fs from 'node:fs';
import path from 'node:path';
import { surveyNodeAdapters } from '../../scripts/lib/nodeAdapter';

function writeReport(data: unknown): void {
  const report = process.env.DRMM_ADAPTER_REPORT;
  if (!report) return;
  fs.mkdirSync(path.dirname(report), { recursive: true });
  fs.writeFileSync(report, `${JSON.stringify(data, null, 2)}\n`);
}

export default async function setup(): Promise<void> {
  let survey;
  try {
    survey = await surveyNodeAdapters();
  } catch (err) {
    // No adapter at all: the GPU tests fail with this same message; the others still run.
    console.error(`GPU adapter: none. ${(err as Error).message}`);
    writeReport({ error: (err as Error).message });
    return;
  }
  const { chosen, software } = survey;
  console.log(`GPU adapter for the Node tests: ${chosen.name} (${chosen.description}), because ${chosen.why}; VK_ICD_FILENAMES=${chosen.icd ?? '(unset: the system\'s drivers)'}`);
  if ('missing' in software.lavapipe) console.log(`lavapipe not available: ${software.lavapipe.missing}`);
  writeReport(survey);
}
