import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CHAT_REPORT_MAX } from '../../../shared/chats/index.js';
import type { DocItem } from '../../../shared/documents/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { FormError } from '../components/FormError.js';
import { formatBytes } from '../documents/format.js';
import { FolderIcon } from '../documents/icons.js';
import { errorMessage } from '../errorMessage.js';
import { Dialog } from './Dialog.js';
import { formatDay, formatTime } from './format.js';
import { chatKeys } from './queries.js';

/** «Пожаловаться»: the reason goes to the school's administrators. */
export function ReportDialog({
  chatId,
  seq,
  onClose,
  onDone,
}: {
  chatId: string;
  seq: number;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const submit = () => {
    if (!reason.trim()) {
      setError(t('chats.reportEmpty'));
      return;
    }
    setSending(true);
    bridge
      .chatsReport({ chatId, seq, reason: reason.trim() })
      .then(onDone)
      .catch((e: unknown) => {
        setError(errorMessage(t, e));
        setSending(false);
      });
  };
  return (
    <Dialog title={t('chats.reportTitle')} onClose={onClose} testId="report-dialog">
      <p className="muted">{t('chats.reportLead')}</p>
      <label className="field">
        <span className="field-label">{t('chats.reportReason')}</span>
        <textarea
          className="chat-field chat-dialog-textarea"
          rows={4}
          maxLength={CHAT_REPORT_MAX}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          data-testid="report-reason"
        />
      </label>
      <FormError message={error} />
      <div className="chat-dialog-actions">
        <button type="button" className="btn btn-primary" disabled={sending} onClick={submit}>
          {t('chats.reportSend')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          {t('common.cancel')}
        </button>
      </div>
    </Dialog>
  );
}

/** «Кто ознакомился»: who has confirmed an announcement, and who has not yet. */
export function AcksDialog({ chatId, seq, onClose }: { chatId: string; seq: number; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const acks = useQuery({
    queryKey: chatKeys.acks(chatId, seq),
    queryFn: () => bridge.chatsAcks({ chatId, seq }),
    staleTime: 0,
  });
  return (
    <Dialog title={t('chats.acksTitle')} onClose={onClose} testId="acks-dialog">
      {acks.error ? <FormError message={errorMessage(t, acks.error)} /> : null}
      <div className="acks" aria-busy={acks.isPending}>
        <section aria-labelledby="acks-done">
          <h3 id="acks-done" className="acks-title">
            {t('chats.acksDone', { count: acks.data?.acked.length ?? 0 })}
          </h3>
          {acks.data && acks.data.acked.length === 0 ? (
            <p className="muted">{t('chats.acksNobody')}</p>
          ) : null}
          <ul className="acks-list" data-testid="acks-done">
            {acks.data?.acked.map((a) => (
              <li key={a.userId}>
                <span>{a.name}</span>
                <span className="muted">
                  {formatDay(t, a.at, i18n.language)}, {formatTime(a.at, i18n.language)}
                </span>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="acks-pending">
          <h3 id="acks-pending" className="acks-title">
            {t('chats.acksPending', { count: acks.data?.pending.length ?? 0 })}
          </h3>
          {acks.data && acks.data.pending.length === 0 ? (
            <p className="muted">{t('chats.acksNobody')}</p>
          ) : null}
          <ul className="acks-list" data-testid="acks-pending">
            {acks.data?.pending.map((a) => (
              <li key={a.userId}>{a.name}</li>
            ))}
          </ul>
        </section>
      </div>
      <div className="chat-dialog-actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          {t('chats.close')}
        </button>
      </div>
    </Dialog>
  );
}

/** Files picked from «Мои документы» to attach to a message (at most `max`). */
export function DocumentPicker({
  picked,
  max,
  onPick,
  onClose,
}: {
  picked: DocItem[];
  max: number;
  onPick: (items: DocItem[]) => void;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const [folderId, setFolderId] = useState<string | null>(null);
  const [chosen, setChosen] = useState<DocItem[]>(picked);
  const [items, setItems] = useState<DocItem[] | null>(null);
  const [crumbs, setCrumbs] = useState<{ id: string; name: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setItems(null);
    bridge
      .documentsList({
        view: 'folder',
        folderId,
        query: '',
        sort: 'name',
        desc: false,
        offset: 0,
        limit: 500,
      })
      .then((out) => {
        if (!live) return;
        setItems(out.items);
        setCrumbs(out.breadcrumbs);
      })
      .catch((e: unknown) => live && setError(errorMessage(t, e)));
    return () => {
      live = false;
    };
  }, [bridge, folderId, t]);

  const toggle = (item: DocItem) =>
    setChosen((c) =>
      c.some((x) => x.id === item.id) ? c.filter((x) => x.id !== item.id) : c.length < max ? [...c, item] : c,
    );

  return (
    <Dialog title={t('chats.pickTitle')} onClose={onClose} testId="document-picker">
      <nav aria-label={t('chats.pickWhere')} className="picker-crumbs">
        <button type="button" className="btn btn-link btn-small" onClick={() => setFolderId(null)}>
          {t('documents.root')}
        </button>
        {crumbs.map((c) => (
          <span key={c.id}>
            {' / '}
            <button type="button" className="btn btn-link btn-small" onClick={() => setFolderId(c.id)}>
              {c.name}
            </button>
          </span>
        ))}
      </nav>
      <FormError message={error} />
      <ul className="picker-list" aria-busy={items === null}>
        {items && items.length === 0 ? <li className="muted">{t('chats.pickEmpty')}</li> : null}
        {items?.map((item) =>
          item.kind === 'folder' ? (
            <li key={item.id}>
              <button type="button" className="picker-folder" onClick={() => setFolderId(item.id)}>
                <FolderIcon aria-hidden="true" /> {item.name}
              </button>
            </li>
          ) : (
            <li key={item.id}>
              <label className="picker-file">
                <input
                  type="checkbox"
                  checked={chosen.some((x) => x.id === item.id)}
                  disabled={!chosen.some((x) => x.id === item.id) && chosen.length >= max}
                  onChange={() => toggle(item)}
                />
                <span className="picker-name">{item.name}</span>
                <span className="muted">{formatBytes(t, item.size, i18n.language)}</span>
              </label>
            </li>
          ),
        )}
      </ul>
      <div className="chat-dialog-actions">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => onPick(chosen)}
          data-testid="picker-attach"
        >
          {t('chats.pickAttach', { count: chosen.length })}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          {t('common.cancel')}
        </button>
      </div>
    </Dialog>
  );
}
