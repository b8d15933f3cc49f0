import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** A folder's name, new or renamed: Enter saves, Escape or «Отмена» leaves it. */
export function NameForm({
  label,
  submit,
  initial,
  onSubmit,
  onCancel,
}: {
  label: string;
  submit: string;
  initial: string;
  onSubmit: (name: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [value, setValue] = useState(initial);
  const handle = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) onSubmit(value);
  };
  return (
    <form className="documents-name-form card" onSubmit={handle}>
      <label className="field">
        <span className="field-label">{label}</span>
        <input
          className="input"
          autoFocus
          value={value}
          maxLength={255}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && onCancel()}
          data-testid="name-input"
        />
      </label>
      <div className="documents-name-actions">
        <button type="submit" className="btn btn-primary btn-small">
          {submit}
        </button>
        <button type="button" className="btn btn-link btn-small" onClick={onCancel}>
          {t('documents.cancel')}
        </button>
      </div>
    </form>
  );
}
