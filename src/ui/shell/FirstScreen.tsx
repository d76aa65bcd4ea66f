/**
 * The first screen: the input, the picture of the DP, the prediction and the reconstruction side by
 * side, and the story under them, all within the window (no scrolling at 1280x720 or on a
 * projector). The sizes of the pad and of the rendered images follow the window's height.
 */
import { Suspense, lazy, useEffect, useState } from 'react';
import { PartBoundary } from '../panels/PanelBoundary';
import { InputColumn } from './InputColumn';
import { PredictionColumn } from './PredictionColumn';

// The overview (with KaTeX for its unit cards) and the story load as their own chunks, so the
// input and the prediction show as soon as the first bundle runs.
const Overview = lazy(() => import('../overview/Overview').then((m) => ({ default: m.Overview })));
const StoryStrip = lazy(() => import('../story/StoryStrip').then((m) => ({ default: m.StoryStrip })));

/** What holds the overview's place while its chunk loads (the test id is the overview's). */
function OverviewPlaceholder() {
  return <section className="overview-slot card" data-testid="overview" aria-label="The DP on this digit" />;
}

/** The window's height, for sizes that must fit it. */
function useWindowHeight(): number {
  const [h, setH] = useState(() => (typeof window === 'undefined' ? 720 : window.innerHeight));
  useEffect(() => {
    const on = () => setH(window.innerHeight);
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return h;
}

export function FirstScreen() {
  const h = useWindowHeight();
  // 720 px: a 150 px pad and 84 px images; 1080 px: 240 and 130.
  const pad = Math.round(Math.min(260, Math.max(140, 0.25 * h - 30)));
  const img = Math.round(Math.min(140, Math.max(84, 0.13 * h - 10)) / 28) * 28;
  // The input column is a little wider than the pad: the test digit's number and label sit in one row.
  return (
    <div className="first-screen">
      <PartBoundary what="The input">
        <InputColumn padSize={pad} width={Math.max(pad + 22, 196)} />
      </PartBoundary>
      <PartBoundary what="The overview">
        <Suspense fallback={<OverviewPlaceholder />}>
          <Overview />
        </Suspense>
      </PartBoundary>
      <PartBoundary what="The prediction">
        <PredictionColumn size={img} />
      </PartBoundary>
      <div className="story-slot">
        <PartBoundary what="The story">
          <Suspense fallback={null}>
            <StoryStrip />
          </Suspense>
        </PartBoundary>
      </div>
    </div>
  );
}
