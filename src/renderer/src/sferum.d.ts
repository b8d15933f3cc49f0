import type { Bridge } from '../../shared/ipc.js';

declare global {
  interface Window {
    /** Exposed by the preload in the desktop app; absent in the web version. */
    sferum?: Bridge;
  }
}

export {};
