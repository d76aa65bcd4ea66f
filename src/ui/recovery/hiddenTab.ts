/**
 * Training in a hidden tab. Browsers slow down or freeze background tabs (timers, animation
 * frames; some freeze the page outright), so training may go on more slowly there or not at all.
 * Either way the user is told when they come back: how long the tab was hidden and how many steps
 * were done meanwhile, or that training made no progress because the browser suspended the page.
 * While hidden, the tab's title shows the step, so the training can be followed from the tab bar.
 */
import type { AppStore } from '../store';
import type { TrainingStatus } from '../train/slice';

export interface HiddenSpan {
  /** ms (performance.now()) when the tab was hidden or frozen. */
  at: number;
  step: number;
  /** 'frozen': the page lifecycle's freeze event (no JavaScript ran), else hidden. */
  how: 'hidden' | 'frozen';
}

export function formatSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** What to tell the user when the tab is shown again after a span in which training ran; null: nothing to say. */
export function hiddenReport(span: HiddenSpan, now: number, step: number, status: TrainingStatus): { kind: 'info' | 'warn'; text: string } | null {
  const steps = Math.max(0, step - span.step);
  const dur = formatSpan(now - span.at);
  const where = span.how === 'frozen' ? 'the browser froze the tab' : 'the tab was hidden';
  const after = status === 'running' ? '' : ` Training is ${status === 'paused' ? 'paused' : `now ${status}`} (see the training dashboard).`;
  // A frozen page runs no JavaScript at all (a step in flight may finish as it resumes).
  if (steps === 0 || span.how === 'frozen')
    return {
      kind: 'warn',
      text: `Training was paused while ${where} (${dur}): the browser suspended the page, so no step was done. ${status === 'running' ? 'It goes on now.' : ''}${after}`.trim(),
    };
  const rate = (steps / Math.max(0.001, (now - span.at) / 1000)).toFixed(1);
  return { kind: 'info', text: `While ${where} (${dur}), training went on: ${steps} step${steps === 1 ? '' : 's'} done (${rate} a second).${after}` };
}

let watching = false;

/** Watches visibility and page freezing for the page's life (controller.boot calls it once). */
export function watchHiddenTab(store: AppStore): void {
  if (watching || typeof document === 'undefined') return;
  watching = true;
  let span: HiddenSpan | null = null;
  let title: string | null = null;
  let unsubscribe: (() => void) | null = null;
  const step = () => store.getState().training.progress?.step ?? 0;

  const start = (how: HiddenSpan['how']) => {
    if (span) return;
    const t = store.getState().training;
    if (t.status !== 'running' && t.status !== 'pausing') return;
    span = { at: performance.now(), step: step(), how };
    title = document.title;
    const show = () => (document.title = `Training… step ${step().toLocaleString('en')} · ${title}`);
    show();
    unsubscribe = store.subscribe((s, prev) => {
      if (s.training.progress !== prev.training.progress) show();
    });
  };
  const end = () => {
    if (!span) return;
    unsubscribe?.();
    unsubscribe = null;
    if (title !== null) document.title = title;
    const report = hiddenReport(span, performance.now(), step(), store.getState().training.status);
    span = null;
    if (report) store.getState().reportRecovery({ topic: 'hidden', ...report });
  };

  document.addEventListener('visibilitychange', () => (document.visibilityState === 'hidden' ? start('hidden') : end()));
  document.addEventListener('freeze', () => start('frozen'));
  document.addEventListener('resume', () => {
    if (document.visibilityState !== 'hidden') end();
  });
}
