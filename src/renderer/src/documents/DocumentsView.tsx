import type { DocItem, SortKey } from '../../../shared/documents/ipc.js';
import { useCallback, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBridge } from '../backend/BridgeContext.js';
import { PlusIcon } from '../components/icons.js';
import { errorMessage } from '../errorMessage.js';
import { useAppState } from '../queries.js';
import { Breadcrumbs } from './Breadcrumbs.js';
import { DocumentList } from './DocumentList.js';
import { DocumentsNotice, useDocumentsNotice } from './DocumentsNotice.js';
import { type RowAction, type RowContext, rowLabels } from './DocumentRow.js';
import { entriesFromInput } from './drop.js';
import { formatBytes } from './format.js';
import { FolderPlusIcon, GridIcon, ListIcon, SearchIcon, TrashIcon, UploadIcon } from './icons.js';
import { MoveDialog } from './MoveDialog.js';
import { NameForm } from './NameForm.js';
import { QuotaBar } from './QuotaBar.js';
import { RenameConflictNotices } from './RenameConflictNotices.js';
import { UploadPanel, useUploadState } from './UploadPanel.js';
import { type ListParams, useDocumentPages } from './useDocumentPages.js';
import { useWindowDrop } from './useWindowDrop.js';
import type { WebUploadEntry } from './webDocuments.js';
import './documents.css';

