import { useTranslation } from 'react-i18next';
import { EmptyState } from '../components/EmptyState.js';
import { DocumentsIcon } from '../components/icons.js';
import { ScreenHeader } from './ScreenHeader.js';

/** «Мои документы»: what the personal cloud will hold; uploads come in a later issue. */
export default function DocumentsScreen() {
  const { t } = useTranslation();
  return (
    <div className="screen">
      <ScreenHeader title={t('documents.title')} />
      <EmptyState icon={<DocumentsIcon width={40} height={40} />} title={t('documents.emptyTitle')}>
        <p>{t('documents.emptyText')}</p>
        <p className="muted">{t('documents.howToAdd')}</p>
        <p className="badge">{t('documents.comingSoon')}</p>
      </EmptyState>
    </div>
  );
}
