import { useTranslation } from 'react-i18next';

/** «Мои документы» / folder / folder: the path to a folder, each step a button. */
export function Breadcrumbs({
  label,
  crumbs,
  current,
  currentKind,
  onSelect,
}: {
  label: string;
  crumbs: readonly { id: string; name: string }[];
  /** The folder shown now; null for «Мои документы». */
  current: string | null;
  /** 'page' on the documents screen, 'location' inside a picker. */
  currentKind: 'page' | 'location';
  onSelect: (folderId: string | null) => void;
}) {
  const { t } = useTranslation();
  return (
    <nav className="documents-crumbs" aria-label={label}>
      <button
        type="button"
        className="btn-link"
        onClick={() => onSelect(null)}
        aria-current={current === null ? currentKind : undefined}
      >
        {t('documents.root')}
      </button>
      {crumbs.map((c) => (
        <span key={c.id}>
          <span className="crumb-sep" aria-hidden="true">
            /
          </span>
          <button
            type="button"
            className="btn-link"
            onClick={() => onSelect(c.id)}
            aria-current={c.id === current ? currentKind : undefined}
          >
            {c.name}
          </button>
        </span>
      ))}
    </nav>
  );
}
