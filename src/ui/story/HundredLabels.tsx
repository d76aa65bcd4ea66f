/**
 * The last story card's comparison: the same few test digits (the one on show and the next ones)
 * through the two models trained with 100 labels, the semi-supervised DRMM (its prediction and its
 * reconstruction) and the same network trained as a convnet with the entropy term (its
 * prediction); the measured test errors beside them, of the supervised model too; and the 100
 * training images that were labelled, read from the training set the page has loaded at the
 * indices the DRMM's model file records.
 *
 * The two models go into host slots of their own (hundredLabels.ts), so the panels keep showing
 * their model; the slots are removed when the card closes. Nothing here changes the store.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { readModelFile, type ModelSpec } from '../../engine';
import { MODELS_BASE_URL } from '../controller';
import { divergingScale, imageScale, mapToRgba, maxAbs, type ColourScale, type MapData } from '../scales';
import { useServices } from '../services';
import { useApp } from '../store';
import {
  COMPARED_DIGITS, CONVNET_CE_ONLY_TEST_ERROR, HUNDRED_LABEL_FILES, HUNDRED_LABEL_SLOTS, byClass, comparedDigits, evaluations, gridRgba, pctError, recordedLabelled, shippedEntry, type EvalPick,
} from './hundredLabels';

interface Loaded {
  version: number;
  spec: ModelSpec;
  training: unknown;
  evals: EvalPick;
}
type Load = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; drmm: Loaded; convnet: Loaded };

interface Compared {
  digits: number[];
  labels: number[];
  images: Float32Array;
  drmmPred: Int32Array;
  recon: Float32Array | Float64Array;
  convnetPred: Int32Array;
}

const IMAGE = imageScale();
const PER = 28 * 28;

/** One 28x28 map on a canvas, drawn at `size` CSS pixels. */
function Pic({ data, offset, scale, label, size = 36, kind }: { data: MapData; offset: number; scale: ColourScale; label: string; size?: number; kind: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(mapToRgba(data, offset, 28, 28, scale), 28, 28), 0, 0);
  }, [data, offset, scale]);
  return <canvas ref={ref} width={28} height={28} className="hl-pic" style={{ width: size, height: size }} role="img" aria-label={label} data-kind={kind} />;
}

/** The labelled images, a row per class. */
function LabelledGrid({ groups, pixels }: { groups: number[][]; pixels: Uint8Array }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const across = Math.max(1, ...groups.map((g) => g.length));
  const count = groups.reduce((n, g) => n + g.length, 0);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    try {
      const { rgba, width, height } = gridRgba(groups, pixels);
      ctx.putImageData(new ImageData(rgba, width, height), 0, 0);
      setProblem(null);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  }, [groups, pixels]);
  const label = `The ${count} labelled training images, one row per class from 0 to 9: ${groups.map((g, c) => `class ${c}: images ${g.join(', ')}`).join('; ')}`;
  return (
    <figure className="hl-grid">
      <canvas ref={ref} width={across * 28} height={groups.length * 28} style={{ width: across * 12, height: groups.length * 12 }} role="img" aria-label={label} data-testid="labelled-grid" data-count={count} />
      <figcaption>{problem ?? `The ${count} labelled images, by class`}</figcaption>
    </figure>
  );
}

