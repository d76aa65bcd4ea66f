/**
 * Error boundaries: a component that throws while rendering (or in an effect) takes down only the
 * part of the page inside its boundary, which shows the error and a way out instead. Without one,
 * React unmounts the whole app and the page goes blank.
 *
 * `ErrorBoundary` is the general one (its fallback is a function of the error and a reset);
 * `PanelBoundary` wraps each panel and the header (App.tsx), `RowBoundary` a row of a stored list
 * (a saved model, an autosaved run) so that its Delete action stays reachable.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';

/** The error's message, as text (an error may be any value). */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  try {
    return String(e);
  } catch {
    return 'an error that cannot be shown as text';
  }
}

interface Props {
  /** What to show instead of the children after an error; `reset` renders them again. */
  fallback: (error: unknown, reset: () => void) => ReactNode;
  /** A change of this value renders the children again (e.g. another panel was chosen). */
  resetKey?: unknown;
  /** Told about each error (for the console). */
  onError?: (error: unknown, info: ErrorInfo) => void;
  children: ReactNode;
}

interface State {
  error: { value: unknown } | null;
  resetKey: unknown;
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: { value: error } };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.resetKey ? { error: null, resetKey: props.resetKey } : null;
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    this.props.onError?.(error, info);
  }

  private reset = () => this.setState({ error: null });

  render(): ReactNode {
    return this.state.error ? this.props.fallback(this.state.error.value, this.reset) : this.props.children;
  }
}
