import type { Bridge } from '../../../shared/ipc.js';

/** What the preload exposes beside the IPC contract. */
export interface DesktopExtras {
  /** The paths of dropped or picked files ('' for an item with none). */
  pathsForFiles(files: File[]): string[];
}

/** The desktop app's bridge: the IPC contract and the preload's own functions. */
export type DesktopBridge = Bridge & DesktopExtras;

/** The desktop adapter: the preload's bridge as it is, or null outside the app. */
export function desktopBridge(): DesktopBridge | null {
  return typeof window !== 'undefined' && window.sferum ? window.sferum : null;
}
