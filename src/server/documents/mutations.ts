import { AppError } from '../../shared/errors.js';
import { DOCUMENT_MUTATIONS, freeName, nameKey, type ItemKind } from '../../shared/documents.js';
import { iso } from '../clock.js';
import type { FeedWriter } from '../sync/feed.js';
import type { DocumentRepo, DocumentRow, FolderRow } from '../store/types.js';
import type { TrashPurge } from './purge.js';
import { documentRecord, folderRecord } from './records.js';
import { checkedName, notFound } from './service.js';

export type DocumentMutationHandler = (
  ctx: { userId: string; writer: FeedWriter; now: number },
  payload: unknown,
) => void;
export type DocumentMutationHandlers = Record<keyof typeof DOCUMENT_MUTATIONS, DocumentMutationHandler>;

/**
 * The documents mutations (create a folder, rename, move, trash, restore, empty the
 * trash), run by the mutation service inside its transaction: every change is written
 * together with its feed rows, so the owner's other devices see exactly what the
 * database holds.
 */
export function documentMutationHandlers(repo: DocumentRepo, trash: TrashPurge): DocumentMutationHandlers {
  /** A live folder of the owner, or null for the top level. */
  function liveParent(ownerId: string, id: string | null, strict = true): string | null {
    if (id === null) return null;
    const folder = repo.getFolder(ownerId, id);
    if (!folder || folder.trashedAt !== null) {
      if (strict) throw notFound();
      return null;
    }
    return folder.id;
  }

  function emit(writer: FeedWriter, kind: ItemKind, ownerId: string, id: string): void {
    const row = repo.get(kind, ownerId, id);
    if (!row) return;
    if (kind === 'folder') writer.put([ownerId], 'folder', id, folderRecord(row as FolderRow));
    else writer.put([ownerId], 'document', id, documentRecord(row as DocumentRow));
  }

  return {
    'folder.create': ({ userId, writer, now }, payload) => {
      const p = DOCUMENT_MUTATIONS['folder.create'].parse(payload);
      if (repo.getFolder(userId, p.id) || repo.getDocument(userId, p.id)) return;
      const parentId = liveParent(userId, p.parentId);
      const name = freeName(checkedName(p.name), (key) => repo.nameTaken(userId, parentId, key));
      const at = iso(now);
      const row: FolderRow = {
        id: p.id,
        ownerId: userId,
        parentId,
        name,
        createdAt: at,
        updatedAt: at,
        trashedAt: null,
        trashRoot: null,
      };
      // Ids are chosen by clients: another person's id is refused without saying whose it is.
      try {
        repo.insertFolder(row, nameKey(name));
      } catch {
        throw new AppError('VALIDATION_FAILED', 'This folder id cannot be used.');
      }
      writer.put([userId], 'folder', row.id, folderRecord(row));
    },
    'documents.rename': ({ userId, writer, now }, payload) => {
      const p = DOCUMENT_MUTATIONS['documents.rename'].parse(payload);
      // An item in the trash is renamed too: another device may have moved it there after
      // this one renamed it (offline, or at the same moment). Both wishes are kept: it waits
      // in the trash under its new name, and comes back with it.
      const item = repo.get(p.kind, userId, p.id);
      if (!item) throw notFound();
      const wanted = checkedName(p.name);
      if (p.expectedName !== undefined && item.name !== p.expectedName) {
        // Renamed elsewhere since this device looked. The same new name is no conflict.
        if (item.name === wanted) return;
        throw new AppError(
          'RENAME_CONFLICT',
          `This ${p.kind} was renamed on another device to "${item.name}" first; "${wanted}" was not applied.`,
        );
      }
      const parent = parentOf(item);
      // Names are unique among live items; one in the trash gets a free name when restored.
      const name =
        item.trashedAt !== null
          ? wanted
          : freeName(wanted, (key) => repo.nameTaken(userId, parent, key, p.id));
      repo.update(p.kind, p.id, { name, nameKey: nameKey(name), updatedAt: iso(now) });
      emit(writer, p.kind, userId, p.id);
    },
    'documents.move': ({ userId, writer, now }, payload) => {
      const p = DOCUMENT_MUTATIONS['documents.move'].parse(payload);
      // Like a rename, a move reaching an item another device has put in the trash is kept:
      // restored, the item comes back in the folder it was moved to.
      const item = repo.get(p.kind, userId, p.id);
      if (!item) throw notFound();
      const target = liveParent(userId, p.folderId, true);
      if (p.kind === 'folder' && target !== null && repo.subtree(userId, p.id).includes(target)) {
        throw new AppError('VALIDATION_FAILED', 'A folder cannot be moved into itself.');
      }
      const name =
        item.trashedAt !== null
          ? item.name
          : freeName(item.name, (key) => repo.nameTaken(userId, target, key, p.id));
      repo.update(p.kind, p.id, {
        parentId: target,
        name,
        nameKey: nameKey(name),
        updatedAt: iso(now),
      });
      emit(writer, p.kind, userId, p.id);
    },
    'documents.trash': ({ userId, writer, now }, payload) => {
      const p = DOCUMENT_MUTATIONS['documents.trash'].parse(payload);
      const item = repo.get(p.kind, userId, p.id);
      if (!item) throw notFound();
      if (item.trashedAt !== null) return;
      const at = iso(now);
      const mark = { trashedAt: at, trashRoot: p.id, updatedAt: at };
      repo.update(p.kind, p.id, mark);
      emit(writer, p.kind, userId, p.id);
      if (p.kind === 'folder') {
        const tree = repo.subtree(userId, p.id);
        for (const f of repo.foldersIn(userId, tree)) {
          if (f.trashedAt !== null) continue;
          repo.update('folder', f.id, mark);
          emit(writer, 'folder', userId, f.id);
        }
        for (const d of repo.documentsIn(userId, tree)) {
          if (d.trashedAt !== null) continue;
          repo.update('document', d.id, mark);
          emit(writer, 'document', userId, d.id);
        }
      }
    },
    'documents.restore': ({ userId, writer, now }, payload) => {
      const p = DOCUMENT_MUTATIONS['documents.restore'].parse(payload);
      const item = repo.get(p.kind, userId, p.id);
      if (!item) throw notFound();
      if (item.trashedAt === null) return;
      const at = iso(now);
      // The root goes back where it was, or to the top if that folder is gone too.
      let parent = parentOf(item);
      if (parent !== null && repo.getFolder(userId, parent)?.trashedAt !== null) parent = null;
      const name = freeName(item.name, (key) => repo.nameTaken(userId, parent, key, p.id));
      const clear = { trashedAt: null, trashRoot: null, updatedAt: at };
      repo.update(p.kind, p.id, { ...clear, parentId: parent, name, nameKey: nameKey(name) });
      emit(writer, p.kind, userId, p.id);
      for (const kind of ['folder', 'document'] as const) {
        for (const other of repo.withTrashRoot(kind, userId, item.trashRoot ?? p.id)) {
          if (other.id === p.id) continue;
          // Renamed while in the trash, it may now share a name with a neighbour.
          const within = parentOf(other);
          const free = freeName(other.name, (key) => repo.nameTaken(userId, within, key, other.id));
          repo.update(kind, other.id, { ...clear, name: free, nameKey: nameKey(free) });
          emit(writer, kind, userId, other.id);
        }
      }
    },
    'documents.emptyTrash': ({ userId, writer }) => {
      trash.purge(userId, writer, null);
    },
  };
}

function parentOf(item: FolderRow | DocumentRow): string | null {
  return 'parentId' in item ? item.parentId : item.folderId;
}
