import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import { AccountSwitcher } from '../auth/AccountSwitcher.js';
import { hrefFor } from '../router.js';
import { displayName, initials } from '../people.js';
import { SyncIndicator } from './SyncIndicator.js';

/** The person's name and the connection state, always in view. */
export function TopBar({ profile }: { profile: Profile }) {
  const { t } = useTranslation();
  return (
    <header className="topbar">
      <SyncIndicator />
      <div className="topbar-end">
        <AccountSwitcher />
        <a className="account" href={hrefFor('profile')}>
          <span className="avatar" aria-hidden="true">
            {initials(profile)}
          </span>
          <span className="account-text">
            <span className="visually-hidden">{t('shell.signedInAs')} </span>
            <span className="account-name" data-testid="profile-name">
              {displayName(profile)}
            </span>
            <span className="account-role">{t(`roles.${profile.role}`)}</span>
          </span>
        </a>
      </div>
    </header>
  );
}
