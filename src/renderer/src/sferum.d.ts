import type { DesktopBridge } from './backend/desktop.js';

declare global {
  interface Window {
    /** Exposed by the preload in the desktop app; absent in the web version. */
    sferum?: DesktopBridge;
  }
}

export {};
