import { Facts } from '../components/Facts.js';
import { useEscape } from '../useEscape.js';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import type { FamilyChild, FamilyView } from '../../../shared/family/index.js';
import { useBridge } from '../backend/BridgeContext.js';
import { errorMessage } from '../errorMessage.js';
import { fullName, initials } from '../people.js';
import { hrefFor } from '../router.js';
import { FamilyHistory } from './FamilyHistory.js';
import { formatDate } from './format.js';
import { familyKeys } from './queries.js';
import { FormError } from '../components/FormError.js';

/** One child's profile as a parent sees it: school, parents, history, and leaving. */
export function ChildProfile({ child, view, me }: { child: FamilyChild; view: FamilyView; me: Profile }) {
  const { t, i18n } = useTranslation();
  const p = child.profile;
  const rows = [
    { label: t('invite.school'), value: p.school?.name ?? t('family.noSchool') },
    { label: t('invite.class'), value: p.class?.name ?? t('family.noClass') },
    {
      label: t('family.birthDate'),
      value: p.birthDate ? formatDate(p.birthDate, i18n.language) : t('family.notGiven'),
    },
  ];
  return (
    <div className="screen" data-testid="child-profile">
      <a className="back-link" href={hrefFor('family')}>
        ← {t('family.back')}
      </a>
      <section className="card profile-card">
        <div className="profile-head">
          <span className="avatar avatar-large" aria-hidden="true">
            {initials(p)}
          </span>
          <div>
            <h1 className="profile-name">{fullName(p)}</h1>
            <span className="badge badge-accent">{t('roles.student')}</span>
          </div>
        </div>
        <Facts rows={rows} />
      </section>
      <section className="card" aria-labelledby="child-parents-title">
        <h2 className="section-title" id="child-parents-title">
          {t('family.parentsTitle')}
        </h2>
        <ul className="people-list" data-testid="child-parents">
          <li className="person-row">
            <span className="avatar" aria-hidden="true">
              {initials(me)}
            </span>
            <span>
              {fullName(me)} <span className="muted">({t('family.you')})</span>
              <span className="muted small block">
                {t('family.parentSince', { date: formatDate(child.confirmedAt, i18n.language) })}
              </span>
            </span>
          </li>
          {child.otherParents.map((other) => (
            <li className="person-row" key={other.id}>
              <span className="avatar" aria-hidden="true">
                {initials(other)}
              </span>
              <span>{fullName(other)}</span>
            </li>
          ))}
        </ul>
        {child.otherParents.length === 0 ? <p className="muted">{t('family.noOtherParent')}</p> : null}
      </section>
      <FamilyHistory events={view.history.filter((e) => e.childId === p.id)} />
      <Leave child={child} />
    </div>
  );
}

function Leave({ child }: { child: FamilyChild }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const client = useQueryClient();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function leave() {
    setBusy(true);
    setError(null);
    try {
      await bridge.familyLeave({ childId: child.profile.id });
      await client.invalidateQueries({ queryKey: familyKeys.view });
      window.location.hash = hrefFor('family');
    } catch (caught) {
      setError(errorMessage(t, caught));
      setBusy(false);
    }
  }

  useEscape(asking && !busy, () => setAsking(false));

  return (
    <section className="card leave-card">
      {!asking ? (
        <button
          type="button"
          className="btn btn-link danger-link"
          onClick={() => setAsking(true)}
          data-testid="leave"
        >
          {t('family.leave')}
        </button>
      ) : (
        <div className="stack" role="alertdialog" aria-labelledby="leave-title" aria-describedby="leave-text">
          <h2 className="section-title" id="leave-title">
            {t('family.leaveTitle', { name: fullName(child.profile) })}
          </h2>
          <p id="leave-text">{t('family.leaveText')}</p>
          <FormError message={error} />
          <div className="actions">
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy}
              onClick={() => void leave()}
              data-testid="leave-confirm"
            >
              {busy ? t('family.leaving') : t('family.leaveConfirm')}
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => setAsking(false)} autoFocus>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
