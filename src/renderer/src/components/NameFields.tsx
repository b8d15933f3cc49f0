import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { type PersonName, PersonNameSchema } from '../../../shared/domain.js';
import { TextField } from './TextField.js';

export type NameErrors = Partial<Record<keyof PersonName, string>>;

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
    errors[key] = value[key]?.trim() ? t('signin.nameStep.invalid') : t('signin.nameStep.required');
  }
  return { name: null, errors };
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
