import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import type { i18n as I18n } from 'i18next';
import { useCallback, useEffect, useState } from 'react';
import { I18nextProvider, useTranslation } from 'react-i18next';
import type { Profile } from '../../shared/domain.js';
import { type AppBridge, BridgeProvider } from './backend/BridgeContext.js';
import { LogoMark } from './components/icons.js';
import { ThumbnailCacheProvider } from './documents/Thumbnail.js';
import { errorMessage } from './errorMessage.js';
import { EmailRegistration } from './family/EmailRegistration.js';
import { InviteProvider, usePendingInvite } from './family/InviteContext.js';
import { showStudentNoticeAgain } from './family/StudentAccountNotice.js';
import { keys, useAppState, useProfile } from './queries.js';
import { Shell } from './shell/Shell.js';
import { SignInScreen } from './auth/SignInScreen.js';
import { useApplyTheme } from './theme.js';
import { type SignedOutReason, useBridgeEvents } from './useBridgeEvents.js';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // The backend pushes change events; no polling, no refetch on focus.
      queries: { retry: false, staleTime: Infinity, refetchOnWindowFocus: false },
    },
  });
}

/** The whole UI over one bridge (desktop preload or web HTTP adapter). */
export function App({
  bridge,
  i18n,
  queryClient,
}: {
  bridge: AppBridge;
  i18n: I18n;
  queryClient?: QueryClient;
}) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  return (
    <BridgeProvider bridge={bridge}>
      <QueryClientProvider client={client}>
        <I18nextProvider i18n={i18n}>
          <InviteProvider>
            <ThumbnailCacheProvider>
              <Root />
            </ThumbnailCacheProvider>
          </InviteProvider>
        </I18nextProvider>
      </QueryClientProvider>
    </BridgeProvider>
  );
}

function Root() {
  const { t, i18n } = useTranslation();
  const appState = useAppState();
  const profile = useProfile();
  const [reason, setReason] = useState<SignedOutReason | null>(null);
  const settings = appState.data?.settings;

  useBridgeEvents(useCallback((next: SignedOutReason) => setReason(next), []));
  useApplyTheme(settings?.theme);
  useEffect(() => {
    if (settings && settings.language !== i18n.language) void i18n.changeLanguage(settings.language);
  }, [settings, i18n]);

  const onSignedIn = useSignedIn(setReason);
  // The school's e-mail link for a primary-school student (web address or the app's deep link).
  const { registration, closeRegistration } = usePendingInvite();

  if (profile.isPending || appState.isPending) return <Splash />;
  if (profile.error) {
    return (
      <div className="splash">
        <LogoMark size={48} />
        <p className="form-error" role="alert">
          {errorMessage(t, profile.error)}
        </p>
        <button type="button" className="btn btn-primary" onClick={() => void profile.refetch()}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  if (!profile.data && registration) {
    return (
      <EmailRegistration
        token={registration}
        onSignedIn={(signedIn) => {
          closeRegistration();
          onSignedIn(signedIn);
        }}
        onCancel={closeRegistration}
      />
    );
  }
  if (!profile.data) return <SignInScreen reason={reason} onSignedIn={onSignedIn} />;
  return <Shell profile={profile.data} />;
}

function useSignedIn(setReason: (reason: null) => void) {
  const queryClient = useQueryClient();
  return useCallback(
    (profile: Profile) => {
      setReason(null);
      showStudentNoticeAgain(profile);
      queryClient.setQueryData(keys.profile, profile);
      void queryClient.invalidateQueries({ queryKey: keys.syncStatus });
    },
    [queryClient, setReason],
  );
}

function Splash() {
  const { t } = useTranslation();
  return (
    <div className="splash" aria-busy="true">
      <LogoMark size={48} />
      <p className="muted">{t('app.loading')}</p>
    </div>
  );
}
