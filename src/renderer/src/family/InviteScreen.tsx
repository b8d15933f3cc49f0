import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import { hasErrorCode } from '../../../shared/errors.js';
import { type ChildCard, inviteLinks, parseInviteLink } from '../../../shared/family/index.js';
import { useBridge } from '../backend/BridgeContext.js';
import { NameFields, useNameForm } from '../components/NameFields.js';
import { TextField } from '../components/TextField.js';
import { errorMessage } from '../errorMessage.js';
import { fullName } from '../people.js';
import { useAppState } from '../queries.js';
import { hrefFor } from '../router.js';
import { ScreenHeader } from '../components/ScreenHeader.js';
import { CopyField } from './CopyField.js';
import { formatDate } from './format.js';
import { familyKeys } from './queries.js';
import './family.css';
import { FormError } from '../components/FormError.js';

/**
 * Opening an invite: the child's card, the personal fields to correct, confirm. Every
 * refusal of the server is explained; the same-device one offers the memo's three
 * ways out as buttons.
 */
export function InviteScreen({ token, onClose }: { token: string; profile: Profile; onClose: () => void }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const preview = useQuery({
    queryKey: ['invite', token],
    queryFn: () => bridge.familyPreviewInvite({ token }),
    staleTime: 0,
    gcTime: 0,
  });
  const [done, setDone] = useState<ChildCard | null>(null);

  return (
    <div className="screen invite-screen" data-testid="invite-screen">
      <ScreenHeader title={t('invite.title')} lead={done || preview.error ? undefined : t('invite.lead')} />
      {done ? (
        <Done child={done} onClose={onClose} />
      ) : preview.isPending ? (
        <div className="skeleton" role="status" aria-busy="true" aria-label={t('invite.loading')} />
      ) : preview.error ? (
        <Refused error={preview.error} token={token} onClose={onClose} />
      ) : (
        <ConfirmForm token={token} card={preview.data} onDone={setDone} onClose={onClose} />
      )}
    </div>
  );
}

