/**
 * Lecture mode: the first screen as a live instrument for a projector. It puts the `lecture` class
 * on <html> (lecture.css: the top bar, the status chips and the deeper tabs give way to a thin bar,
 * the story's words in large type, the whole view within the window at 1280x720 and 1920x1080),
 * and drives the story from the keyboard (keys.ts): a clicker's PageDown/PageUp (or the arrows)
 * move through the story's cards, Home/End to the first and last, L toggles, Escape leaves. The
 * input (pick a digit, draw, pick a class) stays usable: each card drives the view through the
 * store, and the view answers whatever the lecturer draws.
 */
import { useEffect } from 'react';
import { appStore, useApp } from '../store';
import { moveCard, openCard } from '../story/apply';
import { STORY_CARDS, STORY_COUNT, clampCard } from '../story/cards';
import { lectureAction } from './keys';
import './lecture.css';

/** Moves the story (opening the first card when the story was hidden). */
function go(action: 'next' | 'prev' | 'first' | 'last') {
  const story = appStore.getState().picture.story;
  openCard(appStore, story === null ? 0 : moveCard(story, action), 'navigate');
}

export function LectureMode() {
  const lecture = useApp((s) => s.lecture);

  useEffect(() => {
    document.documentElement.classList.toggle('lecture', lecture);
    if (lecture) {
      // A slide starts at the top, with the story shown.
      window.scrollTo({ top: 0 });
      const s = appStore.getState();
      if (s.picture.story === null) openCard(appStore, 0, 'navigate');
    }
    return () => document.documentElement.classList.remove('lecture');
  }, [lecture]);

  useEffect(() => {
    // Bubble phase on window: a part of the page that uses these keys itself has already called preventDefault.
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
  const story = useApp((s) => s.picture.story);
  const setLecture = useApp((s) => s.setLecture);
  const i = story === null ? null : clampCard(story);
  return (
    <div className="lecture-bar" role="region" aria-label="Lecture mode" data-testid="lecture-bar">
      {/* The top bar and its h1 give way to this bar: the page keeps a level-one heading for screen readers. */}
      <h1 className="visually-hidden">DRMM Explainer, lecture mode</h1>
      <p className="lecture-where">
        <span className="lecture-mode-name">Lecture</span>
        <span className="lecture-count" data-testid="lecture-count">
          {i === null ? '' : `${i + 1} / ${STORY_COUNT}`}
        </span>
        <span className="lecture-title" data-testid="lecture-title">
          {i === null ? 'The story is hidden' : STORY_CARDS[i].title}
        </span>
      </p>
      <span className="lecture-keys" aria-hidden="true">
        PgDn PgUp · Esc
      </span>
      <button type="button" onClick={() => setLecture(false)} aria-keyshortcuts="Escape L">
        Exit lecture mode
      </button>
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
      title="Presentation layout for a projector: the picture, the input and the story in large type. Keys: L toggles, PageDown/PageUp (a clicker) or the arrows move through the story, Esc leaves."
      data-testid="lecture-toggle"
    >
      Lecture mode <kbd>L</kbd>
    </button>
  );
}
