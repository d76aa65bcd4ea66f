import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { registerServiceWorker } from './ui/offline/register';

createRoot(document.getElementById('root')!).render(<App />);
// Offline use (service worker): production builds on secure contexts only; see ui/offline/register.ts.
void registerServiceWorker();
