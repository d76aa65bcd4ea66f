// The CI dependency audit's judgement (scripts/lib/audit.ts): which npm audit findings fail the run,
// which an exception covers, and what happens when the registry does not answer.
import { describe, expect, it } from 'vitest';
import { findings, judge, parseExceptions, parseReport, summary, type AuditException } from '../../scripts/lib/audit';

/** A report shaped as `npm audit --json` (auditReportVersion 2) prints it. */
const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    'deep-lib': {
      name: 'deep-lib',
      severity: 'critical',
      isDirect: false,
      via: [{ source: 1101, name: 'deep-lib', dependency: 'deep-lib', title: 'Prototype pollution', url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc', severity: 'critical', cwe: ['CWE-1321'], cvss: { score: 9.8 }, range: '<2.0.1' }],
      effects: ['d3-thing'],
      range: '<2.0.1',
      nodes: ['node_modules/deep-lib'],
      fixAvailable: true,
    },
    'd3-thing': { name: 'd3-thing', severity: 'critical', isDirect: true, via: ['deep-lib'], effects: [], range: '1.x', nodes: ['node_modules/d3-thing'], fixAvailable: true },
    parser: {
      name: 'parser',
      severity: 'high',
      isDirect: true,
      via: [
        { source: 2202, name: 'parser', dependency: 'parser', title: 'ReDoS', url: 'https://github.com/advisories/GHSA-dddd-ffff-gggg', severity: 'high', range: '<3.0.0' },
        { source: 2203, name: 'parser', dependency: 'parser', title: 'Information exposure', url: 'https://github.com/advisories/GHSA-hhhh-jjjj-mmmm', severity: 'moderate', range: '<3.1.0' },
      ],
      effects: [],
      range: '<3.1.0',
      nodes: ['node_modules/parser'],
      fixAvailable: false,
    },
  },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 1, critical: 2, total: 3 }, dependencies: { prod: 42, dev: 0, optional: 0, peer: 0, peerOptional: 0, total: 41 } },
};

const ex = (e: Partial<AuditException> & { id: AuditException['id'] }): AuditException => ({ reason: 'not reachable from the app: only used by a build script', ...e });

describe('findings', () => {
  it('lists each advisory once, under the package it is in, with its GHSA id', () => {
    const f = findings(report);
    expect(f.map((x) => [x.package, x.id, x.severity, x.source])).toEqual([
      ['deep-lib', 'GHSA-aaaa-bbbb-cccc', 'critical', 1101],
      ['parser', 'GHSA-dddd-ffff-gggg', 'high', 2202],
      ['parser', 'GHSA-hhhh-jjjj-mmmm', 'moderate', 2203],
    ]);
  });
});

describe('judge', () => {
  const today = '2026-11-23';
  it('fails on high and critical findings with no exception, never on moderate', () => {
    const v = judge(findings(report), [], today);
    expect(v.failing.map((f) => f.id)).toEqual(['GHSA-aaaa-bbbb-cccc', 'GHSA-dddd-ffff-gggg']);
    expect(v.counts).toEqual({ critical: 1, high: 1, moderate: 1 });
  });
  it('an exception by GHSA id (any case) or by npm number covers its finding', () => {
    const v = judge(findings(report), [ex({ id: 'ghsa-AAAA-bbbb-cccc' }), ex({ id: 2202 })], today);
    expect(v.failing).toEqual([]);
    expect(v.excepted.map((e) => e.finding.id)).toEqual(['GHSA-aaaa-bbbb-cccc', 'GHSA-dddd-ffff-gggg']);
  });
  it('an exception limited to another package, or expired, covers nothing', () => {
    const v = judge(findings(report), [ex({ id: 'GHSA-aaaa-bbbb-cccc', package: 'other' }), ex({ id: 2202, until: '2026-11-22' })], today);
    expect(v.failing).toHaveLength(2);
    expect(v.expired.map((e) => e.id)).toEqual([2202]);
    expect(v.unused.map((e) => e.id)).toEqual(['GHSA-aaaa-bbbb-cccc']);
    // On its last day it still applies.
    expect(judge(findings(report), [ex({ id: 2202, until: today })], today).failing).toHaveLength(1);
  });
  it('says which exceptions match nothing, and summarises', () => {
    const v = judge(findings(report), [ex({ id: 'GHSA-aaaa-bbbb-cccc' }), ex({ id: 2202 }), ex({ id: 9999 })], today);
    expect(v.unused.map((e) => e.id)).toEqual([9999]);
    const lines = summary(v, 42);
    expect(lines[0]).toBe('npm audit (runtime dependencies: 42 packages): 1 critical, 1 high, 1 moderate, 0 low, 0 info');
    expect(lines.at(-1)).toBe('npm audit: no high or critical finding without an exception');
    expect(lines.some((l) => l.includes('9999 matches no finding'))).toBe(true);
    expect(summary(judge(findings(report), [], today), 42).at(-1)).toBe('npm audit: 2 high or critical finding(s) without an exception: failing');
  });
});

describe('parseExceptions', () => {
  it('accepts the shipped file shape', () => {
    expect(parseExceptions({ about: '...', exceptions: [] })).toEqual([]);
    expect(parseExceptions({ exceptions: [{ id: 'GHSA-aaaa-bbbb-cccc', reason: 'dev-only code path', until: '2027-01-31' }] })).toHaveLength(1);
  });
  it('refuses exceptions without a reason, with a bad id or date, or with unknown fields', () => {
    expect(() => parseExceptions({})).toThrow('must be an object with an "exceptions" list');
    expect(() => parseExceptions({ exceptions: [{ id: 2202 }] })).toThrow('exceptions[0].reason must say why');
    expect(() => parseExceptions({ exceptions: [{ id: 'CVE-2024-1', reason: 'because it is fine' }] })).toThrow('exceptions[0].id must be a GHSA id');
    expect(() => parseExceptions({ exceptions: [{ id: 2202, reason: 'because it is fine', until: 'soon' }] })).toThrow('until must be a date');
    expect(() => parseExceptions({ exceptions: [{ id: 2202, reason: 'because it is fine', severity: 'low' }] })).toThrow('unknown field(s): severity');
  });
});

describe('parseReport', () => {
  it('takes a real report', () => {
    expect(parseReport(JSON.stringify(report)).ok).toBe(true);
  });
  it('turns an unreachable or refusing registry into a clear failure', () => {
    const refused = parseReport(JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405, error: { summary: '', detail: '' } }));
    expect(refused).toMatchObject({ ok: false, message: expect.stringMatching(/^npm audit got no advisories from the registry: 405 Method Not Allowed/) });
    const offline = parseReport(JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'request to https://registry.npmjs.org failed', detail: '' } }));
    expect(offline).toMatchObject({ ok: false, message: expect.stringContaining('ENOTFOUND — request to https://registry.npmjs.org failed') });
    expect(parseReport('')).toMatchObject({ ok: false, message: 'npm audit printed no JSON report (no output)' });
  });
});
