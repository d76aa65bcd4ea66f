/** Status lines: where inference runs, what the model is, data loading, and errors. */
import { useServices } from './services';
import { fmtBytes, progressPercent } from './scales';
import { useApp, type SplitStatus } from './store';
import { RecoveryNotices } from './recovery/RecoveryNotices';

export function BackendNotice() {
  const backend = useApp((s) => s.backend);
  const engineNote = useApp((s) => s.engineNote);
  return (
    <div className="notices">
      {backend.kind === 'pending' && (
        <p className="notice" role="status" data-testid="backend" data-backend="pending">
          Requesting a WebGPU device…
        </p>
      )}
      {backend.kind === 'webgpu' && (
        <p className="notice ok" role="status" data-testid="backend" data-backend="webgpu">
          Running on WebGPU: <strong>{backend.adapter}</strong>
        </p>
      )}
      {backend.kind === 'cpu' && (
        <p className="notice warn" role="status" data-testid="backend" data-backend="cpu">
          <strong>No WebGPU: running on the CPU reference engine</strong> (float64, same results, slower). Why: {backend.reason}
        </p>
      )}
      {backend.kind === 'lost' && (
        <p className="notice error" role="alert" data-testid="backend" data-backend="lost">
          The GPU device on {backend.adapter} was lost ({backend.message}). Setting up a new device and restoring the model…
        </p>
      )}
      <RecoveryNotices />
      {engineNote && (
        <p className="notice warn" role="status">
          {engineNote}
        </p>
      )}
    </div>
  );
}

export function ModelNotice() {
  const source = useApp((s) => s.source);
  // Nothing is installed yet (the store's initial source is a placeholder): say nothing rather than "random weights".
  const installed = useApp((s) => s.modelVersion > 0);
  const modelError = useApp((s) => s.modelError);
  const setModelError = useApp((s) => s.setModelError);
  return (
    <div className="notices">
      {installed && source.kind === 'random' && (
        <p className="notice warn" role="note" data-testid="model-notice">
          Randomly initialised weights (seed {source.seed}) — not a trained model: the classes it predicts are meaningless.
        </p>
      )}
      {source.kind === 'file' && (
        <p className={source.trained ? 'notice ok' : 'notice warn'} role="note" data-testid="model-notice">
          {source.shipped ? 'Pretrained model shipped with the app: ' : 'Model from '}
          <strong>{source.fileName}</strong>
          {source.preset ? ` (preset ${source.preset})` : ''}: {source.summary}.
          {source.trained ? '' : ' Without training its predictions may be meaningless.'}
        </p>
      )}
      {source.kind === 'training' && (
        <p className="notice ok" role="note" data-testid="model-notice">
          The panels show the model being trained in this page ({source.on === 'webgpu' ? 'on the GPU' : 'on the CPU'}): {source.summary}.
        </p>
      )}
      {modelError && (
        <p className="notice error" role="alert" data-testid="model-error">
          {modelError}{' '}
          <button type="button" className="link" onClick={() => setModelError(null)}>
            Dismiss
          </button>
        </p>
      )}
    </div>
  );
}

const SPLIT_TITLE = { test: 'Test set (10,000 digits)', train: 'Training set (60,000 digits)' } as const;

function SplitProgress({ name, status }: { name: 'test' | 'train'; status: SplitStatus }) {
  const pct = status.state === 'ready' ? 100 : progressPercent(status.loaded, status.total);
  const text =
    status.state === 'ready'
      ? `${status.count.toLocaleString('en-US')} digits loaded`
      : status.state === 'error'
        ? 'failed'
        : status.state === 'waiting'
          ? 'waiting'
          : `${fmtBytes(status.loaded)}${status.total ? ` of ${fmtBytes(status.total)}` : ''}`;
  const id = `progress-${name}`;
  return (
    <div className="progress" data-split={name} data-state={status.state}>
      <span id={id} className="progress-label">
        {SPLIT_TITLE[name]}
      </span>
      <div
        className="progress-track"
        role="progressbar"
        aria-labelledby={id}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
        aria-valuetext={text}
      >
        <div className={`progress-fill ${status.state}`} style={{ width: `${pct ?? 0}%` }} />
      </div>
      <span className="progress-text">{text}</span>
    </div>
  );
}

export function DataNotice() {
  const { controller } = useServices();
  const splits = useApp((s) => s.splits);
  const errors = (['test', 'train'] as const).filter((k) => splits[k].error);
  return (
    <div className="data-status">
      <SplitProgress name="test" status={splits.test} />
      <SplitProgress name="train" status={splits.train} />
      {errors.map((k) => (
        <p key={k} className="notice error" role="alert" data-testid={`data-error-${k}`}>
          {k === 'test' ? 'The test digits could not be loaded, so nothing can be shown yet: ' : 'The training digits could not be loaded (the test digits still work): '}
          {splits[k].error}{' '}
          <button type="button" onClick={() => void controller.loadData()}>
            Try again
          </button>
        </p>
      ))}
    </div>
  );
}

export function InferNotice() {
  const inferError = useApp((s) => s.inferError);
  if (!inferError) return null;
  return (
    <p className="notice error" role="alert" data-testid="infer-error">
      {inferError}
    </p>
  );
}
