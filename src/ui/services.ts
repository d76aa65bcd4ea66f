/**
 * The page's services, made once at boot (main.tsx) and handed down through React context, never
 * module state: the store, the engine host (the one GPU device and every model slot's engine),
 * the controller (effects), the training session, the CPU fallback's trainer and the kernel
 * choice of the inference engines (device/pageKernels.ts). Tests make their own with
 * createServices(store, opts).
 */
import { createContext, useContext } from 'react';
import { requestDevice, type DeviceResult } from '../engine';
import { EngineHost } from '../engine/host/engineHost';
import { Controller } from './controller';
import { PageKernels, type KernelStorage } from './device/pageKernels';
import { CpuTraining } from './recovery/cpuTrainHost';
import { appStore, type AppStore } from './store';
import { pageAutosaver, type Autosaver } from './train/autosave';
import { TrainingSession } from './train/session';

export interface AppServices {
  store: AppStore;
  engines: EngineHost;
  controller: Controller;
  training: TrainingSession;
  cpuTraining: CpuTraining;
  kernels: PageKernels;
}

/** Offers data as a file download (checkpoints, the metrics CSV, saved models). */
export function download(data: Uint8Array | string | Blob, fileName: string, mime: string): void {
  const blob = data instanceof Blob ? data : new Blob([typeof data === 'string' ? data : data.slice()], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface ServiceOptions {
  acquire?: () => Promise<DeviceResult>;
  autosaver?: Autosaver | null;
  download?: (data: Uint8Array | string, fileName: string, mime: string) => void;
  /** Where the kernel choice is remembered (default: localStorage). */
  kernelStorage?: () => KernelStorage;
}

export function createServices(store: AppStore = appStore, opts: ServiceOptions = {}): AppServices {
  const acquire = opts.acquire ?? (() => requestDevice(typeof navigator !== 'undefined' ? navigator.gpu : undefined, 'drmm-app'));
  let controller: Controller | null = null;
  const kernels = new PageKernels(store, opts.kernelStorage ? { storage: opts.kernelStorage } : {});
  const engines = new EngineHost(acquire, {
    onLost: (m) => void controller?.recoverDevice(m),
    onError: (m) => controller?.reportGpuError(m),
    kernelsFor: kernels.kernelsFor,
  });
  kernels.attach(engines);
  controller = new Controller(store, engines);
  const training = new TrainingSession({
    store, engines, autosaver: opts.autosaver === undefined ? pageAutosaver() : opts.autosaver, download: opts.download ?? download, now: () => performance.now(),
  });
  return { store, engines, controller, training, cpuTraining: new CpuTraining(store, engines), kernels };
}

const ServicesContext = createContext<AppServices | null>(null);
export const ServicesProvider = ServicesContext.Provider;

/** The page's services (inside ServicesProvider). */
export function useServices(): AppServices {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices: no ServicesProvider above this component');
  return s;
}
