import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { ServicesProvider, createServices } from './ui/services';
import { registerServiceWorker } from './ui/offline/register';

// The page's services (store, engine host, controller, training) are made once, here, and handed down.
const services = createServices();
createRoot(document.getElementById('root')!).render(
  <ServicesProvider value={services}>
    <App />
  </ServicesProvider>,
);
// Offline use (service worker): production builds on secure contexts only; see ui/offline/register.ts.
void registerServiceWorker();
