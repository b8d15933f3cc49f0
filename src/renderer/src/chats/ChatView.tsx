import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatSummary, TimelineMessage } from '../../../shared/chats/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { FormError } from '../components/FormError.js';
import { errorMessage } from '../errorMessage.js';
import { useAppState } from '../queries.js';
import { AcksDialog, ReportDialog } from './ChatDialogs.js';
import { Composer, type ComposerMode } from './Composer.js';
import type { MessageAction, RowContext } from './MessageRow.js';
import { chatKeys } from './queries.js';
import { Timeline } from './Timeline.js';
import { useTimeline } from './useTimeline.js';

/** One chat: its header, the timeline and, for those who may post, the composer. */
export function ChatView({
  chat,
  atSeq,
  onBack,
}: {
  chat: ChatSummary;
  atSeq: number | null;
  onBack: () => void;
}) {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const client = useQueryClient();
  const web = useAppState().data?.target === 'web';
  const { state, loadOlder, loadNewer, put, remove, refresh, toLatest } = useTimeline(bridge, chat.id, atSeq);
  const [mode, setMode] = useState<ComposerMode>({ kind: 'new' });
  const [confirmingDelete, setConfirmingDelete] = useState<string | null>(null);
  const [dialog, setDialog] = useState<{ kind: 'report' | 'acks'; seq: number } | null>(null);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);
  const [restore, setRestore] = useState<{ text: string; token: number } | null>(null);
  const [scrollTo, setScrollTo] = useState<{ seq: number; token: number } | null>(null);

  useEffect(() => {
    setMode({ kind: 'new' });
    setConfirmingDelete(null);
    setNotice(null);
  }, [chat.id]);

  // Read: the newest message shown on screen, once, and only forward.
  const marked = useRef(0);
  useEffect(() => {
    marked.current = 0;
  }, [chat.id]);
  const onSeen = useCallback(
    (seq: number) => {
      if (seq <= marked.current) return;
      if (state.firstUnreadSeq === null && chat.unread === 0 && marked.current === 0) {
        marked.current = seq;
        return;
      }
      marked.current = seq;
      bridge
        .chatsMarkRead({ chatId: chat.id, seq })
        .then(() => client.invalidateQueries({ queryKey: chatKeys.list }))
        .catch(() => undefined);
    },
    [bridge, chat.id, chat.unread, state.firstUnreadSeq, client],
  );

  const fail = useCallback((e: unknown) => setNotice({ text: errorMessage(t, e), error: true }), [t]);

  const act = useCallback(
    (action: MessageAction, m: TimelineMessage) => {
      setNotice(null);
      switch (action) {
        case 'reply':
          setMode({ kind: 'reply', to: m });
          return;
        case 'edit':
          setMode({ kind: 'edit', message: m });
          return;
        case 'delete':
          setConfirmingDelete(m.key);
          return;
        case 'cancelDelete':
          setConfirmingDelete(null);
          return;
        case 'confirmDelete':
          setConfirmingDelete(null);
          if (m.seq !== null) bridge.chatsDelete({ chatId: chat.id, seq: m.seq }).then(put).catch(fail);
          return;
        case 'report':
          if (m.seq !== null) setDialog({ kind: 'report', seq: m.seq });
          return;
        case 'acks':
          if (m.seq !== null) setDialog({ kind: 'acks', seq: m.seq });
          return;
        case 'ack':
          if (m.seq !== null) {
            put({ ...m, acked: true });
            bridge
              .chatsAck({ chatId: chat.id, seq: m.seq })
              .then(() => refresh())
              .catch((e: unknown) => {
                put(m);
                fail(e);
              });
          }
          return;
        case 'retry':
          put({ ...m, status: 'sending', error: null });
          bridge
            .chatsRetry({ chatId: chat.id, key: m.key })
            .then(() => refresh())
            .catch(fail);
          return;
        case 'discard':
          bridge
            .chatsDiscard({ chatId: chat.id, key: m.key })
            .then(({ text }) => {
              remove(m.key);
              setRestore((r) => ({ text, token: (r?.token ?? 0) + 1 }));
            })
            .catch(fail);
          return;
        case 'quote':
          if (m.replyTo) setScrollTo((s) => ({ seq: m.replyTo!.seq, token: (s?.token ?? 0) + 1 }));
          return;
      }
    },
    [bridge, chat.id, put, remove, refresh, fail],
  );

  const openLink = useMemo(
    () =>
      web
        ? null
        : (href: string) => {
            bridge.shellOpenExternal({ url: href }).catch(fail);
          },
    [web, bridge, fail],
  );

  const ctx = useMemo<RowContext>(
    () => ({
      t,
      language: i18n.language,
      kind: chat.kind,
      canPost: chat.canPost && !chat.left,
      otherMembers: state.otherMembers,
      openLink,
      act,
    }),
    [t, i18n.language, chat.kind, chat.canPost, chat.left, state.otherMembers, openLink, act],
  );

  const send = async (text: string, replyToSeq: number | null, documentIds: string[]) => {
    if (state.hasNewer) await toLatest();
    const message = await bridge.chatsSend({ chatId: chat.id, text, replyToSeq, documentIds });
    put(message);
  };
  const edit = async (m: TimelineMessage, text: string) => {
    if (m.seq === null) return;
    put(await bridge.chatsEdit({ chatId: chat.id, seq: m.seq, text }));
  };

  const toggleMute = () => {
    bridge
      .chatsMute({ chatId: chat.id, muted: !chat.muted })
      .then(() => client.invalidateQueries({ queryKey: chatKeys.list }))
      .catch(fail);
  };

  const cancelMode = useCallback(() => setMode({ kind: 'new' }), []);
  const canPost = chat.canPost && !chat.left;

  return (
    <section className="chat-view" aria-labelledby="chat-title" data-testid="chat-view" data-chat={chat.id}>
      <header className="chat-view-header">
        <button type="button" className="btn btn-link chat-back" onClick={onBack}>
          ← {t('chats.backToList')}
        </button>
        <div className="chat-view-title">
          <h2 id="chat-title" className="section-title" data-testid="chat-title">
            {chat.title}
          </h2>
          <p className="muted chat-view-sub">{t(`chats.kind.${chat.kind}`)}</p>
        </div>
        <button
          type="button"
          className="btn btn-secondary btn-small"
          aria-pressed={chat.muted}
          onClick={toggleMute}
          data-testid="mute"
        >
          {chat.muted ? t('chats.unmute') : t('chats.mute')}
        </button>
      </header>
      {state.offline ? <p className="chat-view-offline">{t('chats.offline')}</p> : null}
      {state.error ? <FormError message={errorMessage(t, state.error)} /> : null}
      {notice ? (
        <p
          className={notice.error ? 'form-error' : 'chat-view-notice'}
          role={notice.error ? 'alert' : 'status'}
        >
          {notice.text}
        </p>
      ) : null}
      <Timeline
        state={state}
        ctx={ctx}
        label={t('chats.timelineLabel', { title: chat.title })}
        emptyText={t('chats.noMessages')}
        confirmingDelete={confirmingDelete}
        highlight={atSeq}
        loadOlder={loadOlder}
        loadNewer={loadNewer}
        onSeen={onSeen}
        scrollTo={scrollTo}
      />
      {canPost ? (
        <Composer
          chatId={chat.id}
          mode={mode}
          onCancelMode={cancelMode}
          onSend={send}
          onEdit={edit}
          restore={restore}
        />
      ) : (
        <p className="chat-view-readonly" data-testid="readonly">
          {chat.left ? t('chats.leftNotice') : t('chats.announcementsReadOnly')}
        </p>
      )}
      {dialog?.kind === 'report' ? (
        <ReportDialog
          chatId={chat.id}
          seq={dialog.seq}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            setNotice({ text: t('chats.reported'), error: false });
          }}
        />
      ) : null}
      {dialog?.kind === 'acks' ? (
        <AcksDialog chatId={chat.id} seq={dialog.seq} onClose={() => setDialog(null)} />
      ) : null}
    </section>
  );
}
