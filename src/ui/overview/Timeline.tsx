/**
 * The DP's timeline under the overview: play and pause, one step back or on, a slider to scrub to
 * any step, the speed (steps a second), and "Whole DP" to show both passes complete again. The
 * step is the store's `stepIndex` (shared with the stepper and the URL); playing and scrubbing
 * leave the complete picture (`picture.complete`), so the picture shows the DP at that step.
 */
import type { ModelSpec } from '../../engine';
import { Options } from '../Options';
import { SPEED_CHOICES } from '../picture/slice';
import { appStore, useApp } from '../store';
import { clampStep, PHASE_NAMES } from '../stepper/steps';
import { useDpTimeline } from './hooks';

/** Goes to step i, leaving the complete picture and any playing. */
export function goToStep(i: number, count: number): void {
  const s = appStore.getState();
  s.setPicture({ complete: false, playing: false });
  s.setStepIndex(clampStep(i, count));
}

export function Timeline({ spec }: { spec: ModelSpec }) {
  const { steps, count, index, complete, playing, speed } = useDpTimeline(spec);
  const setPicture = useApp((s) => s.setPicture);
  const step = steps[index];
  const play = () => {
    const s = appStore.getState();
    if (playing) {
      setPicture({ playing: false });
      return;
    }
    // From the whole picture or the last step, play starts over.
    if (complete || clampStep(s.stepIndex, count) >= count - 1) s.setStepIndex(0);
    setPicture({ playing: true, complete: false });
  };
  const shown = complete ? count - 1 : index;
  return (
    <div className="ov-timeline" role="group" aria-label="The DP's timeline" data-testid="ov-timeline" data-step-index={index} data-complete={complete} data-playing={playing}>
      <button type="button" onClick={() => goToStep(complete ? count - 2 : index - 1, count)} disabled={!complete && index === 0} data-testid="ov-prev">
        ◀<span className="visually-hidden"> Previous step</span>
      </button>
      <button type="button" className="ov-play" onClick={play} aria-pressed={playing} data-testid="ov-play">
        {playing ? '❚❚ Pause' : '▶ Play'}
      </button>
      <button type="button" onClick={() => goToStep(complete ? 0 : index + 1, count)} disabled={!complete && index === count - 1} data-testid="ov-next">
        ▶<span className="visually-hidden"> Next step</span>
      </button>
      <input
        type="range"
        min={0}
        max={count - 1}
        step={1}
        value={shown}
        onChange={(e) => goToStep(Number(e.target.value), count)}
        aria-label="DP step"
        aria-valuetext={complete ? 'The whole DP' : `Step ${index + 1} of ${count}: ${step.title}`}
        data-testid="ov-scrub"
      />
      <label className="ov-speed">
        <span className="visually-hidden">Speed</span>
        <select value={speed} onChange={(e) => setPicture({ speed: Number(e.target.value) })} aria-label="Speed in steps a second">
          <Options values={SPEED_CHOICES} text={(v) => `${v}×`} />
        </select>
      </label>
      <button type="button" onClick={() => setPicture({ complete: true, playing: false })} aria-pressed={complete} data-testid="ov-whole">
        Whole DP
      </button>
      <span className="ov-step-title" aria-live="polite" data-testid="ov-step-title" title={complete ? undefined : step.title}>
        {complete ? (
          'Both passes: bottom-up (blue) and the backtrace (orange)'
        ) : (
          <>
            <span className="ov-step-phase" data-phase={step.phase}>
              {index + 1}/{count} · {PHASE_NAMES[step.phase]}
            </span>{' '}
            {step.title}
          </>
        )}
      </span>
    </div>
  );
}
