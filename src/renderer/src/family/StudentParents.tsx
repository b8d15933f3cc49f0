import { useTranslation } from 'react-i18next';
import type { FamilyView } from '../../../shared/family/index.js';
import { fullName, initials } from '../people.js';
import { formatDate } from './format.js';
import { InviteLinkCard } from './InviteLinkCard.js';
import { useFamily } from './queries.js';
import './family.css';

/** A student's linked parents and how many more may join. */
export function StudentParents({ view }: { view: FamilyView }) {
  const { t, i18n } = useTranslation();
  const slots = view.parentSlotsLeft;
  return (
    <section className="card" aria-labelledby="parents-title">
      <h2 className="section-title" id="parents-title">
        {t('family.parentsTitle')}
      </h2>
      {view.parents.length === 0 ? (
        <p className="muted">{t('family.noParents')}</p>
      ) : (
        <ul className="people-list" data-testid="student-parents">
          {view.parents.map(({ profile: parent, confirmedAt }) => (
            <li className="person-row" key={parent.id}>
              <span className="avatar" aria-hidden="true">
                {initials(parent)}
              </span>
              <span>
                {fullName(parent)}
                <span className="muted small block">
                  {t('family.parentSince', { date: formatDate(confirmedAt, i18n.language) })}
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="slots" data-testid="parent-slots">
        {t(slots >= 2 ? 'family.slots2' : slots === 1 ? 'family.slots1' : 'family.slots0')}
      </p>
    </section>
  );
}

/** On the student's own profile: their parents and the invite link for them. */
export function StudentFamilyPanel() {
  const family = useFamily();
  if (!family.data) return null;
  return (
    <>
      <StudentParents view={family.data} />
      <InviteLinkCard />
    </>
  );
}
