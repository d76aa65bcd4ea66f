/**
 * The shared ExportButtons' figure getters for a dashboard chart: the buttons sit in the chart's
 * <figure> (LineChart's caption, the confusion matrix's), so the figure is found from them. SVG:
 * the chart's first <svg> (the matrix, not its legend); PNG: the whole figure as drawn (title,
 * chart and legend; the export buttons are left out).
 */
import type { ExportButtonsProps } from '../export/ExportButtons';

export function chartExports(title: string): Pick<ExportButtonsProps, 'name' | 'what' | 'svg' | 'png'> {
  return {
    name: title,
    what: `the ${title} chart`,
    svg: (group) => group.closest('figure')?.querySelector('svg') ?? null,
    png: (group) => group.closest('figure'),
  };
}
