/** Which model: a preset architecture with seeded random weights, or a .drmm model file. */
import { useState, type ChangeEvent } from 'react';
import { PRESET_NAMES, type PresetName } from '../engine';
import { Options } from './Options';
import { useServices } from './services';
import { DEFAULT_SEED, useApp } from './store';

export function ModelControls() {
  const { controller } = useServices();
  const presetName = useApp((s) => s.presetName);
  const source = useApp((s) => s.source);
  const busy = useApp((s) => s.engineState === 'creating');
  const shipped = useApp((s) => s.shippedModels);
  const shippedFile = source.kind === 'file' && source.shipped ? source.fileName : '';
  const seed = source.kind === 'random' ? source.seed : DEFAULT_SEED;
  const version = useApp((s) => s.modelVersion);
  // What the panels show when it is not a shipped model (never "random weights" before a model is installed).
  const placeholder = version === 0 ? 'loading…' : source.kind === 'random' ? '(none: random weights)' : source.kind === 'training' ? '(the model being trained)' : '(your file)';
  const [seedDraft, setSeedDraft] = useState<string | null>(null);

  const onPreset = (e: ChangeEvent<HTMLSelectElement>) => void controller.choosePreset(e.target.value as PresetName, seed);
  const onSeed = (e: ChangeEvent<HTMLInputElement>) => {
    setSeedDraft(e.target.value);
    const v = Number(e.target.value);
    if (e.target.value !== '' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff && presetName) void controller.choosePreset(presetName, v);
  };
  const onFile = (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.target;
    const file = input.files?.[0];
    if (file) void controller.loadModelFile(file).finally(() => (input.value = ''));
  };

  return (
    <fieldset className="controls" aria-busy={busy}>
      <legend>Model</legend>
      <label>
        Architecture
        <select value={presetName ?? ''} onChange={onPreset} disabled={busy}>
          {presetName === null && (
            <option value="" disabled>
              custom (from file)
            </option>
          )}
          <Options values={PRESET_NAMES} />
        </select>
      </label>
      <label>
        Random seed
        <input
          type="number"
          min={0}
          step={1}
          value={seedDraft ?? (source.kind === 'random' ? String(seed) : '')}
          placeholder="from file"
          onChange={onSeed}
          onBlur={() => setSeedDraft(null)}
          disabled={busy || presetName === null}
          className="narrow"
        />
      </label>
      {shipped.length > 0 && (
        <label>
          Pretrained
          <select
            value={shippedFile}
            disabled={busy}
            data-testid="shipped-model"
            onChange={(e) => {
              const m = shipped.find((x) => x.file === e.target.value);
              if (m) void controller.loadShippedModel(m);
            }}
          >
            <option value="" disabled>
              {placeholder}
            </option>
            {shipped.map((m) => (
              <option key={m.file} value={m.file}>
                {m.preset}: {m.title}, {(100 * m.testError).toFixed(2)}% test error
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Load a model file (.drmm)
        <input type="file" accept=".drmm,application/octet-stream" onChange={onFile} data-testid="model-file" />
      </label>
    </fieldset>
  );
}
