import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { useBridge } from '../backend/BridgeContext.js';
import { registrationFromLocation } from './webFamily.js';
import './family.css';

interface PendingInvite {
  /** The invite being opened (a token or a pasted link), or null. */
  token: string | null;
  open(token: string): void;
  close(): void;
  /** The school's e-mail registration link being completed (web address or deep link), or null. */
  registration: string | null;
  closeRegistration(): void;
}

const Context = createContext<PendingInvite>({
  token: null,
  open: () => {},
  close: () => {},
  registration: null,
  closeRegistration: () => {},
});

/**
 * The invite a parent is opening. It survives signing in, signing out and switching
 * local profiles (the state lives above them), so the parent lands back on it. It comes
 * from a deep link (kept by the core until asked for, for a cold start), the web
 * version's `/invite/<token>` address, or «Добавить ребёнка».
 */
export function InviteProvider({ children }: { children: ReactNode }) {
  const bridge = useBridge();
  const [token, setToken] = useState<string | null>(null);
  const [registration, setRegistration] = useState<string | null>(() =>
    typeof window === 'undefined' ? null : registrationFromLocation(window.location),
  );

  useEffect(() => {
    let alive = true;
    const take = () =>
      void bridge
        .familyTakePendingInvite()
        .then((pending) => {
          if (!alive || !pending) return;
          if (pending.kind === 'registration') setRegistration(pending.token);
          else setToken(pending.token);
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
  const closeRegistration = useCallback(() => setRegistration(null), []);
  const value = useMemo(
    () => ({ token, open, close, registration, closeRegistration }),
    [token, open, close, registration, closeRegistration],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function usePendingInvite(): PendingInvite {
  return useContext(Context);
}
