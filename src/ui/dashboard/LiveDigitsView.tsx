/**
 * A row of fixed test digits with the installed model's prediction, reconstruction and saliency,
 * recomputed whenever the model changes (while training with "Show in the panels above", every
 * live-sync of the weights, about every 2 s), so the effect of training shows on the same digits.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { MapCanvas } from '../MapCanvas';
import { divergingScale, imageScale, maxAbs } from '../scales';
import { useServices } from '../services';
import { useApp } from '../store';
import { inferLiveDigits, type LiveDigit, type LiveDigits } from './liveDigits';

const IMAGE = imageScale();

function DigitCard({ d }: { d: LiveDigit }) {
  const recon = useMemo(() => divergingScale(maxAbs(d.reconstruction)), [d.reconstruction]);
  const sal = useMemo(() => divergingScale(maxAbs(d.saliency)), [d.saliency]);
  const ok = d.pred === d.label;
  return (
    <li className="live-digit" data-index={d.index} data-pred={d.pred} data-label={d.label}>
      <p className={ok ? 'live-pred ok' : 'live-pred wrong'}>
        #{d.index}, label {d.label}: predicted <strong>{d.pred}</strong> <span className="dim">({(100 * d.prob).toFixed(0)}%)</span> {ok ? '✓' : '✗'}
      </p>
      <div className="live-maps">
        <MapCanvas data={d.image} height={28} width={28} scale={IMAGE} label={`Test digit ${d.index}, label ${d.label}`} caption="input" displayWidth={48} kind="live-input" />
        <MapCanvas
          data={d.reconstruction}
          height={28}
          width={28}
          scale={recon}
          label={`Reconstruction of test digit ${d.index}: class ${d.pred} rendered through its switches`}
          caption="recon."
          displayWidth={48}
          kind="live-reconstruction"
        />
        <MapCanvas
          data={d.saliency}
          height={28}
          width={28}
          scale={sal}
          label={`Saliency of test digit ${d.index}: the input gradient of class ${d.pred}'s score`}
          caption="saliency"
          displayWidth={48}
          kind="live-saliency"
        />
      </div>
    </li>
  );
}

export function LiveDigitsView() {
  const { engines } = useServices();
  const test = useApp((s) => s.test);
  // The run being trained when there is one (this is the training dashboard), else the model shown.
  const slot = useApp((s) => (s.slots.training ? 'training' : s.shownSlot));
  const spec = useApp((s) => s.slots[slot]?.spec ?? s.spec);
  const version = useApp((s) => s.slots[slot]?.modelVersion ?? s.modelVersion);
  const ready = useApp((s) => s.engineState === 'ready');
  const training = useApp((s) => s.training.status === 'running');
  const [shown, setShown] = useState<LiveDigits | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refreshes = useRef(0);
  const busy = useRef(false);
  // The latest model asked for: a model that changes while one is computed is run next, only the newest.
  const wanted = useRef({ version, spec, test, slot });
  wanted.current = { version, spec, test, slot };

  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    if (!test || !ready || version === 0) return;
    // One loop at a time; it runs again while the model it computed is no longer the newest.
    const pump = async () => {
      if (busy.current) return;
      busy.current = true;
      try {
        for (;;) {
          const w = wanted.current;
          if (!w.test || !mounted.current) break;
          const got = await inferLiveDigits(engines, w.slot, w.test, w.spec, w.version);
          if (got && mounted.current) {
            refreshes.current++;
            setShown(got);
            setError(null);
          }
          if (wanted.current.version === w.version) break;
          // A newer model is already waiting (training publishes every ~2 s): rest as long as the
          // refresh took, so these inferences take at most about half of the adapter from training.
          if (got) await new Promise((r) => setTimeout(r, Math.min(got.ms, 5000)));
        }
      } catch (e) {
        if (mounted.current) setError(e instanceof Error ? e.message : String(e));
      } finally {
        busy.current = false;
      }
    };
    void pump();
  }, [test, ready, version, spec, slot]);

  const current = shown !== null && shown.modelVersion === version;
  return (
    <section
      className="dash-box live-digits"
      aria-label="Fixed test digits"
      data-testid="live-digits"
      data-model-version={shown?.modelVersion ?? ''}
      data-refreshes={refreshes.current}
      data-current={current}
    >
      <h3>Fixed test digits</h3>
      <p className="dim note">
        The same digits after every model change{slot === 'training' ? ` of the run being trained${training ? ' (now: every copy of its weights, about every 2 s)' : ''}` : ''}: the prediction, the
        reconstruction (recon.: the predicted class rendered through the digit's switches) and the saliency (the input gradient of that class's
        score), both red positive, blue negative.
      </p>
      {error && (
        <p className="notice error" role="alert">
          The fixed digits could not be computed: {error}
        </p>
      )}
      {shown ? (
        <ol className={current ? 'live-row' : 'live-row stale'}>
          {shown.digits.map((d) => (
            <DigitCard key={d.index} d={d} />
          ))}
        </ol>
      ) : (
        <p className="placeholder" role="status">
          Waiting for the test digits and the engine…
        </p>
      )}
      {shown && (
        <p className="dim note" data-testid="live-digits-ms">
          {shown.digits.length} digits in {shown.ms.toFixed(0)} ms (one batched pass, two backtraces).
        </p>
      )}
    </section>
  );
}
