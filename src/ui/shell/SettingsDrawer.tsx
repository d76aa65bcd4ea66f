/**
 * Settings, out of the way of the picture: a drawer with the model (architecture, seed, pretrained
 * models, a model file), the input's clutter, and what the panels draw (the backtrace variant, the
 * class it starts from, the maps shown), each in words with a line saying what it changes.
 * Escape or the close button closes it and gives the focus back to the Settings button.
 */
import { useEffect, useRef } from 'react';
import { ClutterControls } from '../input/ClutterControls';
import { ModelControls } from '../ModelControls';
import { useApp } from '../store';
import { ViewControls } from '../ViewControls';

export function SettingsButton() {
  const open = useApp((s) => s.picture.settingsOpen);
  const setPicture = useApp((s) => s.setPicture);
  return (
    <button type="button" className="settings-button" aria-expanded={open} aria-controls="settings-drawer" onClick={() => setPicture({ settingsOpen: !open })} data-testid="settings-open">
      <span aria-hidden="true">⚙ </span>Settings
    </button>
  );
}

export function SettingsDrawer() {
  const open = useApp((s) => s.picture.settingsOpen);
  const setPicture = useApp((s) => s.setPicture);
  const panel = useRef<HTMLElement>(null);
  const close = () => {
    setPicture({ settingsOpen: false });
    document.querySelector<HTMLButtonElement>('[data-testid="settings-open"]')?.focus();
  };
  useEffect(() => {
    if (open) panel.current?.querySelector<HTMLElement>('h2')?.focus();
  }, [open]);
  return (
    <aside
      id="settings-drawer"
      ref={panel}
      className="settings-drawer"
      hidden={!open}
      aria-label="Settings"
      data-testid="settings-drawer"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          close();
        }
      }}
    >
      <div className="settings-head">
        <h2 tabIndex={-1}>Settings</h2>
        <button type="button" onClick={close} aria-label="Close the settings (Escape)" data-testid="settings-close">
          ×
        </button>
      </div>
      <p className="dim">The model the panels show, extra clutter on the input, and what the maps draw.</p>
      <ModelControls />
      <p className="hint">Architecture and seed give a model with random weights; the pretrained models and your own files are trained.</p>
      <ClutterControls />
      <p className="hint">Clutter adds noise or stroke fragments to the input: deeper levels should keep less of it.</p>
      <ViewControls />
      <p className="hint">
        The variant says how the backtrace treats negative signal (rendering: the nonnegative model&apos;s; gradient: signed; deconvnet: no switch
        mask). The start class is what it renders (the prediction, or another class: a counterfactual).
      </p>
    </aside>
  );
}
