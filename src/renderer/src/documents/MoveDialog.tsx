import { Breadcrumbs } from './Breadcrumbs.js';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DocItem } from '../../../shared/documents/ipc.js';
import type { Bridge } from '../../../shared/ipc.js';
import { errorMessage } from '../errorMessage.js';
import { FolderIcon } from './icons.js';
import { FormError } from '../components/FormError.js';

interface Level {
  folders: { id: string; name: string }[];
  breadcrumbs: { id: string; name: string }[];
}

/**
 * «Переместить…»: a modal folder picker starting at «Мои документы». The person walks
 * down the folders and confirms «Переместить сюда». A folder cannot go into itself, so
 * it is disabled in the list (its descendants are then out of reach as well).
 */
export function MoveDialog({
  bridge,
  item,
  onMove,
  onClose,
}: {
  bridge: Bridge;
  item: DocItem;
  onMove: (folderId: string | null) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [at, setAt] = useState<string | null>(null);
  const [level, setLevel] = useState<Level | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDivElement>(null);

  // Focus moves into the dialog and returns to whatever had it when the dialog closes.
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    return () => before?.focus?.();
  }, []);

  useEffect(() => {
    let live = true;
    setLevel(null);
    bridge
      .documentsList({
        view: 'folder',
        folderId: at,
        query: '',
        sort: 'name',
        desc: false,
        offset: 0,
        limit: 1000,
      })
      .then((out) => {
        if (!live) return;
        setLevel({
          folders: out.items.filter((i) => i.kind === 'folder').map((i) => ({ id: i.id, name: i.name })),
          breadcrumbs: out.breadcrumbs,
        });
      })
      .catch((e: unknown) => live && setError(errorMessage(t, e)));
    return () => {
      live = false;
    };
  }, [bridge, at, t]);

  // A folder button that was clicked is gone after the next level loads: keep focus inside.
  useEffect(() => {
    const el = dialog.current;
    if (el && !el.contains(document.activeElement)) el.focus();
  }, [level]);

  const same = at === item.parentId;
  const confirm = () => {
    if (!same) onMove(at);
  };

  const keyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    } else if (e.key === 'Enter' && !(e.target instanceof HTMLButtonElement)) {
      e.preventDefault();
      confirm();
    } else if (e.key === 'Tab' && dialog.current) {
      // Keep Tab inside the dialog.
      const focusable = Array.from(dialog.current.querySelectorAll<HTMLElement>('button:not([disabled])'));
      if (focusable.length === 0) return;
      const first = focusable[0]!;
      const last = focusable[focusable.length - 1]!;
      if (e.shiftKey && (document.activeElement === first || document.activeElement === dialog.current)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={dialog}
        className="modal card move-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="move-dialog-title"
        tabIndex={-1}
        onKeyDown={keyDown}
        data-testid="move-dialog"
      >
        <h2 id="move-dialog-title" className="move-dialog-title">
          {t('documents.moveTitle', { name: item.name })}
        </h2>
        <Breadcrumbs
          label={t('documents.moveTo')}
          crumbs={level?.breadcrumbs ?? []}
          current={at}
          currentKind="location"
          onSelect={setAt}
        />
        <FormError message={error} />
        <ul className="move-dialog-list" aria-busy={level === null}>
          {level && level.folders.length === 0 ? (
            <li className="muted move-dialog-empty">{t('documents.moveNoFolders')}</li>
          ) : null}
          {level?.folders.map((f) => {
            const self = item.kind === 'folder' && f.id === item.id;
            return (
              <li key={f.id}>
                <button
                  type="button"
                  className="move-dialog-folder"
                  disabled={self}
                  onClick={() => setAt(f.id)}
                  data-testid="move-folder"
                >
                  <FolderIcon aria-hidden="true" /> {f.name}
                </button>
              </li>
            );
          })}
        </ul>
        <div className="documents-name-actions move-dialog-actions">
          <button type="button" className="btn btn-primary btn-small" disabled={same} onClick={confirm}>
            {t('documents.moveHere')}
          </button>
          <button type="button" className="btn btn-link btn-small" onClick={onClose}>
            {t('documents.cancel')}
          </button>
        </div>
      </div>
    </div>
  );
}
