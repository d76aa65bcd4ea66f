/**
 * The page's one ModelLibrary (null without IndexedDB). On a full storage it prunes the older
 * training autosaves (every run keeps its newest checkpoint: train/autosave.ts), never saved models.
 */
import { pageAutosaver } from '../train/autosave';
import { ModelLibrary } from './library';

let library: ModelLibrary | null | undefined;

export function savedModels(): ModelLibrary | null {
  if (library !== undefined) return library;
  if (typeof indexedDB === 'undefined') return (library = null);
  const autosaves = pageAutosaver();
  library = new ModelLibrary({ pruneAutosaves: async () => (autosaves ? autosaves.pruneOlder() : 0) });
  return library;
}
