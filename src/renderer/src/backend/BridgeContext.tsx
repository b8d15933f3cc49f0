import { createContext, type ReactNode, useContext } from 'react';
import type { Bridge } from '../../../shared/ipc.js';
import type { DesktopExtras } from './desktop.js';
import type { WebBridge } from './web.js';

/**
 * What the screens reach: the IPC contract both targets implement, and what one target
 * adds beside it (the preload's paths of dropped files, the web version's File uploads),
 * present only on that target.
 */
export type AppBridge = Bridge & Partial<DesktopExtras> & Partial<Omit<WebBridge, keyof Bridge>>;

const BridgeContext = createContext<AppBridge | null>(null);

export function BridgeProvider({ bridge, children }: { bridge: AppBridge; children: ReactNode }) {
  return <BridgeContext.Provider value={bridge}>{children}</BridgeContext.Provider>;
}

/** The backend seam: every screen reaches the app's data through this object only. */
export function useBridge(): AppBridge {
  const bridge = useContext(BridgeContext);
  if (!bridge) throw new Error('useBridge outside BridgeProvider');
  return bridge;
}
