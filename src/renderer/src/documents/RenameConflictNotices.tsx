import { memo, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RenameConflict } from '../../../shared/documents/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { errorMessage } from '../errorMessage.js';
import './conflicts.css';

/**
 * Renames of this device that lost to a rename made on another device at the same time:
 * one notice per item with both names, «Применить моё» (rename again to this device's
 * name) and «Оставить» (keep the other name and dismiss). Re-read whenever documents change.
 */
export const RenameConflictNotices = memo(function RenameConflictNotices() {
  const { t } = useTranslation();
  const bridge = useBridge();
  const [conflicts, setConflicts] = useState<RenameConflict[]>([]);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    bridge.documentsConflicts().then(setConflicts, () => undefined);
  }, [bridge]);

  useEffect(() => {
    load();
    return bridge.on('cache.changed', ({ entities }) => {
      if (entities.includes('document') || entities.includes('folder')) load();
    });
  }, [bridge, load]);

  if (conflicts.length === 0 && !error) return null;
  const resolve = (c: RenameConflict, keep: 'mine' | 'theirs') => {
    setError(null);
    // Gone from the screen at once; a failure brings it back with the reason.
    setConflicts((all) => all.filter((other) => other.id !== c.id));
    bridge.documentsResolveConflict({ kind: c.kind, id: c.id, keep }).then(load, (e: unknown) => {
      setError(e);
      load();
    });
  };
  return (
    <div className="rename-conflicts" data-testid="rename-conflicts">
      {error ? (
        <p className="form-error" role="alert">
          {errorMessage(t, error)}
        </p>
      ) : null}
      {conflicts.map((c) => (
        <div
          key={c.id}
          className="notice notice-warning rename-conflict"
          role="status"
          data-testid="rename-conflict"
          data-id={c.id}
        >
          <p>
            {t(c.kind === 'folder' ? 'documents.conflictFolder' : 'documents.conflictDocument', {
              theirs: c.theirs,
              mine: c.mine,
            })}
          </p>
          <div className="rename-conflict-actions">
            <button
              type="button"
              className="btn btn-primary btn-small"
              onClick={() => resolve(c, 'mine')}
              data-testid="conflict-apply"
            >
              {t('documents.conflictApply')}
            </button>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => resolve(c, 'theirs')}
              data-testid="conflict-keep"
            >
              {t('documents.conflictKeep')}
            </button>
          </div>
        </div>
      ))}
    </div>
  );
});
