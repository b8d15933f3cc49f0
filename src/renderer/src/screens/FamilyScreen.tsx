import { useTranslation } from 'react-i18next';
import type { Profile } from '../../../shared/domain.js';
import { EmptyState } from '../components/EmptyState.js';
import { FamilyIcon } from '../components/icons.js';
import { ScreenHeader } from './ScreenHeader.js';

/** The family: an honest empty state until invites arrive (a later issue). */
export default function FamilyScreen({ profile }: { profile: Profile }) {
  const { t } = useTranslation();
  const student = profile.role === 'student';
  return (
    <div className="screen">
      <ScreenHeader title={t('family.title')} />
      <EmptyState
        icon={<FamilyIcon width={40} height={40} />}
        title={t(student ? 'family.emptyTitleStudent' : 'family.emptyTitleParent')}
      >
        <p>{t(student ? 'family.emptyTextStudent' : 'family.emptyTextParent')}</p>
        {student ? null : <p className="muted">{t('family.severalChildren')}</p>}
      </EmptyState>
    </div>
  );
}
