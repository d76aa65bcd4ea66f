/**
 * Every level's templates, one image per level (layout and colours: templateLayout.ts): those of
 * the training run as last read (every live-sync), or, before a run exists, of the model in use.
 */
import { useEffect, useMemo, useRef } from 'react';
import { shapesOf } from '../../engine';
import { useApp } from '../store';
import type { LevelTemplates } from '../train/slice';
import { ExportButtons } from '../export/ExportButtons';
import { templateLayout } from './templateLayout';

function LevelImage({ level, t }: { level: number; t: LevelTemplates }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const layout = useMemo(() => templateLayout(t), [t]);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(layout.rgba, layout.width, layout.height), 0, 0);
  }, [layout]);
  // Whole-number zoom keeps every weight a square of equal size (pixelated rendering).
  const zoom = Math.max(1, Math.floor(Math.min(280 / layout.width, 340 / layout.height)));
  const what = layout.wrapped
    ? `${t.channels} templates of ${t.k}×${t.k}${layout.rows < t.channels ? ` (the first ${layout.rows} shown)` : ''}`
    : `${layout.rows < t.channels ? `the first ${layout.rows} of ` : ''}${t.channels} templates (rows) × ${layout.cols < t.cin ? `the first ${layout.cols} of ` : ''}${t.cin} input channels (columns), ${t.k}×${t.k} each`;
  return (
    <figure className="level-templates" data-level={level}>
      <figcaption>
        <strong>Level {level}</strong> <span className="dim">W({level}): {what}</span>
        <ExportButtons
          name={`level-${level}-templates`}
          what={`the level ${level} templates`}
          png={(g) => g.closest('figure')?.querySelector('canvas') ?? null}
          testId={`export-templates-${level}`}
        />
      </figcaption>
      <canvas
        ref={ref}
        width={layout.width}
        height={layout.height}
        style={{ width: layout.width * zoom, height: layout.height * zoom }}
        role="img"
        aria-label={`Level-${level} templates: ${what}; each template on its own scale, red positive, blue negative`}
        data-kind="templates"
        data-level={level}
      />
    </figure>
  );
}

export function TemplatesByLevel() {
  const templates = useApp((s) => s.training.templates);
  const spec = useApp((s) => s.spec);
  const params = useApp((s) => s.params);
  const source = useApp((s) => s.source);
  const fromModel = useMemo(() => shapesOf(spec).levels.map((l, i) => ({ data: params.weights[i], channels: l.c, cin: l.cin, k: l.k })), [spec, params]);
  const levels = templates ? templates.levels : fromModel;
  const whose = templates
    ? `the training run at step ${templates.step}`
    : `the model in use (${source.kind === 'random' ? `random weights, seed ${source.seed}` : source.kind === 'file' ? source.fileName : 'the run trained in this page'})`;
  return (
    <section className="dash-box templates-by-level" aria-label="Templates of every level" data-testid="templates" data-step={templates ? templates.step : ''} data-source={templates ? 'training' : 'model'}>
      <h3>Templates of every level</h3>
      <p className="dim note">
        Of {whose}. Level 1 matches pixels, so each template is one {levels[0]?.k}×{levels[0]?.k} image. A level-l template above it matches the
        level below's output channels, so it is shown <strong>per input channel</strong>: its row holds one tile per input channel (its weights on
        that channel's map). Each template (row) on its own symmetric scale: red positive, blue negative, white zero.
      </p>
      <div className="level-templates-row">
        {levels.map((t, i) => (
          <LevelImage key={i} level={i + 1} t={t} />
        ))}
      </div>
    </section>
  );
}
