/**
 * The numbers behind one unit of the step's map: its template-match score u, r = max(0, u), its
 * switches, for a pooled unit the window's four values with the winner, and (top-down) the signal
 * it carries. Announced politely as the cursor moves, so keyboard users hear the numbers.
 */
import { fmt, T_CATEGORIES } from '../scales';
import type { FieldRect } from './receptiveField';
import type { UnitDetails } from './stepMaps';

export type ProbeSource = 'hover' | 'focus' | 'selected';

const SOURCE_NOTE: Record<ProbeSource, string> = {
  hover: 'under the pointer',
  focus: 'at the keyboard cursor',
  selected: 'selected',
};

export function fieldText(f: FieldRect): string {
  return `rows ${f.y0 + 1}–${f.y1 + 1}, columns ${f.x0 + 1}–${f.x1 + 1} (${f.y1 - f.y0 + 1}×${f.x1 - f.x0 + 1} pixels)`;
}

export function UnitCard({ details, source, isSelected }: { details: UnitDetails | null; source: ProbeSource | null; isSelected: boolean }) {
  if (!details || !source) {
    return (
      <div className="unit-card empty" data-testid="unit-card" data-empty="true" aria-live="polite">
        Hover over a unit of a map, or tab into a map and move with the arrow keys, to see its numbers and its receptive field.
      </div>
    );
  }
  const w = details.window;
  return (
    <div className="unit-card" data-testid="unit-card" data-empty="false" data-source={source} aria-live="polite" aria-atomic="true">
      <h3>
        {details.heading} <span className="dim">({SOURCE_NOTE[source]})</span>
      </h3>
      <dl>
        {details.rows.map((r) => (
          <div key={r.name} className="unit-row">
            <dt>{r.name}</dt>
            <dd>{r.value}</dd>
          </div>
        ))}
      </dl>
      {w && (
        <div className="unit-window">
          <span className="dim">The window’s four r values (max over t):</span>
          <table aria-label="The pooling window's four values; the chosen one is marked">
            <tbody>
              {[0, 1].map((dy) => (
                <tr key={dy}>
                  {[0, 1].map((dx) => {
                    const q = dy * 2 + dx;
                    const won = q === w.winner;
                    return (
                      <td key={dx} className={won ? 'won' : undefined} data-won={won} style={won ? { borderColor: T_CATEGORIES[q].css } : undefined}>
                        {T_CATEGORIES[q].name} {fmt(w.values[q])}
                        {won ? ' ★' : ''}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          {!w.on && <span className="dim">Every unit of this window is OFF: the choice of t carries no path.</span>}
        </div>
      )}
      <p className="unit-field" data-testid="unit-field">
        Receptive field: {fieldText(details.field)}, drawn on the input.
      </p>
      {details.unit && (
        <p className="dim">{isSelected ? 'Selected: the path and saliency panels use this unit.' : 'Click it (or press Enter) to select it for the path and saliency panels.'}</p>
      )}
    </div>
  );
}
