// The tour: its steps, when it is offered (a first visit, never from a link or in lecture mode),
// where its card goes (never over the input, the overview, the prediction or the reconstruction),
// and the remembered "seen" flag (with storage that throws, as in a private window).
import { describe, expect, it } from 'vitest';
import { TOUR_STEPS, TOUR_STORAGE_KEY, markTourSeen, overlap, placeCard, shouldOfferTour, tourSeen, type FlagStorage, type Rect } from '../../src/ui/tour/steps';

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

describe('shouldOfferTour', () => {
  it('offers it on a first visit to the bare address only', () => {
    expect(shouldOfferTour(false, '', false)).toBe(true);
    expect(shouldOfferTour(false, '#', false)).toBe(true);
    expect(shouldOfferTour(true, '', false)).toBe(false);
    // A shared link (any state), a lecture's slide, lecture mode: never.
    for (const hash of ['#digit=5', '#story=3', '#lecture=1', '#term-relu', '#x']) expect(shouldOfferTour(false, hash, false), hash).toBe(false);
    expect(shouldOfferTour(false, '', true)).toBe(false);
  });
});

describe('placeCard', () => {
  const view = { width: 1280, height: 720 };
  const card = { width: 380, height: 200 };
  const rect = (p: { left: number; top: number }): Rect => ({ ...p, ...card });
  it('without a target: the bottom-right corner', () => {
    expect(placeCard(null, card, view)).toEqual({ left: 1280 - 380 - 16, top: 720 - 200 - 16 });
  });
  it('below the target when it fits, aligned with its left edge', () => {
    expect(placeCard({ left: 20, top: 100, width: 400, height: 60 }, card, view)).toEqual({ left: 20, top: 172 });
  });
  it('above when below does not fit; inside the viewport horizontally', () => {
    expect(placeCard({ left: 1200, top: 600, width: 60, height: 40 }, card, view)).toEqual({ left: 1280 - 380 - 8, top: 600 - 12 - 200 });
  });
  it('in a corner when nothing around the target fits (a target as tall as the screen)', () => {
    expect(placeCard({ left: 0, top: 0, width: 1280, height: 720 }, card, view)).toEqual({ left: 1280 - 380 - 16, top: 720 - 200 - 16 });
  });
  it('never over the input, the overview, the prediction or the reconstruction when there is room elsewhere (the first screen at 1280x720)', () => {
    const input = { left: 10, top: 74, width: 194, height: 426 };
    const overview = { left: 212, top: 74, width: 792, height: 426 };
    const predict = { left: 1012, top: 74, width: 258, height: 426 };
    const avoid = [input, overview, predict];
    const story = { left: 10, top: 510, width: 1260, height: 205 };
    const small = { width: 380, height: 180 };
    const targets: (Rect | null)[] = [null, input, overview, predict, story, { left: 0, top: 0, width: 1280, height: 44 }];
    for (const t of targets) {
      const p = placeCard(t, small, view, avoid);
      const r = { ...p, ...small };
      for (const a of avoid) expect(overlap(r, a), JSON.stringify(t)).toBe(0);
      expect(p.left).toBeGreaterThanOrEqual(8);
      expect(p.top + small.height).toBeLessThanOrEqual(712);
    }
    // Pointing at the input, the card goes under it (over the story), not over the overview beside it.
    expect(placeCard(input, small, view, avoid)).toEqual({ left: 10, top: 512 });
  });
  it('covers as little as it can of what it should avoid when everything is covered', () => {
    const all = { left: 0, top: 0, width: 1280, height: 700 };
    const p = placeCard(null, card, view, [all]);
    expect(overlap(rect(p), all)).toBe(Math.min(...[[884, 504], [16, 504], [884, 16], [16, 16]].map(([left, top]) => overlap(rect({ left, top }), all))));
  });
});
