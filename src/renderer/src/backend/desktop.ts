import type { Bridge } from '../../../shared/ipc.js';
import type { SferumApi } from '../../../preload/index.js';

/** The desktop app's bridge: the object the preload exposes, as its own type says. */
export type DesktopBridge = SferumApi;

/** What the preload exposes beside the IPC contract (the paths of dropped or picked files). */
export type DesktopExtras = Omit<SferumApi, keyof Bridge>;

/** The desktop adapter: the preload's bridge as it is, or null outside the app. */
export function desktopBridge(): DesktopBridge | null {
  return typeof window !== 'undefined' && window.sferum ? window.sferum : null;
}
