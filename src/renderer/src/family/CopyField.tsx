import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { copyText } from './format.js';

/** A read-only field with a Copy button: the link stays visible, selectable and copyable. */
export function CopyField({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const { t } = useTranslation();
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const id = `copy-${testId ?? label}`.replace(/[^A-Za-z0-9_-]/g, '');
  return (
    <div className="field copy-field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="copy-row">
        <input
          id={id}
          ref={field}
          className="input copy-input"
          readOnly
          value={value}
          data-testid={testId}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() =>
            void copyText(value, field.current).then((ok) => {
              setCopied(ok);
              if (ok) setTimeout(() => setCopied(false), 2500);
            })
          }
        >
          {copied ? t('invite.copied') : t('invite.copy')}
        </button>
      </div>
    </div>
  );
}
