/**
 * The MNIST test set as pages of thumbnails, filtered by label, by misclassification and by the
 * confidence of the prediction (filter.ts). Only the page shown is drawn. A thumbnail selects its
 * digit on click or Enter; the arrow keys move between thumbnails (one tab stop for the grid).
 */
import { memo, useEffect, useMemo, useRef, useState, type ChangeEvent, type KeyboardEvent } from 'react';
import type { MnistSplit } from '../../data/mnistLoader';
import { ClassOptions } from '../Options';
import { useServices } from '../services';
import { imageScale, mapToRgba } from '../scales';
import { useApp, type TestPredictions } from '../store';
import { ALL_DIGITS, confidence, filterTestSet, needsPredictions, pageHolding, pageOf, predictionNote, predictionState, type TestFilter } from './filter';

/** Thumbnails per page: two rows at 1280 px. */
export const PAGE_SIZE = 40;

// The image scale's table, over bytes (the split keeps pixels as 0..255).
const BYTES = { ...imageScale(), hi: 255 };

const Thumb = memo(function Thumb({ test, index }: { test: MnistSplit; index: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    const n = test.rows * test.cols;
    ctx?.putImageData(new ImageData(mapToRgba(test.pixels, index * n, test.rows, test.cols, BYTES), test.cols, test.rows), 0, 0);
  }, [test, index]);
  return <canvas ref={ref} width={test.cols} height={test.rows} aria-hidden="true" />;
});

function describe(i: number, label: number, pred: TestPredictions | null): string {
  if (!pred) return `Test digit ${i}, label ${label}`;
  const p = confidence(pred, i);
  return `Test digit ${i}, label ${label}, predicted ${pred.pred[i]} with p = ${(100 * p).toFixed(1)}%${pred.pred[i] !== label ? ' (misclassified)' : ''}`;
}

export interface TestBrowserViewProps {
  test: MnistSplit | null;
  testPredictions: TestPredictions | null;
  modelVersion: number;
  engineReady: boolean;
  digitIndex: number;
  /** A drawing or upload is the input: no thumbnail is the current one. */
  customActive: boolean;
  onSelect(index: number): void;
  onClassify(): void;
}

/** The browser wired to the app's store and controller. */
export function TestBrowser() {
  const { controller } = useServices();
  const test = useApp((s) => s.test);
  const testPredictions = useApp((s) => s.testPredictions);
  const modelVersion = useApp((s) => s.modelVersion);
  const engineReady = useApp((s) => s.engineState === 'ready');
  const digitIndex = useApp((s) => s.digitIndex);
  const customActive = useApp((s) => s.custom !== null);
  const setDigitIndex = useApp((s) => s.setDigitIndex);
  return (
    <TestBrowserView
      test={test}
      testPredictions={testPredictions}
      modelVersion={modelVersion}
      engineReady={engineReady}
      digitIndex={digitIndex}
      customActive={customActive}
      onSelect={setDigitIndex}
      onClassify={() => void controller.classifyTestSet()}
    />
  );
}

