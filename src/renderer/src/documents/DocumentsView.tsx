import { Breadcrumbs } from './Breadcrumbs.js';
import type { TFunction } from 'i18next';
import {
  type FormEvent,
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_FILES_PER_DROP } from '../../../shared/documents.js';
import {
  type DocItem,
  type EnqueueResult,
  hasThumbnail,
  type SortKey,
} from '../../../shared/documentsIpc.js';
import type { Bridge } from '../../../shared/ipc.js';
import { useBridge } from '../backend/BridgeContext.js';
import { PlusIcon } from '../components/icons.js';
import { errorMessage } from '../errorMessage.js';
import { useAppState } from '../queries.js';
import { entriesFromInput, readDrop, walkEntries } from './drop.js';
import { formatBytes, formatDate, typeLabel } from './format.js';
import {
  DownloadIcon,
  FileIcon,
  FolderIcon,
  FolderPlusIcon,
  GridIcon,
  ListIcon,
  MoveIcon,
  PencilIcon,
  PinIcon,
  RestoreIcon,
  RevealIcon,
  SearchIcon,
  TrashIcon,
  UploadIcon,
} from './icons.js';
import { MoveDialog } from './MoveDialog.js';
import { RenameConflictNotices } from './RenameConflictNotices.js';
import { UploadPanel, useUploadState } from './UploadPanel.js';
import { type ListParams, useDocumentPages } from './useDocumentPages.js';
import type { DocumentsExtras, WebUploadEntry } from './webDocuments.js';
import './documents.css';

const ROW_HEIGHT = 52;
const TILE_HEIGHT = 150;
const TILE_WIDTH = 160;
/** Rows rendered beyond each edge of the visible part of the list. */
const OVERSCAN = 6;

type RowAction = 'open' | 'rename' | 'move' | 'trash' | 'restore' | 'saveAs' | 'reveal' | 'keep';

/** What every row shares: one object while the layout, the view and the language stay. */
interface RowContext {
  layout: 'list' | 'grid';
  trash: boolean;
  web: boolean;
  language: string;
  bytes: (n: number) => string;
  act: (action: RowAction, item: DocItem) => void;
  /** The rows' words, translated once per language rather than in every row. */
  labels: RowLabels;
}

/** What the list adds for its rows: one selected item, chosen by a click or the arrow keys. */
interface CellContext extends RowContext {
  select: (key: string) => void;
  /** The item the first press of a double-click landed on (the second may land elsewhere). */
  pressed: { current: string | null };
}

const itemKey = (item: DocItem) => `${item.kind}:${item.id}`;

function rowLabels(t: TFunction) {
  return {
    open: t('documents.open'),
    saveAs: t('documents.saveAs'),
    showInFolder: t('documents.showInFolder'),
    keepOffline: t('documents.keepOffline'),
    rename: t('documents.rename'),
    move: t('documents.move'),
    delete: t('documents.delete'),
    restore: t('documents.restore'),
    folder: t('documents.folder'),
    offline: t('documents.offline'),
  };
}
type RowLabels = ReturnType<typeof rowLabels>;

type Notice = { kind: 'error' | 'info'; text: string; details?: string[] } | null;

