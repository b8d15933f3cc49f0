import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBridge } from '../backend/BridgeContext.js';
import { MailIcon } from '../components/icons.js';
import { errorMessage } from '../errorMessage.js';
import { SupportForm } from './SupportForm.js';
import { useAppState } from '../queries.js';
import { ScreenHeader } from '../components/ScreenHeader.js';
import { FormError } from '../components/FormError.js';

export const SUPPORT_EMAIL = 'info@sferum.ru';

/** «Помощь»: the support address and the memo's questions and answers. */
export default function HelpScreen() {
  const { t } = useTranslation();
  const bridge = useBridge();
  const desktop = useAppState().data?.target === 'desktop';
  const [error, setError] = useState<string | null>(null);

  async function writeToSupport() {
    setError(null);
    try {
      await bridge.shellOpenExternal({ url: `mailto:${SUPPORT_EMAIL}` });
    } catch (caught) {
      setError(errorMessage(t, caught));
    }
  }

  return (
    <div className="screen">
      <ScreenHeader title={t('help.title')} lead={t('help.lead')} />
      <div className="help-grid">
        <div className="stack">
          <section className="card" aria-labelledby="help-join">
            <h2 className="section-title" id="help-join">
              {t('help.joinTitle')}
            </h2>
            <ol className="steps">
              <li>{t('help.joinSteps.one')}</li>
              <li>{t('help.joinSteps.two')}</li>
              <li>{t('help.joinSteps.three')}</li>
            </ol>
            <p className="notice notice-warning">{t('help.phoneWarning')}</p>
          </section>
          <section className="card" aria-labelledby="help-faq">
            <h2 className="section-title" id="help-faq">
              {t('help.faqTitle')}
            </h2>
            <details className="faq" open>
              <summary>{t('help.faq.inviteErrorQ')}</summary>
              <p>{t('help.faq.inviteErrorA')}</p>
              <ul>
                <li>{t('help.faq.inviteErrorWays.one')}</li>
                <li>{t('help.faq.inviteErrorWays.two')}</li>
                <li>{t('help.faq.inviteErrorWays.three')}</li>
              </ul>
              <p>{t('help.faq.inviteLimit')}</p>
            </details>
            <details className="faq">
              <summary>{t('help.faq.severalQ')}</summary>
              <p>{t('help.faq.severalA')}</p>
            </details>
            <details className="faq">
              <summary>{t('help.faq.documentsQ')}</summary>
              <p>{t('help.faq.documentsA')}</p>
            </details>
          </section>
        </div>
        <div className="stack">
          <section className="card support-card" aria-labelledby="help-support">
            <MailIcon width={32} height={32} className="support-icon" />
            <h2 className="section-title" id="help-support">
              {t('help.supportTitle')}
            </h2>
            <p>{t('help.supportText')}</p>
            <p className="support-email">
              <a
                href={`mailto:${SUPPORT_EMAIL}`}
                data-testid="support-email"
                onClick={(event) => {
                  // The desktop app opens the mail program only through the core's vetted
                  // openExternal (the window itself navigates nowhere); a browser follows the link.
                  if (!desktop) return;
                  event.preventDefault();
                  void writeToSupport();
                }}
              >
                {SUPPORT_EMAIL}
              </a>
            </p>
            <button type="button" className="btn btn-primary btn-block" onClick={writeToSupport}>
              {t('help.supportButton')}
            </button>
            <FormError message={error} />
          </section>
          <SupportForm />
        </div>
      </div>
    </div>
  );
}
