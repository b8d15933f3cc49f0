import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes } from './format.js';

/** The storage used, of the limit; numbers as props, so a new answer with the same ones skips it. */
export const QuotaBar = memo(function QuotaBar({
  used,
  limit,
}: {
  used: number | null;
  limit: number | null;
}) {
  const { t, i18n } = useTranslation();
  if (used === null || limit === null) {
    return (
      <div className="documents-quota" data-testid="quota">
        <span className="muted">{t('documents.quotaUnknown')}</span>
      </div>
    );
  }
  const percent = Math.min(100, (used / limit) * 100);
  const text = t('documents.quota', {
    used: formatBytes(t, used, i18n.language),
    limit: formatBytes(t, limit, i18n.language),
  });
  return (
    <div className="documents-quota" data-testid="quota">
      <div
        className="progress progress-thin"
        role="progressbar"
        aria-label={text}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
      >
        <div
          className={`progress-bar${percent > 90 ? ' progress-bar-danger' : ''}`}
          style={{ width: `${percent}%` }}
        />
      </div>
      <span className="muted">{text}</span>
    </div>
  );
});