function ConfirmForm({
  token,
  card,
  onDone,
  onClose,
}: {
  token: string;
  card: ChildCard;
  onDone: (child: ChildCard) => void;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const client = useQueryClient();
  const [birthDate, setBirthDate] = useState(card.birthDate ?? '');
  const {
    value: name,
    setValue: setName,
    errors,
    formError,
    busy,
    submit,
  } = useNameForm(
    { surname: card.surname, name: card.name, patronymic: card.patronymic },
    async (checked) => {
      const child = await bridge.familyConfirmInvite({
        token,
        child: { ...checked, birthDate: birthDate || null },
      });
      void client.invalidateQueries({ queryKey: familyKeys.view });
      onDone(child);
    },
  );

  return (
    <form className="card invite-form stack" onSubmit={submit} noValidate>
      <dl className="facts invite-school" aria-describedby="invite-readonly">
        <div className="fact">
          <dt>{t('invite.school')}</dt>
          <dd data-testid="invite-school">{card.school?.name ?? t('family.noSchool')}</dd>
        </div>
        <div className="fact">
          <dt>{t('invite.class')}</dt>
          <dd>{card.class?.name ?? t('family.noClass')}</dd>
        </div>
      </dl>
      <p className="muted small" id="invite-readonly">
        {t('invite.schoolReadOnly')}
      </p>
      {card.parents.length > 0 ? (
        <>
          <p className="notice">{t('invite.alreadyParents', { names: card.parents.join(', ') })}</p>
          <p className="muted small" data-testid="invite-changes-shown">
            {t('invite.changesShown')}
          </p>
        </>
      ) : null}
      <h2 className="section-title">{t('invite.personal')}</h2>
      <NameFields value={name} errors={errors} onChange={setName} autoFocus />
      <TextField
        label={t('invite.birthDate')}
        type="date"
        value={birthDate}
        onChange={(e) => setBirthDate(e.target.value)}
        hint={card.birthDate ? formatDate(card.birthDate, i18n.language) : undefined}
        max={new Date().toISOString().slice(0, 10)}
      />
      <FormError message={formError} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="invite-confirm">
          {busy ? t('invite.confirming') : t('invite.confirm')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          {t('invite.cancel')}
        </button>
      </div>
    </form>
  );
}

function Done({ child, onClose }: { child: ChildCard; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <section className="card invite-done" role="status" data-testid="invite-done">
      <div className="invite-done-mark" aria-hidden="true">
        ✓
      </div>
      <h2 className="section-title">{t('invite.doneTitle')}</h2>
      <p>{t('invite.doneText', { name: fullName(child) })}</p>
      <div className="actions">
        <a
          className="btn btn-primary"
          href={`${hrefFor('family')}/${child.id}`}
          onClick={() => onClose()}
          data-testid="invite-open-family"
        >
          {t('invite.openFamily')}
        </a>
      </div>
    </section>
  );
}

function Refused({ error, token, onClose }: { error: unknown; token: string; onClose: () => void }) {
  const { t } = useTranslation();
  if (hasErrorCode(error) && error.code === 'INVITE_SAME_DEVICE') {
    return <SameDevice token={token} onClose={onClose} />;
  }
  return (
    <section className="card invite-refused" role="alert" data-testid="invite-refused">
      <h2 className="section-title">{t('invite.errorTitle')}</h2>
      <p data-testid="invite-error">{errorMessage(t, error)}</p>
      <div className="actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          {t('invite.close')}
        </button>
      </div>
    </section>
  );
}

/**
 * The memo's three ways out, as actions: another device or browser; incognito in the same
 * browser (in the desktop app, a separate local profile stands for it); the child signs out.
 */
function SameDevice({ token, onClose }: { token: string; onClose: () => void }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const state = useAppState().data;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const bare = parseInviteLink(token);
  const publicUrl = state?.server?.publicUrl ?? state?.effectiveServerUrl ?? '';
  const link = bare && publicUrl ? inviteLinks(publicUrl, bare).url : token;
  const desktop = state?.target === 'desktop';

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(errorMessage(t, caught));
      setBusy(false);
    }
  }

  return (
    <section className="card same-device" role="alert" data-testid="invite-same-device">
      <h2 className="section-title">{t('invite.sameDeviceTitle')}</h2>
      <p>{t('invite.sameDeviceText')}</p>
      <ol className="ways">
        <li className="way">
          <h3 className="way-title">{desktop ? t('invite.wayOther') : t('invite.wayOtherWeb')}</h3>
          <p className="muted">{t('invite.wayOtherText')}</p>
          <CopyField label={t('invite.linkWeb')} value={link} testId="same-device-link" />
        </li>
        {!desktop ? (
          <li className="way" data-testid="way-incognito">
            <h3 className="way-title">{t('invite.wayIncognito')}</h3>
            <p className="muted">{t('invite.wayIncognitoText')}</p>
            <IncognitoKeys />
            <CopyField label={t('invite.incognitoLink')} value={link} testId="incognito-link" />
          </li>
        ) : null}
        {desktop ? (
          <li className="way">
            <h3 className="way-title">{t('invite.wayProfile')}</h3>
            <p className="muted">{t('invite.wayProfileText')}</p>
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              data-testid="way-profile"
              onClick={() => void run(() => bridge.accountsAdd())}
            >
              {t('invite.wayProfile')}
            </button>
          </li>
        ) : null}
        <li className="way">
          <h3 className="way-title">{t('invite.waySignOut')}</h3>
          <p className="muted">{t('invite.waySignOutText')}</p>
          <button
            type="button"
            className="btn btn-secondary"
            disabled={busy}
            data-testid="way-sign-out"
            onClick={() => void run(() => bridge.authSignOut())}
          >
            {t('invite.waySignOut')}
          </button>
        </li>
      </ol>
      <FormError message={error} />
      <div className="actions">
        <button type="button" className="btn btn-link" onClick={onClose}>
          {t('invite.close')}
        </button>
      </div>
    </section>
  );
}

/** Which keys open a private window, by browser; a Mac has ⌘ where Windows and Linux have Ctrl. */
const INCOGNITO_KEYS = [
  { browsers: 'invite.incognitoChromium', keys: ['Ctrl', 'Shift', 'N'] },
  { browsers: 'invite.incognitoFirefox', keys: ['Ctrl', 'Shift', 'P'] },
  { browsers: 'invite.incognitoSafari', keys: ['⌘', 'Shift', 'N'] },
] as const;

function IncognitoKeys() {
  const { t } = useTranslation();
  return (
    <div className="incognito-keys">
      <p className="muted">{t('invite.incognitoKeys')}</p>
      <dl className="shortcuts">
        {INCOGNITO_KEYS.map(({ browsers, keys }) => (
          <div className="shortcut" key={browsers}>
            <dt>{t(browsers)}</dt>
            <dd>
              {keys.map((key, index) => (
                <span key={key}>
                  {index > 0 ? '+' : null}
                  {key === '⌘' ? (
                    <kbd>
                      <span aria-hidden="true">⌘</span>
                      <span className="visually-hidden">Command</span>
                    </kbd>
                  ) : (
                    <kbd>{key}</kbd>
                  )}
                </span>
              ))}
            </dd>
          </div>
        ))}
      </dl>
      <p className="muted small">{t('invite.incognitoMac')}</p>
    </div>
  );
}
