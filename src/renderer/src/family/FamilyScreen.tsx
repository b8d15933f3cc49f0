import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import type { FamilyChild, FamilyView } from '../../../shared/family/index.js';
import { EmptyState } from '../components/EmptyState.js';
import { FamilyIcon } from '../components/icons.js';
import { errorMessage } from '../errorMessage.js';
import { AddChild } from './AddChild.js';
import { ChildProfile } from './ChildProfile.js';
import { FamilyHistory } from './FamilyHistory.js';
import { formatDate } from './format.js';
import { InviteLinkCard } from './InviteLinkCard.js';
import { StudentParents } from './StudentParents.js';
import { useFamily } from './queries.js';
import { useChildIdFromHash } from './useChildIdFromHash.js';
import './family.css';
import { fullName, initials } from '../people.js';
import { hrefFor } from '../router.js';
import { ScreenHeader } from '../components/ScreenHeader.js';

/**
 * The family. A parent sees their children grouped by school, each card opening the
 * child's profile; a student sees their parents, their invite link and the history.
 */
export default function FamilyScreen({ profile }: { profile: Profile }) {
  const { t } = useTranslation();
  const family = useFamily();
  const childId = useChildIdFromHash();
  if (family.isPending) {
    return <div className="skeleton" role="status" aria-busy="true" aria-label={t('app.loading')} />;
  }
  if (family.error) {
    return (
      <div className="screen">
        <ScreenHeader title={t('family.title')} />
        <p className="form-error" role="alert">
          {errorMessage(t, family.error)}
        </p>
      </div>
    );
  }
  const view = family.data;
  if (profile.role === 'student') return <StudentFamily view={view} />;
  if (childId) {
    const child = view.children.find((c) => c.profile.id === childId);
    if (child) return <ChildProfile child={child} view={view} me={profile} />;
  }
  return <ParentFamily view={view} />;
}

function ParentFamily({ view }: { view: FamilyView }) {
  const { t } = useTranslation();
  const groups = new Map<string, { name: string; children: FamilyChild[] }>();
  for (const child of view.children) {
    const key = child.profile.school?.id ?? '';
    const name = child.profile.school?.name ?? t('family.noSchool');
    const group = groups.get(key) ?? { name, children: [] };
    group.children.push(child);
    groups.set(key, group);
  }
  return (
    <div className="screen">
      <div className="screen-header-row">
        <ScreenHeader
          title={t('family.title')}
          lead={view.children.length > 0 ? t('family.lead') : undefined}
        />
        {view.children.length > 0 ? <AddChild /> : null}
      </div>
      {view.children.length === 0 ? (
        <>
          <EmptyState icon={<FamilyIcon width={40} height={40} />} title={t('family.emptyTitleParent')}>
            <p>{t('family.emptyTextParent')}</p>
            <p className="muted">{t('family.severalChildren')}</p>
          </EmptyState>
          <div className="empty-actions">
            <AddChild />
          </div>
        </>
      ) : (
        [...groups.entries()].map(([key, group]) => (
          <section className="school-group" key={key} aria-label={group.name}>
            <h2 className="school-title" data-testid="school-group">
              {group.name}
            </h2>
            <ul className="child-cards">
              {group.children.map((child) => (
                <li key={child.profile.id}>
                  <ChildCardLink child={child} />
                </li>
              ))}
            </ul>
          </section>
        ))
      )}
    </div>
  );
}

function ChildCardLink({ child }: { child: FamilyChild }) {
  const { t, i18n } = useTranslation();
  const p = child.profile;
  return (
    <a className="card child-card" href={`${hrefFor('family')}/${p.id}`} data-testid="child-card">
      <span className="avatar avatar-large" aria-hidden="true">
        {initials(p)}
      </span>
      <span className="child-card-text">
        <span className="child-card-name">{fullName(p)}</span>
        <span className="muted">
          {p.class ? t('family.childClass', { name: p.class.name }) : t('family.noClass')}
        </span>
        <span className="status-ok">
          <span aria-hidden="true">✓ </span>
          {t('family.confirmedOn', { date: formatDate(child.confirmedAt, i18n.language) })}
        </span>
        <span className="muted small">
          {child.otherParents.length > 0
            ? t('family.otherParent', { name: child.otherParents.map(fullName).join(', ') })
            : t('family.noOtherParent')}
        </span>
      </span>
      <span className="child-card-chevron" aria-hidden="true">
        ›
      </span>
    </a>
  );
}

function StudentFamily({ view }: { view: FamilyView }) {
  const { t } = useTranslation();
  return (
    <div className="screen">
      <ScreenHeader title={t('family.title')} lead={t('family.leadStudent')} />
      <StudentParents view={view} />
      <InviteLinkCard />
      <FamilyHistory events={view.history} />
    </div>
  );
}
