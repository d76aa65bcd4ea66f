/**
 * The app's panels, one shown at a time: their tab titles, one-line purposes and components.
 * The order is PANEL_IDS' (store.ts), which is also the order lecture mode pages through.
 */
import type { ComponentType } from 'react';
import type { PanelId } from '../store';
import { AboutPanel } from '../about/AboutPanel';
import { DashboardPanel } from '../dashboard/DashboardPanel';
import { PathsPanel } from '../paths/PathsPanel';
import { RenderPanel } from '../render/RenderPanel';
import { SaliencyPanel } from '../saliency/SaliencyPanel';
import { StepperPanel } from '../stepper/StepperPanel';
import { OverviewPanel } from './OverviewPanel';

export interface PanelInfo {
  title: string;
  /** What the panel shows, in one line (the tab's tooltip and the lecture-mode subtitle). */
  purpose: string;
  Component: ComponentType;
}

export const PANELS: Record<PanelId, PanelInfo> = {
  overview: { title: 'Level maps', purpose: 'Every level’s maps, switches and saliency for the digit, with its class posterior and reconstruction.', Component: OverviewPanel },
  stepper: { title: 'Step through the DP', purpose: 'Bottom-up inference operation by operation, then the top-down backtrace.', Component: StepperPanel },
  paths: { title: 'Active paths', purpose: 'The rendering paths the switches leave active, through any class, unit or pixel.', Component: PathsPanel },
  saliency: { title: 'Saliency per level', purpose: 'What each level attends to, on the digit or the background, trained vs random.', Component: SaliencyPanel },
  render: { title: 'Rendering', purpose: 'Reconstructions, counterfactual classes, samples, and where nonnegativity fails.', Component: RenderPanel },
  dashboard: { title: 'Training dashboard', purpose: 'Train in the page and watch the loss, the accuracy, the templates and the confusions.', Component: DashboardPanel },
  about: { title: 'About', purpose: 'The paper, the data, the glossary, this device and its kernels, and the browsers this was tested in.', Component: AboutPanel },
};
