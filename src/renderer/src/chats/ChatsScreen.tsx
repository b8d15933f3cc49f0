import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormError } from '../components/FormError.js';
import { errorMessage } from '../errorMessage.js';
import { ChatList } from './ChatList.js';
import { ChatView } from './ChatView.js';
import { chatFromHash, chatHref, chatKeys, useChatList, useChatsLive } from './queries.js';
import './chats.css';

function useChatFromHash() {
  const [at, setAt] = useState(() => chatFromHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setAt(chatFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return at;
}

/** «Сообщения»: the chats on the left, the chat that is open on the right. */
export default function ChatsScreen() {
  const { t } = useTranslation();
  const client = useQueryClient();
  useChatsLive();
  const list = useChatList();
  const at = useChatFromHash();
  const chat = at ? list.data?.chats.find((c) => c.id === at.chatId) : undefined;

  // A chat just opened (a new direct chat) that the list does not hold yet: read it again.
  useEffect(() => {
    if (at && list.data && !chat) void client.invalidateQueries({ queryKey: chatKeys.list });
  }, [at, list.data, chat, client]);

  const open = useCallback((chatId: string, seq?: number) => {
    window.location.hash = chatHref(chatId, seq);
  }, []);
  const back = useCallback(() => {
    window.location.hash = '#/chats';
  }, []);

  return (
    <div className={`chats${at ? ' chats-open' : ''}`} data-testid="chats">
      <div className="chats-side">
        <h1 className="screen-title chats-title">{t('chats.title')}</h1>
        {list.error ? <FormError message={errorMessage(t, list.error)} /> : null}
        {list.isPending ? (
          <div className="skeleton" role="status" aria-busy="true" aria-label={t('app.loading')} />
        ) : (
          <ChatList chats={list.data?.chats ?? []} current={at?.chatId ?? null} onOpen={open} />
        )}
      </div>
      <div className="chats-main">
        {chat ? (
          <ChatView key={`${chat.id}:${at?.seq ?? ''}`} chat={chat} atSeq={at?.seq ?? null} onBack={back} />
        ) : (
          <div className="chats-placeholder">
            <p className="muted">{at && list.isFetching ? t('app.loading') : t('chats.pickChat')}</p>
          </div>
        )}
      </div>
    </div>
  );
}
