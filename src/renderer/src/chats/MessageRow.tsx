import { memo } from 'react';
import type { TFunction } from 'i18next';
import type { ChatKind } from '../../../shared/chats/index.js';
import type { TimelineMessage } from '../../../shared/chats/ipc.js';
import { formatBytes } from '../documents/format.js';
import { errorMessage } from '../errorMessage.js';
import { formatDay, formatTime } from './format.js';
import { MessageText } from './text.js';

export type MessageAction =
  | 'reply'
  | 'edit'
  | 'delete'
  | 'confirmDelete'
  | 'cancelDelete'
  | 'report'
  | 'retry'
  | 'discard'
  | 'ack'
  | 'acks'
  | 'quote';

export interface RowContext {
  t: TFunction;
  language: string;
  kind: ChatKind;
  canPost: boolean;
  otherMembers: number;
  /** Opens a link (desktop: through the core), or null: the browser follows it. */
  openLink: ((href: string) => void) | null;
  act: (action: MessageAction, message: TimelineMessage) => void;
}

/**
 * One message of the timeline, with the day's line above the first of a day and the
 * «Новые сообщения» line above the first unread one.
 */
export const MessageRow = memo(function MessageRow({
  message: m,
  dayLine,
  unreadLine,
  confirmingDelete,
  highlighted,
  ctx,
}: {
  message: TimelineMessage;
  dayLine: boolean;
  unreadLine: boolean;
  confirmingDelete: boolean;
  highlighted: boolean;
  ctx: RowContext;
}) {
  const { t, language, kind, canPost, act } = ctx;
  const deleted = m.deletedBy !== null;
  const sent = m.seq !== null && m.status === 'sent';
  const announcement = kind === 'announcements';
  return (
    <div className="chat-row" data-testid="message-row" data-seq={m.seq ?? ''} data-key={m.key}>
      {dayLine ? (
        <div className="chat-day" role="separator">
          <span>{formatDay(t, m.createdAt, language)}</span>
        </div>
      ) : null}
      {unreadLine ? (
        <div className="chat-unread-line" role="separator" data-testid="unread-line">
          <span>{t('chats.newMessages')}</span>
        </div>
      ) : null}
      <article
        className={`chat-msg${m.mine ? ' chat-msg-mine' : ''}${highlighted ? ' chat-msg-hit' : ''}${
          announcement ? ' chat-msg-announcement' : ''
        }`}
        aria-label={t('chats.messageFrom', {
          name: m.mine ? t('chats.you') : m.senderName,
          time: formatTime(m.createdAt, language),
        })}
      >
        {!m.mine ? <div className="chat-msg-sender">{m.senderName}</div> : null}
        {m.replyTo && !deleted ? (
          <button
            type="button"
            className="chat-quote"
            onClick={() => act('quote', m)}
            aria-label={t('chats.quoteOf', { name: m.replyTo.senderName })}
          >
            <span className="chat-quote-name">{m.replyTo.senderName}</span>
            <span className="chat-quote-text">{m.replyTo.text || t('chats.deleted')}</span>
          </button>
        ) : null}
        {deleted ? (
          <p className="chat-msg-text chat-msg-deleted" data-testid="message-deleted">
            {m.deletedBy === 'admin' ? t('chats.deletedByAdmin') : t('chats.deleted')}
          </p>
        ) : (
          <p className="chat-msg-text" data-testid="message-text">
            <MessageText text={m.text} open={ctx.openLink} />
          </p>
        )}
        {!deleted && m.attachments.length > 0 ? (
          <ul className="chat-attachments" aria-label={t('chats.attachments')}>
            {m.attachments.map((a) => (
              <li key={a.id} className="chat-attachment">
                <span className="chat-attachment-name">{a.name}</span>
                <span className="chat-attachment-size">{formatBytes(t, a.size, language)}</span>
              </li>
            ))}
          </ul>
        ) : null}
        <div className="chat-msg-meta">
          <time dateTime={m.createdAt}>{formatTime(m.createdAt, language)}</time>
          {m.editedAt && !deleted ? <span>{t('chats.edited')}</span> : null}
          {m.mine ? <Status m={m} ctx={ctx} /> : null}
        </div>
        {m.status === 'failed' ? (
          <div className="chat-msg-failed" role="alert">
            <span>
              {t('chats.notSent')}
              {m.error ? `: ${errorMessage(t, m.error)}` : ''}
            </span>
            <button type="button" className="btn btn-link btn-small" onClick={() => act('retry', m)}>
              {t('chats.retry')}
            </button>
            <button type="button" className="btn btn-link btn-small" onClick={() => act('discard', m)}>
              {t('chats.discard')}
            </button>
          </div>
        ) : null}
        {announcement && sent && !deleted && !canPost ? (
          m.acked ? (
            <p className="chat-acked" data-testid="acked">
              ✓ {t('chats.acked')}
            </p>
          ) : (
            <button
              type="button"
              className="btn btn-primary btn-small chat-ack"
              onClick={() => act('ack', m)}
              data-testid="ack"
            >
              {t('chats.ack')}
            </button>
          )
        ) : null}
        {announcement && sent && !deleted && canPost ? (
          <button
            type="button"
            className="btn btn-secondary btn-small chat-ack"
            onClick={() => act('acks', m)}
            data-testid="acks"
          >
            {t('chats.whoAcked')}
          </button>
        ) : null}
        {sent && !deleted ? (
          confirmingDelete ? (
            <div className="chat-msg-confirm" role="group" aria-label={t('chats.deleteQuestion')}>
              <span>{t('chats.deleteQuestion')}</span>
              <button
                type="button"
                className="btn btn-danger btn-small"
                onClick={() => act('confirmDelete', m)}
                data-testid="confirm-delete"
              >
                {t('chats.delete')}
              </button>
              <button type="button" className="btn btn-link btn-small" onClick={() => act('cancelDelete', m)}>
                {t('common.cancel')}
              </button>
            </div>
          ) : (
            <div className="chat-msg-actions">
              {canPost ? (
                <button type="button" className="btn btn-link btn-small" onClick={() => act('reply', m)}>
                  {t('chats.reply')}
                </button>
              ) : null}
              {m.mine && canPost ? (
                <>
                  <button type="button" className="btn btn-link btn-small" onClick={() => act('edit', m)}>
                    {t('chats.edit')}
                  </button>
                  <button type="button" className="btn btn-link btn-small" onClick={() => act('delete', m)}>
                    {t('chats.delete')}
                  </button>
                </>
              ) : null}
              {!m.mine ? (
                <button type="button" className="btn btn-link btn-small" onClick={() => act('report', m)}>
                  {t('chats.report')}
                </button>
              ) : null}
            </div>
          )
        ) : null}
      </article>
    </div>
  );
});

function Status({ m, ctx }: { m: TimelineMessage; ctx: RowContext }) {
  const { t, kind, otherMembers } = ctx;
  if (m.deletedBy !== null) return null;
  if (m.status === 'sending') return <span data-testid="status">{t('chats.sending')}</span>;
  if (m.status === 'failed') return null;
  if (m.readBy === null) return null;
  if (m.readBy === 0) return <span data-testid="status">{t('chats.delivered')}</span>;
  if (kind === 'direct') return <span data-testid="status">{t('chats.read')}</span>;
  return <span data-testid="status">{t('chats.readBy', { count: m.readBy, total: otherMembers })}</span>;
}
