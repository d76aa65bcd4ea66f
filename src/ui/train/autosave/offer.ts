/**
 * The resume offer in the store's training slice (`training.resumeOffer`): every autosaved run and
 * every record that failed its check, re-read after anything changes them. The training session
 * calls these; the training panel shows the result (TrainingPanel.tsx: ResumeOffer).
 */
import type { AppStore } from '../../store';
import type { Autosaver, BrokenAutosave } from './autosaver';

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Reads the list again into the store; `error` (e.g. a failed discard) is shown with it. */
export async function refreshResumeOffer(store: AppStore, a: Autosaver | null, error: string | null = null): Promise<void> {
  if (!a) return;
  try {
    const list = await a.list();
    store.getState().patchTraining({ resumeOffer: { ...list, error } });
  } catch (e) {
    const why = `The autosaved runs could not be read: ${errText(e)}`;
    store.getState().patchTraining({ resumeOffer: { runs: [], broken: [], crossTab: false, error: error ? `${error} ${why}` : why } });
  }
}

/** Deletes an autosaved run (refused while another tab trains it), then lists again. */
export async function discardRun(store: AppStore, a: Autosaver | null, runId: string): Promise<void> {
  if (!a) return;
  let error: string | null = null;
  await a.discard(runId).catch((e: unknown) => (error = `Discarding the autosave failed: ${errText(e)}.`));
  await refreshResumeOffer(store, a, error);
}

/** Deletes a record that failed its check, then lists again. */
export async function discardBroken(store: AppStore, a: Autosaver | null, entry: Pick<BrokenAutosave, 'keys' | 'label'>): Promise<void> {
  if (!a) return;
  let error: string | null = null;
  await a.discardBroken(entry).catch((e: unknown) => (error = `Deleting ${entry.label} failed: ${errText(e)}.`));
  await refreshResumeOffer(store, a, error);
}
