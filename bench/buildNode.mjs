// Bundles the Node bench (bench/node.ts) into one ES module, bench/dist/node-bench.mjs, that runs
// with Node alone beside the `webgpu` package (left external: it holds Dawn's native addon). The
// engine's `?raw` WGSL imports are inlined as strings, as Vite does for the app.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const raw = {
  name: 'raw',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (a) => ({ path: path.resolve(a.resolveDir, a.path.slice(0, -4)), namespace: 'raw' }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, (a) => ({ contents: fs.readFileSync(a.path, 'utf8'), loader: 'text' }));
  },
};
const outfile = path.join(root, 'bench', 'dist', 'node-bench.mjs');
await build({
  entryPoints: [path.join(root, 'bench', 'node.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
  outfile,
  plugins: [raw],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
console.log(`wrote ${path.relative(root, outfile)} (${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB); run: node ${path.relative(root, outfile)} [--presets a,b] [--batch N]`);
