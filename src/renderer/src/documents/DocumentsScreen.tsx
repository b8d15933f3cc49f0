import { useTranslation } from 'react-i18next';
import { DocumentsView } from './DocumentsView.js';
import { ScreenHeader } from '../components/ScreenHeader.js';

/** «Мои документы»: the personal cloud. Only the owner sees it, from any device. */
export default function DocumentsScreen() {
  const { t } = useTranslation();
  return (
    <div className="screen screen-wide">
      <ScreenHeader title={t('documents.title')} lead={t('documents.emptyText')} />
      <DocumentsView />
    </div>
  );
}
