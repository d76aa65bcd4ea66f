/**
 * The story strip under the first screen's picture: one story card at a time (cards.ts says what
 * each one sets, StoryTexts.tsx what it says), with Back and Next, a dot per card, and the card's
 * number. Opening a card puts its view into the store (apply.ts), so the overview, the input and
 * the prediction show what the card talks about; the open card is `picture.story`, which the URL
 * carries (`story=N`) and lecture mode's clicker moves. The strip can be hidden (story = null).
 */
import { useState } from 'react';
import { appStore, useApp } from '../store';
import { openCard } from './apply';
import { STORY_CARDS, STORY_COUNT, clampCard } from './cards';
import { HundredLabels } from './HundredLabels';
import { ReluWarmup } from './ReluWarmup';
import { ShortestPathWidget, initialWeights, type WeightEntry } from './ShortestPathWidget';
import { STORY_TEXTS } from './StoryTexts';
import { SwitchFlips } from './SwitchFlips';
import './story.css';

/**
 * The warm-ups need no picture of the network, nor does the comparison of the 100-label models
 * (it shows its own digits): in lecture mode they take the whole screen (lecture.css).
 */
const WIDE = new Set(['shortest-path', 'unrolled', 'relu', 'hundred-labels']);

export function StoryStrip() {
  const story = useApp((s) => s.picture.story);
  const setPicture = useApp((s) => s.setPicture);
  // The warm-up graph's costs live here, so the graph card and the unrolled card share them.
  const [weights, setWeights] = useState<WeightEntry[]>(initialWeights);

  if (story === null) {
    return (
      <section className="story-strip closed" aria-label="The story" data-testid="story">
        <button type="button" onClick={() => openCard(appStore, 0, 'navigate')} data-testid="story-open">
          Show the story ({STORY_COUNT} cards: how the convnet is a DP that renders the digit)
        </button>
      </section>
    );
  }

  const i = clampCard(story);
  const card = STORY_CARDS[i];
  const text = STORY_TEXTS[card.id];
  const go = (j: number) => openCard(appStore, j, 'navigate');
  const titleId = `story-title-${card.id}`;

  return (
    <section className="story-strip" aria-label="The story" data-testid="story" data-widget={card.widget ?? ''} data-wide={WIDE.has(card.widget ?? '')}>
      <div className="story-head">
        <span className="story-count" data-testid="story-count">
          Story {i + 1} / {STORY_COUNT}
        </span>
        <h2 id={titleId} className="story-title" aria-live="polite">
          {card.title}
        </h2>
        <ol className="story-dots" aria-label="Story cards">
          {STORY_CARDS.map((c, j) => (
            <li key={c.id}>
              <button type="button" className="story-dot" aria-label={`Card ${j + 1}`} title={c.title} aria-current={j === i ? 'step' : undefined} onClick={() => go(j)} />
            </li>
          ))}
        </ol>
        <span className="story-nav">
          <button type="button" onClick={() => go(i - 1)} disabled={i === 0} aria-keyshortcuts="PageUp" data-testid="story-back">
            <span aria-hidden="true">◀ </span>Back
          </button>
          <button type="button" className="primary" onClick={() => go(i + 1)} disabled={i === STORY_COUNT - 1} aria-keyshortcuts="PageDown" data-testid="story-next">
            Next<span aria-hidden="true"> ▶</span>
          </button>
          <button type="button" className="story-hide" onClick={() => setPicture({ story: null, playing: false })} aria-label="Hide the story" title="Hide the story">
            ✕
          </button>
        </span>
      </div>
      <article className="story-card" data-testid="story-card" data-card={card.id} data-index={i} aria-labelledby={titleId} key={card.id}>
        <div className="story-text">
          <p className="story-body">{text.body}</p>
          <p className="story-tries">
            <span className="story-try-label">Try: </span>
            {text.tries.map((t, k) => (
              <span key={k} className="story-try">
                {t}
              </span>
            ))}
          </p>
          {text.source && <p className="story-source">{text.source}</p>}
        </div>
        {card.widget && (
          <div className="story-widget">
            {card.widget === 'shortest-path' && <ShortestPathWidget view="graph" weights={weights} setWeights={setWeights} />}
            {card.widget === 'unrolled' && <ShortestPathWidget view="unrolled" weights={weights} setWeights={setWeights} />}
            {card.widget === 'relu' && <ReluWarmup />}
            {card.widget === 'flips' && <SwitchFlips />}
            {card.widget === 'hundred-labels' && <HundredLabels />}
          </div>
        )}
      </article>
    </section>
  );
}
