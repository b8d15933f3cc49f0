import type { Bridge } from '../../../shared/ipc.js';

/** The desktop adapter: the preload's bridge as it is, or null outside the app. */
export function desktopBridge(): Bridge | null {
  return typeof window !== 'undefined' && window.sferum ? window.sferum : null;
}
