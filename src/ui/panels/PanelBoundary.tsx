/**
 * The boundaries the app's parts sit in (ErrorBoundary.tsx). A panel that fails shows its error
 * and three ways out: try again, go back to the overview, reset the view. The last two change the
 * URL (url/sync.ts writes the panel into it), so a link or a reload that keeps opening the broken
 * panel cannot trap the user on it; "Reset the view" goes to the bare URL, every setting at its
 * default.
 */
import type { ReactNode } from 'react';
import { useApp, type PanelId } from '../store';
import { ErrorBoundary, errorText } from './ErrorBoundary';
import { PANELS } from './registry';

/** Goes to the app's default view: the bare URL (url/sync.ts applies a hash change as a whole view). */
export function resetView(): void {
  if (typeof window === 'undefined') return;
  if (window.location.hash.replace(/^#/, '') === '') return;
  window.location.hash = '';
}

function PanelFailed(props: { panel: PanelId; error: unknown; reset: () => void }) {
  const setPanel = useApp((s) => s.setPanel);
  const setLecture = useApp((s) => s.setLecture);
  const { panel, error, reset } = props;
  return (
    <div className="notice error panel-error" role="alert" data-testid="panel-error" data-panel={panel}>
      <p>
        <strong>The “{PANELS[panel].title}” panel failed</strong> and is not shown: {errorText(error)}
      </p>
      <p>The other panels still work. If this keeps happening, go back to the overview, or reset the view to the app's defaults.</p>
      <p className="panel-error-actions">
        <button type="button" onClick={reset} data-testid="panel-error-retry">
          Try again
        </button>{' '}
        {panel !== 'overview' && (
          <button type="button" onClick={() => setPanel('overview')} data-testid="panel-error-overview">
            Go back to the overview
          </button>
        )}{' '}
        <button
          type="button"
          onClick={() => {
            setLecture(false);
            setPanel('overview');
            resetView();
            reset();
          }}
          data-testid="panel-error-reset"
        >
          Reset the view
        </button>
      </p>
    </div>
  );
}

/** A panel's boundary: choosing another panel renders again. */
export function PanelBoundary(props: { panel: PanelId; children: ReactNode }) {
  return (
    <ErrorBoundary resetKey={props.panel} fallback={(error, reset) => <PanelFailed panel={props.panel} error={error} reset={reset} />}>
      {props.children}
    </ErrorBoundary>
  );
}

/** A boundary for a part of the page outside the panels (the header's notices, the controls). */
export function PartBoundary(props: { what: string; children: ReactNode }) {
  return (
    <ErrorBoundary
      fallback={(error, reset) => (
        <div className="notice error" role="alert" data-testid="part-error">
          {props.what} failed and is not shown: {errorText(error)}{' '}
          <button type="button" onClick={reset}>
            Try again
          </button>{' '}
          <button
            type="button"
            onClick={() => {
              resetView();
              reset();
            }}
          >
            Reset the view
          </button>
        </div>
      )}
    >
      {props.children}
    </ErrorBoundary>
  );
}

/** A row of a stored list (a table row or a list item): its failure shows the error and the row's own delete action. */
export function RowBoundary(props: { what: string; onDelete: () => void; deleteLabel?: string; as: 'tr' | 'li'; colSpan?: number; children: ReactNode }) {
  const body = (error: unknown) => (
    <>
      {props.what} could not be shown: {errorText(error)}{' '}
      <button type="button" onClick={props.onDelete} data-testid="row-error-delete">
        {props.deleteLabel ?? 'Delete'}
      </button>
    </>
  );
  return (
    <ErrorBoundary
      fallback={(error) =>
        props.as === 'tr' ? (
          <tr className="row-error" role="alert" data-testid="row-error">
            <td colSpan={props.colSpan}>{body(error)}</td>
          </tr>
        ) : (
          <li className="row-error" role="alert" data-testid="row-error">
            {body(error)}
          </li>
        )
      }
    >
      {props.children}
    </ErrorBoundary>
  );
}
