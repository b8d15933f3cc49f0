import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useUnreadTotal } from '../chats/queries.js';
import {
  ChatsIcon,
  DocumentsIcon,
  FamilyIcon,
  HelpIcon,
  LogoMark,
  ProfileIcon,
  SettingsIcon,
} from '../components/icons.js';
import { hrefFor, type Route } from '../router.js';

const MAIN: { route: Route; icon: ReactNode }[] = [
  { route: 'profile', icon: <ProfileIcon /> },
  { route: 'family', icon: <FamilyIcon /> },
  { route: 'chats', icon: <ChatsIcon /> },
  { route: 'documents', icon: <DocumentsIcon /> },
  { route: 'settings', icon: <SettingsIcon /> },
];

/** The left menu; «Помощь» sits at its bottom, as the memo says. */
export function SideMenu({ current }: { current: Route }) {
  const { t } = useTranslation();
  const unread = useUnreadTotal();
  const item = (route: Route, icon: ReactNode) => (
    <li key={route}>
      <a
        className="menu-item"
        href={hrefFor(route)}
        aria-current={route === current ? 'page' : undefined}
        data-testid={`menu-${route}`}
      >
        {icon}
        <span>{t(`shell.menu.${route}`)}</span>
        {route === 'chats' && unread ? (
          <span className="menu-badge" data-testid="chats-badge">
            <span aria-hidden="true">{unread > 99 ? '99+' : unread}</span>
            <span className="visually-hidden">{t('chats.unreadCount', { count: unread })}</span>
          </span>
        ) : null}
      </a>
    </li>
  );
  return (
    <aside className="sidebar">
      <div className="sidebar-brand">
        <LogoMark />
        <span>{t('app.name')}</span>
      </div>
      <nav className="sidebar-nav" aria-label={t('shell.menuLabel')}>
        <ul className="menu">{MAIN.map(({ route, icon }) => item(route, icon))}</ul>
        <ul className="menu menu-bottom">{item('help', <HelpIcon />)}</ul>
      </nav>
    </aside>
  );
}
