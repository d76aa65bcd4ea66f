/**
 * The first screen's input column: the digit the model reads, drawable in place (the pad shows the
 * test digit faintly until you draw over it), the test digit's number with previous/next, its label
 * when it has one, and the other sources (the test-set browser, an upload) in a drawer below.
 */
import { useRef, useState, type KeyboardEvent } from 'react';
import { digitAsFloat } from '../../data/mnistLoader';
import { DrawingPad } from '../input/DrawingPad';
import { TestBrowser } from '../input/TestBrowser';
import { UploadPanel } from '../input/UploadPanel';
import { digitCount, useApp } from '../store';
import '../input/input.css';

type Source = 'browse' | 'upload';

function DigitNav() {
  const index = useApp((s) => s.digitIndex);
  const count = useApp(digitCount);
  const test = useApp((s) => s.test);
  const custom = useApp((s) => s.custom);
  const setDigitIndex = useApp((s) => s.setDigitIndex);
  const stepDigit = useApp((s) => s.stepDigit);
  const [draft, setDraft] = useState<string | null>(null);
  const max = count - 1;
  const label = test && !custom ? test.labels[index] : null;
  return (
    <div className="digit-nav" role="group" aria-label="Test digit">
      <button type="button" onClick={() => (setDraft(null), stepDigit(-1))} disabled={!test || index <= 0} aria-label="Previous test digit">
        ◀
      </button>
      <label>
        <span className="dim">test digit</span>
        <input
          type="number" min={0} max={max} step={1} className="narrow" data-testid="digit-index" disabled={!test}
          value={draft ?? String(index)}
          onChange={(e) => {
            setDraft(e.target.value);
            const v = Number(e.target.value);
            if (e.target.value.trim() !== '' && Number.isInteger(v) && v >= 0 && v <= max) setDigitIndex(v);
          }}
          onBlur={() => setDraft(null)}
        />
      </label>
      <button type="button" onClick={() => (setDraft(null), stepDigit(1))} disabled={!test || index >= max} aria-label="Next test digit">
        ▶
      </button>
      {/* The label of the test digit; a drawing or an upload has none (no stale "Label: 7"). */}
      <span className="digit-label" data-testid="digit-label" data-label={label ?? undefined}>
        {label !== null ? <>label <strong>{label}</strong></> : custom ? <span className="dim">no label</span> : '…'}
      </span>
    </div>
  );
}

export function InputColumn({ padSize, width = padSize + 22 }: { padSize: number; width?: number }) {
  const test = useApp((s) => s.test);
  const index = useApp((s) => s.digitIndex);
  const custom = useApp((s) => s.custom);
  const setCustom = useApp((s) => s.setCustom);
  const [open, setOpen] = useState<Source | null>(null);
  const openers = useRef<Partial<Record<Source, HTMLButtonElement | null>>>({});
  const under = test && !custom ? { pixels: digitAsFloat(test, index), label: `test digit ${index}` } : null;
  const close = () => {
    if (open) openers.current[open]?.focus();
    setOpen(null);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      close();
    }
  };
  return (
    <section className="input-col card" aria-labelledby="input-col-title" style={{ width }}>
      <h2 id="input-col-title">Your digit</h2>
      <DrawingPad compact size={padSize} under={under} />
      <p className="current-input" data-testid="current-input" data-input={custom ? 'custom' : 'test'}>
        {custom ? (
          <>
            Reading <strong>{custom.kind === 'drawing' ? 'your drawing' : custom.name}</strong>{' '}
            <button type="button" className="link" onClick={() => setCustom(null)}>
              back to test digit #{index}
            </button>
          </>
        ) : (
          <>Draw over it, or pick a test digit:</>
        )}
      </p>
      <DigitNav />
      <div className="source-buttons">
        {(['browse', 'upload'] as const).map((id) => (
          <button
            key={id}
            ref={(el) => {
              openers.current[id] = el;
            }}
            type="button"
            aria-expanded={open === id}
            aria-controls={`input-drawer-${id}`}
            onClick={() => setOpen(open === id ? null : id)}
            data-testid={`input-open-${id}`}
          >
            {id === 'browse' ? 'Browse the test set' : 'Upload a picture'}
          </button>
        ))}
      </div>
      <section className="input-drawer" hidden={open === null} aria-label="Input source" onKeyDown={onKeyDown}>
        <div id="input-drawer-browse" hidden={open !== 'browse'}>
          {open === 'browse' && <TestBrowser />}
        </div>
        <div id="input-drawer-upload" hidden={open !== 'upload'}>
          <UploadPanel />
        </div>
        <button type="button" className="drawer-close" onClick={close} aria-label="Close the input drawer (Escape)">
          ×
        </button>
      </section>
    </section>
  );
}
