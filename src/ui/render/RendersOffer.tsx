/**
 * Under the table of negative top-down signal: the shipped model for which that table is empty.
 * With signed templates (the default model's) about half the units of z(l) are negative and the
 * forward pass is the discriminative relaxation, not exact MAP; the shipped NN-DRMM keeps z(l) >= 0
 * and was trained so that each class renders as itself. One click loads it, so a student can see
 * the table empty and the counterfactuals turn into their classes' digits. Nothing is shown when
 * this deployment does not ship it.
 */
import { RENDERS_FIGURES, RENDERS_MODEL_FILE } from '../modelFiles';
import { useServices } from '../services';
import { useApp, type ShippedModel } from '../store';
import { pctError as pct } from '../story/hundredLabels';

/** The shipped NN-DRMM's index entry (null when this deployment does not ship it) and whether it is the model shown. */
export function useRendersModel(): { entry: ShippedModel | null; loaded: boolean } {
  const entry = useApp((s) => s.shippedModels.find((m) => m.file === RENDERS_MODEL_FILE) ?? null);
  const loaded = useApp((s) => s.source.kind === 'file' && s.source.shipped === true && s.source.fileName === RENDERS_MODEL_FILE);
  return { entry, loaded };
}

export function RendersOffer() {
  const { controller } = useServices();
  const { entry, loaded } = useRendersModel();
  const busy = useApp((s) => s.engineState === 'creating');
  return entry && <RendersOfferText entry={entry} loaded={loaded} busy={busy} onLoad={() => void controller.loadShippedModel(entry)} />;
}

/** What the offer says: about the model when it is the one shown, else the offer to load it. */
export function RendersOfferText({ entry, loaded, busy, onLoad }: { entry: ShippedModel; loaded: boolean; busy: boolean; onLoad: () => void }) {
  const error = pct(entry.testError);
  if (loaded)
    return (
      <p className="render-offer" data-testid="renders-offer" data-loaded="true">
        This is the nonnegative DRMM (NN-DRMM) trained to render what it claims: its templates above level 1 and its class templates are kept ≥ 0,
        so z(l) ≥ 0 and the max-sum DP it runs bottom up is exact MAP inference, and a contrastive term in training made each class&apos;s
        rendering fit a digit of that class better than another class&apos;s does. It pays for that in accuracy: {error} test error after one epoch.
      </p>
    );
  return (
    <p className="render-offer" data-testid="renders-offer" data-loaded="false">
      A pretrained model keeps z(l) ≥ 0 everywhere: the nonnegative DRMM trained to render what it claims ({error} test error). Over the 10,000 test
      digits its true class renders best for {pct(RENDERS_FIGURES.trueClassBest)} of them and {pct(RENDERS_FIGURES.counterfactualRecognised)} of its
      counterfactual renderings are recognised as their class.{' '}
      <button type="button" onClick={onLoad} disabled={busy} data-testid="load-renders-model">
        Load it
      </button>
    </p>
  );
}
