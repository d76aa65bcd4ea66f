/**
 * The training section of the dashboard: settings, start / pause / resume / step / reset, the
 * speed estimate, progress, checkpoints and the autosave offer; and the latest-metrics table the
 * dashboard shows next to it. The loop itself is in session.ts; this only shows the store's
 * `training` slice and calls the session. The charts and templates are the dashboard's.
 */
import { useEffect, useState, type ChangeEvent, type ReactNode } from 'react';
import { PRESET_NAMES, type PresetName } from '../../engine';
import { TRAIN_MODES, type TrainMode } from '../../engine/train';
import { Options } from '../Options';
import { useApp } from '../store';
import { useServices } from '../services';
import { fmtSig } from './LineChart';
import { BATCH_MAX, LABELLED_CHOICES, LOSS_TERMS, LOSS_TERM_INFO, epochSeconds, formatDuration, stepMsAt, stepsPerEpochFor } from './logic';
import type { TrainingState } from './slice';
import type { AutosaveSummary } from './autosave';
import { RowBoundary } from '../panels/PanelBoundary';

const MODE_LABEL: Record<TrainMode, string> = {
  supervised: 'supervised (all labels)',
  'semi-supervised': 'semi-supervised (N_L labels)',
  unsupervised: 'unsupervised (no labels)',
  convnet: 'convnet baseline (cross-entropy only)',
};

const BATCH_CHOICES = [8, 12, 16, 24, 32, 48, 64, 96, 128];

export function TrainingSection() {
  const { training } = useServices();
  // The resume offer: every autosaved run, listed once the training section is first shown.
  useEffect(() => void training.checkAutosave(), [training]);
  const open = useApp((s) => s.training.open);
  const patch = useApp((s) => s.patchTraining);
  const status = useApp((s) => s.training.status);
  const hasSpeed = useApp((s) => s.training.speed !== null);
  const onToggle = () => {
    patch({ open: !open });
    if (!open && !hasSpeed && status === 'idle') void training.measure();
  };
  return (
    <section className="training" data-testid="training" aria-label="Training">
      <div className="training-head">
        <h2>Train the model in the page (EG)</h2>
        <button type="button" data-testid="training-open" aria-expanded={open} onClick={onToggle}>
          {open ? 'Hide the training controls' : 'Open the training controls'}
        </button>
        {!open && <StatusLine compact />}
      </div>
      <ResumeOffer />
      {open && <TrainingPanel />}
    </section>
  );
}

/**
 * Every autosaved run this browser holds (model, mode, seed, step, when), each with Resume and
 * Discard; runs another tab is training are marked (resuming one here makes a copy, discarding it
 * is refused); stored records that failed their check are named with the reason and a Delete.
 * The run this tab trains is not offered.
 */