/** «Мои документы»: folders, the list or grid, search, the trash, uploads by + and by drop. */
export function DocumentsView() {
  const { t, i18n } = useTranslation();
  const bridge = useBridge() as Bridge & DocumentsExtras;
  const appState = useAppState();
  const web = appState.data?.target === 'web';
  const [folderId, setFolderId] = useState<string | null>(null);
  const [trash, setTrash] = useState(false);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SortKey>('name');
  const [desc, setDesc] = useState(false);
  const [layout, setLayout] = useState<'list' | 'grid'>('list');
  const [notice, setNotice] = useState<Notice>(null);
  const [dragging, setDragging] = useState(false);
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

  const report = useCallback(
    (result: EnqueueResult, notFiles = 0) => {
      const refused = [
        ...result.refused.map((r) => `${r.name}: ${errorMessage(t, { code: r.code, message: r.message })}`),
        ...Array.from({ length: notFiles }, () =>
          errorMessage(t, { code: 'UPLOAD_NOT_A_FILE', message: '' }),
        ),
      ];
      if (refused.length > 0)
        setNotice({ kind: 'error', text: t('documents.refusedTitle'), details: refused });
      else if (result.added > 0 || (result.present ?? 0) > 0) {
        // An unread refusal stays on screen; "added" does not hide it.
        const parts = [
          ...(result.added > 0 ? [t('documents.added', { count: result.added })] : []),
          ...(result.present ? [t('documents.alreadyThere', { count: result.present })] : []),
        ];
        const info = { kind: 'info' as const, text: parts.join(' · ') };
        setNotice((current) => (current?.kind === 'error' ? current : info));
      }
    },
    [t],
  );

  const fail = useCallback(
    (error: unknown) => setNotice({ kind: 'error', text: errorMessage(t, error) }),
    [t],
  );

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

  // Drops anywhere on the window while this screen is open.
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth += 1;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      // A drag that entered before this screen was there shows the overlay as it moves on.
      if (depth === 0) depth = 1;
      setDragging(true);
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setDragging(false);
      if (!e.dataTransfer || trash) return;
      const contents = readDrop(e.dataTransfer);
      if (bridge.pathsForFiles) {
        const paths = bridge.pathsForFiles(contents.files);
        const good = paths.filter((p) => p !== '');
        const notFiles = contents.notFiles + (paths.length - good.length);
        if (good.length === 0) {
          report({ added: 0, refused: [] }, notFiles);
          return;
        }
        bridge
          .documentsEnqueuePaths({ paths: good, folderId })
          .then((r) => report(r, notFiles))
          .catch(fail);
        return;
      }
      void walkEntries(contents.entries, MAX_FILES_PER_DROP)
        .then((entries) =>
          uploadEntries(
            [...entries, ...contents.plain.map((file) => ({ file, dirs: [] }))],
            contents.notFiles,
          ),
        )
        .catch(fail);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [bridge, folderId, trash, report, fail, uploadEntries]);

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

      {notice ? (
        <div
          className={`notice ${notice.kind === 'error' ? 'notice-error' : 'notice-success'} documents-notice`}
          role={notice.kind === 'error' ? 'alert' : 'status'}
          data-testid="documents-notice"
        >
          <div>
            <strong>{notice.text}</strong>
            {notice.details ? (
              <ul>
                {notice.details.slice(0, 8).map((d, i) => (
                  <li key={i}>{d}</li>
                ))}
                {notice.details.length > 8 ? <li>…</li> : null}
              </ul>
            ) : null}
          </div>
          <button type="button" className="btn btn-link btn-small" onClick={() => setNotice(null)}>
            {t('documents.close')}
          </button>
        </div>
      ) : null}

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
        <VirtualItems
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

/** The storage used, of the limit; numbers as props, so a new answer with the same ones skips it. */
const QuotaBar = memo(function QuotaBar({ used, limit }: { used: number | null; limit: number | null }) {
  const { t, i18n } = useTranslation();
  if (used === null || limit === null) {
    return (
      <div className="documents-quota" data-testid="quota">
        <span className="muted">{t('documents.quotaUnknown')}</span>
      </div>
    );
  }
  const percent = Math.min(100, (used / limit) * 100);
  const text = t('documents.quota', {
    used: formatBytes(t, used, i18n.language),
    limit: formatBytes(t, limit, i18n.language),
  });
  return (
    <div className="documents-quota" data-testid="quota">
      <div
        className="progress progress-thin"
        role="progressbar"
        aria-label={text}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
      >
        <div
          className={`progress-bar${percent > 90 ? ' progress-bar-danger' : ''}`}
          style={{ width: `${percent}%` }}
        />
      </div>
      <span className="muted">{text}</span>
    </div>
  );
});

/**
 * The list (or grid) with only the rows on screen in the DOM. Rows have a fixed height,
 * so which rows are visible is arithmetic on the scroll position: nothing is measured,
 * and a new total (another search) costs nothing. Each row is keyed by its position, so
 * new results reuse the rows already on screen and only their text changes.
 */
