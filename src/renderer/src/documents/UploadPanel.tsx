import { memo, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { UploadItem, UploadQueueState } from '../../../shared/documents/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { errorMessage } from '../errorMessage.js';
import { formatBytes, formatDuration } from './format.js';
import { CloseIcon, PauseIcon, PlayIcon, RestoreIcon } from './icons.js';

/** Items drawn in the panel (the rest is in the totals). */
const SHOWN = 60;

export function useUploadState(): UploadQueueState | null {
  const bridge = useBridge();
  const [state, setState] = useState<UploadQueueState | null>(null);
  useEffect(() => {
    let live = true;
    const off = bridge.on('uploads.state', (next) => setState(next));
    bridge
      .uploadsGetState()
      .then((s) => live && setState((current) => current ?? s))
      .catch(() => undefined);
    return () => {
      live = false;
      off();
    };
  }, [bridge]);
  return state;
}

function percent(sent: number, size: number): number {
  return size > 0 ? Math.min(100, Math.round((sent / size) * 100)) : 0;
}

/** The upload queue: a bar per file and one for all, speed and time left, and the controls. */
/** Re-renders only when the queue changes (not on a keystroke in the search box). */
export const UploadPanel = memo(function UploadPanel({ state }: { state: UploadQueueState }) {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const [collapsed, setCollapsed] = useState(false);
  const bytes = (n: number) => formatBytes(t, n, i18n.language);
  const { total } = state;
  if (total.files === 0) return null;
  const active = state.items.some((i) => ['queued', 'hashing', 'uploading'].includes(i.state));
  const paused = state.items.some((i) => i.state === 'paused');
  const finished = state.items.some((i) => i.state === 'done' || i.state === 'cancelled');

  return (
    <section className="upload-panel card" aria-label={t('documents.uploads')} data-testid="upload-panel">
      <header className="upload-panel-head">
        <div className="upload-panel-title">
          <h2>{t('documents.uploads')}</h2>
          <p className="muted" data-testid="upload-summary">
            {t('documents.uploadsSummary', {
              done: total.done,
              files: total.files,
              sent: bytes(total.sent),
              total: bytes(total.bytes),
            })}
            {total.speed > 0 ? ` · ${t('documents.speed', { speed: bytes(total.speed) })}` : ''}
            {total.secondsLeft !== null
              ? ` · ${t('documents.timeLeft', { time: formatDuration(t, total.secondsLeft) })}`
              : ''}
          </p>
        </div>
        <div className="upload-panel-actions">
          {active ? (
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => void bridge.uploadsPause({ id: null })}
            >
              <PauseIcon /> {t('documents.pauseAll')}
            </button>
          ) : null}
          {paused ? (
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => void bridge.uploadsResume({ id: null })}
            >
              <PlayIcon /> {t('documents.resumeAll')}
            </button>
          ) : null}
          {finished && !active ? (
            <button
              type="button"
              className="btn btn-link btn-small"
              onClick={() => void bridge.uploadsClearFinished()}
            >
              {t('documents.clearFinished')}
            </button>
          ) : null}
          <button
            type="button"
            className="btn btn-link btn-small"
            aria-expanded={!collapsed}
            onClick={() => setCollapsed((c) => !c)}
          >
            {collapsed ? t('documents.showUploads') : t('documents.hideUploads')}
          </button>
        </div>
      </header>
      <div
        className="progress"
        role="progressbar"
        aria-label={t('documents.uploads')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent(total.sent, total.bytes)}
      >
        <div className="progress-bar" style={{ width: `${percent(total.sent, total.bytes)}%` }} />
      </div>
      {state.offline ? (
        <p className="notice notice-warning upload-offline" role="status">
          {t('documents.uploadsOffline')}
        </p>
      ) : null}
      {!collapsed ? (
        <ul className="upload-list">
          {state.items.slice(0, SHOWN).map((item) => (
            <UploadRow key={item.id} item={item} offline={state.offline} />
          ))}
        </ul>
      ) : null}
    </section>
  );
});

function UploadRow({ item, offline }: { item: UploadItem; offline: boolean }) {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const bytes = (n: number) => formatBytes(t, n, i18n.language);
  const live = ['queued', 'hashing', 'uploading'].includes(item.state);
  // The web version holds the file as it was chosen: once it changed, or the page was
  // closed, only adding it again helps, so there is no retry to offer.
  const retryable =
    item.state === 'cancelled' ||
    (item.state === 'failed' &&
      item.error?.code !== 'UPLOAD_FILE_NEEDED' &&
      !(bridge.uploadFiles && item.error?.code === 'FILE_CHANGED'));
  // An upload waiting for the network says so, rather than "uploading" with nothing moving.
  const stateLabel =
    offline && item.state === 'uploading' ? t('documents.state_waiting') : t(`documents.state_${item.state}`);
  return (
    <li className={`upload-item upload-${item.state}`} data-testid="upload-item" data-state={item.state}>
      <div className="upload-item-main">
        <span className="upload-name" title={item.name}>
          {item.name}
        </span>
        <span className="upload-meta">
          {item.state === 'failed' && item.error
            ? errorMessage(t, item.error)
            : `${stateLabel} · ${bytes(item.sent)} / ${bytes(item.size)}${
                item.state === 'uploading' && item.speed > 0
                  ? ` · ${t('documents.speed', { speed: bytes(item.speed) })}`
                  : ''
              }`}
        </span>
        {item.state !== 'done' && item.state !== 'cancelled' ? (
          <div
            className="progress progress-thin"
            role="progressbar"
            aria-label={item.name}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent(item.sent, item.size)}
          >
            <div className="progress-bar" style={{ width: `${percent(item.sent, item.size)}%` }} />
          </div>
        ) : null}
      </div>
      <div className="upload-item-actions">
        {live ? (
          <button
            type="button"
            className="icon-btn"
            aria-label={`${t('documents.pause')}: ${item.name}`}
            title={t('documents.pause')}
            onClick={() => void bridge.uploadsPause({ id: item.id })}
          >
            <PauseIcon />
          </button>
        ) : null}
        {item.state === 'paused' ? (
          <button
            type="button"
            className="icon-btn"
            aria-label={`${t('documents.resume')}: ${item.name}`}
            title={t('documents.resume')}
            onClick={() => void bridge.uploadsResume({ id: item.id })}
          >
            <PlayIcon />
          </button>
        ) : null}
        {retryable ? (
          <button
            type="button"
            className="icon-btn"
            aria-label={`${t('documents.retry')}: ${item.name}`}
            title={t('documents.retry')}
            onClick={() => void bridge.uploadsRetry({ id: item.id })}
          >
            <RestoreIcon />
          </button>
        ) : null}
        {live || item.state === 'paused' || item.state === 'failed' ? (
          <button
            type="button"
            className="icon-btn"
            aria-label={`${t('documents.cancelUpload')}: ${item.name}`}
            title={t('documents.cancelUpload')}
            onClick={() => void bridge.uploadsCancel({ id: item.id })}
          >
            <CloseIcon />
          </button>
        ) : null}
      </div>
    </li>
  );
}
