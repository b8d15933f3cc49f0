import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SUPPORT_TEXT_MAX } from '../../../shared/support/index.js';
import { useBridge } from '../backend/BridgeContext.js';
import { errorMessage } from '../errorMessage.js';

/**
 * A request to support from inside the app. The text is checked here first (empty,
 * too long), so a parent sees the problem before anything is sent; diagnostics go
 * along only when the box is ticked.
 */
export function SupportForm() {
  const { t } = useTranslation();
  const bridge = useBridge();
  const id = useId();
  const [text, setText] = useState('');
  const [consent, setConsent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const length = text.trim().length;
  const tooLong = text.length > SUPPORT_TEXT_MAX;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (length === 0) return setError(t('support.empty'));
    if (tooLong) return setError(t('support.tooLong', { max: SUPPORT_TEXT_MAX.toLocaleString() }));
    setBusy(true);
    setError(null);
    try {
      const ticket = await bridge.supportSend({ text, includeDiagnostics: consent });
      setSent(ticket.number);
      setText('');
      setConsent(false);
    } catch (caught) {
      setError(errorMessage(t, caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card stack" aria-labelledby={`${id}-title`}>
      <h2 className="section-title" id={`${id}-title`}>
        {t('support.title')}
      </h2>
      {sent !== null ? (
        <p className="notice notice-success" role="status" data-testid="support-sent">
          {t('support.sent', { number: sent })}
        </p>
      ) : null}
      <form className="stack" onSubmit={submit} noValidate>
        <div className={`field${error ? ' field-invalid' : ''}`}>
          <label className="field-label" htmlFor={`${id}-text`}>
            {t('support.label')}
          </label>
          <div className="field-control">
            <textarea
              id={`${id}-text`}
              className="input textarea"
              rows={5}
              value={text}
              placeholder={t('support.placeholder')}
              aria-invalid={error ? true : undefined}
              aria-describedby={`${id}-count${error ? ` ${id}-error` : ''}`}
              onChange={(event) => {
                setText(event.target.value);
                setError(null);
                setSent(null);
              }}
              data-testid="support-text"
            />
          </div>
          <p className={`field-hint${tooLong ? ' field-hint-error' : ''}`} id={`${id}-count`}>
            {t('support.count', { count: text.length, max: SUPPORT_TEXT_MAX })}
          </p>
          {error ? (
            <p className="field-error" role="alert" id={`${id}-error`}>
              {error}
            </p>
          ) : null}
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={consent} onChange={(event) => setConsent(event.target.checked)} />
          <span>{t('support.consent')}</span>
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="support-submit">
          {busy ? t('support.sending') : t('support.send')}
        </button>
      </form>
    </section>
  );
}
