import { lazy, Suspense, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import { useBridge } from '../backend/BridgeContext.js';
import { type Route, useRoute } from '../router.js';
import { SideMenu } from './SideMenu.js';
import { TopBar } from './TopBar.js';
import { Warnings } from './Warnings.js';
import { FamilyNotices } from '../family/FamilyNotices.js';
import { usePendingInvite } from '../family/InviteContext.js';
import { InviteScreen } from '../family/InviteScreen.js';
import { StudentAccountNotice } from '../family/StudentAccountNotice.js';

const screens: Record<
  Route,
  React.LazyExoticComponent<(props: { profile: Profile }) => React.JSX.Element>
> = {
  profile: lazy(() => import('../auth/ProfileScreen.js')),
  family: lazy(() => import('../family/FamilyScreen.js')),
  chats: lazy(() => import('../chats/ChatsScreen.js')),
  documents: lazy(() => import('../documents/DocumentsScreen.js')),
  settings: lazy(() => import('../settings/SettingsScreen.js')),
  help: lazy(() => import('../help/HelpScreen.js')),
};

/** The signed-in app: left menu, top bar, and the current screen. */
export function Shell({ profile }: { profile: Profile }) {
  const { t } = useTranslation();
  const [route, setRoute] = useRoute();
  const bridge = useBridge();
  const Screen = screens[route];
  // An invite being opened takes the content area until it is confirmed or closed.
  const invite = usePendingInvite();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // The core raises no notification about the screen the parent is looking at.
  useEffect(() => {
    void bridge.appSetScreen({ screen: route }).catch(() => undefined);
  }, [bridge, route]);

  // Files dragged over any screen go to «Мои документы», which takes the drop; and a
  // file dropped anywhere never replaces the app in the window.
  useEffect(() => {
    const onDrag = (event: DragEvent) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      // The chats screen takes its own drops (files attached to the message being written).
      if (route !== 'documents' && route !== 'chats' && !invite.token) setRoute('documents');
    };
    const onDrop = (event: DragEvent) => event.preventDefault();
    window.addEventListener('dragenter', onDrag);
    window.addEventListener('dragover', onDrag);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onDrag);
      window.removeEventListener('dragover', onDrag);
      window.removeEventListener('drop', onDrop);
    };
  }, [route, setRoute, invite.token]);

  // Moving between sections puts keyboard and screen-reader focus on the new content.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [route]);

  return (
    <div className="shell">
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          // The hash is the router's: focus the content without navigating.
          event.preventDefault();
          main.current?.focus();
        }}
      >
        {t('app.skipToContent')}
      </a>
      <SideMenu current={route} />
      <div className="shell-body">
        <TopBar profile={profile} />
        <main className="content" id="main" tabIndex={-1} ref={main}>
          <Warnings />
          <StudentAccountNotice key={profile.id} profile={profile} />
          <Suspense
            fallback={
              <div className="skeleton" role="status" aria-busy="true" aria-label={t('app.loading')} />
            }
          >
            {invite.token ? (
              <InviteScreen token={invite.token} profile={profile} onClose={invite.close} />
            ) : (
              <Screen profile={profile} />
            )}
          </Suspense>
        </main>
        <FamilyNotices profile={profile} />
      </div>
    </div>
  );
}
