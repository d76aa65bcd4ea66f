// The tour: its steps, where its card goes, and the remembered "seen" flag (with storage that
// throws, as in a private window).
import { describe, expect, it } from 'vitest';
import { TOUR_STEPS, TOUR_STORAGE_KEY, markTourSeen, placeCard, tourSeen, type FlagStorage } from '../../src/ui/tour/steps';

function memoryStorage(): FlagStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

const throwing: FlagStorage = {
  getItem: () => {
    throw new Error('SecurityError');
  },
  setItem: () => {
    throw new Error('QuotaExceededError');
  },
};

describe('tour steps', () => {
  it('has 5 to 7 steps with unique ids, a title and a body each', () => {
    expect(TOUR_STEPS.length).toBeGreaterThanOrEqual(5);
    expect(TOUR_STEPS.length).toBeLessThanOrEqual(7);
    expect(new Set(TOUR_STEPS.map((s) => s.id)).size).toBe(TOUR_STEPS.length);
    for (const s of TOUR_STEPS) {
      expect(s.title.length).toBeGreaterThan(3);
      expect(s.body.length).toBeGreaterThan(40);
    }
  });
});

describe('the seen flag', () => {
  it('is unset at first, set once seen', () => {
    const st = memoryStorage();
    expect(tourSeen(st)).toBe(false);
    markTourSeen(st);
    expect(tourSeen(st)).toBe(true);
    expect(st.data.get(TOUR_STORAGE_KEY)).toBe('1');
  });
  it('survives storage that throws or is missing (the tour is simply offered again)', () => {
    expect(tourSeen(throwing)).toBe(false);
    expect(() => markTourSeen(throwing)).not.toThrow();
    expect(tourSeen(null)).toBe(false);
    expect(() => markTourSeen(null)).not.toThrow();
  });
});

describe('placeCard', () => {
  const view = { width: 1280, height: 720 };
  const card = { width: 380, height: 200 };
  it('without a target: the bottom-right corner', () => {
    expect(placeCard(null, card, view)).toEqual({ left: 1280 - 380 - 16, top: 720 - 200 - 16 });
  });
  it('below the target when it fits, aligned with its left edge', () => {
    expect(placeCard({ left: 20, top: 100, width: 400, height: 60 }, card, view)).toEqual({ left: 20, top: 172 });
  });
  it('above when below does not fit; inside the viewport horizontally', () => {
    expect(placeCard({ left: 1200, top: 600, width: 60, height: 40 }, card, view)).toEqual({ left: 1280 - 380 - 8, top: 600 - 12 - 200 });
  });
  it('at the bottom when neither fits (a target as tall as the screen)', () => {
    expect(placeCard({ left: 0, top: 0, width: 1280, height: 720 }, card, view)).toEqual({ left: 8, top: 720 - 200 - 8 });
  });
});
