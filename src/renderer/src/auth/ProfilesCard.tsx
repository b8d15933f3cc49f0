import { useEscape } from '../useEscape.js';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../../../shared/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { errorMessage } from '../errorMessage.js';
import { FormError } from '../components/FormError.js';

/**
 * Settings → profiles on this computer (desktop): each with its own sign-in, device
 * identity and data. Switch, add, sign out of the open one, or remove one for good
 * (after a confirmation); the others stay as they are.
 */
export function ProfilesCard({ state }: { state: AppState }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const client = useQueryClient();
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  useEscape(removing !== null, () => setRemoving(null));

  async function act(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
      await client.invalidateQueries();
    } catch (caught) {
      setError(errorMessage(t, caught));
    }
  }

  return (
    <section className="card stack" aria-labelledby={id} data-testid="settings-profiles">
      <h2 className="section-title" id={id}>
        {t('accounts.title')}
      </h2>
      <p className="muted">{t('accounts.hint')}</p>
      <ul className="profile-list">
        {state.accounts.map((account) => {
          const current = account.id === state.activeAccountId;
          const name = account.label ?? t('accounts.newProfile');
          return (
            <li key={account.id} className="profile-row">
              <div>
                <span className="profile-row-name">{name}</span>{' '}
                <span className="muted small">
                  {current ? t('accounts.current') : account.signedIn ? '' : t('accounts.signedOut')}
                </span>
              </div>
              <div className="actions">
                {current ? (
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    onClick={() => act(() => bridge.authSignOut())}
                  >
                    {t('accounts.signOut')}
                  </button>
                ) : (
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    onClick={() => act(() => bridge.accountsSwitch({ id: account.id }))}
                    aria-label={`${t('accounts.switchTo')}: ${name}`}
                  >
                    {t('accounts.switchTo')}
                  </button>
                )}
                {state.accounts.length > 1 ? (
                  removing === account.id ? (
                    <span className="actions" role="group" aria-label={t('accounts.remove')}>
                      <button
                        type="button"
                        className="btn btn-danger btn-small"
                        onClick={() =>
                          act(() => bridge.accountsRemove({ id: account.id })).then(() => setRemoving(null))
                        }
                      >
                        {t('accounts.removeConfirm', { name })}
                      </button>
                      <button
                        type="button"
                        className="btn btn-link btn-small"
                        onClick={() => setRemoving(null)}
                      >
                        {t('common.cancel')}
                      </button>
                    </span>
                  ) : (
                    <button
                      type="button"
                      className="btn btn-link btn-small"
                      onClick={() => setRemoving(account.id)}
                      aria-label={`${t('accounts.remove')}: ${name}`}
                    >
                      {t('accounts.remove')}
                    </button>
                  )
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>
      <div className="actions">
        <button type="button" className="btn btn-secondary" onClick={() => act(() => bridge.accountsAdd())}>
          + {t('accounts.add')}
        </button>
      </div>
      <FormError message={error} />
    </section>
  );
}
