import { useTranslation } from 'react-i18next';
import { EmptyState } from '../components/EmptyState.js';
import { DocumentsIcon, PlusIcon } from '../components/icons.js';
import { ScreenHeader } from './ScreenHeader.js';

/** «Мои документы»: what the personal cloud will hold; uploads come in a later issue. */
export default function DocumentsScreen() {
  const { t } = useTranslation();
  return (
    <div className="screen">
      <div className="screen-header-row">
        <ScreenHeader title={t('documents.title')} />
        <button type="button" className="btn btn-primary" disabled aria-describedby="documents-soon">
          <PlusIcon />
          <span>{t('common.soon')}</span>
        </button>
      </div>
      <EmptyState icon={<DocumentsIcon width={40} height={40} />} title={t('documents.emptyTitle')}>
        <p>{t('documents.emptyText')}</p>
        <p className="muted">{t('documents.howToAdd')}</p>
        <p className="muted" id="documents-soon">
          {t('documents.comingSoon')}
        </p>
      </EmptyState>
    </div>
  );
}
