import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../../shared/domain.js';
import { type Theme, ThemeSchema } from '../../../shared/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { ChoiceGroup } from '../components/ChoiceGroup.js';
import { DeviceIcon } from '../components/icons.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { errorMessage } from '../errorMessage.js';
import { keys, useAppState, useSessions, useUpdateSettings } from '../queries.js';
import { AboutCard } from '../about/AboutCard.js';
import { ProfilesCard } from '../auth/ProfilesCard.js';
import { StorageCard } from './StorageCard.js';
import { ScreenHeader } from '../components/ScreenHeader.js';
import { ServerAddress } from './ServerAddress.js';
import { FormError } from '../components/FormError.js';
import { useSignOut } from '../auth/useSignOut.js';
import { VkIdCard } from '../auth/VkIdCard.js';

/** Language, theme, sessions on other devices, sign-out. */
export default function SettingsScreen() {
  const { t } = useTranslation();
  const appState = useAppState().data;
  const update = useUpdateSettings();
  const theme = appState?.settings.theme ?? 'system';

  return (
    <div className="screen">
      <ScreenHeader title={t('settings.title')} />
      <section className="card stack" aria-labelledby="settings-appearance">
        <h2 className="section-title" id="settings-appearance">
          {t('settings.appearance')}
        </h2>
        <LanguageSwitch />
        <ChoiceGroup<Theme>
          legend={t('theme.label')}
          value={theme}
          options={ThemeSchema.options.map((value) => ({ value, label: t(`theme.${value}`) }))}
          onChange={(value) => update.mutate({ theme: value })}
        />
        {appState?.target === 'desktop' ? (
          <div className="stack-tight">
            <ChoiceGroup<'on' | 'off'>
              legend={t('notifications.label')}
              value={appState.settings.notifications ? 'on' : 'off'}
              options={[
                { value: 'on', label: t('notifications.on') },
                { value: 'off', label: t('notifications.off') },
              ]}
              onChange={(value) => update.mutate({ notifications: value === 'on' })}
            />
            <p className="field-hint">{t('notifications.hint')}</p>
          </div>
        ) : null}
      </section>
      {appState?.target === 'desktop' ? <ProfilesCard state={appState} /> : null}
      {appState?.target === 'desktop' ? <StorageCard /> : null}
      {appState?.target === 'desktop' ? <ServerAddress state={appState} /> : null}
      <VkIdCard />
      <Sessions />
      <section className="card stack" aria-labelledby="settings-signout">
        <h2 className="section-title" id="settings-signout">
          {t('settings.signOutTitle')}
        </h2>
        <SignOut />
        {appState ? (
          <p className="field-hint">
            {appState.server?.demo ? `${t('settings.demoServer')} · ` : ''}
            {t('settings.server', { url: appState.effectiveServerUrl })}
          </p>
        ) : null}
      </section>
      <AboutCard />
    </div>
  );
}

function Sessions() {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const client = useQueryClient();
  const sessions = useSessions();
  const [error, setError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const date = (iso: string) =>
    new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));

  async function revoke(session: SessionInfo) {
    setBusyId(session.id);
    setError(null);
    try {
      await bridge.authRevokeSession({ id: session.id });
      await client.invalidateQueries({ queryKey: keys.sessions });
    } catch (caught) {
      setError(errorMessage(t, caught));
    } finally {
      setBusyId(null);
    }
  }

  const list = [...(sessions.data ?? [])].sort((a, b) => Number(b.current) - Number(a.current));
  return (
    <section className="card stack" aria-labelledby="settings-sessions">
      <div>
        <h2 className="section-title" id="settings-sessions">
          {t('settings.sessionsTitle')}
        </h2>
        <p className="muted">{t('settings.sessionsLead')}</p>
      </div>
      {sessions.isPending ? <div className="skeleton skeleton-line" aria-busy="true" /> : null}
      {sessions.error ? (
        <p className="form-error" role="alert">
          {errorMessage(t, sessions.error)}
        </p>
      ) : null}
      <ul className="sessions">
        {list.map((session) => (
          <li key={session.id} className="session">
            <DeviceIcon className="session-icon" />
            <div className="session-text">
              <span className="session-name">
                {session.deviceName}
                {session.current ? (
                  <span className="badge badge-accent">{t('settings.thisDevice')}</span>
                ) : null}
              </span>
              <span className="field-hint">{t('settings.lastSeen', { date: date(session.lastSeenAt) })}</span>
            </div>
            {session.current ? null : (
              <button
                type="button"
                className="btn btn-secondary btn-small"
                disabled={busyId === session.id}
                onClick={() => void revoke(session)}
              >
                {t('settings.revoke')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {sessions.data && !sessions.data.some((s) => !s.current) ? (
        <p className="field-hint">{t('settings.noOtherSessions')}</p>
      ) : null}
      <FormError message={error} />
    </section>
  );
}

function SignOut() {
  const { t } = useTranslation();
  const { signOut, busy, error } = useSignOut();

  return (
    <>
      <p className="muted">{t('settings.signOutText')}</p>
      <div className="actions">
        <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void signOut()}>
          {t('settings.signOut')}
        </button>
      </div>
      <FormError message={error} />
    </>
  );
}