function VirtualItems({
  total,
  item,
  ensure,
  scrollKey,
  busy,
  context,
  label,
}: {
  total: number;
  item: (index: number) => DocItem | undefined;
  ensure: (start: number, end: number) => void;
  scrollKey: string;
  busy: boolean;
  context: RowContext;
  label: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  // A click on a document selects it (a folder opens), as in a file list; Enter or a
  // double-click opens. Only the rows whose selection changes render again.
  const [selected, setSelected] = useState<string | null>(null);
  const pressed = useRef<string | null>(null);
  const cellContext = useMemo<CellContext>(() => ({ ...context, select: setSelected, pressed }), [context]);
  // Until the first resize observation: a typical size, so the first render has rows.
  const [box, setBox] = useState({ width: 800, height: 600 });
  const [top, setTop] = useState(0);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      if (!entry) return;
      const { width, height } = entry.contentRect;
      setBox((b) => (b.width === width && b.height === height ? b : { width, height }));
    });
    observer.observe(el);
    const onScroll = () => setTop(el.scrollTop);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', onScroll);
    };
  }, []);
  const [shownKey, setShownKey] = useState(scrollKey);
  const resetScroll = useRef(false);
  if (shownKey !== scrollKey) {
    setShownKey(scrollKey);
    if (top !== 0) {
      setTop(0);
      resetScroll.current = true;
    }
  }
  useLayoutEffect(() => {
    if (!resetScroll.current || !scroller.current) return;
    resetScroll.current = false;
    scroller.current.scrollTop = 0;
  });

  const { layout } = context;
  const grid = layout === 'grid';
  const columns = grid ? Math.max(2, Math.floor((box.width || 800) / TILE_WIDTH)) : 1;
  const rowHeight = grid ? TILE_HEIGHT : ROW_HEIGHT;
  const rows = Math.ceil(total / columns);
  const height = box.height || 600;
  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.min(rows - 1, Math.ceil((top + height) / rowHeight) - 1 + OVERSCAN);
  useEffect(() => {
    if (rows > 0 && last >= first) ensure(first * columns, Math.min(total - 1, (last + 1) * columns - 1));
  }, [first, last, columns, rows, total, ensure]);

  const shown: React.ReactNode[] = [];
  for (let r = first; r <= last; r++) {
    const cells: React.ReactNode[] = [];
    for (let c = 0; c < columns; c++) {
      const index = r * columns + c;
      if (index >= total) break;
      const it = item(index);
      cells.push(
        it ? (
          <ItemCell key={c} item={it} context={cellContext} selected={selected === itemKey(it)} />
        ) : (
          <div key={c} role="gridcell" className="documents-cell documents-placeholder">
            <span className="skeleton skeleton-line" />
          </div>
        ),
      );
    }
    shown.push(
      <div
        key={r}
        role="row"
        aria-rowindex={r + 1}
        className={grid ? 'documents-row documents-grid-row' : 'documents-row'}
        style={{ height: rowHeight, transform: `translateY(${r * rowHeight}px)` }}
      >
        {cells}
      </div>,
    );
  }

  return (
    <div
      ref={scroller}
      className="documents-scroller"
      data-testid="documents-list"
      role="grid"
      aria-label={label}
      aria-rowcount={rows}
      aria-busy={busy}
    >
      <div className="documents-rows" style={{ height: rows * rowHeight }}>
        {shown}
      </div>
    </div>
  );
}

const ItemCell = memo(function ItemCell({
  item,
  context,
  selected,
}: {
  item: DocItem;
  context: CellContext;
  selected: boolean;
}) {
  return (
    <div
      role="gridcell"
      aria-selected={selected}
      className="documents-cell"
      data-testid="document-row"
      data-name={item.name}
    >
      <ItemView item={item} context={context} selected={selected} />
    </div>
  );
});

/** The arrow keys move to the neighbouring row (in the grid, also to the next tile). */
function moveByArrow(event: React.KeyboardEvent<HTMLButtonElement>, grid: boolean): void {
  const list = event.currentTarget.closest('[role="grid"]');
  if (!list) return;
  const columns = grid ? (list.querySelector('[role="row"]')?.querySelectorAll('.doc-open').length ?? 1) : 1;
  const delta = {
    ArrowUp: -columns,
    ArrowDown: columns,
    ArrowLeft: grid ? -1 : 0,
    ArrowRight: grid ? 1 : 0,
  }[event.key];
  if (!delta) return;
  const rows = Array.from(list.querySelectorAll<HTMLButtonElement>('.doc-open'));
  const next = rows[rows.indexOf(event.currentTarget) + delta];
  if (!next) return;
  event.preventDefault();
  next.focus();
}

