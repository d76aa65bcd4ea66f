/**
 * "About this device" (a section of the About panel): the adapter the app runs on, which kernel
 * variants the inference engines run for the model shown, in words, and where that choice came
 * from (the direct default, a timing stored earlier in this browser with its date, or a timing
 * just now), the timings behind it on demand, and a button that times the variants on this device
 * (pageKernels.ts) and applies the fastest.
 */
import { useEffect, useState } from 'react';
import { KERNEL_FAMILIES, KERNEL_VARIANTS, parseChoice, shapeKey } from '../../engine';
import { useServices } from '../services';
import { useApp } from '../store';
import type { DeviceKernels } from './kernelChoice';
import { plainKernels } from './kernelChoice';
import './device.css';

const FAMILY: Record<string, string> = { forward: 'bottom-up (forward)', transpose: 'top-down (transpose)', wgrad: 'weight gradient' };
/** Training states in which the run is using the device: timing beside it would measure both. */
const TRAINING_BUSY = new Set(['measuring', 'running', 'pausing', 'busy']);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function when(iso: string | null): string {
  if (!iso) return 'an earlier visit';
  return new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}

/** Where the choice came from, in a sentence. */
function sourceWords(d: DeviceKernels): string {
  const took = d.tuneMs !== null ? ` (the timing took ${seconds(d.tuneMs)}${d.compileMs !== null ? `, ${seconds(d.compileMs)} of it compiling` : ''})` : '';
  if (d.source === 'stored') return `Chosen by timing the variants on this device on ${when(d.date)}${took}, remembered by this browser.`;
  if (d.source === 'tuned') return `Chosen by timing the variants on this device just now${took}.`;
  return 'The default: nothing has been timed on this device for this model, so the direct kernels run.';
}

function TimingsTable({ d, levels }: { d: DeviceKernels; levels: number }) {
  const variants = KERNEL_VARIANTS.filter((v) => d.timings.some((t) => t.variant === v));
  const pick = parseChoice(d.choice, levels);
  const rows = KERNEL_FAMILIES.flatMap((f) => [...new Set(d.timings.filter((t) => t.family === f).map((t) => t.level))].sort((a, b) => a - b).map((level) => ({ f, level })));
  return (
    <table className="kernel-timings" data-testid="kernel-timings">
      <caption>
        ms for one run of each variant at batch {d.batch ?? '?'} (the fastest is chosen, in bold; a variant far slower than the best so far is not timed further)
      </caption>
      <thead>
        <tr>
          <th scope="col">Product, level</th>
          {variants.map((v) => (
            <th scope="col" key={v}>
              {v}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map(({ f, level }) => (
          <tr key={`${f}${level}`}>
            <th scope="row">
              {FAMILY[f]}, level {level}
            </th>
            {variants.map((v) => {
              const ms = d.timings.find((t) => t.family === f && t.level === level && t.variant === v)?.ms;
              const text = ms === undefined ? '–' : ms.toFixed(2);
              return <td key={v}>{pick[f][level - 1] === v ? <strong>{text}</strong> : text}</td>;
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The button (only with a device: the services' kernels are needed only then). */
function TimeButton({ disabled }: { disabled: boolean }) {
  const { kernels } = useServices();
  const spec = useApp((s) => s.spec);
  return (
    <button type="button" data-testid="time-kernels" disabled={disabled} onClick={() => void kernels.timeVariants(spec)}>
      Time the kernel variants on this device
    </button>
  );
}

export function DeviceSection() {
  const backend = useApp((s) => s.backend);
  const spec = useApp((s) => s.spec);
  const preset = useApp((s) => s.presetName);
  const d = useApp((s) => s.deviceKernels.bySpec[shapeKey(s.spec)] ?? null);
  const timing = useApp((s) => s.deviceKernels.timing);
  const training = useApp((s) => s.training.status);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (timing.status !== 'running') return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [timing.status]);

  const model = preset ? <strong>{preset}</strong> : 'the model shown';
  const busyTraining = TRAINING_BUSY.has(training);
  const onGpu = backend.kind === 'webgpu';
  return (
    <section aria-labelledby="about-device" className="device-section" data-testid="device-section">
      <h2 id="about-device">About this device</h2>
      {backend.kind === 'pending' && <p>Asking the browser for a WebGPU device…</p>}
      {backend.kind === 'cpu' && (
        <p data-testid="device-line" data-source="cpu">
          No WebGPU here: the app runs on the CPU reference engine, which has no GPU kernels to choose.
        </p>
      )}
      {backend.kind === 'lost' && <p data-testid="device-line" data-source="lost">The GPU device on {backend.adapter} was lost; a new one is being set up.</p>}
      {onGpu && (
        <>
          <p data-testid="device-line" data-source={d?.source ?? 'none'} data-choice={d?.choice ?? ''}>
            Running on <strong>{backend.adapter}</strong>.{' '}
            {d ? (
              <>
                The engines for {model} run {plainKernels(d.choice, spec.levels.length)}. <span data-testid="device-source">{sourceWords(d)}</span>
              </>
            ) : (
              <>The engines for {model} are being set up.</>
            )}
          </p>
          {d?.note && (
            <p className="dim" data-testid="device-note">
              {d.note}
            </p>
          )}
          {d && (
            <details className="device-details">
              <summary>The exact choice{d.timings.length ? ' and its timings' : ''}</summary>
              <p>
                <code data-testid="device-about">{d.about}</code>
              </p>
              {d.timings.length > 0 && <TimingsTable d={d} levels={spec.levels.length} />}
            </details>
          )}
          <p className="device-actions">
            <TimeButton disabled={timing.status === 'running' || busyTraining || !d} />
          </p>
          <p className="dim" role="status" data-testid="time-kernels-status" data-status={timing.status}>
            {timing.status === 'running' &&
              `Timing every variant at every level${timing.startedAt !== null ? ` (${Math.max(0, Math.round((now - timing.startedAt) / 1000))} s so far)` : ''}: about half a minute on a software GPU; the panels wait until it ends.`}
            {timing.status === 'done' && timing.ms !== null && `Timed in ${seconds(timing.ms)}; the engines now run the fastest variants${d?.note ? '' : ', and this browser remembers them'}.`}
            {timing.status !== 'running' && busyTraining && ' Pause the training run to time the variants: timing beside it would measure both.'}
          </p>
          {timing.status === 'error' && (
            <p className="notice error" role="alert" data-testid="time-kernels-error">
              {timing.message}
            </p>
          )}
          <p className="hint">
            Each product of the network (the bottom-up pass, the top-down pass, the weight gradient) has several kernels that compute the same sums
            in another order: the direct convolutions and matrix-product tiles. Which is fastest depends on the GPU. The choice applies to the
            engines that show a model; training runs keep the direct kernels, so a run’s kernels never change while it runs.
          </p>
        </>
      )}
    </section>
  );
}
