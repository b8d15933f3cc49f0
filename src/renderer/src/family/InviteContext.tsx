import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { useBridge } from '../backend/BridgeContext.js';
import './family.css';

interface PendingInvite {
  /** The invite being opened (a token or a pasted link), or null. */
  token: string | null;
  open(token: string): void;
  close(): void;
}

const Context = createContext<PendingInvite>({ token: null, open: () => {}, close: () => {} });

/**
 * The invite a parent is opening. It survives signing in, signing out and switching
 * local profiles (the state lives above them), so the parent lands back on it. It comes
 * from a deep link (kept by the core until asked for, for a cold start), the web
 * version's `/invite/<token>` address, or «Добавить ребёнка».
 */
export function InviteProvider({ children }: { children: ReactNode }) {
  const bridge = useBridge();
  const [token, setToken] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    const take = () =>
      void bridge
        .familyTakePendingInvite()
        .then((pending) => {
          if (alive && pending) setToken(pending.token);
        })
        .catch(() => null);
    take();
    const off = bridge.on('invite.open', () => take());
    // Going to any section (the menu, "open the family") leaves the invite.
    const onHash = () => setToken(null);
    const onClick = (event: MouseEvent) => {
      if (event.target instanceof Element && event.target.closest('a[href^="#/"]')) setToken(null);
    };
    window.addEventListener('hashchange', onHash);
    document.addEventListener('click', onClick);
    return () => {
      alive = false;
      off();
      window.removeEventListener('hashchange', onHash);
      document.removeEventListener('click', onClick);
    };
  }, [bridge]);

  const open = useCallback((next: string) => setToken(next), []);
  const close = useCallback(() => setToken(null), []);
  const value = useMemo(() => ({ token, open, close }), [token, open, close]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function usePendingInvite(): PendingInvite {
  return useContext(Context);
}
