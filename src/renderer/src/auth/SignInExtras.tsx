import { useTranslation } from 'react-i18next';
import { useBridge } from '../backend/BridgeContext.js';
import { useAppState } from '../queries.js';
import { usePendingInvite } from '../family/InviteContext.js';

/**
 * Above the sign-in form: why the parent is signing in (an invite is waiting), and the
 * other profiles of this computer, one click away (a child's profile left signed in).
 */
export function SignInExtras() {
  const { t } = useTranslation();
  const invite = usePendingInvite();
  const bridge = useBridge();
  const state = useAppState().data;
  const others = (state?.accounts ?? []).filter((a) => a.id !== state?.activeAccountId && a.signedIn);
  return (
    <>
      {invite.token ? (
        <p className="notice invite-signin-notice" role="status" data-testid="invite-signin-notice">
          {t('invite.signInFirst')}
        </p>
      ) : null}
      {state?.target === 'desktop' && others.length > 0 ? (
        <div className="signin-profiles" aria-label={t('accounts.title')}>
          <span className="muted small">{t('accounts.title')}:</span>
          {others.map((account) => (
            <button
              type="button"
              key={account.id}
              className="btn btn-secondary btn-small"
              onClick={() => void bridge.accountsSwitch({ id: account.id })}
            >
              {account.label ?? t('accounts.newProfile')}
            </button>
          ))}
        </div>
      ) : null}
    </>
  );
}
