/**
 * Prints a model file's header, one tensor to a line (docs/MODEL_FORMAT.md's example comes from it):
 *
 *   npx tsx scripts/model-header.ts FILE [--current | --run] [--metrics N] [--write OUT]
 *
 * --current: the header this app would write for the same model now (the file is read and written
 * again in memory, so an old version's file shows as the current version); --run: the same through
 * the training core (decodeRun, encodeRun), so an old run's training record shows as a run is
 * recorded now; --write OUT saves the file shown; --metrics N: show only the first N records of
 * training.metrics (the rest are counted).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { readModelFile, writeModelFile } from '../src/engine/modelFile';
import { decodeRun, encodeRun } from '../src/engine/train/checkpoint';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { current: { type: 'boolean' }, run: { type: 'boolean' }, metrics: { type: 'string' }, write: { type: 'string' } },
});
if (positionals.length !== 1) {
  console.error('usage: npx tsx scripts/model-header.ts FILE [--current | --run] [--metrics N] [--write OUT]');
  process.exit(2);
}
let bytes: Uint8Array = fs.readFileSync(positionals[0]);
if (values.run) {
  bytes = encodeRun(decodeRun(bytes));
} else if (values.current) {
  const f = readModelFile(bytes);
  bytes = writeModelFile({ kind: f.kind, spec: f.spec, preset: f.preset, params: f.params, training: f.training, extra: f.extra });
}
if (values.write) fs.writeFileSync(values.write, bytes);
const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + h)));
const keep = values.metrics === undefined ? Infinity : Number(values.metrics);
const metrics: unknown[] | undefined = header.training?.metrics;
if (metrics && metrics.length > keep) header.training.metrics = [...metrics.slice(0, keep), `... ${metrics.length - keep} more records`];

// Indented, except that each tensor entry, architecture level and metric record stays on one line.
const oneLine = (v: unknown) => JSON.stringify(v).replace(/([,:])(?=["{[\d\-tfn])/g, '$1 ');
const lines = (v: unknown, indent: string, inline: (path: string) => boolean, path: string): string => {
  if (v === null || typeof v !== 'object' || inline(path) || Object.keys(v).length === 0) return oneLine(v);
  const inner = indent + '  ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + lines(x, inner, inline, `${path}[]`)).join(',\n')}\n${indent}]`;
  return `{\n${Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${lines(x, inner, inline, `${path}.${k}`)}`).join(',\n')}\n${indent}}`;
};
const inline = (p: string) => ['.checksum', '.architecture.input', '.architecture.levels[]', '.tensors[]', '.training.metrics[]'].includes(p) || p.startsWith('.training.config.');
console.log(`version ${new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)}, header ${h} bytes, file ${bytes.length} bytes`);
console.log(lines(header, '', inline, ''));
