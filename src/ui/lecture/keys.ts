/**
 * Lecture mode's keyboard, as a pure function of one keydown (LectureMode.tsx listens on window).
 *
 * Presentation clickers send PageDown/PageUp: they move through the story's cards (next, prev);
 * ArrowRight/ArrowLeft do the same from a keyboard, Home and End go to the first and last card.
 * A part of the page with keys of its own (the overview's maps, the DP stepper, the timeline)
 * takes them only while it has the focus, and marks the events it uses (preventDefault); this
 * listener runs on window in the bubble phase, after it, and leaves a handled event
 * (`defaultPrevented`) alone. So are keys typed into a field, keys on controls whose arrows mean
 * something (sliders, radio groups, tab lists, list boxes), and keys with modifiers (browser
 * shortcuts).
 */

export type LectureAction = 'toggle' | 'exit' | 'next' | 'prev' | 'first' | 'last';

/** The parts of a KeyboardEvent the decision reads. */
export interface KeyInfo {
  key: string;
  defaultPrevented: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  isComposing?: boolean;
  target: EventTarget | null;
}

/** Input types whose keys are not text or arrows (a checkbox, a button). */
const KEYLESS_INPUTS = new Set(['checkbox', 'button', 'submit', 'reset', 'image', 'color', 'file']);
/** Roles whose arrow keys move within a composite widget. */
const ARROW_ROLES = new Set(['slider', 'spinbutton', 'radiogroup', 'radio', 'tablist', 'tab', 'listbox', 'option', 'menu', 'menuitem', 'grid', 'tree', 'textbox', 'combobox']);

interface ElementLike {
  tagName?: string;
  isContentEditable?: boolean;
  getAttribute?(name: string): string | null;
  closest?(selector: string): unknown;
}

/** True when the event's target takes typed text or uses arrow keys itself. */
export function ownsKeys(target: EventTarget | null): boolean {
  const el = target as ElementLike | null;
  if (!el || typeof el.tagName !== 'string') return false;
  const tag = el.tagName.toLowerCase();
  if (tag === 'textarea' || tag === 'select' || el.isContentEditable) return true;
  if (tag === 'input') return !KEYLESS_INPUTS.has((el.getAttribute?.('type') ?? 'text').toLowerCase());
  const role = el.getAttribute?.('role');
  if (role && ARROW_ROLES.has(role)) return true;
  return false;
}

/** What lecture mode does with a keydown, or null to leave it alone. */
export function lectureAction(e: KeyInfo, lecture: boolean): LectureAction | null {
  if (e.defaultPrevented || e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return null;
  if (ownsKeys(e.target)) return null;
  if (e.key === 'l' || e.key === 'L') return 'toggle';
  if (!lecture) return null;
  switch (e.key) {
    case 'Escape':
      return 'exit';
    case 'PageDown':
    case 'ArrowRight':
      return 'next';
    case 'PageUp':
    case 'ArrowLeft':
      return 'prev';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    default:
      return null;
  }
}
