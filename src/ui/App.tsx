export function App() {
  return <main><h1>DRMM Explainer</h1><p>Loading…</p></main>;
}
