// The story in the URL (`story=N`, 1-based, or `off`): parsing and formatting, and the sync: a
// link opens its card with the card's picture but its own digit and step, a lecturer's card
// moves are written to the address bar, and editing the hash moves the story.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAppStore } from '../../src/ui/store';
import { stepsFor } from '../../src/ui/stepper/steps';
import { openCard } from '../../src/ui/story/apply';
import { STORY_CARDS, STORY_COUNT } from '../../src/ui/story/cards';
import { formatUrlState, parseUrlState, stateFromStore, URL_KEYS } from '../../src/ui/url/state';
import { startUrlSync } from '../../src/ui/url/sync';
import { fakeUrlHost } from '../helpers/urlHost';

const idx = (id: string) => STORY_CARDS.findIndex((c) => c.id === id);

describe('story= in links', () => {
  it('parses card numbers 1..N (to 0-based) and off, and names anything else as ignored', () => {
    expect(parseUrlState('#story=1')).toEqual({ state: { story: 0 }, ignored: [] });
    expect(parseUrlState(`#story=${STORY_COUNT}`).state.story).toBe(STORY_COUNT - 1);
    expect(parseUrlState('#story=off')).toEqual({ state: { story: null }, ignored: [] });
    for (const bad of ['0', String(STORY_COUNT + 1), '-1', '2.5', 'on', '', '1e1']) {
      const p = parseUrlState(`#story=${bad}`);
      expect(p.state.story, bad).toBeUndefined();
      expect(p.ignored, bad).toEqual([`story=“${bad}” (not a story card 1–${STORY_COUNT} or off)`]);
    }
  });

  it('writes the card 1-based after the panel, leaves out the first card, and writes off for a hidden story', () => {
    expect(URL_KEYS.indexOf('story')).toBe(URL_KEYS.indexOf('panel') + 1);
    expect(formatUrlState({ story: 0 })).toBe('');
    expect(formatUrlState({ story: 4, panel: 'paths', lecture: true })).toBe('panel=paths&story=5&lecture=1');
    expect(formatUrlState({ story: null })).toBe('story=off');
    // Round trips: the first card is the default (left out), the others and `off` come back.
    expect(parseUrlState(formatUrlState({ story: 0 })).state.story).toBeUndefined();
    for (const story of [1, 3, STORY_COUNT - 1, null]) expect(parseUrlState(formatUrlState({ story })).state.story).toBe(story);
    const store = createAppStore();
    expect(stateFromStore(store.getState()).story).toBe(0);
    store.getState().setPicture({ story: 6 });
    expect(formatUrlState(stateFromStore(store.getState()))).toBe('story=7');
    store.getState().setPicture({ story: null });
    expect(formatUrlState(stateFromStore(store.getState()))).toBe('story=off');
  });
});

describe('the story and the URL sync', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a link opens its card with the card’s picture, and keeps its own digit and step', async () => {
    const store = createAppStore();
    const host = fakeUrlHost(`#digit=8&step=5&story=${idx('max-t') + 1}`);
    const sync = startUrlSync({ store, host, choosePreset: async () => true, throttleMs: 10 });
    const s0 = store.getState();
    s0.installModel({ presetName: s0.presetName, spec: s0.spec, params: s0.params, source: s0.source, modelVersion: 1, engineBackend: 'cpu', engineNote: null });
    await vi.advanceTimersByTimeAsync(20);
    const s = store.getState();
    expect(s.picture).toMatchObject({ story: idx('max-t'), complete: false, expanded: 1, playing: false });
    expect(s.digitIndex).toBe(8);
    expect(s.stepIndex).toBe(5);
    expect(s.unit).toBeNull();
    expect(s.linkNotice).toEqual([]);
    expect(host.location.hash).toBe(`#digit=8&step=5&story=${idx('max-t') + 1}`);
    sync.stop();
  });

  it('writes the lecturer’s card moves to the address bar, and a hash edit moves the story', async () => {
    const store = createAppStore();
    const host = fakeUrlHost('');
    const sync = startUrlSync({ store, host, choosePreset: async () => true, throttleMs: 10 });
    openCard(store, idx('levels'), 'navigate');
    await vi.advanceTimersByTimeAsync(20);
    // The card set the clutter and the tab: those travel too.
    expect(host.location.hash).toBe(`#clutter=fragments&amount=0.4&panel=saliency&story=${idx('levels') + 1}`);
    openCard(store, idx('match'), 'navigate');
    await vi.advanceTimersByTimeAsync(20);
    const s = store.getState();
    const unit = s.unit!;
    expect(host.location.hash).toBe(`#unit=1.relu.${unit.channel}.${unit.y}.${unit.x}&panel=saliency&story=${idx('match') + 1}`);
    expect(stepsFor(s.spec)[s.stepIndex].id).toBe('match-1');

    host.navigate(`#story=${idx('scores') + 1}`);
    expect(store.getState().picture.story).toBe(idx('scores'));
    host.navigate('#story=off');
    expect(store.getState().picture.story).toBeNull();
    // A hash without story= is the default view: the first card.
    host.navigate('#digit=3');
    expect(store.getState().picture.story).toBe(0);
    expect(store.getState().picture.complete).toBe(true);
    sync.stop();
  });
});
