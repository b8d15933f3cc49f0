import type { SferumApi } from '../../preload/index.js';

declare global {
  interface Window {
    /** Exposed by the preload in the desktop app; absent in the web version. */
    sferum?: SferumApi;
  }
}

export {};