/** «Мои документы»: folders, the list or grid, search, the trash, uploads by + and by drop. */
export function DocumentsView() {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const appState = useAppState();
  const web = appState.data?.target === 'web';
  const [folderId, setFolderId] = useState<string | null>(null);
  const [trash, setTrash] = useState(false);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SortKey>('name');
  const [desc, setDesc] = useState(false);
  const [layout, setLayout] = useState<'list' | 'grid'>('list');
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<DocItem | null>(null);
  const [moving, setMoving] = useState<DocItem | null>(null);
  const [confirmEmpty, setConfirmEmpty] = useState(false);
  const uploads = useUploadState();
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  const paramsFor = (q: string): ListParams => ({
    view: trash ? 'trash' : q.trim() ? 'search' : 'folder',
    folderId,
    query: trash ? '' : q,
    sort,
    desc,
  });
  const params = paramsFor(query);
  const pages = useDocumentPages(bridge, params);
  const language = i18n.language;
  const bytes = useCallback((n: number) => formatBytes(t, n, language), [t, language]);
  const here = pages.breadcrumbs[pages.breadcrumbs.length - 1]?.name ?? t('documents.root');

  const { notice, report, fail, close: closeNotice } = useDocumentsNotice(t);

  const uploadEntries = useCallback(
    async (entries: WebUploadEntry[], notFiles = 0) => {
      if (!bridge.uploadFiles) return;
      try {
        report(await bridge.uploadFiles(entries, folderId), notFiles);
      } catch (error) {
        fail(error);
      }
    },
    [bridge, folderId, report, fail],
  );

  const dragging = useWindowDrop({ bridge, folderId, disabled: trash, report, fail, uploadEntries });

  const addFiles = () => {
    if (web) {
      fileInput.current?.click();
      return;
    }
    bridge
      .documentsPickFiles({ folderId })
      .then((r) => report(r))
      .catch(fail);
  };

  const openItem = (item: DocItem) => {
    if (trash) return;
    if (item.kind === 'folder') {
      setQuery('');
      setFolderId(item.id);
      return;
    }
    bridge.documentsOpen({ id: item.id }).catch(fail);
  };

  const act = (p: Promise<unknown>) => void p.catch(fail);

  // Rows get one stable function for their buttons, so a row re-renders only when its
  // item changes (a keystroke in the search box re-renders none of them).
  const rowAction = useRef<(action: RowAction, item: DocItem) => void>(() => undefined);
  rowAction.current = (action, item) => {
    const ref = { kind: item.kind, id: item.id };
    switch (action) {
      case 'open':
        return openItem(item);
      case 'rename':
        return setRenaming(item);
      case 'move':
        return setMoving(item);
      case 'trash':
        return act(bridge.documentsTrash(ref));
      case 'restore':
        return act(bridge.documentsRestore(ref));
      case 'saveAs':
        return act(bridge.documentsSaveAs({ id: item.id }));
      case 'reveal':
        return act(bridge.documentsShowInFolder({ id: item.id }));
      case 'keep':
        return act(bridge.documentsKeepOffline({ id: item.id, keep: !item.offline }));
    }
  };
  const onRowAction = useCallback((action: RowAction, item: DocItem) => rowAction.current(action, item), []);
  const rowContext = useMemo<RowContext>(
    () => ({ layout, trash, web, language, bytes, act: onRowAction, labels: rowLabels(t) }),
    [layout, trash, web, language, t, bytes, onRowAction],
  );

  const quota = pages.quota;

  return (
    <div className="documents" data-testid="documents">
      <div className="documents-toolbar">
        {!trash ? (
          <>
            <button type="button" className="btn btn-primary" onClick={addFiles} data-testid="add-files">
              <PlusIcon width={18} height={18} /> {t('documents.add')}
            </button>
            {web ? (
              <button
                type="button"
                className="btn btn-secondary"
                onClick={() => folderInput.current?.click()}
              >
                <UploadIcon /> {t('documents.addFolder')}
              </button>
            ) : null}
            <button type="button" className="btn btn-secondary" onClick={() => setCreating(true)}>
              <FolderPlusIcon /> {t('documents.newFolder')}
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-secondary" onClick={() => setTrash(false)}>
            {t('documents.backToDocuments')}
          </button>
        )}
        <span className="documents-toolbar-spacer" />
        {!trash ? (
          <button
            type="button"
            className="btn btn-link"
            onClick={() => {
              setTrash(true);
              setQuery('');
            }}
            data-testid="open-trash"
          >
            <TrashIcon /> {t('documents.trash')}
          </button>
        ) : null}
      </div>
      <div className="documents-toolbar">
        <div className="documents-search">
          <SearchIcon />
          <input
            type="search"
            className="input"
            placeholder={t('documents.search')}
            aria-label={t('documents.search')}
            value={query}
            disabled={trash}
            onChange={(e) => {
              // The core starts on the first page while the screen re-renders.
              pages.prefetch(paramsFor(e.target.value));
              setQuery(e.target.value);
            }}
            data-testid="documents-search"
          />
        </div>
        <label className="documents-sort">
          <span className="visually-hidden">{t('documents.sortBy')}</span>
          <select
            className="input"
            value={sort}
            onChange={(e) => setSort(e.target.value as SortKey)}
            aria-label={t('documents.sortBy')}
          >
            <option value="name">{t('documents.sortName')}</option>
            <option value="date">{t('documents.sortDate')}</option>
            <option value="size">{t('documents.sortSize')}</option>
            <option value="type">{t('documents.sortType')}</option>
          </select>
        </label>
        <button
          type="button"
          className="icon-btn"
          onClick={() => setDesc((d) => !d)}
          aria-label={desc ? t('documents.descending') : t('documents.ascending')}
          title={desc ? t('documents.descending') : t('documents.ascending')}
        >
          {desc ? '↓' : '↑'}
        </button>
        <div className="segmented" role="group" aria-label={t('documents.viewList')}>
          <button
            type="button"
            className="icon-btn"
            aria-pressed={layout === 'list'}
            aria-label={t('documents.viewList')}
            title={t('documents.viewList')}
            onClick={() => setLayout('list')}
          >
            <ListIcon />
          </button>
          <button
            type="button"
            className="icon-btn"
            aria-pressed={layout === 'grid'}
            aria-label={t('documents.viewGrid')}
            title={t('documents.viewGrid')}
            onClick={() => setLayout('grid')}
          >
            <GridIcon />
          </button>
        </div>
      </div>

      <input
        ref={fileInput}
        type="file"
        multiple
        hidden
        data-testid="file-input"
        onChange={(e) => {
          if (e.target.files)
            void uploadEntries(Array.from(e.target.files).map((file) => ({ file, dirs: [] })));
          e.target.value = '';
        }}
      />
      <input
        ref={folderInput}
        type="file"
        multiple
        hidden
        {...({ webkitdirectory: '' } as Record<string, string>)}
        onChange={(e) => {
          if (e.target.files) void uploadEntries(entriesFromInput(e.target.files));
          e.target.value = '';
        }}
      />

      <QuotaBar used={quota?.usedBytes ?? null} limit={quota?.limitBytes ?? null} />

      {notice ? <DocumentsNotice notice={notice} onClose={closeNotice} /> : null}

      <RenameConflictNotices />

      {uploads ? <UploadPanel state={uploads} /> : null}

      {creating ? (
        <NameForm
          label={t('documents.newFolderName')}
          submit={t('documents.create')}
          initial=""
          onCancel={() => setCreating(false)}
          onSubmit={(name) => {
            setCreating(false);
            act(bridge.documentsCreateFolder({ parentId: folderId, name }));
          }}
        />
      ) : null}
      {renaming ? (
        <NameForm
          label={t('documents.rename')}
          submit={t('documents.save')}
          initial={renaming.name}
          onCancel={() => setRenaming(null)}
          onSubmit={(name) => {
            const item = renaming;
            setRenaming(null);
            act(bridge.documentsRename({ kind: item.kind, id: item.id, name }));
          }}
        />
      ) : null}

      {moving ? (
        <MoveDialog
          bridge={bridge}
          item={moving}
          onClose={() => setMoving(null)}
          onMove={(target) => {
            const item = moving;
            setMoving(null);
            act(bridge.documentsMove({ kind: item.kind, id: item.id, folderId: target }));
          }}
        />
      ) : null}

      {trash ? (
        <div className="documents-trash-head">
          <p className="muted">{t('documents.trashLead')}</p>
          {pages.total > 0 ? (
            confirmEmpty ? (
              <span className="documents-confirm">
                {t('documents.emptyTrashConfirm')}{' '}
                <button
                  type="button"
                  className="btn btn-danger btn-small"
                  onClick={() => {
                    setConfirmEmpty(false);
                    act(bridge.documentsEmptyTrash());
                  }}
                >
                  {t('documents.emptyTrash')}
                </button>{' '}
                <button
                  type="button"
                  className="btn btn-link btn-small"
                  onClick={() => setConfirmEmpty(false)}
                >
                  {t('documents.cancel')}
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={() => setConfirmEmpty(true)}
              >
                {t('documents.emptyTrash')}
              </button>
            )
          ) : null}
        </div>
      ) : params.view === 'search' ? (
        <p className="muted documents-crumbs" aria-live="polite">
          {/* A short search's count follows its first rows by a moment. */}
          {pages.count === null ? '\u00a0' : t('documents.searchResults', { count: pages.count })}
        </p>
      ) : (
        <Breadcrumbs
          label={t('documents.root')}
          crumbs={pages.breadcrumbs}
          current={folderId}
          currentKind="page"
          onSelect={setFolderId}
        />
      )}

      {pages.error ? (
        <p className="form-error" role="alert">
          {errorMessage(t, pages.error)}
        </p>
      ) : null}

      {pages.loaded && pages.total === 0 ? (
        <div className="documents-empty card">
          {trash ? (
            <p>{t('documents.trashEmpty')}</p>
          ) : params.view === 'search' ? (
            <p>{t('documents.nothingFound')}</p>
          ) : (
            <>
              <UploadIcon width={36} height={36} />
              <p className="documents-empty-title">{t('documents.empty')}</p>
              <p className="muted">{t('documents.emptyHint')}</p>
            </>
          )}
        </div>
      ) : (
        <DocumentList
          total={pages.total}
          item={pages.item}
          ensure={pages.ensure}
          // A new folder, search, sort or view starts at the top of its list.
          scrollKey={pages.key}
          busy={pages.busy}
          context={rowContext}
          label={trash ? t('documents.trash') : here}
        />
      )}

      {dragging ? (
        <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
          <div className="drop-overlay-card">
            <UploadIcon width={40} height={40} />
            <p className="drop-overlay-title">{t('documents.dropTitle')}</p>
            <p>{t('documents.dropText', { folder: here })}</p>
          </div>
        </div>
      ) : null}
    </div>
  );
}
