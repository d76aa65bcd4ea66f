/**
 * The guided tour of the controls: a small dialog that walks through TOUR_STEPS, anchored next to
 * each step's part of the page with a ring around it, never covering the input, the overview, the
 * prediction or the reconstruction. On a first visit it is only offered: a small prompt in the top
 * bar ("Take the tour" / "Skip the tour"), which takes nothing from the page and no focus; a page
 * opened from a link with state (a shared view) or in lecture mode is not offered it. "Take the
 * tour" in the top bar replays it. Keyboard: Tab stays inside the card, Escape closes it.
 *
 * Written here rather than taken from a tour library: it needs about 150 lines, and a library
 * would bring its own styles, positioning engine and focus handling to reconcile with ours.
 */
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useViewportFollow } from '../shell/useViewportFollow';
import { appStore, useApp } from '../store';
import { TOUR_STEPS, markTourSeen, placeCard, protectedElements, shouldOfferTour, tourSeen, type Rect } from './steps';
import './tour.css';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The hash the page was opened with, read before the URL sync rewrites it: a link with state is not a first visit to offer a tour to. */
const INITIAL_HASH = typeof window === 'undefined' ? '' : window.location.hash;

function isVisible(r: Rect): boolean {
  return r.top >= 0 && r.top + r.height <= window.innerHeight;
}

export function Tour() {
  const [step, setStep] = useState<number | null>(null);
  const [offered, setOffered] = useState(false);
  const lecture = useApp((s) => s.lecture);
  const opener = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef<Element | null>(null);

  const close = useCallback(() => {
    markTourSeen(storage());
    setStep(null);
    const back = returnFocus.current;
    returnFocus.current = null;
    // Taken from the offer (which is gone now): the focus goes to the top bar's replay button.
    if (back instanceof HTMLElement && back.isConnected) back.focus();
    else requestAnimationFrame(() => opener.current?.focus());
  }, []);

  // A first visit, not from a link and not in lecture mode: offer the tour.
  useEffect(() => {
    if (shouldOfferTour(tourSeen(storage()), INITIAL_HASH, appStore.getState().lecture)) setOffered(true);
  }, []);

  // Entering lecture mode ends the tour (it would cover the slide) without counting it as seen.
  useEffect(() => {
    if (lecture) setStep(null);
  }, [lecture]);

  const start = (from: Element | null) => {
    returnFocus.current = from;
    setOffered(false);
    setStep(0);
  };

  return (
    <>
      {offered && !lecture && step === null ? (
        <span className="tour-offer" role="group" aria-label="A tour of the controls" data-testid="tour" data-step="offer">
          <span className="tour-offer-text">New here?</span>
          <button type="button" className="primary" onClick={() => start(null)} data-testid="tour-continue">
            Take the tour
          </button>
          <button
            type="button"
            className="link"
            onClick={() => {
              markTourSeen(storage());
              setOffered(false);
            }}
            data-testid="tour-skip"
          >
            Skip the tour
          </button>
        </span>
      ) : (
        <button type="button" ref={opener} onClick={() => start(opener.current)} data-testid="tour-start">
          Take the tour
        </button>
      )}
      {step !== null && !lecture && <TourCard step={step} setStep={setStep} close={close} />}
    </>
  );
}

function TourCard({ step, setStep, close }: { step: number; setStep(i: number): void; close(): void }) {
  const s = TOUR_STEPS[step];
  const last = step === TOUR_STEPS.length - 1;
  const titleId = useId();
  const bodyId = useId();
  const card = useRef<HTMLDivElement>(null);
  const primary = useRef<HTMLButtonElement>(null);
  const [target, setTarget] = useState<Rect | null>(null);
  const [pos, setPos] = useState<{ left: number; top: number } | null>(null);

  // Find the step's control and bring it into view once a step; then follow it as the page scrolls or resizes.
  useLayoutEffect(() => {
    const el = s.target(document);
    if (!el) return;
    const r = el.getBoundingClientRect();
    if (!isVisible(r)) el.scrollIntoView({ block: r.height > window.innerHeight / 2 ? 'start' : 'center' });
  }, [s]);
  useViewportFollow(() => {
    const r = s.target(document)?.getBoundingClientRect() ?? null;
    const rect = r ? { left: r.left, top: r.top, width: r.width, height: r.height } : null;
    setTarget(rect);
    const c = card.current;
    const avoid = protectedElements(document).map((e) => {
      const b = e.getBoundingClientRect();
      return { left: b.left, top: b.top, width: b.width, height: b.height };
    });
    if (c) setPos(placeCard(rect, { width: c.offsetWidth, height: c.offsetHeight }, { width: window.innerWidth, height: window.innerHeight }, avoid));
  }, [s]);

  // Focus the main button once the card is placed (a hidden card cannot take the focus).
  const placed = pos !== null;
  useEffect(() => {
    if (placed) primary.current?.focus({ preventScroll: true });
  }, [step, placed]);

  // Escape closes the tour wherever the focus is (the card's own handler comes first when it has focus).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) {
        e.preventDefault();
        close();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [close]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
      return;
    }
    if (e.key !== 'Tab' || !card.current) return;
    // Keep Tab inside the card.
    const items = Array.from(card.current.querySelectorAll<HTMLElement>('button:not([disabled])'));
    if (items.length === 0) return;
    const i = items.indexOf(document.activeElement as HTMLElement);
    const next = e.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : i === items.length - 1 ? 0 : i + 1;
    e.preventDefault();
    items[next].focus();
  };

  return (
    <>
      {target && (
        <div
          className="tour-ring"
          aria-hidden="true"
          style={{ left: target.left - 4, top: target.top - 4, width: target.width + 8, height: target.height + 8 }}
        />
      )}
      <div
        ref={card}
        className="tour-card"
        role="dialog"
        aria-labelledby={titleId}
        aria-describedby={bodyId}
        data-testid="tour"
        data-step={s.id}
        style={pos ? { left: pos.left, top: pos.top } : { visibility: 'hidden' }}
        onKeyDown={onKeyDown}
      >
        <p className="tour-count">
          Step {step + 1} of {TOUR_STEPS.length}
        </p>
        <h2 id={titleId}>{s.title}</h2>
        <p id={bodyId}>{s.body}</p>
        <div className="tour-buttons">
          {!last && (
            <button type="button" className="link" onClick={close} data-testid="tour-skip">
              Skip the tour
            </button>
          )}
          <span className="tour-spacer" />
          <button type="button" onClick={() => setStep(step - 1)} disabled={step === 0}>
            Back
          </button>
          <button type="button" ref={primary} className="primary" onClick={() => (last ? close() : setStep(step + 1))} data-testid="tour-continue">
            {last ? 'Finish' : 'Continue'}
          </button>
        </div>
      </div>
    </>
  );
}
