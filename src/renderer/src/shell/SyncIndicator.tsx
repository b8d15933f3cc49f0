import { useTranslation } from 'react-i18next';
import { useBridge } from '../backend/BridgeContext.js';
import { useSyncStatus } from '../queries.js';
import { useNow } from '../useNow.js';

/** Online / offline, driven by `sync.status` events: pending changes and the next retry. */
export function SyncIndicator() {
  const { t } = useTranslation();
  const bridge = useBridge();
  const status = useSyncStatus().data;
  const retryAt = status?.nextRetryAt ? Date.parse(status.nextRetryAt) : 0;
  const now = useNow(status?.state === 'offline' && retryAt > 0);
  const state = status?.state ?? 'connecting';
  const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000));
  const label = {
    online: t('sync.online'),
    syncing: t('sync.syncing'),
    connecting: t('sync.connecting'),
    offline: t('sync.offline'),
    signed_out: t('sync.signedOut'),
  }[state];

  return (
    <div className={`sync sync-${state}`} data-testid="sync-indicator" data-state={state} role="status">
      <span className="sync-dot" aria-hidden="true" />
      <span className="sync-label">{label}</span>
      {status && status.pending > 0 ? (
        <span className="sync-extra">{t('sync.pending', { count: status.pending })}</span>
      ) : null}
      {state === 'offline' && retryAt > 0 ? (
        <span className="sync-retry">
          <span>{t('sync.retryIn', { seconds })}</span>
          <button type="button" className="btn btn-link btn-small" onClick={() => void bridge.syncNow()}>
            {t('sync.retryNow')}
          </button>
        </span>
      ) : null}
    </div>
  );
}
