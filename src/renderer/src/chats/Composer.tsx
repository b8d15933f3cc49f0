import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CHAT_TEXT_MAX } from '../../../shared/chats/index.js';
import type { TimelineMessage } from '../../../shared/chats/ipc.js';
import type { DocItem } from '../../../shared/documents/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { FormError } from '../components/FormError.js';
import { errorMessage } from '../errorMessage.js';
import { useEscape } from '../useEscape.js';
import { DocumentPicker } from './ChatDialogs.js';
import { useChatDrop } from './useChatDrop.js';

const MAX_ATTACHMENTS = 10;
const DRAFT_DELAY_MS = 400;

/** The length the server counts: the text without its leading and trailing spaces. */
export function countedLength(text: string): number {
  return text.trim().length;
}

export type ComposerMode =
  { kind: 'new' } | { kind: 'reply'; to: TimelineMessage } | { kind: 'edit'; message: TimelineMessage };

/**
 * The composer: Enter sends, Shift+Enter starts a new line. An empty or blank message
 * cannot be sent, nor one over 4000 characters (a sentence says so). What is typed is the
 * chat's draft, kept by the backend, and stays here whenever sending fails. Escape leaves
 * a reply or an edit.
 */
export function Composer({
  chatId,
  mode,
  onCancelMode,
  onSend,
  onEdit,
  restore,
}: {
  chatId: string;
  mode: ComposerMode;
  onCancelMode: () => void;
  onSend: (text: string, replyToSeq: number | null, documentIds: string[]) => Promise<void>;
  onEdit: (message: TimelineMessage, text: string) => Promise<void>;
  /** Text handed back (a message taken out of the outbox): goes into the composer. */
  restore: { text: string; token: number } | null;
}) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [attachments, setAttachments] = useState<DocItem[]>([]);
  const [picking, setPicking] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const typed = useRef(false);
  const draftTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const draftBeforeEdit = useRef<string | null>(null);
  const drop = useChatDrop({
    bridge,
    enabled: mode.kind !== 'edit',
    onAttach: (item) =>
      setAttachments((list) =>
        list.some((x) => x.id === item.id) || list.length >= MAX_ATTACHMENTS ? list : [...list, item],
      ),
  });
  // Escape leaves a reply or an edit wherever the focus is (a dialog keeps its own Escape).
  useEscape(mode.kind !== 'new', onCancelMode);
  const hintId = useId();
  const errorId = useId();

  // The draft of this chat, unless the person has already started typing.
  useEffect(() => {
    let live = true;
    typed.current = false;
    setText('');
    setError(null);
    setAttachments([]);
    bridge
      .chatsGetDraft({ chatId })
      .then(({ text: draft }) => {
        if (live && !typed.current) setText(draft);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [bridge, chatId]);

  const saveDraft = (next: string) => {
    if (draftTimer.current) clearTimeout(draftTimer.current);
    draftTimer.current = setTimeout(() => {
      draftTimer.current = null;
      void bridge.chatsSetDraft({ chatId, text: next }).catch(() => undefined);
    }, DRAFT_DELAY_MS);
  };
  // Leaving the chat writes the draft at once.
  const latest = useRef({ text, chatId, editing: false });
  latest.current = { text, chatId, editing: mode.kind === 'edit' };
  useEffect(
    () => () => {
      if (!draftTimer.current) return;
      clearTimeout(draftTimer.current);
      draftTimer.current = null;
      const { text: last, chatId: id, editing } = latest.current;
      if (!editing) void bridge.chatsSetDraft({ chatId: id, text: last }).catch(() => undefined);
    },
    [bridge, chatId],
  );

  // An edit starts with the message's text; leaving it brings the draft back.
  useEffect(() => {
    if (mode.kind === 'edit') {
      draftBeforeEdit.current ??= latest.current.text;
      setText(mode.message.text);
    } else if (draftBeforeEdit.current !== null) {
      setText(draftBeforeEdit.current);
      draftBeforeEdit.current = null;
    }
    setError(null);
    if (mode.kind !== 'new') input.current?.focus();
  }, [mode]);

  useEffect(() => {
    if (!restore) return;
    typed.current = true;
    setText((current) => (current.trim() ? `${current}\n${restore.text}` : restore.text));
    input.current?.focus();
  }, [restore]);

  const length = countedLength(text);
  const tooLong = length > CHAT_TEXT_MAX;
  const empty = length === 0;
  const canSend = !empty && !tooLong && !sending;

  const change = (next: string) => {
    typed.current = true;
    setText(next);
    setError(null);
    if (mode.kind !== 'edit') saveDraft(next);
  };

  const submit = async () => {
    if (empty) {
      setError(t('chats.emptyRefused'));
      return;
    }
    if (tooLong) return;
    if (sending) return;
    setSending(true);
    setError(null);
    try {
      if (mode.kind === 'edit') {
        await onEdit(mode.message, text);
        draftBeforeEdit.current = draftBeforeEdit.current ?? '';
        onCancelMode();
      } else {
        await onSend(
          text,
          mode.kind === 'reply' ? mode.to.seq : null,
          attachments.map((a) => a.id),
        );
        if (draftTimer.current) clearTimeout(draftTimer.current);
        draftTimer.current = null;
        setText('');
        setAttachments([]);
        void bridge.chatsSetDraft({ chatId, text: '' }).catch(() => undefined);
        if (mode.kind === 'reply') onCancelMode();
      }
    } catch (e) {
      // Nothing typed is lost: the text stays here with the reason.
      setError(errorMessage(t, e));
    } finally {
      setSending(false);
      input.current?.focus();
    }
  };

  const keyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === 'Escape' && mode.kind !== 'new') {
      e.preventDefault();
      onCancelMode();
    }
  };

  const label = mode.kind === 'edit' ? t('chats.editLabel') : t('chats.composerLabel');
  return (
    <div className="chat-composer" data-testid="composer">
      {mode.kind === 'reply' ? (
        <div className="chat-composer-mode">
          <div className="chat-composer-mode-text">
            <strong>
              {t('chats.replyTo', { name: mode.to.mine ? t('chats.you') : mode.to.senderName })}
            </strong>
            <span className="chat-composer-mode-quote">{mode.to.text}</span>
          </div>
          <button type="button" className="btn btn-link btn-small" onClick={onCancelMode}>
            {t('chats.cancelReply')}
          </button>
        </div>
      ) : null}
      {mode.kind === 'edit' ? (
        <div className="chat-composer-mode">
          <div className="chat-composer-mode-text">
            <strong>{t('chats.editing')}</strong>
          </div>
          <button type="button" className="btn btn-link btn-small" onClick={onCancelMode}>
            {t('chats.cancelEdit')}
          </button>
        </div>
      ) : null}
      {drop.dragging ? (
        <div className="chat-drop-overlay" data-testid="drop-overlay" aria-hidden="true">
          <p>{t('chats.dropHere')}</p>
        </div>
      ) : null}
      {drop.pending.length > 0 ? (
        <ul className="chat-composer-files" aria-label={t('chats.uploading')} data-testid="pending-files">
          {drop.pending.map((p) => (
            <li key={p.name} className={p.error ? 'chat-composer-file-failed' : ''}>
              <span>
                {p.error
                  ? t('chats.uploadFailed', { name: p.name, reason: errorMessage(t, p.error) })
                  : t('chats.uploadingFile', { name: p.name })}
              </span>
              {p.error ? (
                <button
                  type="button"
                  className="chat-icon-btn"
                  aria-label={t('chats.removeAttachment', { name: p.name })}
                  onClick={() => drop.dismiss(p.name)}
                >
                  ×
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {attachments.length > 0 ? (
        <ul className="chat-composer-files" aria-label={t('chats.attachments')} data-testid="attachments">
          {attachments.map((a) => (
            <li key={a.id}>
              <span>{a.name}</span>
              <button
                type="button"
                className="chat-icon-btn"
                aria-label={t('chats.removeAttachment', { name: a.name })}
                onClick={() => setAttachments((list) => list.filter((x) => x.id !== a.id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="chat-composer-row">
        {mode.kind !== 'edit' ? (
          <button
            type="button"
            className="btn btn-secondary chat-composer-attach"
            onClick={() => setPicking(true)}
            data-testid="attach"
          >
            {t('chats.attach')}
          </button>
        ) : null}
        <textarea
          ref={input}
          className="chat-field chat-composer-input"
          rows={Math.min(6, Math.max(1, text.split('\n').length))}
          value={text}
          onChange={(e) => change(e.target.value)}
          onKeyDown={keyDown}
          aria-label={label}
          placeholder={t('chats.composerPlaceholder')}
          aria-describedby={`${hintId}${error || tooLong ? ` ${errorId}` : ''}`}
          aria-invalid={tooLong || undefined}
          data-testid="composer-input"
        />
        <button
          type="button"
          className="btn btn-primary chat-composer-send"
          disabled={!canSend}
          onClick={() => void submit()}
          data-testid="send"
        >
          {mode.kind === 'edit' ? t('chats.saveEdit') : t('chats.send')}
        </button>
      </div>
      <p id={hintId} className="chat-composer-hint">
        <span className="chat-composer-hint-keys">{t('chats.composerHint')}</span>
        {length > CHAT_TEXT_MAX - 500 ? (
          <span className={tooLong ? 'chat-composer-count-over' : ''}>
            {' '}
            {t('chats.counter', { count: length, max: CHAT_TEXT_MAX })}
          </span>
        ) : null}
      </p>
      <div id={errorId}>
        {tooLong ? (
          <p className="form-error" role="alert" data-testid="too-long">
            {t('chats.tooLong', { max: CHAT_TEXT_MAX, over: length - CHAT_TEXT_MAX })}
          </p>
        ) : (
          <FormError message={error} />
        )}
      </div>
      {picking ? (
        <DocumentPicker
          picked={attachments}
          max={MAX_ATTACHMENTS}
          onPick={(items) => {
            setAttachments(items);
            setPicking(false);
            input.current?.focus();
          }}
          onClose={() => setPicking(false)}
        />
      ) : null}
    </div>
  );
}