function ItemView({ item, context, selected }: { item: DocItem; context: CellContext; selected: boolean }) {
  const { layout, trash, web, language, bytes, act, labels, select, pressed } = context;
  const isDoc = item.kind === 'document';
  const label = typeLabel(item.name);
  const iconSize = layout === 'grid' ? 40 : 22;
  const action = (
    name: string,
    icon: React.ReactNode,
    which: RowAction,
    extra: Record<string, unknown> = {},
  ) => (
    <button
      type="button"
      className="icon-btn"
      title={name}
      aria-label={`${name}: ${item.name}`}
      onClick={() => act(which, item)}
      {...extra}
    >
      {icon}
    </button>
  );
  const open = () => act('open', item);
  const key = itemKey(item);
  return (
    <div
      className={`doc-item doc-${layout}${item.kind === 'folder' ? ' doc-folder' : ''}${selected ? ' doc-selected' : ''}`}
    >
      <button
        type="button"
        className="doc-open"
        onMouseDown={(e) => {
          if (e.detail <= 1) pressed.current = key;
        }}
        onFocus={() => select(key)}
        onClick={(e) => {
          select(key);
          // A folder opens at once; the second click of a double-click is not a new one.
          if (item.kind === 'folder' && e.detail <= 1) open();
        }}
        onDoubleClick={() => {
          // Only where the double-click began: a folder opened by its first click has
          // another item under the pointer by the second.
          if (pressed.current === key) open();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            open();
          } else moveByArrow(e, layout === 'grid');
        }}
        title={item.name}
      >
        <span className={`doc-icon${isDoc ? ' doc-icon-file' : ''}`} aria-hidden="true">
          {isDoc && layout === 'grid' && !trash && hasThumbnail(item) ? (
            <Thumbnail key={item.id} item={item} />
          ) : isDoc ? (
            <FileIcon width={iconSize} height={iconSize} />
          ) : (
            <FolderIcon width={iconSize} height={iconSize} />
          )}
          {isDoc && label ? <span className="doc-ext">{label}</span> : null}
        </span>
        <span className="doc-name">{item.name}</span>
        <span className="doc-meta">
          {isDoc ? bytes(item.size) : labels.folder}
          {layout === 'list'
            ? ` · ${formatDate(trash && item.trashedAt ? item.trashedAt : item.updatedAt, language)}`
            : ''}
          {item.offline ? ` · ${labels.offline}` : ''}
        </span>
      </button>
      <div className="doc-actions">
        {trash ? (
          action(labels.restore, RESTORE_ICON, 'restore')
        ) : (
          <>
            {isDoc && selected && layout === 'list' ? (
              // The selected document's next step, in words.
              <button
                key="open-selected"
                type="button"
                className="btn btn-primary btn-small doc-open-selected"
                aria-label={`${labels.open}: ${item.name}`}
                onClick={open}
              >
                {labels.open}
              </button>
            ) : isDoc ? (
              action(labels.open, FILE_ICON, 'open')
            ) : null}
            {isDoc ? action(labels.saveAs, DOWNLOAD_ICON, 'saveAs') : null}
            {isDoc && !web ? action(labels.showInFolder, REVEAL_ICON, 'reveal') : null}
            {isDoc && !web
              ? action(labels.keepOffline, PIN_ICON, 'keep', { 'aria-pressed': item.offline })
              : null}
            {action(labels.rename, PENCIL_ICON, 'rename')}
            {action(labels.move, MOVE_ICON, 'move')}
            {action(labels.delete, TRASH_ICON, 'trash')}
          </>
        )}
      </div>
    </div>
  );
}

// The same element every time: React skips them when a row shows another item.
const RESTORE_ICON = <RestoreIcon />;
const FILE_ICON = <FileIcon />;
const DOWNLOAD_ICON = <DownloadIcon />;
const REVEAL_ICON = <RevealIcon />;
const PIN_ICON = <PinIcon />;
const PENCIL_ICON = <PencilIcon />;
const MOVE_ICON = <MoveIcon />;
const TRASH_ICON = <TrashIcon />;

/** Thumbnail addresses by document and version; web links are short-lived, so entries expire. */
const thumbnails = new Map<string, { at: number; url: Promise<string | null> }>();
const THUMBNAIL_TTL_MS = 60_000;

function thumbnailUrl(bridge: Bridge, item: DocItem): Promise<string | null> {
  const key = `${item.id}:${item.updatedAt}:${item.size}`;
  const now = Date.now();
  const hit = thumbnails.get(key);
  if (hit && now - hit.at < THUMBNAIL_TTL_MS) return hit.url;
  const url = bridge
    .documentsThumbnail({ id: item.id })
    .then((r) => r.url)
    .catch(() => null);
  thumbnails.set(key, { at: now, url });
  if (thumbnails.size > 500) thumbnails.delete(thumbnails.keys().next().value!);
  return url;
}

/** A small image of an image document in the grid; the file icon until (or unless) it loads. */
function Thumbnail({ item }: { item: DocItem }) {
  const bridge = useBridge();
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    setFailed(false);
    void thumbnailUrl(bridge, item).then((u) => live && setUrl(u));
    return () => {
      live = false;
    };
  }, [bridge, item]);
  if (!url || failed) return <FileIcon width={40} height={40} />;
  return (
    <img
      className="doc-thumb"
      src={url}
      alt=""
      loading="lazy"
      decoding="async"
      onError={() => setFailed(true)}
      data-testid="doc-thumb"
    />
  );
}

function NameForm({
  label,
  submit,
  initial,
  onSubmit,
  onCancel,
}: {
  label: string;
  submit: string;
  initial: string;
  onSubmit: (name: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [value, setValue] = useState(initial);
  const handle = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) onSubmit(value);
  };
  return (
    <form className="documents-name-form card" onSubmit={handle}>
      <label className="field">
        <span className="field-label">{label}</span>
        <input
          className="input"
          autoFocus
          value={value}
          maxLength={255}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && onCancel()}
          data-testid="name-input"
        />
      </label>
      <div className="documents-name-actions">
        <button type="submit" className="btn btn-primary btn-small">
          {submit}
        </button>
        <button type="button" className="btn btn-link btn-small" onClick={onCancel}>
          {t('documents.cancel')}
        </button>
      </div>
    </form>
  );
}
