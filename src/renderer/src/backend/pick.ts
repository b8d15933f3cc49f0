import type { AppBridge } from './BridgeContext.js';
import { desktopBridge } from './desktop.js';
import { createWebBridge } from './web.js';

/** The preload's bridge in the desktop app; the HTTP adapter in the web version. */
export function pickBridge(): { bridge: AppBridge; target: 'desktop' | 'web' } {
  const desktop = desktopBridge();
  if (desktop) return { bridge: desktop, target: 'desktop' };
  return { bridge: createWebBridge(), target: 'web' };
}
