import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { OTP_CODE_LENGTH, OTP_CODE_PATTERN } from '../../../shared/api.js';
import { TextField } from '../components/TextField.js';
import { errorMessage, waitText } from '../errorMessage.js';
import { useNow } from '../useNow.js';
import type { Channel } from './AddressStep.js';

/** Step two: the one-time code (OTP_CODE_LENGTH digits), with a resend countdown. */
export function CodeStep({
  channel,
  address,
  resendAt,
  code,
  onCodeChange,
  onSubmit,
  onResend,
  onBack,
}: {
  channel: Channel;
  /** As shown to the person: "+7 912 345-67-89" or the e-mail. */
  address: string;
  /** Epoch ms when a new code may be requested. */
  resendAt: number;
  code: string;
  onCodeChange: (code: string) => void;
  onSubmit: (code: string) => Promise<void>;
  onResend: () => Promise<void>;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const now = useNow(resendAt > Date.now());
  const wait = Math.max(0, Math.ceil((resendAt - now) / 1000));

  useEffect(() => setNotice(null), [code]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!OTP_CODE_PATTERN.test(code)) {
      setError(t('signin.codeStep.codeFormat', { digits: OTP_CODE_LENGTH }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(code);
    } catch (caught) {
      setError(errorMessage(t, caught));
      setBusy(false);
    }
  }

  async function resend() {
    setError(null);
    try {
      await onResend();
      setNotice(t('signin.codeStep.resent'));
    } catch (caught) {
      setError(errorMessage(t, caught));
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <div>
        <h2 className="signin-heading">{t('signin.codeStep.heading')}</h2>
        <p className="muted">
          {t(channel === 'phone' ? 'signin.codeStep.sentToPhone' : 'signin.codeStep.sentToEmail', {
            // A phone number never breaks across lines.
            address: channel === 'phone' ? address.replace(/ /g, '\u00a0').replace(/-/g, '\u2011') : address,
          })}
        </p>
      </div>
      <TextField
        label={t('signin.codeStep.label', { digits: OTP_CODE_LENGTH })}
        className="field-code"
        type="text"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]*"
        maxLength={OTP_CODE_LENGTH}
        autoFocus
        value={code}
        onChange={(e) => {
          setError(null);
          onCodeChange(e.target.value.replace(/\D/g, '').slice(0, OTP_CODE_LENGTH));
        }}
        error={error}
        data-testid="signin-code"
      />
      <button type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="signin-submit">
        {t('signin.codeStep.submit')}
      </button>
      <div className="signin-alt">
        {wait > 0 ? (
          <p className="field-hint" aria-live="polite">
            {t('signin.codeStep.resendIn', { wait: waitText(t, wait) })}
          </p>
        ) : (
          <button type="button" className="btn btn-link" onClick={resend}>
            {t('signin.codeStep.resend')}
          </button>
        )}
        {notice ? (
          <p className="field-hint" role="status">
            {notice}
          </p>
        ) : null}
        <button type="button" className="btn btn-link" onClick={onBack}>
          {t('signin.codeStep.changeAddress')}
        </button>
      </div>
    </form>
  );
}
