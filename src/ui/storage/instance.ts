/**
 * The page's one ModelLibrary (null without IndexedDB). On a full storage it prunes the older
 * training autosave (the same IndexedDB records the training session writes), never saved models.
 */
import { Autosaver, idbStore } from '../train/autosave';
import { ModelLibrary } from './library';

let library: ModelLibrary | null | undefined;

export function savedModels(): ModelLibrary | null {
  if (library !== undefined) return library;
  if (typeof indexedDB === 'undefined') return (library = null);
  const kv = idbStore();
  const autosaves = kv ? new Autosaver(kv) : null;
  library = new ModelLibrary({ pruneAutosaves: async () => (autosaves ? autosaves.pruneOlder() : 0) });
  return library;
}
