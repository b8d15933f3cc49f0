import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBridge } from '../backend/BridgeContext.js';
import { useAppState } from '../queries.js';

/**
 * Local profiles on this computer (desktop): open the menu, pick a profile — two
 * clicks. Adding one starts a separate sign-in; signing one out leaves the others.
 */
export function AccountSwitcher() {
  const { t } = useTranslation();
  const bridge = useBridge();
  const state = useAppState().data;
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (event: MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  if (!state || state.target !== 'desktop') return null;
  const act = (action: () => Promise<unknown>) => {
    setOpen(false);
    setError(null);
    action().catch((caught: unknown) => setError(String((caught as Error).message ?? caught)));
  };
  return (
    <div className="account-switcher" ref={root}>
      <button
        type="button"
        className="btn btn-secondary btn-small"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
        data-testid="account-switcher"
      >
        {t('accounts.menu')}
      </button>
      {open ? (
        <div className="account-menu card" role="menu" aria-label={t('accounts.title')}>
          <p className="account-menu-title">{t('accounts.title')}</p>
          {state.accounts.map((account) => {
            const current = account.id === state.activeAccountId;
            return (
              <button
                type="button"
                role="menuitemradio"
                aria-checked={current}
                key={account.id}
                className="account-menu-item"
                onClick={() => act(() => bridge.accountsSwitch({ id: account.id }))}
              >
                <span className="account-menu-name">{account.label ?? t('accounts.newProfile')}</span>
                <span className="muted small">
                  {current ? t('accounts.current') : account.signedIn ? '' : t('accounts.signedOut')}
                </span>
              </button>
            );
          })}
          <hr className="account-menu-sep" />
          <button
            type="button"
            role="menuitem"
            className="account-menu-item"
            onClick={() => act(() => bridge.accountsAdd())}
            data-testid="account-add"
          >
            + {t('accounts.add')}
          </button>
          <button
            type="button"
            role="menuitem"
            className="account-menu-item"
            onClick={() => act(() => bridge.authSignOut())}
          >
            {t('accounts.signOut')}
          </button>
          <p className="muted small account-menu-hint">{t('accounts.hint')}</p>
        </div>
      ) : null}
      {error ? (
        <span className="form-error small" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}
