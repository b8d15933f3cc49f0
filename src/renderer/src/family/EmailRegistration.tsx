import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import { useBridge } from '../backend/BridgeContext.js';
import { LogoMark } from '../components/icons.js';
import { errorMessage } from '../errorMessage.js';
import './family.css';
import { FormError } from '../components/FormError.js';

/** The school's e-mail link (`/register/<token>`): a primary-school student signs in without a phone. */
export function EmailRegistration({
  token,
  onSignedIn,
  onCancel,
}: {
  token: string;
  onSignedIn: (profile: Profile) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="splash email-registration">
      <LogoMark size={48} />
      <section className="card stack email-registration-card">
        <h1 className="section-title">{t('registerEmail.title')}</h1>
        <p>{t('registerEmail.lead')}</p>
        <FormError message={error} />
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              setError(null);
              bridge
                .authCompleteEmailRegistration({ token })
                .then(onSignedIn)
                .catch((caught: unknown) => {
                  setError(errorMessage(t, caught));
                  setBusy(false);
                });
            }}
          >
            {busy ? t('registerEmail.busy') : t('registerEmail.submit')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </section>
    </div>
  );
}
