/**
 * Lecture mode: a presentation layout for a projector. It puts the `lecture` class on <html>
 * (lecture.css: large type, the control bar, tabs and notices collapsed, one panel), shows a thin
 * bar with the panel's title and "n / N", and drives the panels from the keyboard (keys.ts):
 * L toggles, Escape leaves, PageDown/PageUp and the arrows move between panels.
 */
import { useEffect } from 'react';
import { PANELS } from '../panels/registry';
import { PANEL_IDS, appStore, useApp } from '../store';
import { lectureAction, movePanel } from './keys';
import './lecture.css';

function go(action: 'next' | 'prev' | 'first' | 'last') {
  const s = appStore.getState();
  const i = movePanel(PANEL_IDS.indexOf(s.panel), PANEL_IDS.length, action);
  s.setPanel(PANEL_IDS[i]);
  window.scrollTo({ top: 0 });
}

export function LectureMode() {
  const lecture = useApp((s) => s.lecture);

  useEffect(() => {
    document.documentElement.classList.toggle('lecture', lecture);
    return () => document.documentElement.classList.remove('lecture');
  }, [lecture]);

  useEffect(() => {
    // Bubble phase on window: a panel that uses these keys itself has already called preventDefault.
    const onKey = (e: KeyboardEvent) => {
      const s = appStore.getState();
      const action = lectureAction(e, s.lecture);
      if (!action) return;
      e.preventDefault();
      if (action === 'toggle') s.setLecture(!s.lecture);
      else if (action === 'exit') s.setLecture(false);
      else go(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return lecture ? <LectureBar /> : null;
}

function LectureBar() {
  const panel = useApp((s) => s.panel);
  const setLecture = useApp((s) => s.setLecture);
  const i = PANEL_IDS.indexOf(panel);
  const n = PANEL_IDS.length;
  return (
    <div className="lecture-bar" role="region" aria-label="Lecture mode" data-testid="lecture-bar">
      <p className="lecture-where" aria-live="polite">
        <span className="lecture-title" data-testid="lecture-title">
          {PANELS[panel].title}
        </span>
        <span className="lecture-count" data-testid="lecture-count">
          {i + 1} / {n}
        </span>
        <span className="lecture-purpose">{PANELS[panel].purpose}</span>
      </p>
      <span className="lecture-buttons">
        <button type="button" onClick={() => go('prev')} disabled={i === 0} aria-keyshortcuts="PageUp ArrowLeft" aria-label="Previous panel">
          ◀
        </button>
        <button type="button" onClick={() => go('next')} disabled={i === n - 1} aria-keyshortcuts="PageDown ArrowRight" aria-label="Next panel">
          ▶
        </button>
        <button type="button" onClick={() => setLecture(false)} aria-keyshortcuts="Escape L">
          Exit lecture mode
        </button>
      </span>
    </div>
  );
}

/** The header's toggle (the L key does the same). */
export function LectureToggle() {
  const lecture = useApp((s) => s.lecture);
  const setLecture = useApp((s) => s.setLecture);
  return (
    <button
      type="button"
      aria-pressed={lecture}
      aria-keyshortcuts="L"
      onClick={() => setLecture(!lecture)}
      title="Presentation layout for a projector: large type, one panel at a time. Keys: L toggles, PageDown/PageUp or the arrows move between panels, Esc leaves."
      data-testid="lecture-toggle"
    >
      Lecture mode <kbd>L</kbd>
    </button>
  );
}
