// Lecture mode's keys: which keydowns move the story's cards (a clicker's PageDown/PageUp), and
// which are left to the page (handled already, typed into a field, on a widget that uses arrows,
// or with modifiers); and the moves themselves, on a real store.
import { describe, expect, it } from 'vitest';
import { lectureAction, ownsKeys, type KeyInfo } from '../../src/ui/lecture/keys';
import { createAppStore } from '../../src/ui/store';
import { moveCard, openCard } from '../../src/ui/story/apply';
import { STORY_COUNT } from '../../src/ui/story/cards';

const el = (tagName: string, attrs: Record<string, string> = {}, extra: object = {}) =>
  ({ tagName: tagName.toUpperCase(), getAttribute: (n: string) => attrs[n] ?? null, isContentEditable: false, ...extra }) as unknown as EventTarget;

const key = (k: string, over: Partial<KeyInfo> = {}): KeyInfo => ({
  key: k, defaultPrevented: false, altKey: false, ctrlKey: false, metaKey: false, target: el('body'), ...over,
});

describe('lectureAction', () => {
  it('pages with PageDown/PageUp (clickers) and the arrows, Home/End, only in lecture mode', () => {
    expect(lectureAction(key('PageDown'), true)).toBe('next');
    expect(lectureAction(key('ArrowRight'), true)).toBe('next');
    expect(lectureAction(key('PageUp'), true)).toBe('prev');
    expect(lectureAction(key('ArrowLeft'), true)).toBe('prev');
    expect(lectureAction(key('Home'), true)).toBe('first');
    expect(lectureAction(key('End'), true)).toBe('last');
    expect(lectureAction(key('Escape'), true)).toBe('exit');
    for (const k of ['PageDown', 'ArrowRight', 'Escape', 'Home']) expect(lectureAction(key(k), false), k).toBeNull();
    expect(lectureAction(key('ArrowDown'), true)).toBeNull(); // scrolling stays scrolling
  });
  it('L toggles, in and out of lecture mode', () => {
    expect(lectureAction(key('l'), false)).toBe('toggle');
    expect(lectureAction(key('L'), true)).toBe('toggle');
  });
  it('leaves events a panel already handled (the DP stepper steps with the same keys)', () => {
    expect(lectureAction(key('PageDown', { defaultPrevented: true }), true)).toBeNull();
    expect(lectureAction(key('ArrowLeft', { defaultPrevented: true }), true)).toBeNull();
    expect(lectureAction(key('l', { defaultPrevented: true }), false)).toBeNull();
  });
  it('leaves modified keys and IME composition alone', () => {
    expect(lectureAction(key('l', { ctrlKey: true }), false)).toBeNull();
    expect(lectureAction(key('ArrowLeft', { altKey: true }), true)).toBeNull(); // browser back
    expect(lectureAction(key('PageDown', { metaKey: true }), true)).toBeNull();
    expect(lectureAction(key('l', { isComposing: true }), false)).toBeNull();
  });
  it('leaves keys typed into fields and arrows on widgets that use them', () => {
    for (const t of [el('input'), el('input', { type: 'number' }), el('input', { type: 'range' }), el('input', { type: 'radio' }), el('textarea'), el('select'), el('div', {}, { isContentEditable: true }), el('div', { role: 'slider' }), el('button', { role: 'tab' }), el('div', { role: 'listbox' })]) {
      expect(lectureAction(key('l', { target: t }), false)).toBeNull();
      expect(lectureAction(key('PageDown', { target: t }), true)).toBeNull();
    }
    for (const t of [el('button'), el('input', { type: 'checkbox' }), el('canvas'), el('a'), null]) {
      expect(lectureAction(key('PageDown', { target: t }), true)).toBe('next');
    }
  });
});

describe('ownsKeys', () => {
  it('is false for non-elements', () => {
    expect(ownsKeys(null)).toBe(false);
    expect(ownsKeys({} as EventTarget)).toBe(false);
  });
});

describe('a clicker through the story', () => {
  it('PageDown walks every card once, stops at the last, and PageUp, Home and End go where they say', () => {
    const store = createAppStore();
    const seen: number[] = [];
    const press = (k: string) => {
      const action = lectureAction(key(k), true);
      if (action === 'next' || action === 'prev' || action === 'first' || action === 'last') openCard(store, moveCard(store.getState().picture.story ?? 0, action), 'navigate');
      return store.getState().picture.story;
    };
    seen.push(store.getState().picture.story!);
    for (let i = 1; i < STORY_COUNT + 2; i++) seen.push(press('PageDown')!);
    expect(seen).toEqual([...Array.from({ length: STORY_COUNT }, (_, i) => i), STORY_COUNT - 1, STORY_COUNT - 1]);
    expect(press('PageUp')).toBe(STORY_COUNT - 2);
    expect(press('ArrowLeft')).toBe(STORY_COUNT - 3);
    expect(press('Home')).toBe(0);
    expect(press('PageUp')).toBe(0);
    expect(press('End')).toBe(STORY_COUNT - 1);
  });
});
