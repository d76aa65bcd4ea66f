/**
 * The shipped models' CLI logs on the accuracy chart: a check box each, named by index.json's
 * title. A log is fetched from the app's own models/ folder (as index.json is) only when it is
 * wanted: when the user ticks it, or when the page trains semi-supervised (then the shipped
 * semi-supervised runs are drawn unless the user unticks them). A missing or malformed log gives a
 * quiet note on its line; nothing else changes.
 */
import { useEffect, useMemo, useState } from 'react';
import { MODELS_BASE_URL } from '../controller';
import { useApp } from '../store';
import type { PastRun } from '../train/runs';
import { shippedLogRun, shippedLogs, shippedLogShown, type ShippedLog, type ShippedLogState } from './shippedLogs';

/** Each log's outcome for the page session (a log is fetched once; ~20 KB each). */
const cache = new Map<string, Promise<ShippedLogState>>();

function fetchLog(log: ShippedLog): Promise<ShippedLogState> {
  let p = cache.get(log.file);
  if (!p) {
    p = (async (): Promise<ShippedLogState> => {
      try {
        const res = await fetch(`${MODELS_BASE_URL}${log.file}`);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return { kind: 'ready', run: shippedLogRun(await res.text(), log) };
      } catch (e) {
        return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
      }
    })();
    cache.set(log.file, p);
  }
  return p;
}

export interface ShippedOverlay {
  logs: ShippedLog[];
  states: Record<string, ShippedLogState>;
  shown: (file: string) => boolean;
  /** The drawn logs' runs, with their fixed colours. */
  runs: { run: PastRun; color: string }[];
  choose: (file: string, on: boolean) => void;
}

/** The shipped logs, which are drawn, and the user's choices (kept while the dashboard is open). */
export function useShippedOverlay(): ShippedOverlay {
  const models = useApp((s) => s.shippedModels);
  const mode = useApp((s) => s.training.settings.mode);
  const logs = useMemo(() => shippedLogs(models), [models]);
  const [states, setStates] = useState<Record<string, ShippedLogState>>({});
  const [choices, setChoices] = useState<Record<string, boolean>>({});

  const want = useMemo(() => logs.filter((l) => choices[l.file] ?? mode === 'semi-supervised'), [logs, choices, mode]);
  useEffect(() => {
    for (const l of want) {
      if (states[l.file]) continue; // asked for already
      setStates((s) => ({ ...s, [l.file]: { kind: 'loading' } }));
      void fetchLog(l).then((st) => setStates((s) => ({ ...s, [l.file]: st })));
    }
  }, [want, states]);

  const shown = (file: string) => shippedLogShown(choices[file], states[file], mode);
  // Memoised: the chart's series are recomputed only when what is drawn changes.
  const runs = useMemo(
    () =>
      logs.flatMap((l) => {
        const st = states[l.file];
        return st?.kind === 'ready' && shippedLogShown(choices[l.file], st, mode) ? [{ run: st.run, color: l.color }] : [];
      }),
    [logs, states, choices, mode],
  );
  const choose = (file: string, on: boolean) => setChoices((c) => ({ ...c, [file]: on }));
  return { logs, states, shown, runs, choose };
}

/** The list of shipped logs with their check boxes (nothing when the deployment ships no model). */
export function ShippedLogList({ overlay }: { overlay: ShippedOverlay }) {
  const { logs, states, shown, choose } = overlay;
  if (logs.length === 0) return null;
  return (
    <fieldset className="shipped-logs">
      <legend>The shipped models&apos; training (their CLI logs; epochs over the 60,000 images)</legend>
      <ul className="run-list" data-testid="overlay-shipped">
        {logs.map((l) => {
          const st = states[l.file];
          const on = shown(l.file);
          const state = !st ? 'idle' : st.kind;
          return (
            <li key={l.file} data-file={l.file} data-state={state} data-shown={on && st?.kind === 'ready'} data-mode={st?.kind === 'ready' ? st.run.mode : ''}>
              <label className="check">
                <input type="checkbox" checked={on} onChange={(e) => choose(l.file, e.target.checked)} data-testid="overlay-shipped-toggle" />
                <span className="swatch" style={{ background: l.color }} />
                {l.title}
              </label>{' '}
              {st?.kind === 'loading' && <span className="dim">(loading {l.file})</span>}
              {st?.kind === 'ready' && <span className="dim">({st.run.points.length} points)</span>}
              {st?.kind === 'error' && (
                <span className="dim" role="status" data-testid="overlay-shipped-note">
                  (models/{l.file} could not be read: {st.message}; it is not drawn)
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
