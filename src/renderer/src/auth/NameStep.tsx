import { useTranslation } from 'react-i18next';
import type { PersonName } from '../../../shared/domain.js';
import { NameFields, useNameForm } from '../components/NameFields.js';
import { FormError } from '../components/FormError.js';

/** Step three, for a new person: surname, name and patronymic. */
export function NameStep({
  onSubmit,
  initial,
}: {
  onSubmit: (name: PersonName) => Promise<void>;
  /** A name to start from (the one VK ID gives), editable. */
  initial?: PersonName | undefined;
}) {
  const { t } = useTranslation();
  const { value, setValue, errors, formError, busy, submit } = useNameForm(
    initial ?? { surname: '', name: '', patronymic: '' },
    onSubmit,
  );

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <div>
        <h2 className="signin-heading">{t('signin.nameStep.heading')}</h2>
        <p className="muted">{t('signin.nameStep.hint')}</p>
      </div>
      <NameFields value={value} errors={errors} onChange={setValue} autoFocus />
      <FormError message={formError} />
      <button type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="signin-submit">
        {t('signin.nameStep.submit')}
      </button>
    </form>
  );
}