export function HundredLabels() {
  const { engines } = useServices();
  const shipped = useApp((s) => s.shippedModels);
  const backendKnown = useApp((s) => s.backend.kind !== 'pending');
  const test = useApp((s) => s.test);
  const train = useApp((s) => s.train);
  const trainState = useApp((s) => s.splits.train.state);
  const digitIndex = useApp((s) => s.digitIndex);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [compared, setCompared] = useState<Compared | null>(null);
  const drmmEntry = shippedEntry(shipped, HUNDRED_LABEL_FILES.drmm);
  const convnetEntry = shippedEntry(shipped, HUNDRED_LABEL_FILES.convnet);
  const supervised = shippedEntry(shipped, HUNDRED_LABEL_FILES.supervised);
  const available = !!drmmEntry && !!convnetEntry;

  // The two models into their own slots (after the device is known, so they get the GPU when there is one).
  useEffect(() => {
    if (!backendKnown || !available) return;
    let cancelled = false;
    const one = async (file: string, slot: string): Promise<Loaded | null> => {
      const res = await fetch(`${MODELS_BASE_URL}${file}`);
      if (!res.ok) throw new Error(`${file} could not be downloaded (HTTP ${res.status})`);
      const f = readModelFile(await res.arrayBuffer());
      if (cancelled) return null;
      const info = await engines.install(slot, f.spec, f.params);
      return { version: info.version, spec: f.spec, training: f.training, evals: evaluations(f.training) };
    };
    setLoad({ state: 'loading' });
    void Promise.all([one(HUNDRED_LABEL_FILES.drmm, HUNDRED_LABEL_SLOTS.drmm), one(HUNDRED_LABEL_FILES.convnet, HUNDRED_LABEL_SLOTS.convnet)]).then(
      ([drmm, convnet]) => {
        if (!cancelled && drmm && convnet) setLoad({ state: 'ready', drmm, convnet });
      },
      (e: unknown) => {
        if (!cancelled) setLoad({ state: 'error', message: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => {
      cancelled = true;
      void engines.remove(HUNDRED_LABEL_SLOTS.drmm);
      void engines.remove(HUNDRED_LABEL_SLOTS.convnet);
    };
  }, [engines, backendKnown, available, attempt]);

  // The digits through both models, again whenever the digit on show changes.
  useEffect(() => {
    if (load.state !== 'ready' || !test) return;
    let cancelled = false;
    const digits = comparedDigits(digitIndex, COMPARED_DIGITS, test.count);
    const images = new Float32Array(digits.length * PER);
    digits.forEach((d, k) => {
      for (let p = 0; p < PER; p++) images[k * PER + p] = test.pixels[d * PER + p] / 255;
    });
    const req = { images, n: digits.length, start: { kind: 'class' as const, classes: 'predicted' as const }, variant: 'rendering' as const, paths: false };
    void (async () => {
      try {
        const d = await engines.infer(HUNDRED_LABEL_SLOTS.drmm, req, load.drmm.version);
        const c = await engines.infer(HUNDRED_LABEL_SLOTS.convnet, req, load.convnet.version);
        if (cancelled) return;
        // A slot rebuilt meanwhile (a lost device): load the models again, at most twice.
        if (!d || !c) {
          if (attempt < 2) setAttempt((a) => a + 1);
          else setLoad({ state: 'error', message: 'the models were replaced while they ran' });
          return;
        }
        setCompared({ digits, labels: digits.map((i) => test.labels[i]), images, drmmPred: d.result.forward.pred, recon: d.result.backtrace.pixels, convnetPred: c.result.forward.pred });
      } catch (e) {
        if (!cancelled) setLoad({ state: 'error', message: `inference failed: ${e instanceof Error ? e.message : String(e)}` });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [engines, load, test, digitIndex, attempt]);

  if (!available) return <p className="hundred-labels dim">This copy of the app does not ship the models trained with 100 labels.</p>;

  let labelled: number[][] | null = null;
  let labelledProblem: string | null = null;
  if (load.state === 'ready' && train) {
    try {
      const li = recordedLabelled(load.drmm.training, train.count);
      if (!li) labelledProblem = 'the model file does not name its labelled images';
      else labelled = byClass(li, train.labels);
    } catch (e) {
      labelledProblem = e instanceof Error ? e.message : String(e);
    }
  }
  const convBest = load.state === 'ready' ? load.convnet.evals.bestValidation : null;
  const shown = compared && compared.digits.length > 0 ? compared : null;

  const convNote = convBest && Math.abs(convBest.testError - convnetEntry!.testError) > 1e-9 ? `; the convnet above at its best validation point (weights not kept): ${pctError(convBest.testError)}` : '';

  return (
    <div className="hundred-labels" data-testid="hundred-labels" data-state={load.state === 'ready' && !shown ? 'running' : load.state}>
      <div className="hl-compare">
        {load.state === 'error' && <p>The 100-label models could not be shown: {load.message}.</p>}
        {load.state === 'loading' && <p className="dim">Loading the two models trained with 100 labels…</p>}
        {load.state === 'ready' && !shown && <p className="dim">Running the digits through both models…</p>}
        {shown && (
          <table data-testid="hl-table">
            <tbody>
              <tr>
                <th scope="row">test digits</th>
                {shown.digits.map((d, k) => (
                  <td key={d}>
                    <Pic data={shown.images} offset={k * PER} scale={IMAGE} label={`Test digit ${d}, a ${shown.labels[k]}`} kind="input" />
                  </td>
                ))}
              </tr>
              <PredRow
                name={<>DRMM, 100 labels: <strong data-testid="hl-error-drmm">{pctError(drmmEntry!.testError)}</strong></>}
                model="drmm" shown={shown} pred={shown.drmmPred} recon
              />
              <PredRow
                name={<>convnet, 100 labels: <strong data-testid="hl-error-convnet">{pctError(convnetEntry!.testError)}</strong></>}
                model="convnet" shown={shown} pred={shown.convnetPred}
              />
            </tbody>
          </table>
        )}
        <p className="hl-others" data-testid="hl-errors">
          Test errors over all 10,000 digits. DRMM, 60,000 labels: {supervised ? pctError(supervised.testError) : 'not shipped'}. Convnet, 100 labels,
          cross-entropy only: {pctError(CONVNET_CE_ONLY_TEST_ERROR)} (1 epoch){convNote}.
        </p>
      </div>
      {labelled && train ? (
        <LabelledGrid groups={labelled} pixels={train.pixels} />
      ) : (
        <p className="hl-grid dim">{labelledProblem ? `The labelled images cannot be shown: ${labelledProblem}.` : trainState === 'error' ? 'The training images could not be loaded.' : 'Loading the training images…'}</p>
      )}
    </div>
  );
}

/** A reconstruction on its own diverging scale (it is signed: the pixels are not rectified). */
function Recon({ pixels, label }: { pixels: Float32Array | Float64Array; label: string }) {
  const scale = useMemo(() => divergingScale(maxAbs(pixels)), [pixels]);
  return <Pic data={pixels} offset={0} scale={scale} label={label} kind="reconstruction" />;
}

function PredRow({ name, model, shown, pred, recon }: { name: ReactNode; model: string; shown: Compared; pred: Int32Array; recon?: boolean }) {
  return (
    <tr data-model={model}>
      <th scope="row">{name}</th>
      {shown.digits.map((d, k) => {
        const p = pred[k];
        const right = p === shown.labels[k];
        return (
          <td key={d} data-digit={d} data-pred={p} data-correct={right}>
            {recon && <Recon pixels={shown.recon.subarray(k * PER, (k + 1) * PER)} label={`The DRMM's reconstruction of test digit ${d}, rendered from class ${p}`} />}
            <span className={right ? 'hl-pred right' : 'hl-pred wrong'}>
              {p}
              <span aria-hidden="true">{right ? ' ✓' : ' ✗'}</span>
              <span className="sr-only">{right ? ', right' : `, wrong (a ${shown.labels[k]})`}</span>
            </span>
          </td>
        );
      })}
    </tr>
  );
}
