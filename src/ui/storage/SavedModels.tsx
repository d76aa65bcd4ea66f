/**
 * "Saved models": the model in use saved under a name in this browser (IndexedDB, see
 * library.ts), listed, loaded, deleted, exported as .drmm files and imported from them. Every
 * failure is shown with what to do; nothing is deleted but by the user's Delete button. A stored
 * entry that fails its check (library.ts: scan) is listed apart, with the reason and a Delete, and
 * every row sits in an error boundary, so one bad record never hides the others or their buttons.
 */
import { useCallback, useEffect, useState, type ChangeEvent } from 'react';
import { readModelFile, writeModelFile } from '../../engine';
import { fmtBytes } from '../scales';
import { useApp, type AppState } from '../store';
import { download, useServices } from '../services';
import { savedModels } from './instance';
import type { BrokenEntry, SavedModelEntry } from './library';
import { RowBoundary } from '../panels/PanelBoundary';
import { askPersistence, storageEstimate } from './quota';
import './storage.css';

type Message = { kind: 'ok' | 'error'; text: string } | null;

/** A default name for the model in use. */
export function defaultName(s: Pick<AppState, 'presetName' | 'source'>): string {
  const src = s.source;
  if (src.kind === 'random') return `${s.presetName ?? 'model'} random seed ${src.seed}`;
  if (src.kind === 'training' || src.fileName === 'in-page training') return `${s.presetName ?? 'model'} trained in the page`;
  return src.fileName.replace(/\.drmm$/i, '');
}

