import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PersonName } from '../../../shared/domain.js';
import { NameFields, validateName, type NameErrors } from '../components/NameFields.js';
import { errorFields, errorMessage } from '../errorMessage.js';

/** Step three, for a new person: surname, name and patronymic. */
export function NameStep({ onSubmit }: { onSubmit: (name: PersonName) => Promise<void> }) {
  const { t } = useTranslation();
  const [value, setValue] = useState<PersonName>({ surname: '', name: '', patronymic: '' });
  const [errors, setErrors] = useState<NameErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checked = validateName(t, value);
    setErrors(checked.errors);
    if (!checked.name) return;
    setBusy(true);
    setFormError(null);
    try {
      await onSubmit(checked.name);
    } catch (caught) {
      const fields = errorFields(caught);
      setErrors(Object.fromEntries(Object.keys(fields).map((key) => [key, t('signin.nameStep.invalid')])));
      setFormError(errorMessage(t, caught));
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <div>
        <h2 className="signin-heading">{t('signin.nameStep.heading')}</h2>
        <p className="muted">{t('signin.nameStep.hint')}</p>
      </div>
      <NameFields value={value} errors={errors} onChange={setValue} autoFocus />
      {formError ? (
        <p className="form-error" role="alert">
          {formError}
        </p>
      ) : null}
      <button type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="signin-submit">
        {t('signin.nameStep.submit')}
      </button>
    </form>
  );
}
