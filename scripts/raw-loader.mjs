// Node module hook: `import text from './x.wgsl?raw'` yields the file's text, as Vite does in the
// browser build, so the engine's shader imports work unchanged under plain Node (CLI, bench).
import { register } from 'node:module';
register('./raw-hooks.mjs', import.meta.url);
