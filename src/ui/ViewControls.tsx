/** How the backtrace runs (variant, start class) and what the level panels draw. */
import type { ChangeEvent } from 'react';
import { VARIANTS, type Variant } from '../engine';
import { ClassOptions, Options } from './Options';
import { useApp, type FeatureStage, type SaliencyStage } from './store';

const VARIANT_TEXT: Record<Variant, string> = {
  rendering: 'rendering (guided backprop)',
  gradient: 'gradient (signed)',
  deconvnet: 'deconvnet (no a-mask)',
};

export function ViewControls() {
  const variant = useApp((s) => s.variant);
  const start = useApp((s) => s.start);
  const classes = useApp((s) => s.spec.classes);
  const featureStage = useApp((s) => s.featureStage);
  const saliencyStage = useApp((s) => s.saliencyStage);
  const maxChannels = useApp((s) => s.maxChannels);
  const setVariant = useApp((s) => s.setVariant);
  const setStart = useApp((s) => s.setStart);
  const setFeatureStage = useApp((s) => s.setFeatureStage);
  const setSaliencyStage = useApp((s) => s.setSaliencyStage);
  const setMaxChannels = useApp((s) => s.setMaxChannels);

  return (
    <fieldset className="controls">
      <legend>Backtrace and view</legend>
      <label>
        Variant
        <select value={variant} onChange={(e: ChangeEvent<HTMLSelectElement>) => setVariant(e.target.value as Variant)} data-testid="variant">
          <Options values={VARIANTS} text={(v) => VARIANT_TEXT[v]} />
        </select>
      </label>
      <label>
        Start class
        <select
          value={String(start)}
          onChange={(e: ChangeEvent<HTMLSelectElement>) => setStart(e.target.value === 'predicted' ? 'predicted' : Number(e.target.value))}
          data-testid="start-class"
        >
          <option value="predicted">predicted</option>
          <ClassOptions count={classes} />
        </select>
      </label>
      <label>
        Feature maps
        <select value={featureStage} onChange={(e: ChangeEvent<HTMLSelectElement>) => setFeatureStage(e.target.value as FeatureStage)}>
          <option value="u">u (signed scores)</option>
          <option value="r">r (after the ReLU)</option>
        </select>
      </label>
      <label>
        Saliency
        <select value={saliencyStage} onChange={(e: ChangeEvent<HTMLSelectElement>) => setSaliencyStage(e.target.value as SaliencyStage)}>
          <option value="su">su (after the step)</option>
          <option value="sr">sr (before the step)</option>
        </select>
      </label>
      <label>
        Channels shown
        <select value={maxChannels} onChange={(e: ChangeEvent<HTMLSelectElement>) => setMaxChannels(Number(e.target.value))}>
          <Options values={[8, 16, 32, 0]} text={(n) => (n === 0 ? 'all' : `first ${n}`)} />
        </select>
      </label>
    </fieldset>
  );
}
