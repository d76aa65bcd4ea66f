/// <reference types="vitest/config" />
// (The reference above adds vitest's `test` block to vite's UserConfig type, so `tsc` accepts
// vite.config.ts; it belongs at the top of vite.config.ts and can move there.)
// Builds the app (npm run build, skipped when dist/ is up to date) and serves dist/ statically for
// end-to-end tests, the way a static host would (no special headers unless asked).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// E2E_DIST builds and serves another directory, so that two checkouts' worth of work (or two
// people editing one tree) can run end-to-end tests at once without overwriting one build.
export const DIST = process.env.E2E_DIST ? path.resolve(ROOT, process.env.E2E_DIST) : path.join(ROOT, 'dist');

/** Everything whose change makes dist/ stale. Missing entries are ignored. */
const BUILD_INPUTS = [
  'src',
  'shaders',
  'public',
  'index.html',
  'vite.config.ts',
  'tsconfig.json',
  'package.json',
  'package-lock.json',
];

function newestMtime(p: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // catches deletions/renames inside the directory
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** Why dist/ must be rebuilt, or null when dist/index.html is newer than every build input. */
export function staleReason(): string | null {
  if (process.env.FORCE_BUILD) return 'FORCE_BUILD is set';
  const index = path.join(DIST, 'index.html');
  if (!fs.existsSync(index)) return 'dist/index.html is missing';
  const built = fs.statSync(index).mtimeMs;
  for (const input of BUILD_INPUTS) {
    if (newestMtime(path.join(ROOT, input)) >= built) return `${input} changed since the last build`;
  }
  return null;
}

let buildPromise: Promise<void> | undefined;

/**
 * Runs `npm run build` (so package.json's prebuild hooks, e.g. generating public/data, run too)
 * in a child process unless dist/ is up to date. dist/index.html's mtime is then set to the
 * build's start time, so an edit made during the build still counts as newer (the one cost: a
 * build whose prebuild step first writes public/data is redone once on the next call).
 */
export function buildApp(): Promise<void> {
  buildPromise ??= (async () => {
    const reason = staleReason();
    if (!reason) return;
    console.log(`[buildApp] npm run build (${reason})`);
    const started = new Date();
    const env = { ...process.env };
    // Vitest sets NODE_ENV=test (and VITEST*); they must not leak into a production build.
    delete env.NODE_ENV;
    for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const args = ['run', 'build', ...(process.env.E2E_DIST ? ['--', '--outDir', DIST, '--emptyOutDir'] : [])];
      const child = spawn('npm', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`npm run build failed (exit ${code}):\n${output.join('').slice(-8000)}`);
    const index = path.join(DIST, 'index.html');
    if (!fs.existsSync(index)) throw new Error(`npm run build succeeded but ${index} is missing`);
    fs.utimesSync(index, started, started);
  })();
  buildPromise.catch(() => {
    buildPromise = undefined;
  });
  return buildPromise;
}

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/wgsl; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

export interface ServeOptions {
  /** Directory to serve (default dist/). */
  dir?: string;
  /** Send COOP/COEP headers (cross-origin isolation, for SharedArrayBuffer). Default false. */
  crossOriginIsolated?: boolean;
}

export interface Served {
  /** Base URL with trailing slash, e.g. http://127.0.0.1:39123/ (a secure context for WebGPU). */
  url: string;
  port: number;
  /** Paths requested that were not found (useful to assert no 404s). */
  notFound: string[];
  close(): Promise<void>;
}

/** Serves dist/ (or opts.dir) on 127.0.0.1 at a random free port with a tiny static server. */
export async function serveDist(opts: ServeOptions = {}): Promise<Served> {
  const dir = path.resolve(opts.dir ?? DIST);
  if (!fs.existsSync(path.join(dir, 'index.html'))) throw new Error(`${dir}/index.html missing: run buildApp() first`);
  const notFound: string[] = [];

  const server = http.createServer((req, res) => {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, 'bad url');
    }
    let file = path.join(dir, pathname);
    if (file !== dir && !file.startsWith(dir + path.sep)) return send(403, 'forbidden');
    try {
      if (fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    } catch {
      /* handled below */
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
    } catch {
      notFound.push(pathname);
      return send(404, `not found: ${pathname}`);
    }
    const headers: http.OutgoingHttpHeaders = {
      'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-store',
    };
    if (opts.crossOriginIsolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('serveDist: no TCP address');
  const port = address.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    notFound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
