/**
 * One level of the DP for the current digit: its feature maps, a-switches, t-switches and the
 * top-down signal (saliency) of the backtrace, one small canvas per channel, with the level's
 * active-path summary. Each kind of map shares one colour range across the level's channels, so
 * channels can be compared.
 */
import { memo, useMemo, useRef, type ReactNode } from 'react';
import { shapesOf } from '../engine';
import { ExportButtons } from './export/ExportButtons';
import { inputStem, levelTable } from './export/tables';
import { GradientLegend, SwatchLegend } from './Legend';
import { MapCanvas } from './MapCanvas';
import {
  SWITCH_COLOURS,
  T_CATEGORIES,
  binaryScale,
  categoricalScale,
  divergingScale,
  fmtLog10,
  maxAbs,
  maxValue,
  onFraction,
  sequentialScale,
  tCounts,
  tDisplay,
  channelsNonzero,
  type ColourScale,
  type MapData,
} from './scales';
import type { FeatureStage, SaliencyStage, ViewResult } from './store';

const BINARY = binaryScale();
const CATEGORICAL = categoricalScale();

export interface LevelPanelProps {
  view: ViewResult;
  /** 0-based level index (shown 1-based, as in the paper). */
  index: number;
  featureStage: FeatureStage;
  saliencyStage: SaliencyStage;
  maxChannels: number;
}

const VARIANT_STEP: Record<ViewResult['variant'], string> = {
  rendering: 'a · max(0, s): the nonnegative rendering (guided backprop)',
  gradient: 'a · s: the input gradient of the start score (signed)',
  deconvnet: 'max(0, s): deconvnet, no a-mask',
};

