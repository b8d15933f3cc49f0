import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatSummary } from '../../../shared/chats/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { FormError } from '../components/FormError.js';
import { FamilyIcon, Icon } from '../components/icons.js';
import { errorMessage } from '../errorMessage.js';
import { formatListTime } from './format.js';
import { chatHref, useChatSearch, useContacts } from './queries.js';
import { Snippet } from './text.js';

function preview(t: ReturnType<typeof useTranslation>['t'], chat: ChatSummary): string {
  const last = chat.lastMessage;
  if (!last) return t('chats.noMessagesYet');
  const text =
    last.deletedBy === 'admin'
      ? t('chats.deletedByAdmin')
      : last.deletedBy === 'sender'
        ? t('chats.deleted')
        : last.text.replace(/\s+/g, ' ');
  if (last.mine) return t('chats.previewMine', { text });
  if (chat.kind === 'class') return t('chats.previewOf', { name: last.senderName, text });
  return text;
}

/** «Сообщения»: the search, «Написать учителю», and the chats with what is new in each. */
export function ChatList({
  chats,
  current,
  onOpen,
}: {
  chats: ChatSummary[];
  current: string | null;
  onOpen: (chatId: string, seq?: number) => void;
}) {
  const { t, i18n } = useTranslation();
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(query), 200);
    return () => clearTimeout(timer);
  }, [query]);
  const search = useChatSearch(debounced);
  const searching = query.trim().length > 0;

  return (
    <div className="chat-list-pane">
      <div className="chat-search">
        <label className="visually-hidden" htmlFor="chat-search">
          {t('chats.search')}
        </label>
        <input
          id="chat-search"
          type="search"
          className="chat-field"
          placeholder={t('chats.search')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setQuery('');
          }}
          data-testid="chat-search"
        />
      </div>
      {searching ? (
        <SearchResults
          pending={search.isFetching || debounced !== query}
          hits={search.data?.hits ?? []}
          error={search.error}
          onOpen={onOpen}
        />
      ) : (
        <>
          <WriteToTeacher onOpen={onOpen} />
          {chats.length === 0 ? (
            <p className="muted chat-list-empty">{t('chats.emptyList')}</p>
          ) : (
            <ul className="chat-list" aria-label={t('chats.listLabel')} data-testid="chat-list">
              {chats.map((chat) => (
                <li key={chat.id}>
                  <a
                    className="chat-list-item"
                    href={chatHref(chat.id)}
                    aria-current={chat.id === current ? 'true' : undefined}
                    data-testid="chat-item"
                    data-kind={chat.kind}
                    onClick={(e) => {
                      e.preventDefault();
                      onOpen(chat.id);
                    }}
                  >
                    <span className={`chat-avatar chat-avatar-${chat.kind}`} aria-hidden="true">
                      {chat.kind === 'class' ? (
                        <FamilyIcon />
                      ) : chat.kind === 'announcements' ? (
                        <MegaphoneIcon />
                      ) : (
                        initials(chat.title)
                      )}
                    </span>
                    <span className="chat-list-main">
                      <span className="chat-list-top">
                        <span className="chat-list-title">{chat.title}</span>
                        {chat.lastMessage ? (
                          <span className="chat-list-time">
                            {formatListTime(t, chat.lastMessage.createdAt, i18n.language)}
                          </span>
                        ) : null}
                      </span>
                      <span className="chat-list-bottom">
                        <span className="chat-list-preview">{preview(t, chat)}</span>
                        {chat.muted ? (
                          <span className="chat-muted" title={t('chats.muted')}>
                            <MutedIcon />
                            <span className="visually-hidden">{t('chats.muted')}</span>
                          </span>
                        ) : null}
                        {chat.unread > 0 ? (
                          <span
                            className={`chat-badge${chat.muted ? ' chat-badge-muted' : ''}`}
                            data-testid="chat-unread"
                          >
                            <span aria-hidden="true">{chat.unread}</span>
                            <span className="visually-hidden">
                              {t('chats.unreadCount', { count: chat.unread })}
                            </span>
                          </span>
                        ) : null}
                      </span>
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

function SearchResults({
  pending,
  hits,
  error,
  onOpen,
}: {
  pending: boolean;
  hits: {
    chatId: string;
    chatTitle: string;
    seq: number;
    senderName: string;
    snippet: string;
    createdAt: string;
  }[];
  error: unknown;
  onOpen: (chatId: string, seq?: number) => void;
}) {
  const { t, i18n } = useTranslation();
  if (error) return <FormError message={errorMessage(t, error)} />;
  return (
    <div className="chat-search-results" aria-busy={pending}>
      <p className="muted chat-search-count" role="status">
        {pending ? t('chats.searching') : t('chats.found', { count: hits.length })}
      </p>
      <ul className="chat-list" data-testid="search-hits">
        {hits.map((hit) => (
          <li key={`${hit.chatId}:${hit.seq}`}>
            <a
              className="chat-list-item chat-hit"
              href={chatHref(hit.chatId, hit.seq)}
              onClick={(e) => {
                e.preventDefault();
                onOpen(hit.chatId, hit.seq);
              }}
              data-testid="search-hit"
            >
              <span className="chat-list-main">
                <span className="chat-list-top">
                  <span className="chat-list-title">{hit.chatTitle}</span>
                  <span className="chat-list-time">{formatListTime(t, hit.createdAt, i18n.language)}</span>
                </span>
                <span className="chat-hit-sender">{hit.senderName}</span>
                <span className="chat-hit-snippet">
                  <Snippet text={hit.snippet} />
                </span>
              </span>
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** «Написать учителю»: the teachers one may write to; a direct chat opens with the one chosen. */
function WriteToTeacher({ onOpen }: { onOpen: (chatId: string) => void }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const [open, setOpen] = useState(false);
  const contacts = useContacts(open);
  const [error, setError] = useState<string | null>(null);
  const [opening, setOpening] = useState<string | null>(null);
  const start = (userId: string) => {
    setOpening(userId);
    setError(null);
    bridge
      .chatsOpenDirect({ userId })
      .then((chat) => {
        setOpen(false);
        onOpen(chat.id);
      })
      .catch((e: unknown) => setError(errorMessage(t, e)))
      .finally(() => setOpening(null));
  };
  return (
    <div className="chat-write">
      <button
        type="button"
        className="btn btn-secondary btn-block"
        aria-expanded={open}
        aria-controls="chat-contacts"
        onClick={() => setOpen((o) => !o)}
        data-testid="write-to-teacher"
      >
        {t('chats.writeToTeacher')}
      </button>
      {open ? (
        <div id="chat-contacts" className="chat-contacts" aria-busy={contacts.isPending}>
          {contacts.error ? <FormError message={errorMessage(t, contacts.error)} /> : null}
          {contacts.data && contacts.data.contacts.length === 0 ? (
            <p className="muted">{t('chats.noContacts')}</p>
          ) : null}
          <ul>
            {contacts.data?.contacts.map((c) => (
              <li key={c.userId}>
                <button
                  type="button"
                  className="chat-contact"
                  disabled={opening !== null}
                  onClick={() => start(c.userId)}
                  data-testid="contact"
                >
                  <span className="chat-contact-name">{c.name}</span>
                  <span className="chat-contact-role">{c.role}</span>
                </button>
              </li>
            ))}
          </ul>
          <FormError message={error} />
        </div>
      ) : null}
    </div>
  );
}

/** «Смирнова Ольга Викторовна» → «СО». */
function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w.slice(0, 1).toUpperCase())
    .join('');
}

function MegaphoneIcon() {
  return (
    <Icon>
      <path d="M4 10v4a1 1 0 0 0 1 1h2l5 4V5L7 9H5a1 1 0 0 0-1 1z" />
      <path d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" />
    </Icon>
  );
}

function MutedIcon() {
  return (
    <svg
      width="14"
      height="14"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      aria-hidden="true"
    >
      <path d="M11 5 6 9H3v6h3l5 4z" />
      <path d="m22 9-6 6M16 9l6 6" />
    </svg>
  );
}
