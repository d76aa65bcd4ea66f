/**
 * Judging `npm audit --omit=dev --json` (issue 5, item 6): high and critical advisories against the
 * runtime dependencies fail CI unless .ci/audit-exceptions.json names them with a reason. Pure
 * functions; scripts/audit.ts runs npm and prints.
 */

export const FAILING_SEVERITIES = ['high', 'critical'] as const;

/** One advisory against one installed package. */
export interface Finding {
  /** The GitHub advisory id (GHSA-...) when the advisory has one, else npm's numeric id as a string. */
  id: string;
  /** npm's numeric advisory id. */
  source: number | null;
  package: string;
  severity: string;
  title: string;
  url: string;
  range: string;
}

export interface AuditException {
  /** "GHSA-xxxx-xxxx-xxxx", or npm's numeric advisory id. */
  id: string | number;
  /** Limits the exception to one package (an advisory can name several). */
  package?: string;
  /** Why it is acceptable: required, so every exception is an informed decision. */
  reason: string;
  /** YYYY-MM-DD: after this day the exception no longer applies, so it is looked at again. */
  until?: string;
}

export interface Verdict {
  failing: Finding[];
  excepted: { finding: Finding; exception: AuditException }[];
  /** Exceptions that matched nothing (the advisory is fixed: remove them). */
  unused: AuditException[];
  /** Exceptions past their `until` date (they except nothing). */
  expired: AuditException[];
  counts: Record<string, number>;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The registry's answer, or why it is not one: npm prints an error object (no `vulnerabilities`)
 * when the registry cannot be reached or refuses the audit endpoint.
 */
export function parseReport(stdout: string): { ok: true; report: Json } | { ok: false; message: string } {
  let report: unknown;
  try {
    report = JSON.parse(stdout);
  } catch {
    return { ok: false, message: `npm audit printed no JSON report (${stdout.trim().slice(0, 200) || 'no output'})` };
  }
  if (!isObj(report)) return { ok: false, message: 'npm audit printed something other than a JSON object' };
  if (!isObj(report.vulnerabilities) || !isObj(report.metadata)) {
    const err = isObj(report.error) ? report.error : {};
    const why = [report.message, err.code, err.summary, err.detail].filter((x) => typeof x === 'string' && x).join(' — ');
    return { ok: false, message: `npm audit got no advisories from the registry${why ? `: ${why}` : ''}. The audit needs the npm registry's audit endpoint (https://registry.npmjs.org/-/npm/v1/security/advisories/bulk); check the network or the configured registry.` };
  }
  return { ok: true, report };
}

/** Every advisory object in the report (advisories reached through another package are listed under that package). */
export function findings(report: Json): Finding[] {
  const out = new Map<string, Finding>();
  for (const [pkg, vuln] of Object.entries(isObj(report.vulnerabilities) ? report.vulnerabilities : {})) {
    if (!isObj(vuln) || !Array.isArray(vuln.via)) continue;
    for (const via of vuln.via) {
      if (!isObj(via)) continue; // a package name: that package carries the advisory itself
      const url = typeof via.url === 'string' ? via.url : '';
      const ghsa = /GHSA(-[0-9a-z]{4}){3}/i.exec(url)?.[0];
      const source = typeof via.source === 'number' ? via.source : null;
      const f: Finding = {
        id: ghsa ? `GHSA${ghsa.slice(4).toLowerCase()}` : String(source ?? url),
        source,
        package: typeof via.name === 'string' ? via.name : pkg,
        severity: typeof via.severity === 'string' ? via.severity : String(vuln.severity ?? 'unknown'),
        title: typeof via.title === 'string' ? via.title : '',
        url,
        range: typeof via.range === 'string' ? via.range : '',
      };
      out.set(`${f.id}|${f.package}`, f);
    }
  }
  return [...out.values()].sort((a, b) => (a.package + a.id < b.package + b.id ? -1 : 1));
}

/** Checks .ci/audit-exceptions.json's contents; a malformed file is an error, never "no exceptions". */
export function parseExceptions(json: unknown): AuditException[] {
  const fail = (why: string): never => {
    throw new Error(`.ci/audit-exceptions.json: ${why}`);
  };
  if (!isObj(json) || !Array.isArray(json.exceptions)) fail('must be an object with an "exceptions" list');
  return (json as { exceptions: unknown[] }).exceptions.map((e, i) => {
    if (!isObj(e)) fail(`exceptions[${i}] is not an object`);
    const x = e as Json;
    const unknown = Object.keys(x).filter((k) => !['id', 'package', 'reason', 'until'].includes(k));
    if (unknown.length) fail(`exceptions[${i}] has unknown field(s): ${unknown.join(', ')}`);
    if (!(typeof x.id === 'number' && Number.isInteger(x.id)) && !(typeof x.id === 'string' && /^GHSA(-[0-9a-z]{4}){3}$/i.test(x.id))) fail(`exceptions[${i}].id must be a GHSA id or npm's numeric advisory id`);
    if (typeof x.reason !== 'string' || x.reason.trim().length < 10) fail(`exceptions[${i}].reason must say why (at least 10 characters)`);
    if (x.package !== undefined && typeof x.package !== 'string') fail(`exceptions[${i}].package must be a string`);
    if (x.until !== undefined && (typeof x.until !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(x.until) || Number.isNaN(Date.parse(x.until)))) fail(`exceptions[${i}].until must be a date YYYY-MM-DD`);
    return x as unknown as AuditException;
  });
}

function matches(e: AuditException, f: Finding): boolean {
  const id = typeof e.id === 'number' ? f.source === e.id : f.id.toUpperCase() === e.id.toUpperCase();
  return id && (e.package === undefined || e.package === f.package);
}

/** Sorts findings into failing and excepted; `today` is YYYY-MM-DD. */
export function judge(all: Finding[], exceptions: AuditException[], today: string): Verdict {
  const expired = exceptions.filter((e) => e.until !== undefined && e.until < today);
  const live = exceptions.filter((e) => !expired.includes(e));
  const used = new Set<AuditException>();
  const failing: Finding[] = [];
  const excepted: Verdict['excepted'] = [];
  const counts: Record<string, number> = {};
  for (const f of all) {
    counts[f.severity] = (counts[f.severity] ?? 0) + 1;
    if (!(FAILING_SEVERITIES as readonly string[]).includes(f.severity)) continue;
    const exception = live.find((e) => matches(e, f));
    if (exception) {
      used.add(exception);
      excepted.push({ finding: f, exception });
    } else failing.push(f);
  }
  return { failing, excepted, unused: live.filter((e) => !used.has(e)), expired, counts };
}

/** The lines scripts/audit.ts prints. */
export function summary(v: Verdict, dependencies: number | null): string[] {
  const lines: string[] = [];
  const sev = ['critical', 'high', 'moderate', 'low', 'info'].map((s) => `${v.counts[s] ?? 0} ${s}`).join(', ');
  lines.push(`npm audit (runtime dependencies${dependencies !== null ? `: ${dependencies} packages` : ''}): ${sev}`);
  for (const f of v.failing) lines.push(`  FAIL ${f.severity} ${f.id} in ${f.package} ${f.range}: ${f.title} ${f.url}`);
  for (const { finding: f, exception: e } of v.excepted) lines.push(`  excepted ${f.severity} ${f.id} in ${f.package}: ${e.reason}${e.until ? ` (until ${e.until})` : ''}`);
  for (const e of v.expired) lines.push(`  note: the exception for ${e.id} expired on ${e.until}; it no longer applies`);
  for (const e of v.unused) lines.push(`  note: the exception for ${e.id} matches no finding; remove it from .ci/audit-exceptions.json`);
  lines.push(v.failing.length ? `npm audit: ${v.failing.length} high or critical finding(s) without an exception: failing` : 'npm audit: no high or critical finding without an exception');
  return lines;
}
