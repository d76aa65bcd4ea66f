// Export helpers: CSV quoting (RFC 4180, formula-safe), SVG serialisation (namespaces, escaping,
// no script), file names, and the tables behind the overview's figures.
import { describe, expect, it } from 'vitest';
import { CpuEngine, initParams } from '../../src/engine';
import { TWO_LEVEL } from '../helpers/specs';
import { csvField, toCsv } from '../../src/ui/export/csv';
import { safeFileName } from '../../src/ui/export/download';
import { exportScale } from '../../src/ui/export/png';
import { escapeXmlAttr, serializeSvg, styleText, type SvgNode } from '../../src/ui/export/svg';
import { inputStem, levelTable, pixelsTable, probsTable } from '../../src/ui/export/tables';
import { NO_CLUTTER, type ViewResult } from '../../src/ui/store';

/** A minimal RFC 4180 reader, to check that what toCsv writes reads back cell for cell. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

describe('CSV', () => {
  it('quotes exactly the fields that need it, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('')).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(true)).toBe('true');
  });
  it('writes numbers in full and never alters them', () => {
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField(1e-30)).toBe('1e-30');
    expect(csvField(-Infinity)).toBe('-Infinity');
    expect(csvField(NaN)).toBe('NaN');
    expect(Number(csvField(Math.fround(0.7)))).toBe(Math.fround(0.7));
  });
  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
  });
  it('a table: header, CRLF line ends, short rows padded, and it reads back', () => {
    const table = { columns: ['name', 'value', 'note'], rows: [['a,b', 1.25, 'he said "no"'], ['x'], ['multi\r\nline', -0, null]] };
    const text = toCsv(table);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n')[0]).toBe('name,value,note');
    expect(text).toContain('x,,\r\n');
    expect(parseCsv(text)).toEqual([
      ['name', 'value', 'note'],
      ['a,b', '1.25', 'he said "no"'],
      ['x', '', ''],
      ['multi\r\nline', '0', ''],
    ]);
  });
});

describe('SVG serialisation', () => {
  const chart: SvgNode = {
    tag: 'svg',
    attrs: [['width', '100'], ['height', '20'], ['viewBox', '0 0 100 20'], ['aria-label', 'p < 0.5 & "q"']],
    children: [
      { tag: 'title', attrs: [], children: ['class 3: p = 0.2 <b>'] },
      { tag: 'g', attrs: [['class', 'bar'], ['onclick', 'alert(1)'], ['style', styleText([['fill', 'rgb(1, 2, 3)'], ['stroke', '']])]], children: [{ tag: 'rect', attrs: [['x', '0'], ['y', '0'], ['width', '5'], ['height', '5']], children: [] }] },
      { tag: 'script', attrs: [], children: ['alert(1)'] },
      { tag: 'foreignObject', attrs: [], children: [{ tag: 'div', attrs: [], children: ['html'] }] },
      { tag: 'use', attrs: [['xlink:href', '#a']], children: [] },
    ],
  };
  const text = serializeSvg(chart);
  it('is a standalone document with the SVG (and XLink) namespaces', () => {
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100"')).toBe(true);
    expect(text).toContain('viewBox="0 0 100 20"');
    expect(text).toContain('<rect x="0" y="0" width="5" height="5"/>');
    expect(text.trim().endsWith('</svg>')).toBe(true);
  });
  it('escapes text and attributes', () => {
    expect(text).toContain('aria-label="p &lt; 0.5 &amp; &quot;q&quot;"');
    expect(text).toContain('<title>class 3: p = 0.2 &lt;b&gt;</title>');
    expect(escapeXmlAttr('a\nb')).toBe('a&#10;b');
  });
  it('inlines style and drops scripts, event handlers and foreign HTML', () => {
    expect(text).toContain('style="fill: rgb(1, 2, 3)"');
    expect(text).not.toContain('onclick');
    expect(text).not.toContain('<script');
    expect(text).not.toContain('alert');
    expect(text).not.toContain('foreignObject');
    expect(text).not.toContain('html');
  });
  it('adds no XLink namespace when nothing uses it', () => {
    expect(serializeSvg({ tag: 'svg', attrs: [['xmlns', 'bogus']], children: [] })).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  });
});

describe('file names and sizes', () => {
  it('keeps file names to safe characters', () => {
    expect(safeFileName('drmm-digit-3-level-2.png')).toBe('drmm-digit-3-level-2.png');
    expect(safeFileName('../../etc/passwd')).toBe('etc-passwd');
    expect(safeFileName('my drawing <1>.csv')).toBe('my-drawing-1-.csv');
    expect(safeFileName('')).toBe('export');
    expect(safeFileName('x'.repeat(500))).toHaveLength(120);
  });
  it('scales small maps up by a whole factor', () => {
    expect(exportScale(28)).toBe(20);
    expect(exportScale(600)).toBe(1);
    expect(exportScale(0)).toBe(560);
  });
});

describe('the overview tables', async () => {
  const spec = TWO_LEVEL;
  const engine = new CpuEngine(spec, initParams(spec, 3));
  const image = new Float32Array(28 * 28).map((_, i) => ((i * 7) % 11) / 10);
  const result = await engine.infer({ images: image, n: 1, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering', paths: true });
  const view: ViewResult = {
    key: 'k', spec, digitIndex: 12, custom: null, clutter: NO_CLUTTER, label: 4, image, variant: 'rendering', start: 'predicted',
    startClass: result.forward.pred[0], backend: 'cpu', ms: 1, result,
  };
  it('probabilities: one row per class, the prediction and the label marked', () => {
    const t = probsTable(view);
    expect(t.rows).toHaveLength(10);
    expect(t.rows.reduce((a, r) => a + (r[1] as number), 0)).toBeCloseTo(1, 5);
    expect(t.rows.filter((r) => r[3] === 1).map((r) => r[0])).toEqual([result.forward.pred[0]]);
    expect(t.rows.filter((r) => r[4] === 1).map((r) => r[0])).toEqual([4]);
  });
  it('pixels: the input and the reconstruction at every pixel', () => {
    const t = pixelsTable(view);
    expect(t.rows).toHaveLength(784);
    expect(t.rows[29]).toEqual([1, 1, image[29], result.backtrace.pixels[29]]);
    expect(t.columns[3]).toBe(`backtrace_from_class_${view.startClass}_rendering`);
  });
  it('a level: every unit of r(l), with exactly one chosen position per pooling window', () => {
    const t = levelTable(view, 0); // 12 channels, 28x28, pooled to 14x14
    expect(t.rows).toHaveLength(12 * 28 * 28);
    const lv = result.forward.levels[0];
    const i = (5 * 28 + 9) * 28 + 17;
    const row = t.rows[i];
    expect(row.slice(0, 4)).toEqual([1, 5, 9, 17]);
    expect(row[4]).toBe(lv.u[i]);
    expect(row[6]).toBe(lv.a[i]);
    expect(row[8]).toBe(result.backtrace.levels[0].sr[i]);
    // Each 2x2 window of each channel has exactly one t_chosen = 1.
    const chosen = new Map<string, number>();
    for (const r of t.rows) if (r[7] === 1) chosen.set(`${r[1]}:${(r[2] as number) >> 1}:${(r[3] as number) >> 1}`, (chosen.get(`${r[1]}:${(r[2] as number) >> 1}:${(r[3] as number) >> 1}`) ?? 0) + 1);
    expect(chosen.size).toBe(12 * 14 * 14);
    expect([...chosen.values()].every((n) => n === 1)).toBe(true);
    expect(t.rows[i][10]).toBe(result.paths!.levels[0].throughLog10[i]);
  });
  it('file stems name the input', () => {
    expect(inputStem(view)).toBe('digit-12');
    expect(inputStem({ ...view, custom: { id: 1, kind: 'drawing', name: 'x' }, clutter: { kind: 'noise', amount: 0.3, seed: 1 } })).toBe('drawing-noise');
  });
});
