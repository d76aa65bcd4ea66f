// The Content-Security-Policy (issue 5, item 6): the directives, where the meta goes, and the
// build-time check that the page holds nothing its own policy would block.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CSP_DIRECTIVES, contentSecurityPolicy, injectPolicy, inlineCode, parsePolicy } from '../../scripts/build/csp';

const SOURCE_HTML = fs.readFileSync(new URL('../../index.html', import.meta.url), 'utf8');

describe('the policy', () => {
  const p = parsePolicy(contentSecurityPolicy());
  it('allows only our own origin for scripts, styles, fetches and workers', () => {
    expect(p['default-src']).toEqual(["'self'"]);
    expect(p['script-src']).toEqual(["'self'"]);
    expect(p['style-src']).toEqual(["'self'"]);
    expect(p['connect-src']).toEqual(["'self'"]);
    expect(p['worker-src']).toEqual(["'self'"]);
    expect(p['img-src']).toEqual(["'self'", 'blob:', 'data:']);
    expect(p['object-src']).toEqual(["'none'"]);
    expect(p['base-uri']).toEqual(["'self'"]);
    expect(p['form-action']).toEqual(["'none'"]);
  });
  it('has no eval, no inline code, no wildcard and no other host anywhere', () => {
    for (const [name, sources] of Object.entries(p)) {
      for (const s of sources) {
        expect(s, name).not.toMatch(/unsafe-eval|unsafe-inline|unsafe-hashes|wasm-unsafe-eval|\*|https?:|wss?:|^'(nonce|sha)/);
      }
    }
  });
  it('round-trips through parsePolicy', () => {
    expect(parsePolicy(contentSecurityPolicy())).toEqual(CSP_DIRECTIVES);
  });
});

describe('injectPolicy', () => {
  it('puts the meta right after <meta charset>, before every script and stylesheet', () => {
    const html = injectPolicy(SOURCE_HTML);
    const csp = html.indexOf('http-equiv="Content-Security-Policy"');
    expect(csp).toBeGreaterThan(html.indexOf('<meta charset'));
    expect(csp).toBeLessThan(html.indexOf('<script'));
    // The charset must stay within the first 1024 bytes.
    expect(html.indexOf('<meta charset')).toBeLessThan(1024);
    const content = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1];
    expect(content.replace(/&#39;|&quot;/g, "'")).toBe(contentSecurityPolicy());
  });
  it('refuses a page without <meta charset>, or with a policy already', () => {
    expect(() => injectPolicy('<html><head></head></html>')).toThrow('no <meta charset>');
    expect(() => injectPolicy(injectPolicy(SOURCE_HTML))).toThrow('already has a Content-Security-Policy');
  });
});

describe('inlineCode', () => {
  it('finds inline scripts, handlers, javascript: URLs, <style> and style attributes', () => {
    expect(inlineCode('<script>alert(1)</script>')).toHaveLength(1);
    expect(inlineCode('<script type="module">import "x"</script>')).toHaveLength(1);
    expect(inlineCode('<script src="a.js">alert(1)</script>')).toHaveLength(1);
    expect(inlineCode('<img src="x" onerror="alert(1)">')).toEqual(['inline event handler onerror']);
    expect(inlineCode('<a href="javascript:alert(1)">x</a>')).toEqual(['javascript: URL']);
    expect(inlineCode('<style>body{}</style>')).toEqual(['<style> element']);
    expect(inlineCode('<div style="color:red">')).toHaveLength(1);
  });
  it('passes external scripts and stylesheets, and the app page itself', () => {
    expect(inlineCode('<script type="module" crossorigin src="./assets/index-1.js"></script><link rel="stylesheet" href="./assets/a.css">')).toEqual([]);
    expect(inlineCode(injectPolicy(SOURCE_HTML).replace(/<script type="module" src="\/src\/main.tsx"><\/script>/, ''))).toEqual([]);
  });
});
