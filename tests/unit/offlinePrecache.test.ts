// The offline precache's pure parts (issue 5, item 7): which files are cached, how the version
// follows their contents, which caches an update deletes, and which requests the worker answers.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../scripts/build/precache';
import { cacheNameFor, checkManifest, isPrecachedPublicFile, precacheKey, staleCaches } from '../../src/sw/manifest';

function publicDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drmm-public-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const emitted = [
  { fileName: 'index.html', content: '<html></html>' },
  { fileName: 'assets/index-abc.js', content: 'console.log(1)' },
  { fileName: 'assets/index-abc.js.map', content: '{}' },
  { fileName: 'assets/index-def.css', content: new TextEncoder().encode('body{}') },
];

describe('buildManifest', () => {
  it('lists the page, assets, MNIST and shipped models; not source maps, checkpoints or strays', () => {
    const dir = publicDir({ 'data/mnist-test.bin': 'T', 'data/mnist-train.bin': 'TT', 'data/notes.txt': 'x', 'models/a.drmm': 'A', 'models/a.drmm.ckpt': 'C', 'models/index.json': '{}', 'robots.txt': '' });
    const m = buildManifest(emitted, dir);
    expect(m.entries.map((e) => e.url)).toEqual(['assets/index-abc.js', 'assets/index-def.css', 'data/mnist-test.bin', 'data/mnist-train.bin', 'index.html', 'models/a.drmm', 'models/index.json']);
    expect(m.entries.find((e) => e.url === 'data/mnist-train.bin')).toEqual({
      url: 'data/mnist-train.bin',
      revision: createHash('sha256').update('TT').digest('hex'),
      size: 2,
    });
    expect(() => checkManifest(m)).not.toThrow();
    fs.rmSync(dir, { recursive: true });
  });
  it('the version changes when any file changes, and only then', () => {
    const a = publicDir({ 'data/mnist-test.bin': 'T' });
    const b = publicDir({ 'data/mnist-test.bin': 'U' });
    const v1 = buildManifest(emitted, a).version;
    expect(buildManifest(emitted, a).version).toBe(v1);
    expect(buildManifest(emitted, b).version).not.toBe(v1);
    expect(buildManifest([...emitted.slice(1), { fileName: 'index.html', content: '<html> </html>' }], a).version).not.toBe(v1);
    // The revision of an unchanged file stays, so an update can reuse its cached copy.
    const r = (dir: string, url: string) => buildManifest(emitted, dir).entries.find((e) => e.url === url)!.revision;
    expect(r(a, 'index.html')).toBe(r(b, 'index.html'));
    expect(r(a, 'data/mnist-test.bin')).not.toBe(r(b, 'data/mnist-test.bin'));
    fs.rmSync(a, { recursive: true });
    fs.rmSync(b, { recursive: true });
  });
});

describe('the worker\'s rules', () => {
  it('public files: the MNIST splits, *.drmm and the models list only', () => {
    expect(['data/mnist-test.bin', 'data/mnist-train.bin', 'models/drmm-compact.drmm', 'models/index.json'].every(isPrecachedPublicFile)).toBe(true);
    expect(['models/drmm-compact.drmm.ckpt', 'data/mnist-x.bin', 'models/sub/a.drmm', 'sw.js', 'models/../x.drmm'].some(isPrecachedPublicFile)).toBe(false);
  });
  it('an update deletes only this app\'s other versions', () => {
    const current = cacheNameFor('bbbb');
    expect(staleCaches([cacheNameFor('aaaa'), current, 'someone-else', 'drmm-autosave'], current)).toEqual([cacheNameFor('aaaa')]);
  });
  it('answers navigations to the app with the cached page, exact precached URLs, and nothing else', () => {
    const scope = 'https://host.example/course/drmm/';
    const cached = new Set([`${scope}index.html`, `${scope}assets/app.js`, `${scope}data/mnist-test.bin`]);
    expect(precacheKey(`${scope}?panel=paths&digit=3`, true, scope, cached)).toBe(`${scope}index.html`);
    expect(precacheKey(`${scope}index.html#x`, true, scope, cached)).toBe(`${scope}index.html`);
    expect(precacheKey(`${scope}data/mnist-test.bin`, false, scope, cached)).toBe(`${scope}data/mnist-test.bin`);
    expect(precacheKey(`${scope}data/mnist-test.bin?v=2`, false, scope, cached)).toBeNull();
    expect(precacheKey(`${scope}other/page.html`, true, scope, cached)).toBeNull();
    expect(precacheKey('https://host.example/course/', true, scope, cached)).toBeNull();
    expect(precacheKey('https://cdn.example/course/drmm/assets/app.js', false, scope, cached)).toBeNull();
    expect(precacheKey(`${scope}models/index.json`, false, scope, cached)).toBeNull();
  });
  it('refuses a broken manifest', () => {
    const good = { version: '0123456789abcdef', entries: [{ url: 'index.html', revision: 'a'.repeat(64), size: 1 }] };
    expect(checkManifest(good)).toBe(good);
    expect(() => checkManifest(undefined)).toThrow('Invalid precache manifest: missing');
    expect(() => checkManifest({ ...good, entries: [] })).toThrow('no entries');
    expect(() => checkManifest({ ...good, entries: [{ ...good.entries[0], url: 'https://evil.example/x.js' }] })).toThrow('bad url');
    expect(() => checkManifest({ ...good, entries: [{ ...good.entries[0], url: '../x.js' }] })).toThrow('bad url');
    expect(() => checkManifest({ ...good, entries: [{ ...good.entries[0], revision: 'xyz' }] })).toThrow('bad revision');
  });
});