/** A file name for a saved model's export: its name with only safe characters. */
export function exportFileName(name: string): string {
  return `${name.replace(/[^\w.() -]+/g, '_').replace(/\s+/g, '_') || 'model'}.drmm`;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function SavedModelsSection() {
  const { controller, store } = useServices();
  const [entries, setEntries] = useState<SavedModelEntry[] | null>(null);
  const [broken, setBroken] = useState<BrokenEntry[]>([]);
  const [name, setName] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const [usage, setUsage] = useState<string | null>(null);
  const current = useApp((s) => defaultName(s));
  const ready = useApp((s) => s.engineState === 'ready');

  const refresh = useCallback(async () => {
    const lib = savedModels();
    if (!lib) {
      setEntries([]);
      setMessage({ kind: 'error', text: 'This browser has no IndexedDB, so models cannot be saved in it; use "Save checkpoint (.drmm)" to download them instead.' });
      return;
    }
    try {
      const got = await lib.scan();
      setEntries(got.entries);
      setBroken(got.broken);
    } catch (e) {
      setEntries([]);
      setBroken([]);
      setMessage({ kind: 'error', text: `The saved models could not be read: ${errText(e)}` });
    }
    const est = await storageEstimate();
    setUsage(est ? `${fmtBytes(est.usage)} of ${fmtBytes(est.quota)} of this browser's storage in use` : null);
  }, []);

  useEffect(() => void refresh(), [refresh]);

  /** Runs one operation at a time, shows its outcome and refreshes the list. */
  const run = async (what: () => Promise<string | null>) => {
    setBusy(true);
    try {
      const ok = await what();
      if (ok) setMessage({ kind: 'ok', text: ok });
    } catch (e) {
      setMessage({ kind: 'error', text: errText(e) });
    } finally {
      await refresh();
      setBusy(false);
    }
  };

  const onSave = () =>
    run(async () => {
      const lib = savedModels();
      if (!lib) return null;
      const s = store.getState();
      const bytes = writeModelFile({
        spec: s.spec,
        preset: s.presetName,
        params: s.params,
        training: s.source.kind === 'file' && s.source.trained ? { note: s.source.summary } : null,
      });
      const summary = s.source.kind === 'random' ? `random weights, seed ${s.source.seed}` : s.source.summary;
      const entry = await lib.save(name ?? current, bytes, { preset: s.presetName, summary });
      setName(null);
      void askPersistence();
      return `Saved "${entry.name}" (${fmtBytes(entry.size)}) in this browser.`;
    });

  const onLoad = (e: SavedModelEntry) =>
    run(async () => {
      const lib = savedModels()!;
      const { bytes } = await lib.load(e.id);
      const ok = await controller.loadModelFile(new File([bytes.slice()], `${e.name}.drmm`));
      return ok ? `Loaded "${e.name}".` : null; // on failure the model notice says why
    });

  const onDelete = (e: SavedModelEntry) =>
    run(async () => {
      await savedModels()!.delete(e.id);
      return `Deleted "${e.name}".`;
    });

  const onDeleteBroken = (b: BrokenEntry) =>
    run(async () => {
      await savedModels()!.deleteBroken(b.key);
      return `Deleted the damaged entry ${b.label}.`;
    });

  const onExport = () =>
    run(async () => {
      const lib = savedModels()!;
      const list = await lib.list();
      for (const e of list) {
        const { bytes } = await lib.load(e.id);
        download(bytes, exportFileName(e.name), 'application/octet-stream');
      }
      return `Exported ${list.length} model file${list.length === 1 ? '' : 's'}.`;
    });

  const onImport = (ev: ChangeEvent<HTMLInputElement>) => {
    const input = ev.target;
    const files = Array.from(input.files ?? []);
    if (!files.length) return;
    void run(async () => {
      const lib = savedModels()!;
      const done: string[] = [];
      const refused: string[] = [];
      for (const f of files) {
        try {
          const bytes = new Uint8Array(await f.arrayBuffer());
          const parsed = readModelFile(bytes); // refused with its reason before anything is stored
          const e = await lib.save(f.name.replace(/\.drmm$/i, ''), bytes, { preset: parsed.preset, summary: `imported from ${f.name}` });
          done.push(e.name);
        } catch (e) {
          refused.push(`${f.name}: ${errText(e)}`);
        }
      }
      if (refused.length) throw new Error(`${done.length ? `Imported ${done.join(', ')}. ` : ''}Not imported: ${refused.join('; ')}`);
      return `Imported ${done.length} model${done.length === 1 ? '' : 's'}: ${done.join(', ')}.`;
    }).finally(() => (input.value = ''));
  };

  return (
    <section className="dash-box saved-models" aria-label="Saved models" data-testid="saved-models">
      <h3>Saved models (in this browser)</h3>
      <div className="saved-row">
        <label>
          Name
          <input type="text" value={name ?? current} maxLength={80} onChange={(e) => setName(e.target.value)} data-testid="saved-name" />
        </label>
        <button type="button" onClick={() => void onSave()} disabled={busy || !ready || entries === null} data-testid="saved-save">
          Save the current model
        </button>
        <button type="button" onClick={() => void onExport()} disabled={busy || !entries?.length} data-testid="saved-export">
          Export all as .drmm files
        </button>
        <label className="file">
          Import .drmm files
          <input type="file" multiple accept=".drmm,application/octet-stream" onChange={onImport} disabled={busy} data-testid="saved-import" />
        </label>
        {usage && <span className="dim">{usage}</span>}
      </div>
      {message && (
        <p className={`notice ${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="saved-message" data-kind={message.kind}>
          {message.text}
        </p>
      )}
      {entries && entries.length === 0 && <p className="dim">No saved models yet.</p>}
      {entries && entries.length > 0 && (
        <table className="saved-list" data-testid="saved-list" data-count={entries.length}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Architecture</th>
              <th scope="col">Weights</th>
              <th scope="col">Saved</th>
              <th scope="col">Size</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <RowBoundary key={e.id} as="tr" colSpan={6} what={`The saved model "${e.name}"`} onDelete={() => void onDelete(e)}>
                <tr data-testid="saved-entry" data-name={e.name}>
                  <th scope="row">{e.name}</th>
                  <td>{e.preset ?? 'custom'}</td>
                  <td>{e.summary}</td>
                  <td>{new Date(e.savedAt).toLocaleString()}</td>
                  <td>{fmtBytes(e.size)}</td>
                  <td>
                    <button type="button" onClick={() => void onLoad(e)} disabled={busy} aria-label={`Load ${e.name}`} data-testid="saved-load">
                      Load
                    </button>{' '}
                    <button type="button" onClick={() => void onDelete(e)} disabled={busy} aria-label={`Delete ${e.name}`} data-testid="saved-delete">
                      Delete
                    </button>
                  </td>
                </tr>
              </RowBoundary>
            ))}
          </tbody>
        </table>
      )}
      {broken.length > 0 && (
        <div className="notice warn" role="status" data-testid="saved-broken" data-count={broken.length}>
          <p>
            {broken.length === 1 ? 'One stored entry' : `${broken.length} stored entries`} could not be read and {broken.length === 1 ? 'is' : 'are'} left out of
            the list (the other models are not affected):
          </p>
          <ul>
            {broken.map((b, i) => (
              <li key={i} data-testid="saved-broken-entry" data-label={b.label}>
                <code>{b.label}</code>: {b.reason}.{' '}
                <button type="button" onClick={() => void onDeleteBroken(b)} disabled={busy} aria-label={`Delete the damaged entry ${b.label}`} data-testid="saved-broken-delete">
                  Delete
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
