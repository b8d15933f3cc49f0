import { useTranslation } from 'react-i18next';
import type { ServerInfo } from '../../../shared/api.js';
import { formatPhone } from '../../../shared/phone.js';

type DemoAccount = NonNullable<ServerInfo['demoAccounts']>[number];

/** Demo mode only: the code the server would have texted, and people to sign in as. */
export function DemoHint({
  code,
  onUseCode,
  accounts,
  onPickAccount,
}: {
  code?: string | undefined;
  onUseCode?: () => void;
  accounts?: DemoAccount[] | undefined;
  onPickAccount?: (account: DemoAccount) => void;
}) {
  const { t } = useTranslation();
  if (!code && !accounts?.length) return null;
  return (
    <aside className="demo-hint" aria-label={t('signin.demo.title')}>
      <p className="demo-hint-title">{t('signin.demo.title')}</p>
      {code ? (
        <div className="demo-hint-code">
          <span>{t('signin.demo.codeIntro')}</span>{' '}
          <strong className="demo-code" data-testid="demo-code">
            {code}
          </strong>
          {onUseCode ? (
            <button type="button" className="btn btn-link" onClick={onUseCode}>
              {t('signin.demo.useCode')}
            </button>
          ) : null}
        </div>
      ) : null}
      {accounts?.length && onPickAccount ? (
        <>
          <p className="demo-hint-intro">{t('signin.demo.accountsIntro')}</p>
          <ul className="demo-accounts">
            {accounts.map((account) => (
              <li key={`${account.label}-${account.phone ?? account.email ?? ''}`}>
                <button type="button" className="demo-account" onClick={() => onPickAccount(account)}>
                  <span className="demo-account-label">{account.label}</span>
                  <span className="demo-account-address">
                    {account.phone ? formatPhone(account.phone) : account.email}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </aside>
  );
}
