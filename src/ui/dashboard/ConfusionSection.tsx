/**
 * The confusion matrix of the installed model on the test set: a button to classify all test
 * digits (controller.classifyTestSet, chunked, with progress), the matrix (marked stale once the
 * model changes), its exports, and the test digits of a chosen cell as thumbnails; clicking one
 * opens it in the overview.
 */
import { useMemo, useRef, useState } from 'react';
import { useServices } from '../services';
import { MapCanvas } from '../MapCanvas';
import { imageScale } from '../scales';
import { useApp } from '../store';
import { formatDuration } from '../train/logic';
import { ConfusionLegend, ConfusionMatrix } from './ConfusionMatrix';
import { chartExports } from './chartExports';
import { cellIndices, confusionCounts, confusionTable, fmtPercent } from './confusion';
import { ExportButtons } from '../export/ExportButtons';

const IMAGE = imageScale();
const PAGE = 60;

function Thumb({ index, pred }: { index: number; pred: number }) {
  const test = useApp((s) => s.test);
  const setDigitIndex = useApp((s) => s.setDigitIndex);
  const setPanel = useApp((s) => s.setPanel);
  const pixels = useMemo(() => {
    if (!test) return null;
    const n = test.rows * test.cols;
    return Float32Array.from(test.pixels.subarray(index * n, (index + 1) * n), (v) => v / 255);
  }, [test, index]);
  if (!test || !pixels) return null;
  const label = test.labels[index];
  return (
    <li>
      <button
        type="button"
        className="thumb"
        onClick={() => {
          setDigitIndex(index);
          setPanel('overview');
        }}
        aria-label={`Test digit ${index} (label ${label}, predicted ${pred}): open it in the overview`}
        data-testid="cell-digit"
        data-index={index}
      >
        <MapCanvas data={pixels} height={test.rows} width={test.cols} scale={IMAGE} label={`Test digit ${index}`} caption={`#${index}`} displayWidth={42} kind="thumb" />
      </button>
    </li>
  );
}

function CellDigits({ t, p, pred, labels, done }: { t: number; p: number; pred: Int32Array; labels: Uint8Array; done: number }) {
  const [limit, setLimit] = useState(PAGE);
  // `done` changes as chunks arrive into the same prediction array.
  const all = useMemo(() => cellIndices(pred, labels, t, p), [pred, labels, t, p, done]);
  const shown = all.slice(0, limit);
  return (
    <div className="cell-digits" data-testid="cell-digits" data-true={t} data-pred={p} data-count={all.length}>
      <h4>
        True {t}, predicted {p}: {all.length.toLocaleString('en')} {t === p ? 'correctly classified' : 'misclassified'} test digit{all.length === 1 ? '' : 's'}
      </h4>
      {all.length === 0 ? (
        <p className="dim">None.</p>
      ) : (
        <>
          <p className="dim note">Click a digit to open it in the overview.</p>
          <ul className="thumbs">
            {shown.map((i) => (
              <Thumb key={i} index={i} pred={p} />
            ))}
          </ul>
          {all.length > limit && (
            <button type="button" onClick={() => setLimit(limit + PAGE)}>
              Show {Math.min(PAGE, all.length - limit)} more (of {(all.length - limit).toLocaleString('en')})
            </button>
          )}
        </>
      )}
    </div>
  );
}

