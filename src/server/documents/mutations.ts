import { AppError } from '../../shared/errors.js';
import { DOCUMENT_MUTATIONS, nameKey, type ItemKind } from '../../shared/documents/index.js';
import { iso } from '../clock.js';
import type { FeedWriter } from '../sync/feed.js';
import type { DocumentRepo, DocumentRow, FolderRow } from '../store/types.js';
import type { TrashPurge } from './purge.js';
import { documentRecord, folderRecord } from './records.js';
import { checkedName, freeName, notFound } from './service.js';

export type DocumentMutationHandler = (
  ctx: { userId: string; writer: FeedWriter; now: number },
  payload: unknown,
) => Promise<void>;
export type DocumentMutationHandlers = Record<keyof typeof DOCUMENT_MUTATIONS, DocumentMutationHandler>;

/**
 * The documents mutations (create a folder, rename, move, trash, restore, empty the
 * trash), run by the mutation service inside its transaction: every change is written
 * together with its feed rows, so the owner's other devices see exactly what the
 * database holds.
 */
export function documentMutationHandlers(trash: TrashPurge): DocumentMutationHandlers {
  /** A live folder of the owner, or null for the top level. */
  async function liveParent(
    repo: DocumentRepo,
    ownerId: string,
    id: string | null,
    strict = true,
  ): Promise<string | null> {
    if (id === null) return null;
    const folder = await repo.getFolder(ownerId, id);
    if (!folder || folder.trashedAt !== null) {
      if (strict) throw notFound();
      return null;
    }
    return folder.id;
  }

  async function emit(writer: FeedWriter, kind: ItemKind, ownerId: string, id: string): Promise<void> {
    const row = await writer.tx.documents.get(kind, ownerId, id);
    if (!row) return;
    if (kind === 'folder') await writer.put([ownerId], 'folder', id, folderRecord(row as FolderRow));
    else await writer.put([ownerId], 'document', id, documentRecord(row as DocumentRow));
  }

  return {
    'folder.create': async ({ userId, writer, now }, payload) => {
      const repo = writer.tx.documents;
      const p = DOCUMENT_MUTATIONS['folder.create'].parse(payload);
      if ((await repo.getFolder(userId, p.id)) || (await repo.getDocument(userId, p.id))) return;
      const parentId = await liveParent(repo, userId, p.parentId);
      const name = await freeName(checkedName(p.name), (key) => repo.nameTaken(userId, parentId, key));
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
        await repo.insertFolder(row, nameKey(name));
      } catch {
        throw new AppError('VALIDATION_FAILED', 'This folder id cannot be used.');
      }
      await writer.put([userId], 'folder', row.id, folderRecord(row));
    },
    'documents.rename': async ({ userId, writer, now }, payload) => {
      const repo = writer.tx.documents;
      const p = DOCUMENT_MUTATIONS['documents.rename'].parse(payload);
      // An item in the trash is renamed too: another device may have moved it there after
      // this one renamed it (offline, or at the same moment). Both wishes are kept: it waits
      // in the trash under its new name, and comes back with it.
      const item = await repo.get(p.kind, userId, p.id);
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
          : await freeName(wanted, (key) => repo.nameTaken(userId, parent, key, p.id));
      await repo.update(p.kind, p.id, { name, nameKey: nameKey(name), updatedAt: iso(now) });
      await emit(writer, p.kind, userId, p.id);
    },
    'documents.move': async ({ userId, writer, now }, payload) => {
      const repo = writer.tx.documents;
      const p = DOCUMENT_MUTATIONS['documents.move'].parse(payload);
      // Like a rename, a move reaching an item another device has put in the trash is kept:
      // restored, the item comes back in the folder it was moved to.
      const item = await repo.get(p.kind, userId, p.id);
      if (!item) throw notFound();
      const target = await liveParent(repo, userId, p.folderId, true);
      if (p.kind === 'folder' && target !== null && (await repo.subtree(userId, p.id)).includes(target)) {
        throw new AppError('VALIDATION_FAILED', 'A folder cannot be moved into itself.');
      }
      const name =
        item.trashedAt !== null
          ? item.name
          : await freeName(item.name, (key) => repo.nameTaken(userId, target, key, p.id));
      await repo.update(p.kind, p.id, {
        parentId: target,
        name,
        nameKey: nameKey(name),
        updatedAt: iso(now),
      });
      await emit(writer, p.kind, userId, p.id);
    },
    'documents.trash': async ({ userId, writer, now }, payload) => {
      const repo = writer.tx.documents;
      const p = DOCUMENT_MUTATIONS['documents.trash'].parse(payload);
      const item = await repo.get(p.kind, userId, p.id);
      if (!item) throw notFound();
      if (item.trashedAt !== null) return;
      const at = iso(now);
      const mark = { trashedAt: at, trashRoot: p.id, updatedAt: at };
      await repo.update(p.kind, p.id, mark);
      await emit(writer, p.kind, userId, p.id);
      if (p.kind === 'folder') {
        const tree = await repo.subtree(userId, p.id);
        for (const f of await repo.foldersIn(userId, tree)) {
          if (f.trashedAt !== null) continue;
          await repo.update('folder', f.id, mark);
          await emit(writer, 'folder', userId, f.id);
        }
        for (const d of await repo.documentsIn(userId, tree)) {
          if (d.trashedAt !== null) continue;
          await repo.update('document', d.id, mark);
          await emit(writer, 'document', userId, d.id);
        }
      }
    },
    'documents.restore': async ({ userId, writer, now }, payload) => {
      const repo = writer.tx.documents;
      const p = DOCUMENT_MUTATIONS['documents.restore'].parse(payload);
      const item = await repo.get(p.kind, userId, p.id);
      if (!item) throw notFound();
      if (item.trashedAt === null) return;
      const at = iso(now);
      // The root goes back where it was, or to the top if that folder is gone too.
      let parent = parentOf(item);
      if (parent !== null && (await repo.getFolder(userId, parent))?.trashedAt !== null) parent = null;
      const name = await freeName(item.name, (key) => repo.nameTaken(userId, parent, key, p.id));
      const clear = { trashedAt: null, trashRoot: null, updatedAt: at };
      await repo.update(p.kind, p.id, { ...clear, parentId: parent, name, nameKey: nameKey(name) });
      await emit(writer, p.kind, userId, p.id);
      for (const kind of ['folder', 'document'] as const) {
        for (const other of await repo.withTrashRoot(kind, userId, item.trashRoot ?? p.id)) {
          if (other.id === p.id) continue;
          // Renamed while in the trash, it may now share a name with a neighbour.
          const within = parentOf(other);
          const free = await freeName(other.name, (key) => repo.nameTaken(userId, within, key, other.id));
          await repo.update(kind, other.id, { ...clear, name: free, nameKey: nameKey(free) });
          await emit(writer, kind, userId, other.id);
        }
      }
    },
    'documents.emptyTrash': ({ userId, writer }) => trash.purge(userId, writer, null),
  };
}

function parentOf(item: FolderRow | DocumentRow): string | null {
  return 'parentId' in item ? item.parentId : item.folderId;
}
