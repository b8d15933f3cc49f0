import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBridge } from '../backend/BridgeContext.js';
import { FormError } from '../components/FormError.js';
import { errorMessage } from '../errorMessage.js';
import { formatDate } from '../family/format.js';

/**
 * Settings → sign-in with VK ID: whether it is linked, and «Отвязать» while another way
 * to sign in (a code by SMS or e-mail) remains. Hidden where VK ID is not offered.
 */
export function VkIdCard() {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const client = useQueryClient();
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const status = useQuery({ queryKey: ['vkid-status'], queryFn: () => bridge.authVkidStatus() });
  const s = status.data;
  if (!s || (!s.available && !s.linked)) return null;

  async function unlink() {
    setBusy(true);
    setError(null);
    try {
      await bridge.authVkidUnlink();
      setNotice(t('vkid.unlinked'));
      await client.invalidateQueries({ queryKey: ['vkid-status'] });
    } catch (caught) {
      setError(errorMessage(t, caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card stack" aria-labelledby={id} data-testid="settings-vkid">
      <h2 className="section-title" id={id}>
        {t('vkid.settingsTitle')}
      </h2>
      <p>
        {s.linked && s.linkedAt
          ? t('vkid.linkedSince', { date: formatDate(s.linkedAt.slice(0, 10), i18n.language) })
          : t('vkid.notLinked')}
      </p>
      {s.linked && s.canUnlink ? (
        <div>
          <button type="button" className="btn btn-secondary" onClick={() => void unlink()} disabled={busy}>
            {t('vkid.unlink')}
          </button>
        </div>
      ) : null}
      {notice ? (
        <p className="field-hint" role="status">
          {notice}
        </p>
      ) : null}
      <FormError message={error} />
    </section>
  );
}
