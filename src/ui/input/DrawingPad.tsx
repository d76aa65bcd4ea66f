/**
 * A pad to draw a digit on with a mouse, a finger or a pen (pointer events; touch-action: none so
 * a finger draws instead of scrolling), and a live preview of the 28x28 the model sees. Each
 * finished stroke becomes the input; the preview follows the stroke as it is drawn.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent, type PointerEvent as ReactPointerEvent } from 'react';
import { MapCanvas } from '../MapCanvas';
import { imageScale, mapToRgba } from '../scales';
import { useApp } from '../store';
import { applyClutter } from './clutter';
import { makeCustom } from './custom';
import { FIELD, preprocess, type PreprocessResult } from './preprocess';

/** The pad's resolution (and CSS size): a digit drawn across most of it is ~170 px tall. */
export const PAD = 224;
/**
 * Default pen width: a 20 px stroke on a ~170 px digit becomes ~2.4 px once the digit is scaled
 * to 20 px, about the width of MNIST's strokes.
 */
export const DEFAULT_STROKE = 20;

const IMAGE = imageScale();

interface Point {
  x: number;
  y: number;
}

/** The pad's ink: the alpha channel (strokes are drawn opaque on a transparent canvas). */
function padInk(ctx: CanvasRenderingContext2D): Float32Array {
  const data = ctx.getImageData(0, 0, PAD, PAD).data;
  const ink = new Float32Array(PAD * PAD);
  for (let i = 0; i < ink.length; i++) ink[i] = data[4 * i + 3] / 255;
  return ink;
}

/** The current test digit, faint under the pad (one canvas pixel per input pixel, upscaled by CSS). */
function UnderCanvas({ pixels, size }: { pixels: ArrayLike<number>; size: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current?.getContext('2d');
    if (c) c.putImageData(new ImageData(mapToRgba(pixels, 0, FIELD, FIELD, IMAGE), FIELD, FIELD), 0, 0);
  }, [pixels]);
  return <canvas ref={ref} width={FIELD} height={FIELD} style={{ width: size, height: size }} aria-label="The current test digit, faint under the drawing pad" />;
}

export interface DrawingPadProps {
  /** CSS size of the pad (its resolution stays PAD); default PAD. */
  size?: number;
  /** The first screen's pad: the pad and its Clear button only (the 28x28 preview is the overview's input). */
  compact?: boolean;
  /** What the model reads now when it is not a drawing (the test digit), shown faintly under the pad. */
  under?: { pixels: ArrayLike<number>; label: string } | null;
}

