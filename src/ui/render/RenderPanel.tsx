/** PLACEHOLDER: being built (see issue 4); replaced by the real panel before this lands. */
export function RenderPanel() {
  return <p className="placeholder">This panel is being built.</p>;
}
