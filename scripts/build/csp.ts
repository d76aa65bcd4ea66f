/**
 * The built app's Content-Security-Policy (issue 5, item 6), delivered as a <meta http-equiv>
 * because the app is hosted on static hosts that cannot set headers. Only in the build: the dev
 * server's HMR client and React refresh preamble are inline scripts, which this policy forbids.
 *
 * What a meta policy cannot do: frame-ancestors, report-uri/report-to and sandbox are ignored in a
 * meta element (a host that can send headers should add `frame-ancestors 'none'` there).
 */
import type { Plugin } from 'vite';

/** Directive -> sources. Everything is our own origin; nothing is inline and nothing is evaluated. */
export const CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  // No 'unsafe-inline' and no 'unsafe-eval': only our own hashed bundles run.
  'script-src': ["'self'"],
  // React and d3 set styles through the CSSOM (element.style), which CSP does not govern, so
  // inline style attributes and <style> elements can stay forbidden.
  'style-src': ["'self'"],
  // blob: and data: for canvases exported as images and the empty data: favicon.
  'img-src': ["'self'", 'blob:', 'data:'],
  // data: for the math typesetting's (KaTeX) smallest fonts, which the build inlines into its
  // stylesheet (under 4 kB each); a font cannot run code. The larger ones load from our origin.
  'font-src': ["'self'", 'data:'],
  // MNIST and model files come from our own origin only.
  'connect-src': ["'self'"],
  // The service worker (sw.js) and any worker we start.
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'media-src': ["'none'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'none'"],
};

/** The policy as one header value. */
export function contentSecurityPolicy(directives: Record<string, string[]> = CSP_DIRECTIVES): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Parses a policy string back into directives (for tests and for checking a served page). */
export function parsePolicy(policy: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = sources;
  }
  return out;
}

/** The page with the policy as a <meta> right after <meta charset>, before any script or style. */
export function injectPolicy(html: string, policy: string = contentSecurityPolicy()): string {
  const charset = /<meta\s+charset=[^>]*>/i.exec(html);
  // Failing the build beats shipping a page without its policy.
  if (!charset) throw new Error('CSP: index.html has no <meta charset> to put the policy after');
  if (/http-equiv=["']?content-security-policy/i.test(html)) throw new Error('CSP: index.html already has a Content-Security-Policy meta');
  const end = charset.index + charset[0].length;
  const escaped = policy.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `${html.slice(0, end)}\n    <meta http-equiv="Content-Security-Policy" content="${escaped}" />${html.slice(end)}`;
}

/**
 * What in a built page the policy would block: inline scripts, inline event handlers, javascript:
 * URLs, <style> elements and style attributes. The build fails on any, rather than ship a page
 * that breaks under its own policy.
 */
export function inlineCode(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\ssrc=/i.test(m[1]) || m[2].trim()) found.push(`inline script: ${m[0].slice(0, 80)}`);
  }
  for (const m of html.matchAll(/<[a-z][^>]*\s(on[a-z]+)\s*=/gi)) found.push(`inline event handler ${m[1]}`);
  if (/javascript:/i.test(html)) found.push('javascript: URL');
  if (/<style\b/i.test(html)) found.push('<style> element');
  for (const m of html.matchAll(/<[a-z][^>]*\sstyle\s*=/gi)) found.push(`style attribute: ${m[0].slice(0, 80)}`);
  return found;
}

/** Vite plugin: the policy in the built index.html only (see the top of this file for why not in dev). */
export function cspPlugin(policy: string = contentSecurityPolicy()): Plugin {
  return {
    name: 'drmm-csp',
    apply: 'build',
    enforce: 'post',
    transformIndexHtml: { order: 'post', handler: (html) => injectPolicy(html, policy) },
    generateBundle(_options, bundle) {
      for (const f of Object.values(bundle)) {
        if (f.type !== 'asset' || !f.fileName.endsWith('.html')) continue;
        const bad = inlineCode(typeof f.source === 'string' ? f.source : new TextDecoder().decode(f.source));
        if (bad.length) this.error(`CSP: ${f.fileName} has content its own policy blocks: ${bad.join('; ')}`);
      }
    },
  };
}
