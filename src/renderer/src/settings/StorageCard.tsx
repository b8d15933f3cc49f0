import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBridge } from '../backend/BridgeContext.js';
import { formatBytes } from '../documents/format.js';
import { errorMessage } from '../errorMessage.js';
import { FormError } from '../components/FormError.js';

/**
 * Settings → storage (desktop): how much room the copies of opened documents take on
 * this computer, and a button to clear them. Documents kept on this computer stay.
 */
export function StorageCard() {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const client = useQueryClient();
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const usage = useQuery({ queryKey: ['storage'], queryFn: () => bridge.documentsLocalCopies() });
  const bytes = (n: number) => formatBytes(t, n, i18n.language);

  async function clear() {
    setBusy(true);
    setError(null);
    try {
      await bridge.documentsClearLocalCopies();
      await client.invalidateQueries({ queryKey: ['storage'] });
    } catch (caught) {
      setError(errorMessage(t, caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card stack" aria-labelledby={id} data-testid="settings-storage">
      <h2 className="section-title" id={id}>
        {t('storage.title')}
      </h2>
      {usage.data ? (
        <p data-testid="storage-usage">
          {t('storage.cache', { size: bytes(usage.data.cacheBytes) })}
          <br />
          <span className="muted">{t('storage.kept', { size: bytes(usage.data.keptBytes) })}</span>
        </p>
      ) : (
        <p className="muted">{t('app.loading')}</p>
      )}
      <div className="actions">
        <button
          type="button"
          className="btn btn-secondary"
          disabled={busy || !usage.data || usage.data.cacheBytes === 0}
          onClick={() => void clear()}
        >
          {t('storage.clear')}
        </button>
      </div>
      <FormError message={error} />
    </section>
  );
}
