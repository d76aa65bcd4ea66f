/** PLACEHOLDER: being built (see issue 4); replaced by the real panel before this lands. */
export function DashboardPanel() {
  return <p className="placeholder">This panel is being built.</p>;
}
