/**
 * The dashboard's line charts: one per loss term (vs step), the accuracy of this run overlaid on
 * earlier runs' and loaded CLI logs' (vs epoch, so runs of different batch sizes line up), and
 * the training speed with the ETA. Each with its CSV, SVG and PNG export.
 */
import { useMemo, useState, type ChangeEvent } from 'react';
import { useApp } from '../store';
import { LineChart } from '../train/LineChart';
import { LOSS_TERMS, LOSS_TERM_INFO, formatDuration, metricsTable, type MetricRow } from '../train/logic';
import { accuracyPoints, addRun, runLabel } from '../train/runs';
import { ExportButtons } from '../export/ExportButtons';
import { chartExports } from './chartExports';
import { overlaySeries, overlayTable, parseTrainingLog, type OverlayRun } from './overlay';
import { ShippedLogList, useShippedOverlay } from './ShippedLogList';

/** One Okabe-Ito colour per loss term (the total in the foreground colour). */
const TERM_COLOURS = { total: '#1d1d1f', ce: '#d55e00', rc: '#0072b2', ent: '#cc79a7', nn: '#009e73', bal: '#e69f00', cr: '#56b4e9' } as const;
const SPEED_COLOUR = '#009e73';

function pts(rows: MetricRow[], key: keyof MetricRow): { x: number; y: number }[] {
  return rows.filter((r) => Number.isFinite(r[key])).map((r) => ({ x: r.step, y: r[key] }));
}

/** The loss charts, as items of the caller's flex container. */
export function LossCharts() {
  const history = useApp((s) => s.training.metrics.history);
  const mode = useApp((s) => s.training.settings.mode);
  const crOff = useApp((s) => s.training.settings.weights.cr === 0);
  return (
    <>
      {LOSS_TERMS.map((k) => {
        const title = k === 'total' ? 'total loss' : k;
        const notInMode = ((k === 'ent' || k === 'bal') && mode === 'supervised') || (k !== 'total' && k !== 'ce' && mode === 'convnet');
        return (
          <LineChart
            key={k}
            testId={`chart-${k}`}
            title={title}
            subtitle={LOSS_TERM_INFO[k]}
            xLabel="step"
            width={220}
            height={120}
            emptyText={!history.length ? 'no data yet' : notInMode ? `not a term of ${mode} training` : k === 'cr' && crOff ? 'not measured (a_cr = 0)' : 'no data yet'}
            series={[{ name: k, color: TERM_COLOURS[k], points: pts(history, k) }]}
            actions={<ExportButtons {...chartExports(title)} csv={() => metricsTable(history, ['epoch', 'step', k])} testId={`export-${k}`} />}
          />
        );
      })}
    </>
  );
}

let logCount = 0;

