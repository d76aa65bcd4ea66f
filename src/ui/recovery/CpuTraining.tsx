/**
 * The dashboard's training without WebGPU (shown only when the app runs on the CPU engine): the
 * model in use trained by the CPU reference in a worker on a small subset, with the measured speed
 * and what it means for an epoch of the subset and of all of MNIST, progress, loss and accuracy.
 */
import { useApp } from '../store';
import { formatDuration } from '../train/logic';
import { cpuEstimate } from './cpuTrainer';
import { useServices } from '../services';

const STATUS: Record<string, string> = {
  idle: 'Not started',
  preparing: 'Preparing the subset…',
  measuring: 'Measuring the speed (two steps)…',
  ready: 'Ready',
  running: 'Training on the CPU…',
  pausing: 'Pausing after this step…',
  paused: 'Paused',
  error: 'Stopped',
};

export function CpuTrainingSection() {
  const { cpuTraining } = useServices();
  const backend = useApp((s) => s.backend);
  const t = useApp((s) => s.cpuTrain);
  const trainReady = useApp((s) => s.train !== null);
  const presetName = useApp((s) => s.presetName);
  if (backend.kind !== 'cpu') return null;
  const est = t.stepMs !== null && t.batch ? cpuEstimate(t.stepMs, t.batch, t.subset) : null;
  const busy = t.status === 'preparing' || t.status === 'measuring' || t.status === 'pausing';
  return (
    <section className="dash-box cpu-training" aria-label="Training on the CPU" data-testid="cpu-training" data-status={t.status} data-step={t.step}>
      <h3>Train on the CPU (no WebGPU here)</h3>
      <p className="note">
        Without WebGPU the page trains with the CPU reference (float64, in a background worker, so the page stays responsive): the model in use
        {presetName ? ` (${presetName})` : ''}, supervised, Adam (learning rate 0.001), batch 8, on a class-balanced subset of 1,000 training
        digits; test accuracy on 500 test digits after each pass over the subset. It runs on one CPU core, so it is offered on a subset: the
        estimate below says what a full epoch would take.
      </p>
      <div className="train-buttons" role="group" aria-label="CPU training controls">
        {t.status === 'idle' || t.status === 'error' ? (
          <button type="button" onClick={() => (t.status === 'error' ? (cpuTraining.reset(), cpuTraining.prepare()) : cpuTraining.prepare())} disabled={!trainReady} data-testid="cpu-train-prepare">
            Measure the CPU training speed
          </button>
        ) : (
          <>
            <button type="button" onClick={() => cpuTraining.start()} disabled={busy || t.status === 'running'} data-testid="cpu-train-start">
              {t.step > 0 ? 'Resume' : 'Start'}
            </button>
            <button type="button" onClick={() => cpuTraining.pause()} disabled={t.status !== 'running'} data-testid="cpu-train-pause">
              Pause
            </button>
            <button type="button" onClick={() => cpuTraining.reset()} disabled={busy} data-testid="cpu-train-reset">
              Reset
            </button>
          </>
        )}
        {!trainReady && <span className="dim">waiting for the training digits…</span>}
      </div>
      <p role="status" data-testid="cpu-train-status">
        <strong>{STATUS[t.status]}</strong>
        {t.message ? ` — ${t.message}` : ''}
      </p>
      {est && (
        <p className="dim" data-testid="cpu-train-estimate" data-step-ms={t.stepMs!.toFixed(0)}>
          Measured here: about <strong>{(t.stepMs! / 1000).toFixed(2)} s a step</strong> of {t.batch} digits, so one pass over the {t.subset.toLocaleString('en')}-digit subset ({t.stepsPerEpoch} steps)
          takes about <strong>{formatDuration(est.subsetEpochS)}</strong>; one epoch of all 60,000 training digits would take about{' '}
          <strong>{formatDuration(est.fullEpochS)}</strong>.
        </p>
      )}
      {t.step > 0 && (
        <p data-testid="cpu-train-progress" data-step={t.step} data-loss={t.loss?.total ?? ''} data-accuracy={t.accuracy?.value ?? ''}>
          Step {t.step} (pass {t.epoch + (t.stepInEpoch === t.stepsPerEpoch ? 1 : 0)} over the subset, {t.stepInEpoch}/{t.stepsPerEpoch})
          {t.loss && ` · loss ${t.loss.total.toFixed(4)} (cross-entropy ${t.loss.ce.toFixed(4)}, reconstruction ${t.loss.rc.toFixed(4)})`}
          {t.accuracy && ` · test accuracy ${(100 * t.accuracy.value).toFixed(1)}% on ${t.accuracy.count} digits at step ${t.accuracy.step}`}
        </p>
      )}
    </section>
  );
}
