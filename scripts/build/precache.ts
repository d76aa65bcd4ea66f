/**
 * Vite plugin (build only) that writes dist/sw.js: the service worker of src/sw/sw.ts bundled as
 * one classic script, with the precache manifest of this build in front of it.
 *
 * The manifest lists the emitted page, scripts and styles (hashed names), the MNIST splits and the
 * shipped models found in public/ at build time, each with its SHA-256 and size. Its version is a
 * hash of all of them, so any change to any file makes a new sw.js, which browsers pick up as an
 * update. Written here rather than with workbox-build or vite-plugin-pwa: about a hundred lines
 * of our own against a dependency tree of bundlers and Babel for the same result.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build, type Plugin, type ResolvedConfig } from 'vite';
import { MANIFEST_GLOBAL, isPrecachedBuildFile, isPrecachedPublicFile, manifestFingerprint, type PrecacheEntry, type PrecacheManifest } from '../../src/sw/manifest.ts';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Files under dir, as forward-slash paths relative to it. */
function listFiles(dir: string, rel = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((d) => {
    const p = rel ? `${rel}/${d.name}` : d.name;
    return d.isDirectory() ? listFiles(dir, p) : d.isFile() ? [p] : [];
  });
}

/** The manifest for a build: its emitted files plus the public files the app needs offline. */
export function buildManifest(emitted: { fileName: string; content: string | Uint8Array }[], publicDir: string | null): PrecacheManifest {
  const entries: PrecacheEntry[] = [];
  for (const f of emitted) {
    if (!isPrecachedBuildFile(f.fileName)) continue;
    entries.push({ url: f.fileName, revision: sha256(f.content), size: typeof f.content === 'string' ? Buffer.byteLength(f.content) : f.content.byteLength });
  }
  for (const rel of publicDir ? listFiles(publicDir) : []) {
    if (!isPrecachedPublicFile(rel)) continue;
    const content = fs.readFileSync(path.join(publicDir!, rel));
    entries.push({ url: rel, revision: sha256(content), size: content.byteLength });
  }
  entries.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  return { version: sha256(manifestFingerprint(entries)).slice(0, 16), entries };
}

/** The worker bundled on its own, as an IIFE: a classic script with no imports, as every browser's service workers accept. */
async function bundleWorker(root: string): Promise<string> {
  const out = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    build: {
      write: false,
      emptyOutDir: false,
      target: 'es2022',
      minify: true,
      sourcemap: false,
      lib: { entry: path.join(root, 'src/sw/sw.ts'), formats: ['iife'], name: 'drmmServiceWorker', fileName: () => 'sw.js' },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as { output: { type: string; code?: string }[] }[];
  const chunk = outputs.flatMap((o) => o.output).find((o) => o.type === 'chunk');
  if (!chunk?.code) throw new Error('precache: bundling src/sw/sw.ts produced no code');
  return chunk.code;
}

export function precachePlugin(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'drmm-precache',
    apply: 'build',
    // After Vite's own plugins have emitted index.html and every asset.
    enforce: 'post',
    configResolved(c) {
      config = c;
    },
    // order 'post': after every other plugin's generateBundle, Vite's import analysis included,
    // which still rewrites chunks that load others with styles (their preload lists); hashing
    // before it would record a revision the served file does not have.
    generateBundle: { order: 'post', async handler(_options, bundle) {
      const emitted = Object.values(bundle).map((f) => ({ fileName: f.fileName, content: f.type === 'chunk' ? f.code : f.source }));
      if (!emitted.some((f) => f.fileName === 'index.html')) this.error('precache: the build emitted no index.html');
      const manifest = buildManifest(emitted, config.publicDir || null);
      const worker = await bundleWorker(config.root);
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: `self.${MANIFEST_GLOBAL}=${JSON.stringify(manifest)};\n${worker}` });
      const mb = (manifest.entries.reduce((a, e) => a + e.size, 0) / 1e6).toFixed(1);
      config.logger.info(`sw.js: precache version ${manifest.version}, ${manifest.entries.length} files, ${mb} MB`);
    } },
  };
}
