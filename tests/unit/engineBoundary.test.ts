// The engine's import boundary, from the parsed source of every file (vite's parseAst: imports,
// re-exports, dynamic imports, `new URL(..., import.meta.url)` worker entries, identifiers):
// - nothing in src/engine/ imports React or src/ui/, holds JSX, or uses the DOM's globals as
//   values (document, window, ...; DOM *types* such as GPUDevice are fine);
// - the rest of src/ (the page) imports the engine only through its public modules,
//   src/engine/index.ts and the engine host, src/engine/host/engineHost.ts.
import fs from 'node:fs';
import path from 'node:path';
import { parseAst } from 'vite';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const SRC = path.join(ROOT, 'src');
const ENGINE = path.join(SRC, 'engine');

/**
 * The engine's public modules, what the page may import: the engine (src/engine/index.ts:
 * inference engines, models, model files, devices and batch limits, sampling, path counts) and
 * the engine host (the one owner of the page's device and models, made at boot and handed down).
 */
const PUBLIC = new Set(['src/engine/index.ts', 'src/engine/host/engineHost.ts', 'src/engine/train/index.ts']);

/**
 * Page files and folders (ending in '/') allowed to import engine internals for a while (none
 * today); each entry must name files that still need it (the test fails on an entry none of whose
 * files imports an internal module).
 */
const TEMPORARY_EXCEPTIONS: string[] = [];
const exceptionOf = (file: string) => TEMPORARY_EXCEPTIONS.find((e) => (e.endsWith('/') ? file.startsWith(e) : file === e));

/** Values of the DOM that the engine must not touch (types of lib "dom" are fine). */
const DOM_GLOBALS = new Set([
  'document', 'window', 'localStorage', 'sessionStorage', 'indexedDB', 'location', 'history', 'customElements',
  'HTMLElement', 'HTMLCanvasElement', 'HTMLImageElement', 'Image', 'getComputedStyle', 'matchMedia', 'requestAnimationFrame', 'alert',
]);

const REACT = /^(react|react-dom)(\/|$)/;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/');

type Node = { type: string; [key: string]: unknown };
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && typeof (v as Node).type === 'string';

/** TS wrappers around a value expression: only their `expression` is code. */
const TS_VALUE = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'TSInstantiationExpression']);

interface Parsed {
  /** Module specifiers the file loads. */
  imports: string[];
  /** Names of identifiers read as values that the file does not declare. */
  freeValues: Set<string>;
  jsx: boolean;
}

function parse(file: string): Parsed {
  return parseSource(fs.readFileSync(file, 'utf8'), file.endsWith('.tsx') ? 'tsx' : 'ts');
}

