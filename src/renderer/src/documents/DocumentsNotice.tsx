import type { TFunction } from 'i18next';
import { memo, useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EnqueueResult } from '../../../shared/documents/ipc.js';
import { errorMessage } from '../errorMessage.js';

export type Notice = { kind: 'error' | 'info'; text: string; details?: string[] } | null;

/** The documents screen's one notice: what an upload added or refused, or what failed. */
export function useDocumentsNotice(t: TFunction) {
  const [notice, setNotice] = useState<Notice>(null);

  const report = useCallback(
    (result: EnqueueResult, notFiles = 0) => {
      const refused = [
        ...result.refused.map((r) => `${r.name}: ${errorMessage(t, { code: r.code, message: r.message })}`),
        ...Array.from({ length: notFiles }, () =>
          errorMessage(t, { code: 'UPLOAD_NOT_A_FILE', message: '' }),
        ),
      ];
      if (refused.length > 0)
        setNotice({ kind: 'error', text: t('documents.refusedTitle'), details: refused });
      else if (result.added > 0 || (result.present ?? 0) > 0) {
        // An unread refusal stays on screen; "added" does not hide it.
        const parts = [
          ...(result.added > 0 ? [t('documents.added', { count: result.added })] : []),
          ...(result.present ? [t('documents.alreadyThere', { count: result.present })] : []),
        ];
        const info = { kind: 'info' as const, text: parts.join(' · ') };
        setNotice((current) => (current?.kind === 'error' ? current : info));
      }
    },
    [t],
  );

  const fail = useCallback(
    (error: unknown) => setNotice({ kind: 'error', text: errorMessage(t, error) }),
    [t],
  );

  const close = useCallback(() => setNotice(null), []);

  return { notice, report, fail, close };
}

/** The notice itself: a refusal as an alert with its reasons, anything else as a status. */
export const DocumentsNotice = memo(function DocumentsNotice({
  notice,
  onClose,
}: {
  notice: NonNullable<Notice>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div
      className={`notice ${notice.kind === 'error' ? 'notice-error' : 'notice-success'} documents-notice`}
      role={notice.kind === 'error' ? 'alert' : 'status'}
      data-testid="documents-notice"
    >
      <div>
        <strong>{notice.text}</strong>
        {notice.details ? (
          <ul>
            {notice.details.slice(0, 8).map((d, i) => (
              <li key={i}>{d}</li>
            ))}
            {notice.details.length > 8 ? <li>…</li> : null}
          </ul>
        ) : null}
      </div>
      <button type="button" className="btn btn-link btn-small" onClick={onClose}>
        {t('documents.close')}
      </button>
    </div>
  );
});
