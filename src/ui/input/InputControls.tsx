/**
 * The input controls in the app's control bar: the test digit (DigitPicker), the sources of other
 * inputs (the test-set browser, the drawing pad, an upload), which input the model is reading,
 * and the clutter. A source opens in a drawer the width of the page below the control bar; the
 * drawing and the upload stay mounted while closed so that they keep what they hold.
 */
import { useRef, useState, type KeyboardEvent } from 'react';
import { DigitPicker } from '../DigitPicker';
import { useApp } from '../store';
import { ClutterControls } from './ClutterControls';
import { DrawingPad } from './DrawingPad';
import { TestBrowser } from './TestBrowser';
import { UploadPanel } from './UploadPanel';
import './input.css';

type Drawer = 'browse' | 'draw' | 'upload';

const DRAWERS: { id: Drawer; text: string; title: string }[] = [
  { id: 'browse', text: 'Browse test set', title: 'The MNIST test set, filtered by label, misclassification or confidence' },
  { id: 'draw', text: 'Draw', title: 'Draw a digit with a mouse, a finger or a pen' },
  { id: 'upload', text: 'Upload', title: 'A picture of a digit, any size' },
];

function CurrentInput() {
  const custom = useApp((s) => s.custom);
  const digitIndex = useApp((s) => s.digitIndex);
  const setCustom = useApp((s) => s.setCustom);
  return (
    <p className="current-input" data-testid="current-input" data-input={custom ? 'custom' : 'test'}>
      Reading: <strong>{custom ? (custom.kind === 'drawing' ? 'your drawing' : custom.name) : `test digit #${digitIndex}`}</strong>
      {custom && (
        <button type="button" className="link" onClick={() => setCustom(null)}>
          back to test digit #{digitIndex}
        </button>
      )}
    </p>
  );
}

export function InputControls() {
  const [open, setOpen] = useState<Drawer | null>(null);
  const openers = useRef<Partial<Record<Drawer, HTMLButtonElement | null>>>({});
  // Closing returns the focus to the button that opened the drawer, so keyboard users stay in place.
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
    <>
      <DigitPicker />
      <fieldset className="controls input-sources">
        <legend>Input</legend>
        <div className="source-buttons">
          {DRAWERS.map((d) => (
            <button
              key={d.id}
              ref={(el) => {
                openers.current[d.id] = el;
              }}
              type="button"
              aria-expanded={open === d.id}
              aria-controls={`input-drawer-${d.id}`}
              title={d.title}
              className={open === d.id ? 'open' : undefined}
              onClick={() => setOpen(open === d.id ? null : d.id)}
              data-testid={`input-open-${d.id}`}
            >
              {d.text}
              <span aria-hidden="true">{open === d.id ? ' ▴' : ' ▾'}</span>
            </button>
          ))}
        </div>
        <CurrentInput />
      </fieldset>
      <ClutterControls />
      <section className="input-drawer" hidden={open === null} aria-label="Input source" onKeyDown={onKeyDown}>
        <div id="input-drawer-browse" hidden={open !== 'browse'}>
          {open === 'browse' && <TestBrowser />}
        </div>
        <div id="input-drawer-draw" hidden={open !== 'draw'}>
          <DrawingPad />
        </div>
        <div id="input-drawer-upload" hidden={open !== 'upload'}>
          <UploadPanel />
        </div>
        <button type="button" className="drawer-close" onClick={close} aria-label="Close the input drawer (Escape)">
          ×
        </button>
      </section>
    </>
  );
}