export function TestBrowserView({ test, testPredictions, modelVersion, engineReady, digitIndex, customActive, onSelect, onClassify }: TestBrowserViewProps) {
  const [filter, setFilter] = useState<TestFilter>(ALL_DIGITS);
  // Open on the page holding the current digit.
  const [page, setPage] = useState(() => Math.floor(digitIndex / PAGE_SIZE));
  const [focusPos, setFocusPos] = useState(0);
  const grid = useRef<HTMLDivElement>(null);

  const state = predictionState(testPredictions, modelVersion, test?.count ?? 0);
  const ready = state.kind === 'ready' ? state.predictions : null;
  const note = predictionNote(state);
  const matches = useMemo(() => (test ? filterTestSet(test.labels, filter, ready) : new Int32Array(0)), [test, filter, ready]);
  const shown = pageOf(matches, page, PAGE_SIZE);
  const correct = useMemo(() => (test && ready ? countCorrect(test.labels, ready) : 0), [test, ready]);

  if (!test) {
    return <p className="dim" role="status">The test set is still loading…</p>;
  }

  const update = (f: Partial<TestFilter>) => {
    const next = { ...filter, ...f };
    setFilter(next);
    const holding = pageHolding(filterTestSet(test.labels, next, ready), digitIndex, PAGE_SIZE);
    setPage(Math.max(0, holding));
    setFocusPos(0);
  };

  const focusAt = (pos: number) => {
    const n = shown.items.length;
    if (n === 0) return;
    const p = Math.min(n - 1, Math.max(0, pos));
    setFocusPos(p);
    (grid.current?.children[p] as HTMLElement | undefined)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const kids = grid.current ? Array.from(grid.current.children) as HTMLElement[] : [];
    // Thumbnails per row, as laid out now: those on the first one's row.
    const cols = Math.max(1, kids.filter((k) => k.offsetTop === kids[0]?.offsetTop).length);
    const move: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols, Home: -Infinity, End: Infinity };
    if (!(e.key in move)) return;
    e.preventDefault();
    const to = focusPos + move[e.key];
    focusAt(to === -Infinity ? 0 : to === Infinity ? kids.length - 1 : to);
  };

  const pct = testPredictions && state.kind !== 'stale' ? Math.floor((100 * testPredictions.done) / Math.max(1, testPredictions.count)) : 0;
  const running = state.kind === 'running';
  const predDisabled = ready === null;

  return (
    <div className="test-browser" data-testid="test-browser" data-matches={matches.length} data-page={shown.page}>
      <div className="browser-filters">
        <label>
          Label
          <select value={filter.label ?? 'all'} onChange={(e: ChangeEvent<HTMLSelectElement>) => update({ label: e.target.value === 'all' ? null : Number(e.target.value) })} data-testid="filter-label">
            <option value="all">all</option>
            <ClassOptions count={10} />
          </select>
        </label>
        <label className="inline" title={note ?? undefined}>
          <input type="checkbox" checked={filter.misclassified} disabled={predDisabled} onChange={(e) => update({ misclassified: e.target.checked })} data-testid="filter-misclassified" />
          Misclassified only
        </label>
        <label title={note ?? undefined}>
          Confidence from {filter.confMin.toFixed(2)}
          <input type="range" min={0} max={1} step={0.05} value={filter.confMin} disabled={predDisabled} onChange={(e) => update({ confMin: Number(e.target.value) })} data-testid="filter-conf-min" />
        </label>
        <label title={note ?? undefined}>
          to {filter.confMax.toFixed(2)}
          <input type="range" min={0} max={1} step={0.05} value={filter.confMax} disabled={predDisabled} onChange={(e) => update({ confMax: Number(e.target.value) })} data-testid="filter-conf-max" />
        </label>
        <div className="classify">
          <button type="button" onClick={onClassify} disabled={running || !engineReady} data-testid="browser-classify">
            {state.kind === 'ready' ? 'Classify again' : 'Classify the test set'}
          </button>
          {(running || state.kind === 'ready') && (
            <span className="progress">
              <span
                className="progress-track"
                role="progressbar"
                aria-label="Classifying the test set"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={pct}
                aria-valuetext={`${testPredictions!.done.toLocaleString('en-US')} of ${testPredictions!.count.toLocaleString('en-US')} digits`}
                data-testid="browser-classify-progress"
              >
                <span className={pct === 100 ? 'progress-fill ready' : 'progress-fill'} style={{ width: `${pct}%` }} />
              </span>
              <span className="progress-text">
                {testPredictions!.done.toLocaleString('en-US')} / {testPredictions!.count.toLocaleString('en-US')}
              </span>
            </span>
          )}
        </div>
      </div>
      {note && (
        <p className="dim small" data-testid="filter-note">
          {note}
          {needsPredictions(filter) ? ' Until then the browser ignores them.' : ''}
        </p>
      )}
      {ready && (
        <p className="dim small">
          Test accuracy of this model: {((100 * correct) / test.count).toFixed(2)}% ({(test.count - correct).toLocaleString('en-US')} misclassified).
        </p>
      )}
      <div className="pager">
        <button type="button" onClick={() => setPage(0)} disabled={shown.page === 0} aria-label="First page">
          «
        </button>
        <button type="button" onClick={() => setPage(shown.page - 1)} disabled={shown.page === 0} aria-label="Page back">
          ‹
        </button>
        <span data-testid="page-text">
          Page {shown.page + 1} of {shown.pages} · {matches.length.toLocaleString('en-US')} digit{matches.length === 1 ? '' : 's'}
        </span>
        <button type="button" onClick={() => setPage(shown.page + 1)} disabled={shown.page >= shown.pages - 1} aria-label="Page forward">
          ›
        </button>
        <button type="button" onClick={() => setPage(shown.pages - 1)} disabled={shown.page >= shown.pages - 1} aria-label="Last page">
          »
        </button>
      </div>
      {matches.length === 0 ? (
        <p className="dim">No test digit passes these filters.</p>
      ) : (
        <div className="thumbs" ref={grid} role="group" aria-label={`Test digits, page ${shown.page + 1} of ${shown.pages}; arrow keys move, Enter selects`} onKeyDown={onKeyDown}>
          {Array.from(shown.items, (i, pos) => {
            const label = test.labels[i];
            const pred = ready ? ready.pred[i] : -1;
            const selected = !customActive && i === digitIndex;
            const wrong = pred >= 0 && pred !== label;
            return (
              <button
                key={i}
                type="button"
                className={`thumb${selected ? ' selected' : ''}${wrong ? ' wrong' : ''}`}
                tabIndex={pos === Math.min(focusPos, shown.items.length - 1) ? 0 : -1}
                aria-pressed={selected}
                aria-label={describe(i, label, ready)}
                onClick={() => {
                  setFocusPos(pos);
                  onSelect(i);
                }}
                data-index={i}
                data-label={label}
                data-pred={pred >= 0 ? pred : undefined}
              >
                <Thumb test={test} index={i} />
                <span className="thumb-text" aria-hidden="true">
                  {label}
                  {wrong ? `→${pred}` : ''}
                </span>
              </button>
            );
          })}
        </div>
      )}
    </div>
  );
}

function countCorrect(labels: ArrayLike<number>, p: TestPredictions): number {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (p.pred[i] === labels[i]) n++;
  return n;
}
