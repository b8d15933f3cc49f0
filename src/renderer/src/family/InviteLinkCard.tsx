import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBridge } from '../backend/BridgeContext.js';
import { errorMessage } from '../errorMessage.js';
import { CopyField } from './CopyField.js';
import { formatDate } from './format.js';
import { QrCode } from './QrCode.js';
import { familyKeys, useCurrentInvite, useFamily } from './queries.js';
import { FormError } from '../components/FormError.js';

/**
 * The student's invite link for parents: the https link and the app link, each with
 * Copy, and a QR code. A link is made at once when there is none; a new one replaces
 * the old. A link made on another device cannot be shown here (the server keeps only
 * its hash), so the card says so and offers a new one.
 */
export function InviteLinkCard() {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const client = useQueryClient();
  const family = useFamily();
  const current = useCurrentInvite();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const autoIssued = useRef(false);

  async function issue() {
    setBusy(true);
    setError(null);
    try {
      await bridge.familyIssueInvite();
      void client.invalidateQueries({ queryKey: familyKeys.currentInvite });
      void client.invalidateQueries({ queryKey: familyKeys.view });
    } catch (caught) {
      setError(errorMessage(t, caught));
    } finally {
      setBusy(false);
    }
  }

  const view = family.data;
  const slots = view?.parentSlotsLeft ?? 0;
  useEffect(() => {
    if (!view || current.isPending || autoIssued.current) return;
    if (view.invite === null && slots > 0 && !current.data) {
      autoIssued.current = true;
      void issue();
    }
  }, [view, current.isPending, current.data, slots]);

  if (!view) return null;
  const invite = current.data ?? null;
  return (
    <section className="card invite-card" aria-labelledby="invite-card-title" data-testid="invite-card">
      <h2 className="section-title" id="invite-card-title">
        {t('invite.linkTitle')}
      </h2>
      {slots === 0 ? (
        <p className="muted">{t('invite.full')}</p>
      ) : (
        <>
          <p className="muted">{t('invite.linkLead')}</p>
          {invite ? (
            <div className="invite-body">
              <div className="invite-links">
                <CopyField label={t('invite.linkWeb')} value={invite.url} testId="invite-url" />
                <CopyField label={t('invite.linkApp')} value={invite.appUrl} testId="invite-app-url" />
                <p className="muted small">
                  {t('invite.expires', { date: formatDate(invite.expiresAt, i18n.language) })}
                </p>
              </div>
              <QrCode text={invite.url} label={t('invite.qr')} />
            </div>
          ) : view.invite ? (
            <p className="notice notice-warning">
              {t('invite.elsewhere', { date: formatDate(view.invite.expiresAt, i18n.language) })}
            </p>
          ) : null}
          <FormError message={error} />
          <div className="actions invite-actions">
            <button
              type="button"
              className={invite ? 'btn btn-link' : 'btn btn-primary'}
              disabled={busy}
              onClick={() => void issue()}
            >
              {busy ? t('invite.creating') : invite || view.invite ? t('invite.renew') : t('invite.create')}
            </button>
            {invite || view.invite ? <span className="muted small">{t('invite.renewHint')}</span> : null}
          </div>
        </>
      )}
    </section>
  );
}