function parseSource(code: string, lang: 'ts' | 'tsx'): Parsed {
  const ast = parseAst(code, { lang }) as unknown as Node;
  const imports: string[] = [];
  const declared = new Set<string>();
  const read = new Set<string>();
  let jsx = false;
  const str = (n: unknown) => (isNode(n) && n.type === 'Literal' && typeof n.value === 'string' ? n.value : null);
  const bind = (p: unknown): void => {
    if (!isNode(p)) return;
    if (p.type === 'Identifier') declared.add(p.name as string);
    else if (p.type === 'ObjectPattern') (p.properties as Node[]).forEach((q) => bind(q.type === 'RestElement' ? q.argument : q.value));
    else if (p.type === 'ArrayPattern') (p.elements as unknown[]).forEach(bind);
    else if (p.type === 'RestElement') bind(p.argument);
    else if (p.type === 'AssignmentPattern') bind(p.left);
    else if (p.type === 'TSParameterProperty') bind(p.parameter);
  };
  const walk = (n: Node, parent: Node | null, key: string): void => {
    if (n.type.startsWith('JSX')) jsx = true;
    if (n.type.startsWith('TS') && !TS_VALUE.has(n.type)) {
      // Type-level code: only an enum or a namespace declares values (none here reads the DOM).
      if (n.type === 'TSEnumDeclaration' || n.type === 'TSModuleDeclaration') bind(n.id);
      return;
    }
    switch (n.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'ExportNamedDeclaration': {
        const s = str(n.source);
        if (s !== null) imports.push(s);
        break;
      }
      case 'ImportExpression': {
        const s = str(n.source);
        imports.push(s ?? '(computed)');
        break;
      }
      case 'NewExpression': {
        // new URL('./worker.ts', import.meta.url): a module the bundler loads.
        const args = n.arguments as Node[];
        const callee = n.callee as Node;
        if (callee.type === 'Identifier' && callee.name === 'URL' && args.length === 2 && args[1].type === 'MemberExpression') {
          const s = str(args[0]);
          if (s !== null) imports.push(s);
        }
        break;
      }
      case 'ImportSpecifier':
      case 'ImportDefaultSpecifier':
      case 'ImportNamespaceSpecifier':
        bind(n.local);
        return;
      case 'VariableDeclarator':
        bind(n.id);
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        bind(n.id);
        (n.params as unknown[]).forEach(bind);
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        bind(n.id);
        break;
      case 'CatchClause':
        bind(n.param);
        break;
      case 'Identifier': {
        const isKey =
          (parent?.type === 'MemberExpression' && key === 'property' && !parent.computed) ||
          ((parent?.type === 'Property' || parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition') && key === 'key' && !parent.computed) ||
          parent?.type === 'LabeledStatement' || parent?.type === 'BreakStatement' || parent?.type === 'ContinueStatement';
        if (!isKey) read.add(n.name as string);
        return;
      }
    }
    for (const [k, v] of Object.entries(n)) {
      if (Array.isArray(v)) v.forEach((c) => isNode(c) && walk(c, n, k));
      else if (isNode(v)) walk(v, n, k);
    }
  };
  walk(ast, null, '');
  return { imports, freeValues: new Set([...read].filter((name) => !declared.has(name))), jsx };
}

/** The file a relative specifier names (null for a package or one that does not resolve). */
function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec.replace(/\?.*$/, ''));
  for (const p of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')])
    if (fs.existsSync(p) && fs.statSync(p).isFile()) return p;
  return null;
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + path.sep);

describe('the engine boundary', () => {
  const engineFiles = filesUnder(ENGINE);
  const pageFiles = filesUnder(SRC).filter((f) => !inside(f, ENGINE));

  it('parses every file and finds what it checks (the walk is not vacuous)', () => {
    expect(engineFiles.length).toBeGreaterThan(30);
    expect(pageFiles.length).toBeGreaterThan(100);
    // Known facts of the tree: the page renders JSX, uses the DOM and imports the engine.
    const app = parse(path.join(SRC, 'ui/App.tsx'));
    expect(app.jsx).toBe(true);
    expect(pageFiles.some((f) => parse(f).freeValues.has('document'))).toBe(true);
    expect(parse(path.join(SRC, 'ui/store.ts')).imports).toContain('../engine');
  });

  it('tells DOM values from types, properties and local names, and finds every kind of import', () => {
    const p = parseSource(
      `import a from './a'; export * from './b'; export { c } from './c'; const w = new Worker(new URL('./d.ts', import.meta.url));
       const e = await import('./e'); let dev: GPUDevice | null = null; type T = typeof window;
       const o = { window: 1, history: 2 }; o.document; function f(document: number) { return document; }
       const { location } = o as never; (window as Window).alert('x'); export const g = () => localStorage;`,
      'ts',
    );
    expect(p.imports).toEqual(['./a', './b', './c', './d.ts', './e']);
    expect([...p.freeValues].filter((v) => DOM_GLOBALS.has(v)).sort()).toEqual(['localStorage', 'window']);
    expect(p.jsx).toBe(false);
    expect(parseSource('export const X = () => <div />;', 'tsx').jsx).toBe(true);
  });

  it('nothing in src/engine imports React or src/ui, holds JSX or uses the DOM', () => {
    const problems: string[] = [];
    for (const f of engineFiles) {
      const p = parse(f);
      if (f.endsWith('.tsx') || p.jsx) problems.push(`${rel(f)}: JSX`);
      for (const s of p.imports) {
        if (REACT.test(s)) problems.push(`${rel(f)}: imports ${s}`);
        const target = resolve(f, s);
        if (target && inside(target, path.join(SRC, 'ui'))) problems.push(`${rel(f)}: imports ${rel(target)}`);
        if (s.startsWith('.') && !target && !s.includes('?')) problems.push(`${rel(f)}: cannot resolve ${s}`);
      }
      for (const g of DOM_GLOBALS) if (p.freeValues.has(g)) problems.push(`${rel(f)}: uses ${g}`);
    }
    expect(problems).toEqual([]);
  });

  it('the page imports the engine only through its public module', () => {
    const problems: string[] = [];
    const exceptedUsed = new Set<string>();
    let engineImports = 0;
    for (const f of pageFiles) {
      for (const s of parse(f).imports) {
        const target = resolve(f, s);
        if (!target || !inside(target, ENGINE)) continue;
        engineImports++;
        if (PUBLIC.has(rel(target))) continue;
        const exception = exceptionOf(rel(f));
        if (exception) exceptedUsed.add(exception);
        else problems.push(`${rel(f)}: imports ${rel(target)} (use ${[...PUBLIC].join(' or ')})`);
      }
    }
    expect(problems).toEqual([]);
    expect(engineImports).toBeGreaterThan(20);
    // An exception none of whose files imports an internal module must be removed from the list.
    expect(TEMPORARY_EXCEPTIONS.filter((e) => !exceptedUsed.has(e))).toEqual([]);
  });
});
