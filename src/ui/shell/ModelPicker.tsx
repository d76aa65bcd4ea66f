/**
 * The top bar's model picker: which model the panels show. The pretrained models this copy of the
 * app ships, the run being trained in this page (a model of its own), a file loaded, or random
 * weights. While the first model loads it says so (never "random weights" before it knows).
 */
import { useServices } from '../services';
import { DEFAULT_SEED, useApp, type ShippedModel } from '../store';

/**
 * A shipped model as the list names it: its title first (index.json's; what tells the models of
 * one architecture apart, e.g. "Trained with 100 labels: ..."), then the preset and the test error.
 */
export function shippedLabel(m: ShippedModel): string {
  return `${m.title}, ${m.preset} (${(100 * m.testError).toFixed(2)}% test error)`;
}

export function ModelPicker() {
  const { controller, store } = useServices();
  const shipped = useApp((s) => s.shippedModels);
  const source = useApp((s) => s.slots.pretrained?.source ?? null);
  const shown = useApp((s) => s.shownSlot);
  const training = useApp((s) => s.slots.training ?? null);
  const presetName = useApp((s) => s.slots.pretrained?.presetName ?? s.presetName);
  const busy = useApp((s) => s.engineState === 'creating');
  const value =
    shown === 'training' ? 'training' : !source ? 'loading' : source.kind === 'random' ? 'random' : source.kind === 'file' && source.shipped ? `shipped:${source.fileName}` : 'file';
  // The list is narrower than a long title: the whole name of the chosen model on hover.
  const chosen = shipped.find((m) => value === `shipped:${m.file}`);
  const selectedTitle = chosen ? shippedLabel(chosen) : undefined;
  const onChange = (v: string) => {
    if (v === 'training') store.getState().setTrainingSettings({ liveSync: true });
    else if (v.startsWith('shipped:')) {
      const m = shipped.find((x) => `shipped:${x.file}` === v);
      if (m) void controller.loadShippedModel(m);
    } else if (v === 'random') void controller.choosePreset(presetName ?? 'drmm-compact', source?.kind === 'random' ? source.seed : DEFAULT_SEED);
    else if (v === 'file' && shown === 'training') store.getState().setTrainingSettings({ liveSync: false });
  };
  return (
    <label className="model-picker">
      <span>Model</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} disabled={busy} data-testid="model-picker" title={selectedTitle}>
        {value === 'loading' && (
          <option value="loading" disabled>
            loading the pretrained model…
          </option>
        )}
        {shipped.map((m) => (
          <option key={m.file} value={`shipped:${m.file}`}>
            {shippedLabel(m)}
          </option>
        ))}
        {source?.kind === 'file' && !source.shipped && <option value="file">{source.fileName} (your file)</option>}
        {training && <option value="training">the model being trained in this page</option>}
        <option value="random">{presetName ?? 'drmm-compact'}, random weights (untrained)</option>
      </select>
    </label>
  );
}