export function AccuracyOverlay() {
  const history = useApp((s) => s.training.metrics.history);
  const hasRun = useApp((s) => s.training.progress !== null);
  const settings = useApp((s) => s.training.settings);
  const runs = useApp((s) => s.training.runs);
  const patch = useApp((s) => s.patchTraining);
  const [error, setError] = useState<string | null>(null);
  const shipped = useShippedOverlay();
  const shippedRuns = shipped.runs;

  const overlay = useMemo((): OverlayRun[] => {
    const out: OverlayRun[] = [];
    if (hasRun || history.length) {
      const label = `${runLabel({ preset: settings.preset, mode: settings.mode, labelled: settings.labelled, seed: settings.seed })} (this run)`;
      out.push({ id: 'current', label, points: accuracyPoints(history), current: true });
    }
    for (const r of runs) out.push({ id: r.id, label: r.label, points: r.points, current: false });
    for (const { run, color } of shippedRuns) out.push({ id: run.id, label: run.label, points: run.points, current: false, color });
    return out;
  }, [hasRun, history, runs, shippedRuns, settings.preset, settings.mode, settings.labelled, settings.seed]);
  const series = useMemo(() => overlaySeries(overlay), [overlay]);

  const onLoad = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.target;
    const file = input.files?.[0];
    if (!file) return;
    try {
      const run = parseTrainingLog(await file.text(), `log-${++logCount}`, file.name);
      patch((t) => ({ runs: addRun(t.runs, run) }));
      setError(null);
    } catch (err) {
      setError(`${file.name}: ${err instanceof Error ? err.message : String(err)}. Nothing was added.`);
    } finally {
      input.value = '';
    }
  };
  const remove = (id: string) => patch((t) => ({ runs: t.runs.filter((r) => r.id !== id) }));
  const colourOf = (id: string) => series.find((s) => s.runId === id)?.color ?? '#999';

  return (
    <div className="accuracy-overlay">
      <LineChart
        testId="chart-accuracy"
        title="accuracy"
        subtitle="train (dashed: recent batches) and test (solid, dots: each an evaluation of the 10,000 test digits), per run"
        xLabel="epoch"
        width={420}
        height={190}
        yDomain={[0, 1]}
        format={(v) => `${Math.round(100 * v)}%`}
        series={series}
        emptyText="no run yet: start one, or overlay a CLI log"
        actions={<ExportButtons {...chartExports('accuracy')} csv={() => overlayTable(overlay)} testId="export-accuracy" />}
      />
      <div className="overlay-runs">
        <label className="file">
          Overlay a CLI training log (.log.json)
          <input type="file" accept=".json,application/json" onChange={(e) => void onLoad(e)} data-testid="overlay-log" />
        </label>
        {error && (
          <p className="notice error" role="alert" data-testid="overlay-error">
            {error}
          </p>
        )}
        <ShippedLogList overlay={shipped} />
        {runs.length > 0 && (
          <ul className="run-list" data-testid="overlay-runs" aria-label="Earlier runs on the accuracy chart">
            {runs.map((r) => (
              <li key={r.id} data-run={r.id} data-source={r.source} data-mode={r.mode}>
                <span className="swatch" style={{ background: colourOf(r.id) }} />
                {r.label} <span className="dim">({r.points.length} points)</span>{' '}
                <button type="button" className="mini" onClick={() => remove(r.id)} aria-label={`Remove ${r.label} from the accuracy chart`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        <p className="dim note">
          Runs of this page are kept here when you reset or load another: train a DRMM mode, press Reset, choose the convnet baseline and train it to
          compare them. Training semi-supervised, the shipped 100-label runs are drawn beside yours.
        </p>
      </div>
    </div>
  );
}

export function SpeedChart() {
  const history = useApp((s) => s.training.metrics.history);
  const eta = useApp((s) => s.training.eta);
  const status = useApp((s) => s.training.status);
  const latest = useApp((s) => s.training.metrics.latest);
  const rate = latest && Number.isFinite(latest.imagesPerSecond) ? latest.imagesPerSecond : NaN;
  return (
    <div className="speed-box">
      <LineChart
        testId="chart-speed"
        title="images / s"
        subtitle="training throughput since the last start or resume"
        xLabel="step"
        series={[{ name: 'images/s', color: SPEED_COLOUR, points: pts(history, 'imagesPerSecond') }]}
        actions={<ExportButtons {...chartExports('images per second')} csv={() => metricsTable(history, ['epoch', 'step', 'imagesPerSecond', 'wallSeconds'])} testId="export-speed" />}
      />
      <p className="eta" data-testid="dash-eta" data-images-per-second={Number.isFinite(rate) ? rate.toFixed(1) : ''}>
        Now: <strong>{Number.isFinite(rate) ? `${rate.toFixed(1)} images/s` : '—'}</strong>
        <br />
        ETA:{' '}
        {eta && status === 'running' ? (
          <>
            epoch ends in <strong>{formatDuration(eta.epochSeconds)}</strong>, run in <strong>{formatDuration(eta.runSeconds)}</strong>
          </>
        ) : (
          <span className="dim">— (estimated while training runs)</span>
        )}
      </p>
    </div>
  );
}