export const LevelPanel = memo(function LevelPanel({ view, index, featureStage, saliencyStage, maxChannels }: LevelPanelProps) {
  const l = index + 1;
  const sectionRef = useRef<HTMLElement>(null);
  const shape = shapesOf(view.spec).levels[index];
  const fwd = view.result.forward.levels[index];
  const bt = view.result.backtrace.levels[index];
  const path = view.result.paths?.levels[index];
  const shown = maxChannels > 0 ? Math.min(maxChannels, shape.c) : shape.c;
  const fine = shape.hc * shape.wc;
  // The maps' grids: u, r, a and the saliency at the level's full resolution, t after pooling.
  const fineMaps: MapGrid = { level: l, size: fine, h: shape.hc, w: shape.wc, shown };
  const coarseMaps: MapGrid = { level: l, size: shape.hout * shape.wout, h: shape.hout, w: shape.wout, shown };

  const feature = featureStage === 'u' ? fwd.u : fwd.r;
  const featureScale = useMemo(() => (featureStage === 'u' ? divergingScale(maxAbs(feature)) : sequentialScale(maxValue(feature))), [feature, featureStage]);
  const saliency = saliencyStage === 'su' ? bt.su : bt.sr;
  const saliencyMax = useMemo(() => maxAbs(saliency), [saliency]);
  const saliencyScale = useMemo(() => divergingScale(saliencyMax), [saliencyMax]);
  const tShown = useMemo(() => (fwd.t ? tDisplay(fwd.t, fwd.x) : null), [fwd.t, fwd.x]);
  const tCount = useMemo(() => (tShown ? tCounts(tShown) : null), [tShown]);
  const onRate = useMemo(() => onFraction(fwd.a), [fwd.a]);
  // A channel with every a-switch OFF has no active path: say so under its maps.
  const anyOn = useMemo(() => channelsNonzero(fwd.a, shape.c, fine), [fwd.a, shape.c, fine]);
  const anySignal = useMemo(() => channelsNonzero(saliency, shape.c, fine), [saliency, shape.c, fine]);
  const offNote = (c: number) => (anyOn[c] ? null : 'all OFF');

  const geometry = `${shape.k}×${shape.k} templates, ${shape.c} channels, ${shape.hc}×${shape.wc}${shape.pool ? ` → pool → ${shape.hout}×${shape.wout}` : ''}`;
  const channelNote = shown < shape.c ? `channels 1–${shown} of ${shape.c}` : `all ${shape.c} channels`;

  return (
    <section className="level" aria-labelledby={`level-${l}-title`} data-level={l} ref={sectionRef}>
      <ExportButtons className="float" name={`${inputStem(view)}-level-${l}`} what={`level ${l}'s maps`} png={() => sectionRef.current} csv={() => levelTable(view, index)} />
      <h3 id={`level-${l}-title`}>
        Level {l} <span className="dim">({geometry})</span>
      </h3>
      <p className="paths" data-testid={`paths-${l}`}>
        {path ? (
          <>
            ON units: <strong>{path.unitsOn.toLocaleString('en-US')}</strong> / {path.units.toLocaleString('en-US')} ({(100 * onRate).toFixed(1)}%) ·
            active paths from class {view.startClass} to this level: <strong>{fmtLog10(path.activeLog10)}</strong> of {fmtLog10(path.possibleLog10)} possible
            {path.activeLog10 > -Infinity && path.possibleLog10 > -Infinity ? ` (log10 ${path.activeLog10.toFixed(1)} vs ${path.possibleLog10.toFixed(1)})` : ''}
          </>
        ) : (
          'Path counts were not computed.'
        )}
      </p>

      <MapRow
        title={featureStage === 'u' ? `u(${l}) = W(${l}) * x(${l - 1}) + b(${l}): template-match scores` : `r(${l}) = max(0, u(${l})): after the ON/OFF max`}
        note={`${channelNote}; one colour range for the level`}
        legend={<GradientLegend scale={featureScale} />}
        kind="feature"
        {...fineMaps}
        data={feature}
        scale={featureScale}
        name={featureStage}
        channelNote={offNote}
      />
      <MapRow
        title={`a(${l}): a-switches, ON where u(${l}) > 0`}
        note={`${(100 * onRate).toFixed(1)}% ON`}
        legend={<SwatchLegend items={[{ name: 'OFF', css: SWITCH_COLOURS.off }, { name: 'ON', css: SWITCH_COLOURS.on }]} />}
        kind="a"
        {...fineMaps}
        data={fwd.a}
        scale={BINARY}
        name="a"
        channelNote={offNote}
      />
      {tShown && tCount ? (
        <MapRow
          title={`t(${l}): t-switches, the position chosen in each 2×2 pooling window`}
          note={T_CATEGORIES.map((c, i) => `${c.name} ${tCount[i]}`).join(' · ')}
          legend={<SwatchLegend items={T_CATEGORIES.map((c) => ({ name: c.name, css: c.css, title: c.long }))} />}
          kind="t"
          {...coarseMaps}
          data={tShown}
          scale={CATEGORICAL}
          name="t"
        />
      ) : (
        <p className="dim">No pooling at this level: no t-switches.</p>
      )}
      <MapRow
        title={
          saliencyStage === 'su'
            ? `su(${l}): top-down signal after the ${view.variant} step, ${VARIANT_STEP[view.variant]}`
            : `sr(${l}): top-down signal unpooled through t(${l}), before the ${view.variant} step`
        }
        note={
          saliencyMax > 0
            ? `from class ${view.startClass}; one colour range for the level; a channel with every switch OFF has no active path, so its saliency is zero`
            : `from class ${view.startClass}: zero everywhere (no active path reaches this level)`
        }
        legend={<GradientLegend scale={saliencyScale} />}
        kind="saliency"
        {...fineMaps}
        data={saliency}
        scale={saliencyScale}
        name={saliencyStage}
        channelNote={(c) => (!anyOn[c] ? 'all OFF' : anySignal[c] ? null : 'zero')}
      />
    </section>
  );
});

/** Where a row's maps lie in its data, and how many of them are drawn. */
interface MapGrid {
  level: number;
  /** Cells per channel. */
  size: number;
  h: number;
  w: number;
  /** Channels drawn (the first ones). */
  shown: number;
}

interface MapRowProps extends MapGrid {
  title: string;
  note: string;
  legend: ReactNode;
  kind: string;
  data: MapData;
  scale: ColourScale;
  name: string;
  /** A word about one channel's map (e.g. all OFF), shown in its caption. */
  channelNote?: (channel: number) => string | null;
}

function MapRow({ title, note, legend, kind, level, data, size, h, w, shown, scale, name, channelNote }: MapRowProps) {
  return (
    <div className="maprow">
      <div className="maprow-head">
        <h4>{title}</h4>
        <span className="dim">{note}</span>
        {legend}
      </div>
      <div className="maps">
        {Array.from({ length: shown }, (_, c) => {
          const extra = channelNote?.(c);
          return (
            <MapCanvas
              key={c}
              data={data}
              offset={c * size}
              height={h}
              width={w}
              scale={scale}
              label={`Level ${level}, ${name} map of channel ${c + 1} (${h}×${w})${extra ? `: ${extra}` : ''}`}
              caption={extra ? `ch ${c + 1} · ${extra}` : `ch ${c + 1}`}
              kind={kind}
              level={level}
              channel={c + 1}
            />
          );
        })}
      </div>
    </div>
  );
}