export function DrawingPad({ size = PAD, compact = false, under = null }: DrawingPadProps = {}) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const stroke = useRef<{ pointerId: number; last: Point } | null>(null);
  const frame = useRef(0);
  const [width, setWidth] = useState(DEFAULT_STROKE);
  const [preview, setPreview] = useState<PreprocessResult | null>(null);
  const clutter = useApp((s) => s.clutter);
  const custom = useApp((s) => s.custom);
  const setCustom = useApp((s) => s.setCustom);

  const ctx = () => canvasRef.current?.getContext('2d', { willReadFrequently: true }) ?? null;

  /** Re-reads the pad; with commit, a drawing with ink becomes the model's input. */
  const update = useCallback(
    (commit: boolean) => {
      const c = ctx();
      if (!c) return;
      const result = preprocess(padInk(c), PAD, PAD);
      setPreview(result);
      if (commit && result.ok) setCustom(makeCustom('drawing', 'Your drawing', result.value.pixels));
    },
    [setCustom],
  );

  const schedulePreview = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      update(false);
    });
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const toPad = (e: { clientX: number; clientY: number }): Point => {
    const r = canvasRef.current!.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * PAD) / r.width, y: ((e.clientY - r.top) * PAD) / r.height };
  };

  // A pen's pressure thickens or thins its stroke; mice and fingers report 0.5 while pressed.
  const lineWidth = (e: PointerEvent) => (e.pointerType === 'pen' && e.pressure > 0 ? width * (0.5 + e.pressure) : width);

  const segment = (a: Point, b: Point, w: number) => {
    const c = ctx();
    if (!c) return;
    c.strokeStyle = '#000';
    c.fillStyle = '#000';
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.lineWidth = w;
    if (a.x === b.x && a.y === b.y) {
      c.beginPath();
      c.arc(a.x, a.y, w / 2, 0, 2 * Math.PI);
      c.fill();
      return;
    }
    c.beginPath();
    c.moveTo(a.x, a.y);
    c.lineTo(b.x, b.y);
    c.stroke();
  };

  const onPointerDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (stroke.current || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    // Capture keeps the stroke going when the pointer leaves the pad; a pointer that cannot be
    // captured (one already gone) still draws while it is over the pad.
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      /* see above */
    }
    const p = toPad(e);
    stroke.current = { pointerId: e.pointerId, last: p };
    segment(p, p, lineWidth(e.nativeEvent));
    schedulePreview();
  };

  const onPointerMove = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const s = stroke.current;
    if (!s || s.pointerId !== e.pointerId) return;
    // Coalesced events: every sample the pointer reported since the last frame, for smooth curves.
    const events = e.nativeEvent.getCoalescedEvents?.() ?? [];
    for (const ev of events.length ? events : [e.nativeEvent]) {
      const p = toPad(ev);
      segment(s.last, p, lineWidth(ev));
      s.last = p;
    }
    schedulePreview();
  };

  const onPointerEnd = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (stroke.current?.pointerId !== e.pointerId) return;
    stroke.current = null;
    cancelAnimationFrame(frame.current);
    frame.current = 0;
    update(true);
  };

  const clear = () => {
    ctx()?.clearRect(0, 0, PAD, PAD);
    setPreview(null);
    if (custom?.kind === 'drawing') setCustom(null);
  };

  const shown = useMemo(() => (preview?.ok ? applyClutter(preview.value.pixels, FIELD, FIELD, clutter) : null), [preview, clutter]);
  const box = preview?.ok ? preview.value.box : null;
  const active = custom?.kind === 'drawing';

  const pad = (
      <div className="draw-pad" style={{ width: size, height: size }}>
        {under && !active && (
          <div className="draw-under" aria-hidden="true">
            <UnderCanvas pixels={under.pixels} size={size} />
          </div>
        )}
        <canvas
          ref={canvasRef}
          width={PAD}
          height={PAD}
          style={{ width: size, height: size }}
          role="img"
          aria-label="Drawing pad: draw a digit here with a mouse, a finger or a pen. Each finished stroke updates the input."
          data-testid="draw-pad"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerEnd}
          onPointerCancel={onPointerEnd}
          onLostPointerCapture={onPointerEnd}
          onPointerLeave={(e) => {
            if (!e.currentTarget.hasPointerCapture(e.pointerId)) onPointerEnd(e);
          }}
        />
        {box && (
          <div
            className="draw-box"
            aria-hidden="true"
            style={{ left: `${(100 * box.x) / PAD}%`, top: `${(100 * box.y) / PAD}%`, width: `${(100 * box.width) / PAD}%`, height: `${(100 * box.height) / PAD}%` }}
          />
        )}
      </div>
  );
  if (compact)
    return (
      <div className="draw compact">
        {pad}
        <div className="draw-row">
          <button type="button" onClick={clear} data-testid="draw-clear">
            Clear
          </button>
          <label className="draw-width">
            <span className="visually-hidden">Stroke width {width} px</span>
            <input type="range" min={8} max={40} step={1} value={width} aria-label={`Stroke width ${width} px`} onChange={(e: ChangeEvent<HTMLInputElement>) => setWidth(Number(e.target.value))} data-testid="draw-width" />
          </label>
        </div>
      </div>
    );

  return (
    <div className="draw">
      {pad}
      <div className="draw-side">
        <label>
          Stroke width {width} px
          <input type="range" min={8} max={40} step={1} value={width} onChange={(e: ChangeEvent<HTMLInputElement>) => setWidth(Number(e.target.value))} data-testid="draw-width" />
        </label>
        <button type="button" onClick={clear} data-testid="draw-clear">
          Clear
        </button>
        <p className="dim small">
          Draw large, across most of the pad. {active ? 'The model is reading your drawing.' : preview?.ok ? '' : 'Each finished stroke updates the input.'}
        </p>
      </div>
      <div className="draw-preview" data-testid="draw-preview" data-state={preview ? (preview.ok ? 'ok' : 'empty') : 'none'}>
        {shown && preview?.ok ? (
          <>
            <MapCanvas
              data={shown}
              height={FIELD}
              width={FIELD}
              scale={IMAGE}
              label="What the model sees: your drawing preprocessed to 28 x 28"
              caption={clutter.kind === 'none' ? 'What the model sees (28 x 28)' : `What the model sees (28 x 28, with ${clutter.kind === 'noise' ? 'noise' : 'fragments'})`}
              displayWidth={112}
              kind="draw-preview"
            />
            <p className="dim small" data-testid="draw-steps" data-com-x={preview.value.centre.x.toFixed(3)} data-com-y={preview.value.centre.y.toFixed(3)}>
              Ink box {preview.value.box.width} x {preview.value.box.height} px (dashed) → {preview.value.placed.width} x {preview.value.placed.height} px, area-averaged →
              centre of mass at ({preview.value.centre.x.toFixed(1)}, {preview.value.centre.y.toFixed(1)}) in the 28 x 28 field, as MNIST was made.
            </p>
          </>
        ) : (
          <p className="dim small" role="status">
            {preview && !preview.ok ? 'Nothing drawn: draw a digit on the pad.' : 'The 28 x 28 input appears here as you draw.'}
          </p>
        )}
      </div>
    </div>
  );
}