export function ConfusionSection() {
  const { controller } = useServices();
  const test = useApp((s) => s.test);
  const tp = useApp((s) => s.testPredictions);
  const modelVersion = useApp((s) => s.modelVersion);
  const engineReady = useApp((s) => s.engineState === 'ready');
  const training = useApp((s) => s.training.status === 'running' && s.training.settings.liveSync);
  const [selected, setSelected] = useState<{ t: number; p: number } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const running = tp !== null && tp.done < tp.count;
  const stale = tp !== null && tp.modelVersion !== modelVersion;
  const done = tp?.done ?? 0;
  // `done` changes as chunks arrive into the same prediction array.
  const result = useMemo(() => {
    if (!tp || !test) return null;
    try {
      return { c: confusionCounts(tp.pred, test.labels, tp.classes), error: null };
    } catch (e) {
      return { c: null, error: e instanceof Error ? e.message : String(e) };
    }
  }, [tp, test, done]);
  const c = result?.c ?? null;
  const onClassify = () => {
    setError(null);
    setSelected(null);
    controller.classifyTestSet().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  const pct = tp ? Math.round((100 * tp.done) / Math.max(1, tp.count)) : 0;
  // Time left from the rate so far (the CPU reference takes minutes, a GPU seconds).
  const started = useRef<{ version: number; t0: number; done0: number } | null>(null);
  const left = useMemo(() => {
    if (!tp || !running) return null;
    const now = performance.now();
    const s = started.current;
    if (!s || s.version !== tp.modelVersion || tp.done < s.done0) {
      started.current = { version: tp.modelVersion, t0: now, done0: tp.done };
      return null;
    }
    const rate = (tp.done - s.done0) / ((now - s.t0) / 1000);
    return rate > 0 ? (tp.count - tp.done) / rate : null;
  }, [tp, running]);

  return (
    <section className="dash-box confusion" aria-label="Confusion matrix" data-testid="confusion" data-stale={stale} data-done={done} data-total={c?.total ?? 0}>
      <h3>Confusion matrix on the test set</h3>
      <div className="confusion-controls">
        <button type="button" onClick={onClassify} disabled={!test || !engineReady || running} data-testid="classify-test-set">
          {tp && !stale && !running ? 'Classify the test set again' : 'Classify the test set'}
        </button>
        {tp && (
          <span className="classify-progress" data-testid="classify-progress" data-done={tp.done} data-count={tp.count}>
            {tp.done.toLocaleString('en')} / {tp.count.toLocaleString('en')} classified{left !== null ? `, about ${formatDuration(left)} left` : ''}
            <span className="progress-track" role="progressbar" aria-label="Classifying the test set" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
              <span className="progress-fill" style={{ width: `${pct}%` }} />
            </span>
          </span>
        )}
        {!tp && <span className="dim">Runs the installed model on all {test ? test.count.toLocaleString('en') : '10,000'} test digits.</span>}
      </div>
      {training && <p className="dim note">While training shows its weights in the panels, the model changes every few seconds and a classification stops at the next change: pause training first.</p>}
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {result?.error && (
        <p className="notice error" role="alert">
          {result.error}
        </p>
      )}
      {stale && (
        <p className="notice warn" role="status" data-testid="confusion-stale">
          Stale: computed for an earlier model. Classify the test set again for the model in use.
        </p>
      )}
      {c && c.total > 0 && (
        <div className={stale ? 'confusion-body stale' : 'confusion-body'}>
          <figure className="confusion-figure">
            <figcaption>
              <strong>Accuracy {fmtPercent(c.correct / c.total)}</strong>{' '}
              <span className="dim">
                ({c.correct.toLocaleString('en')} of {c.total.toLocaleString('en')}
                {running ? ' classified so far' : ''}). Each cell: count and % of its row.
              </span>
              <ExportButtons {...chartExports('confusion matrix')} csv={() => confusionTable(c)} testId="export-confusion" />
            </figcaption>
            <ConfusionMatrix c={c} selected={selected} onSelect={(t, p) => setSelected({ t, p })} />
            <ConfusionLegend />
          </figure>
          {selected && tp && test ? (
            <CellDigits key={`${selected.t}-${selected.p}`} t={selected.t} p={selected.p} pred={tp.pred} labels={test.labels} done={done} />
          ) : (
            <p className="dim cell-hint">Choose a cell to see its test digits (off the diagonal: the misclassified ones).</p>
          )}
        </div>
      )}
    </section>
  );
}
