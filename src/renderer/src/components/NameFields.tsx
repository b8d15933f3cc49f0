import type { TFunction } from 'i18next';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NAME_HIDDEN_CHARACTERS, type PersonName, PersonNameSchema } from '../../../shared/domain.js';
import { errorFields, errorMessage } from '../errorMessage.js';
import { TextField } from './TextField.js';

export type NameErrors = Partial<Record<keyof PersonName, string>>;

/** The words for a refused name field: an invisible character says so, not "letters only". */
function fieldError(t: TFunction, message: string, typed: string | undefined): string {
  if (message === NAME_HIDDEN_CHARACTERS || message.endsWith(`${NAME_HIDDEN_CHARACTERS}.`))
    return t('signin.nameStep.hidden');
  return typed?.trim() ? t('signin.nameStep.invalid') : t('signin.nameStep.required');
}

/** Checks a name with the shared schema; field errors in words a parent understands. */
export function validateName(
  t: TFunction,
  value: PersonName,
): { name: PersonName | null; errors: NameErrors } {
  const parsed = PersonNameSchema.safeParse(value);
  if (parsed.success) return { name: parsed.data, errors: {} };
  const errors: NameErrors = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path[0] as keyof PersonName;
    if (errors[key]) continue;
    errors[key] = fieldError(t, issue.message, value[key]);
  }
  return { name: null, errors };
}

/**
 * The state of a form around NameFields: the value, checked with the shared schema
 * before `save` runs; a refusal is shown in place (fields the server named, and a
 * sentence). The form stays busy after a successful save, as the screen moves on.
 */
export function useNameForm(initial: PersonName, save: (name: PersonName) => Promise<void>) {
  const { t } = useTranslation();
  const [value, setValue] = useState<PersonName>(initial);
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
      await save(checked.name);
    } catch (caught) {
      // The server names the fields it refused (`surname`, or `child.surname` for an invite).
      const fields = Object.entries(errorFields(caught));
      if (fields.length > 0)
        setErrors(
          Object.fromEntries(
            fields.map(([key, message]) => [key.split('.').at(-1)!, fieldError(t, message, 'typed')]),
          ),
        );
      setFormError(errorMessage(t, caught));
      setBusy(false);
    }
  }

  return { value, setValue, errors, formError, busy, submit };
}

/** «Фамилия», «Имя», «Отчество»: used at registration and when editing the profile. */
export function NameFields({
  value,
  errors,
  onChange,
  autoFocus = false,
}: {
  value: PersonName;
  errors: NameErrors;
  onChange: (value: PersonName) => void;
  autoFocus?: boolean;
}) {
  const { t } = useTranslation();
  const field = (key: keyof PersonName) => ({
    value: value[key] ?? '',
    error: errors[key] ?? null,
    onChange: (e: { target: { value: string } }) => onChange({ ...value, [key]: e.target.value }),
  });
  return (
    <div className="name-fields">
      <TextField
        label={t('signin.nameStep.surname')}
        autoComplete="family-name"
        autoFocus={autoFocus}
        required
        {...field('surname')}
      />
      <TextField label={t('signin.nameStep.name')} autoComplete="given-name" required {...field('name')} />
      <TextField
        label={t('signin.nameStep.patronymic')}
        hint={t('signin.nameStep.patronymicHint')}
        autoComplete="additional-name"
        {...field('patronymic')}
      />
    </div>
  );
}
