import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseInviteLink } from '../../../shared/family/index.js';
import { TextField } from '../components/TextField.js';
import { usePendingInvite } from './InviteContext.js';

/** «Добавить ребёнка»: paste the child's link (or just its code) and open the invite. */
export function AddChild() {
  const { t } = useTranslation();
  const invite = usePendingInvite();
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = value.trim();
    if (!text) {
      setError(t('family.addChildEmpty'));
      return;
    }
    if (!parseInviteLink(text)) {
      setError(t('errors.INVITE_MALFORMED'));
      return;
    }
    setError(null);
    invite.open(text);
  }

  if (!open) {
    return (
      <button type="button" className="btn btn-primary" onClick={() => setOpen(true)} data-testid="add-child">
        + {t('family.addChild')}
      </button>
    );
  }
  return (
    <form className="card add-child stack" onSubmit={submit} noValidate>
      <h2 className="section-title">{t('family.addChildTitle')}</h2>
      <p className="muted">{t('family.addChildLead')}</p>
      <TextField
        label={t('family.addChildLabel')}
        hint={t('family.addChildHint')}
        value={value}
        error={error}
        onChange={(e) => setValue(e.target.value)}
        autoFocus
        spellCheck={false}
        autoComplete="off"
        data-testid="add-child-link"
      />
      <div className="actions">
        <button type="submit" className="btn btn-primary" data-testid="add-child-open">
          {t('family.addChildSubmit')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
