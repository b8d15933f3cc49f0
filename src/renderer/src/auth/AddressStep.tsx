import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AppError } from '../../../shared/errors.js';
import { normalizeEmail, normalizePhone } from '../../../shared/phone.js';
import { TextField } from '../components/TextField.js';
import { errorMessage } from '../errorMessage.js';
import { formatNational, nationalDigits } from './phoneMask.js';

export type Channel = 'phone' | 'email';

/** Step one: the phone number (or, for school-registered pupils, the e-mail address). */
export function AddressStep({
  channel,
  value,
  onChange,
  onChannelChange,
  onSubmit,
}: {
  channel: Channel;
  /** National digits for the phone, the raw text for e-mail. */
  value: string;
  onChange: (value: string) => void;
  onChannelChange: (channel: Channel) => void;
  /** Resolves when the code was requested; rejects with an error that has a code. */
  onSubmit: (address: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const phone = channel === 'phone';

  async function submit(event: FormEvent) {
    event.preventDefault();
    const address = phone ? normalizePhone(`+7${value}`) : normalizeEmail(value);
    if (!address) {
      setError(errorMessage(t, new AppError(phone ? 'PHONE_INVALID' : 'EMAIL_INVALID')));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(address);
    } catch (caught) {
      setError(errorMessage(t, caught));
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <div>
        <h2 className="signin-heading">
          {t(phone ? 'signin.phoneStep.heading' : 'signin.emailStep.heading')}
        </h2>
        <p className="muted">{t(phone ? 'signin.phoneStep.hint' : 'signin.emailStep.hint')}</p>
      </div>
      {phone ? (
        <TextField
          label={t('signin.phoneStep.label')}
          prefix="+7"
          type="tel"
          inputMode="tel"
          autoComplete="tel-national"
          autoFocus
          placeholder={t('signin.phoneStep.placeholder')}
          value={formatNational(value)}
          onChange={(e) => {
            setError(null);
            onChange(nationalDigits(e.target.value, value));
          }}
          error={error}
          data-testid="signin-phone"
        />
      ) : (
        <TextField
          label={t('signin.emailStep.label')}
          type="email"
          inputMode="email"
          autoComplete="email"
          autoFocus
          placeholder={t('signin.emailStep.placeholder')}
          value={value}
          onChange={(e) => {
            setError(null);
            onChange(e.target.value);
          }}
          error={error}
          data-testid="signin-email"
        />
      )}
      <button type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="signin-submit">
        {t(phone ? 'signin.phoneStep.submit' : 'signin.emailStep.submit')}
      </button>
      <div className="signin-alt">
        <button
          type="button"
          className="btn btn-link"
          onClick={() => {
            setError(null);
            onChannelChange(phone ? 'email' : 'phone');
          }}
        >
          {t(phone ? 'signin.phoneStep.useEmail' : 'signin.emailStep.usePhone')}
        </button>
        {phone ? <p className="field-hint">{t('signin.phoneStep.useEmailHint')}</p> : null}
      </div>
    </form>
  );
}