function ResumeOffer() {
  const { training } = useServices();
  const offer = useApp((s) => s.training.resumeOffer);
  if (!offer) return null;
  const runs = offer.runs.filter((r) => r.openIn !== 'this-tab');
  if (runs.length === 0 && offer.broken.length === 0 && !offer.error) return null;
  return (
    <div className="notice resume-offer" role="status" data-testid="train-resume-offer" data-count={runs.length} data-broken={offer.broken.length}>
      {offer.error && (
        <p className="error" role="alert" data-testid="train-resume-error">
          {offer.error}
        </p>
      )}
      {runs.length > 0 && (
        <>
          <p>{runs.length === 1 ? 'An autosaved run was found in this browser:' : `${runs.length} autosaved runs were found in this browser:`}</p>
          <ul className="autosave-runs">
            {runs.map((r) => (
              <RowBoundary key={r.runId} as="li" what="This autosaved run" deleteLabel="Discard" onDelete={() => void training.discardAutosave(r.runId)}>
                <AutosaveRow run={r} crossTab={offer.crossTab} />
              </RowBoundary>
            ))}
          </ul>
        </>
      )}
      {offer.broken.length > 0 && (
        <>
          <p>
            {offer.broken.length === 1 ? 'One stored autosave record' : `${offer.broken.length} stored autosave records`} could not be read and{' '}
            {offer.broken.length === 1 ? 'was' : 'were'} left out (the other runs are not affected):
          </p>
          <ul className="autosave-broken">
            {offer.broken.map((b, i) => (
              <li key={i} data-testid="train-autosave-broken" data-label={b.label}>
                <code>{b.label}</code>: {b.reason}.{' '}
                <button type="button" onClick={() => void training.discardBrokenAutosave(b)} aria-label={`Delete ${b.label}`} data-testid="train-broken-delete">
                  Delete
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function AutosaveRow({ run, crossTab }: { run: AutosaveSummary; crossTab: boolean }) {
  const { training } = useServices();
  const m = run.meta;
  const nl = m.mode === 'semi-supervised' && m.labelled ? `, N_L = ${m.labelled}` : '';
  const elsewhere = run.openIn === 'other-tab';
  return (
    <li data-testid="train-autosave" data-run-id={run.runId} data-seed={m.seed} data-step={m.step} data-open-in={run.openIn ?? 'none'}>
      {m.preset ?? 'custom model'}, {m.mode}
      {nl}, seed {m.seed}, batch {m.batchSize}; step {m.step}, saved {new Date(m.savedAt).toLocaleString()}
      {elsewhere && <em> — being trained in another tab (resuming it here continues a copy)</em>}
      {!crossTab && <span className="dim"> (this browser cannot tell whether another tab is training it)</span>}
      {run.problem && (
        <span className="warn" data-testid="train-autosave-problem">
          {' '}
          — {run.problem}
        </span>
      )}{' '}
      <button type="button" onClick={() => void training.resumeAutosave(run.runId)} data-testid="train-resume-autosave" data-run-id={run.runId}>
        Resume training from epoch {m.epoch} step {m.stepInEpoch}
      </button>{' '}
      <button
        type="button"
        onClick={() => void training.discardAutosave(run.runId)}
        disabled={elsewhere}
        title={elsewhere ? 'Another tab is training this run: discard it there' : undefined}
        data-testid="train-discard-autosave"
        data-run-id={run.runId}
      >
        Discard
      </button>
    </li>
  );
}

function TrainingPanel() {
  const notice = useApp((s) => s.training.notice);
  const backend = useApp((s) => s.backend);
  return (
    <div className="training-body">
      {backend.kind === 'cpu' && (
        <p className="notice warn" role="status">
          This trainer runs on WebGPU, which this browser lacks ({backend.reason}). Use &ldquo;Train on the CPU&rdquo; below: the same objective on a
          1,000-digit subset.
        </p>
      )}
      {notice && (
        <p className={`notice ${notice.kind === 'info' ? 'ok' : notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="train-notice" data-kind={notice.kind}>
          {notice.text}
        </p>
      )}
      <div className="control-bar">
        <RunSettings />
        <OptimSettings />
      </div>
      <Buttons />
      <StatusLine />
      <Estimate />
      <Progress />
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// settings

/** A number input that keeps what is typed until it is a valid value, then commits it. */
function NumberField(props: { label: ReactNode; value: number; onCommit: (v: number) => void; valid: (v: number) => boolean; testId: string; disabled?: boolean; step?: string; title?: string }) {
  const [draft, setDraft] = useState<string | null>(null);
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    setDraft(e.target.value);
    const v = Number(e.target.value);
    if (e.target.value.trim() !== '' && Number.isFinite(v) && props.valid(v)) props.onCommit(v);
  };
  return (
    <label title={props.title}>
      {props.label}
      <input
        type="number"
        className="narrow"
        step={props.step ?? 'any'}
        value={draft ?? String(props.value)}
        onChange={onChange}
        onBlur={() => setDraft(null)}
        disabled={props.disabled}
        data-testid={props.testId}
        aria-invalid={draft !== null && !(Number.isFinite(Number(draft)) && props.valid(Number(draft)))}
      />
    </label>
  );
}

function useLocked(): { locked: boolean; busy: boolean } {
  const hasRun = useApp((s) => s.training.progress !== null);
  const status = useApp((s) => s.training.status);
  const busy = status === 'running' || status === 'pausing' || status === 'busy' || status === 'measuring';
  return { locked: hasRun || busy, busy };
}

function RunSettings() {
  const s = useApp((st) => st.training.settings);
  const set = useApp((st) => st.setTrainingSettings);
  const { locked } = useLocked();
  return (
    <fieldset className="controls" disabled={locked} title={locked ? 'Fixed for this run: Reset to change' : undefined}>
      <legend>Run</legend>
      <label>
        Architecture
        <select value={s.preset} onChange={(e) => set({ preset: e.target.value as PresetName })} data-testid="train-preset">
          <Options values={PRESET_NAMES} />
        </select>
      </label>
      <label>
        Mode
        <select value={s.mode} onChange={(e) => set({ mode: e.target.value as TrainMode })} data-testid="train-mode">
          <Options values={TRAIN_MODES} text={(m) => MODE_LABEL[m]} />
        </select>
      </label>
      <label>
        N_L (labelled)
        <select value={s.labelled} onChange={(e) => set({ labelled: Number(e.target.value) })} disabled={s.mode !== 'semi-supervised'} data-testid="train-labelled">
          <Options values={LABELLED_CHOICES} />
        </select>
      </label>
      <NumberField label="Seed" value={s.seed} onCommit={(v) => set({ seed: v })} valid={(v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff} step="1" testId="train-seed" />
    </fieldset>
  );
}

function OptimSettings() {
  const s = useApp((st) => st.training.settings);
  const speed = useApp((st) => st.training.speed);
  const set = useApp((st) => st.setTrainingSettings);
  const shownTraining = useApp((st) => st.shownSlot === 'training');
  const hasTraining = useApp((st) => !!st.slots.training);
  const pretrainedName = useApp((st) => {
    const src = st.slots.pretrained?.source;
    return src?.kind === 'file' ? src.fileName : src?.kind === 'random' ? `random weights, seed ${src.seed}` : 'the other model';
  });
  const choices = [...new Set([...BATCH_CHOICES, ...(typeof s.batch === 'number' ? [s.batch] : [])])].sort((a, b) => a - b);
  const w = s.weights;
  const nonneg = (v: number) => v >= 0;
  return (
    <fieldset className="controls">
      <legend>Optimiser (editable between steps)</legend>
      <NumberField label="Learning rate" value={s.lr} onCommit={(v) => set({ lr: v })} valid={(v) => v > 0 && v < 10} testId="train-lr" />
      <label>
        Batch
        <select
          value={String(s.batch)}
          onChange={(e) => set({ batch: e.target.value === 'auto' ? 'auto' : Number(e.target.value) })}
          data-testid="train-batch"
        >
          <option value="auto">auto{speed ? ` (${speed.autoBatch})` : ''}</option>
          <Options values={choices} />
        </select>
      </label>
      <NumberField label="a_rc" title="weight of the reconstruction term" value={w.rc} onCommit={(v) => set({ weights: { ...w, rc: v } })} valid={nonneg} testId="train-w-rc" />
      <NumberField label="a_kl" title="weight of the entropy (KL to uniform) term" value={w.kl} onCommit={(v) => set({ weights: { ...w, kl: v } })} valid={nonneg} testId="train-w-kl" />
      <NumberField label="a_nn" title="weight of the nonnegativity term" value={w.nn} onCommit={(v) => set({ weights: { ...w, nn: v } })} valid={nonneg} testId="train-w-nn" />
      <NumberField label="a_bal" title="weight of the class-balance term: penalises batches whose unlabelled images are all predicted as the same few classes, KL(mean prediction || uniform) (semi-supervised and unsupervised modes only)" value={w.bal} onCommit={(v) => set({ weights: { ...w, bal: v } })} valid={nonneg} testId="train-w-bal" />
      <NumberField label="a_cr" title="weight of the contrastive rendering term: the image rendered from its class must match it better than one rendered from a rival class, by the margin m" value={w.cr} onCommit={(v) => set({ weights: { ...w, cr: v } })} valid={nonneg} testId="train-w-cr" />
      <NumberField label="m (a_cr margin)" title="margin m of the contrastive rendering term, in mean squared error per pixel (used only when a_cr > 0)" value={s.crMargin} onCommit={(v) => set({ crMargin: v })} valid={nonneg} testId="train-cr-margin" />
      <NumberField label="Epochs" value={s.epochs} onCommit={(v) => set({ epochs: v })} valid={(v) => Number.isInteger(v) && v >= 1 && v <= 1000} step="1" testId="train-epochs" />
      <label className="check">
        <input type="checkbox" checked={shownTraining} disabled={!hasTraining} onChange={(e) => set({ liveSync: e.target.checked })} data-testid="train-live" />
        Show the model being trained in the panels (instead of {pretrainedName})
      </label>
    </fieldset>
  );
}

// ---------------------------------------------------------------------------------------------
// buttons, status, estimate, progress

function Buttons() {
  const status = useApp((s) => s.training.status);
  const hasRun = useApp((s) => s.training.progress !== null);
  const trainReady = useApp((s) => s.train !== null);
  const testReady = useApp((s) => s.test !== null);
  const history = useApp((s) => s.training.metrics.history.length);
  const session = useServices().training;
  const running = status === 'running' || status === 'pausing';
  const busy = status === 'busy' || status === 'measuring';
  const dead = status === 'unavailable';
  const canGo = !running && !busy && !dead && trainReady;
  const onLoad = (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.target;
    const file = input.files?.[0];
    if (file) void session.loadFile(file).finally(() => (input.value = ''));
  };
  return (
    <div className="train-buttons" role="group" aria-label="Training controls">
      <button type="button" onClick={() => session.start()} disabled={!canGo} data-testid="train-start">
        {hasRun ? 'Resume' : 'Start'}
      </button>
      <button type="button" onClick={() => void session.pause()} disabled={status !== 'running'} data-testid="train-pause">
        Pause
      </button>
      <button type="button" onClick={() => void session.stepOnce()} disabled={!canGo} data-testid="train-step">
        Single step
      </button>
      <button type="button" onClick={() => void session.reset()} disabled={!hasRun || busy || dead} data-testid="train-reset">
        Reset
      </button>
      <span className="sep" />
      <button type="button" onClick={() => void session.evaluateNow()} disabled={!hasRun || !testReady || busy || dead} data-testid="train-evaluate">
        Evaluate the test set
      </button>
      <button type="button" onClick={() => void session.measure()} disabled={running || busy || dead} data-testid="train-measure">
        Measure speed
      </button>
      <span className="sep" />
      <button type="button" onClick={() => void session.saveFile()} disabled={!hasRun || busy || dead} data-testid="train-save">
        Save checkpoint (.drmm)
      </button>
      <label className="file">
        Load checkpoint
        <input type="file" accept=".drmm,application/octet-stream" onChange={onLoad} disabled={busy || dead} data-testid="train-load" />
      </label>
      <button type="button" onClick={() => session.exportCsv()} disabled={history === 0} data-testid="train-csv">
        Export metrics (CSV)
      </button>
    </div>
  );
}

const STATUS_TEXT: Record<TrainingState['status'], string> = {
  idle: 'Not started',
  measuring: 'Measuring the speed…',
  ready: 'Ready',
  running: 'Training…',
  pausing: 'Pausing after this step…',
  paused: 'Paused',
  busy: 'Working…',
  unavailable: 'Unavailable',
};

function StatusLine({ compact = false }: { compact?: boolean }) {
  const status = useApp((s) => s.training.status);
  const busyWhat = useApp((s) => s.training.busyWhat);
  const train = useApp((s) => s.splits.train);
  const lastSaved = useApp((s) => s.training.lastSaved);
  if (compact) {
    return status === 'running' ? (
      <span className="dim" data-testid="train-status-compact">
        training in the background…
      </span>
    ) : null;
  }
  return (
    <p className="train-status" role="status" data-testid="train-status" data-status={status}>
      <strong>{STATUS_TEXT[status]}</strong>
      {busyWhat ? ` (${busyWhat})` : ''}
      {train.state !== 'ready' && <span className="dim"> · waiting for the training set ({train.total ? Math.floor((100 * train.loaded) / train.total) : 0}%)</span>}
      {lastSaved && (
        <span className="dim">
          {' '}
          · last {lastSaved.where === 'autosave' ? 'autosave (this browser)' : 'saved file'}: epoch {lastSaved.epoch} step {lastSaved.stepInEpoch}
        </span>
      )}
    </p>
  );
}

function Estimate() {
  const speed = useApp((s) => s.training.speed);
  const settings = useApp((s) => s.training.settings);
  const progress = useApp((s) => s.training.progress);
  const trainCount = useApp((s) => s.train?.count ?? 60000);
  if (!speed) return null;
  const batch = progress?.batch ?? (settings.batch === 'auto' ? speed.autoBatch : settings.batch);
  const stepMs = stepMsAt(speed.fit, batch);
  const spe = progress?.stepsPerEpoch ?? stepsPerEpochFor(settings.mode, batch, trainCount);
  const slowest = speed.fit.phase.overhead + speed.fit.phase.perImage * batch;
  const split = stepMs > 100;
  const observed = speed.observedStepMs !== null && speed.observedBatch === batch ? speed.observedStepMs : null;
  return (
    <p
      className="dim train-estimate"
      data-testid="train-estimate"
      data-batch={batch}
      data-step-ms={stepMs.toFixed(1)}
      data-auto-batch={speed.autoBatch}
      data-split={split}
      data-samples={JSON.stringify(speed.samples.map((x) => ({ batch: x.batch, phaseMs: x.phaseMs.map((v) => Math.round(v)) })))}
      data-observed-step-ms={observed === null ? '' : observed.toFixed(1)}
    >
      Measured on {speed.adapter}: about <strong>{formatDuration(epochSeconds(spe, stepMs))} an epoch</strong> at batch {batch} ({spe.toLocaleString('en')} steps of ~
      {stepMs.toFixed(0)} ms; slowest phase ~{slowest.toFixed(0)} ms)
      {observed !== null && (
        <>
          ; while training, {observed.toFixed(0)} ms a step, i.e. <strong>{formatDuration((spe * observed) / 1000)} an epoch</strong>
        </>
      )}
      . {split ? 'Each phase of a step is submitted on its own so the page stays responsive.' : 'One submit a step.'} Auto batch: {speed.autoBatch} (the largest with one
      phase within ~100 ms; at most {BATCH_MAX}).
    </p>
  );
}

function Progress() {
  const p = useApp((s) => s.training.progress);
  const reports = useApp((s) => s.training.metrics.reports);
  const evalProgress = useApp((s) => s.training.evalProgress);
  const eta = useApp((s) => s.training.eta);
  const status = useApp((s) => s.training.status);
  if (!p) return null;
  const pct = (100 * p.stepInEpoch) / p.stepsPerEpoch;
  return (
    <div className="train-progress" data-testid="train-progress" data-step={p.step} data-epoch={p.epoch} data-step-in-epoch={p.stepInEpoch} data-reports={reports}>
      <span>
        Epoch <strong>{p.epoch}</strong> · step <strong>{p.stepInEpoch.toLocaleString('en')}</strong> / {p.stepsPerEpoch.toLocaleString('en')} ({p.step.toLocaleString('en')} in all) · batch{' '}
        {p.batch}
      </span>
      <div className="progress-track" role="progressbar" aria-label="Epoch progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      {eta && status === 'running' && (
        <span className="dim">
          epoch ends in {formatDuration(eta.epochSeconds)}; run in {formatDuration(eta.runSeconds)}
        </span>
      )}
      {evalProgress && (
        <span className="eval-progress" data-testid="train-eval-progress">
          Evaluating the test set: {evalProgress.done.toLocaleString('en')} / {evalProgress.count.toLocaleString('en')}
          <span className="progress-track" role="progressbar" aria-label="Test evaluation" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round((100 * evalProgress.done) / evalProgress.count)}>
            <span className="progress-fill" style={{ width: `${(100 * evalProgress.done) / evalProgress.count}%` }} />
          </span>
        </span>
      )}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// metrics

function pct(v: number | undefined): string {
  return v !== undefined && Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '—';
}

export function MetricsTable() {
  const latest = useApp((s) => s.training.metrics.latest);
  const lastTest = useApp((s) => s.training.metrics.lastTest);
  const first = useApp((s) => s.training.metrics.history.find((r) => Number.isFinite(r.total)) ?? null);
  const eta = useApp((s) => s.training.eta);
  const rows: [string, string, string, number | undefined][] = [
    ...LOSS_TERMS.map((k): [string, string, string, number | undefined] => [k, k === 'total' ? 'total loss' : k, LOSS_TERM_INFO[k], latest?.[k]]),
    ['trainAccuracy', 'train accuracy', 'on the labelled images of the recent batches', latest?.trainAccuracy],
    ['testAccuracy', 'test accuracy', lastTest ? `10,000 test digits, at step ${lastTest.step}` : 'not evaluated yet', lastTest?.accuracy],
    ['imagesPerSecond', 'images / s', 'since the last start or resume', latest?.imagesPerSecond],
  ];
  return (
    <table className="train-metrics" data-testid="train-metrics" data-first-total={first ? String(first.total) : ''}>
      <caption>
        Latest metrics{latest ? ` (step ${latest.step}, means over the steps since the previous read)` : ''}
        {first && latest && first !== latest ? ` · first total ${fmtSig(first.total)}` : ''}
      </caption>
      <tbody>
        {rows.map(([key, name, info, v]) => (
          <tr key={key} data-metric={key} data-value={v === undefined ? '' : String(v)}>
            <th scope="row">{name}</th>
            <td>{key.endsWith('Accuracy') ? pct(v) : key === 'imagesPerSecond' ? (v !== undefined && Number.isFinite(v) ? v.toFixed(1) : '—') : fmtSig(v ?? NaN)}</td>
            <td className="dim">{info}</td>
          </tr>
        ))}
        <tr data-metric="eta">
          <th scope="row">ETA</th>
          <td>{eta ? formatDuration(eta.runSeconds) : '—'}</td>
          <td className="dim">to the end of the planned epochs</td>
        </tr>
      </tbody>
    </table>
  );
}
