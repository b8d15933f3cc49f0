import type { ItemKind } from '../../../shared/documents/index.js';
import type { DocumentRepo, DocumentRow, FolderRow, ItemUpdate, UploadRow } from '../types.js';
import type { Runner } from './conn.js';

const FOLDER = `id, owner_id AS "ownerId", parent_id AS "parentId", name, created_at AS "createdAt",
  updated_at AS "updatedAt", trashed_at AS "trashedAt", trash_root AS "trashRoot"`;
const DOC = `id, owner_id AS "ownerId", folder_id AS "folderId", name, size, mime, sha256, blob_key AS "blobKey",
  created_at AS "createdAt", updated_at AS "updatedAt", trashed_at AS "trashedAt", trash_root AS "trashRoot"`;
const UPLOAD = `id, owner_id AS "ownerId", size, metadata, state, document_id AS "documentId", error,
  created_at AS "createdAt"`;

type Item = FolderRow | DocumentRow;

export class PgDocumentRepo implements DocumentRepo {
  constructor(private readonly db: Runner) {}

  /**
   * In a write transaction: the owner's row, locked until commit, so the owner's quota
   * checks (used + reserved, then the upload or document they allow) go one at a time
   * across connections and instances.
   */
  private async lockOwner(ownerId: string): Promise<void> {
    if (this.db.writing) await this.db.rows('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [ownerId]);
  }

  /**
   * In a write transaction the row read stays locked until commit: a rename, move or
   * trash checks the item as it is (its name, its folder, whether it changed since the
   * device saw it) and writes it with no other transaction's write in between, as under
   * SQLite's one writer (two renames at once: one wins, the other is told of the conflict).
   */
  private get forWrite(): string {
    return this.db.writing ? ' FOR NO KEY UPDATE' : '';
  }

  async getFolder(ownerId: string, id: string): Promise<FolderRow | null> {
    return (
      (
        await this.db.rows<FolderRow>(
          `SELECT ${FOLDER} FROM folders WHERE owner_id = $1 AND id = $2${this.forWrite}`,
          [ownerId, id],
        )
      )[0] ?? null
    );
  }
  async getDocument(ownerId: string, id: string): Promise<DocumentRow | null> {
    return (
      (
        await this.db.rows<DocumentRow>(
          `SELECT ${DOC} FROM documents WHERE owner_id = $1 AND id = $2${this.forWrite}`,
          [ownerId, id],
        )
      )[0] ?? null
    );
  }
  get(kind: ItemKind, ownerId: string, id: string): Promise<Item | null> {
    return kind === 'folder' ? this.getFolder(ownerId, id) : this.getDocument(ownerId, id);
  }
  listFolders(ownerId: string): Promise<FolderRow[]> {
    return this.db.rows(`SELECT ${FOLDER} FROM folders WHERE owner_id = $1 ORDER BY name_key COLLATE "C"`, [
      ownerId,
    ]);
  }
  listDocuments(ownerId: string): Promise<DocumentRow[]> {
    return this.db.rows(`SELECT ${DOC} FROM documents WHERE owner_id = $1 ORDER BY name_key COLLATE "C"`, [
      ownerId,
    ]);
  }
  /** In a write transaction the owner's names stay locked: a free name stays free until the insert commits. */
  async nameTaken(ownerId: string, parentId: string | null, key: string, exceptId = ''): Promise<boolean> {
    await this.db.lock(`names:${ownerId}`);
    const rows = await this.db.rows(
      `SELECT 1 FROM folders WHERE owner_id = $1 AND parent_id IS NOT DISTINCT FROM $2 AND name_key = $3
          AND trashed_at IS NULL AND id <> $4
       UNION ALL
       SELECT 1 FROM documents WHERE owner_id = $1 AND folder_id IS NOT DISTINCT FROM $2 AND name_key = $3
          AND trashed_at IS NULL AND id <> $4
       LIMIT 1`,
      [ownerId, parentId, key, exceptId],
    );
    return rows.length > 0;
  }
  async insertFolder(r: FolderRow, nameKey: string): Promise<void> {
    await this.db.count(
      `INSERT INTO folders (id, owner_id, parent_id, name, name_key, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [r.id, r.ownerId, r.parentId, r.name, nameKey, r.createdAt, r.updatedAt],
    );
  }
  async insertDocument(r: DocumentRow, nameKey: string): Promise<void> {
    await this.db.count(
      `INSERT INTO documents (id, owner_id, folder_id, name, name_key, size, mime, sha256, blob_key, created_at,
        updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        r.id,
        r.ownerId,
        r.folderId,
        r.name,
        nameKey,
        r.size,
        r.mime,
        r.sha256,
        r.blobKey,
        r.createdAt,
        r.updatedAt,
      ],
    );
  }
  async update(kind: ItemKind, id: string, fields: ItemUpdate): Promise<void> {
    const table = kind === 'folder' ? 'folders' : 'documents';
    const parentCol = kind === 'folder' ? 'parent_id' : 'folder_id';
    const values: unknown[] = [id, fields.updatedAt];
    const sets: string[] = ['updated_at = $2'];
    const set = (column: string, value: unknown): void => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (fields.name !== undefined) {
      set('name', fields.name);
      set('name_key', fields.nameKey ?? null);
    }
    if (fields.parentId !== undefined) set(parentCol, fields.parentId);
    if (fields.trashedAt !== undefined) set('trashed_at', fields.trashedAt);
    if (fields.trashRoot !== undefined) set('trash_root', fields.trashRoot);
    await this.db.count(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1`, values);
  }
  async subtree(ownerId: string, folderId: string): Promise<string[]> {
    const rows = await this.db.rows<{ id: string }>(
      `WITH RECURSIVE sub(id) AS (SELECT $1::text UNION ALL
         SELECT f.id FROM folders f JOIN sub ON f.parent_id = sub.id WHERE f.owner_id = $2) SELECT id FROM sub`,
      [folderId, ownerId],
    );
    return rows.map((r) => r.id);
  }
  async foldersIn(ownerId: string, parentIds: string[]): Promise<FolderRow[]> {
    if (parentIds.length === 0) return [];
    return this.db.rows(`SELECT ${FOLDER} FROM folders WHERE owner_id = $1 AND parent_id = ANY($2::text[])`, [
      ownerId,
      parentIds,
    ]);
  }
  async documentsIn(ownerId: string, folderIds: string[]): Promise<DocumentRow[]> {
    if (folderIds.length === 0) return [];
    return this.db.rows(`SELECT ${DOC} FROM documents WHERE owner_id = $1 AND folder_id = ANY($2::text[])`, [
      ownerId,
      folderIds,
    ]);
  }
  withTrashRoot(kind: ItemKind, ownerId: string, root: string): Promise<Item[]> {
    const sql =
      kind === 'folder'
        ? `SELECT ${FOLDER} FROM folders WHERE owner_id = $1 AND trash_root = $2`
        : `SELECT ${DOC} FROM documents WHERE owner_id = $1 AND trash_root = $2`;
    return this.db.rows(sql, [ownerId, root]);
  }
  trashed(kind: ItemKind, ownerId: string, before: string | null): Promise<Item[]> {
    const from = kind === 'folder' ? `SELECT ${FOLDER} FROM folders` : `SELECT ${DOC} FROM documents`;
    return this.db.rows(
      `${from} WHERE owner_id = $1 AND trashed_at IS NOT NULL AND ($2::text IS NULL OR trashed_at < $2::text)`,
      [ownerId, before],
    );
  }
  async deleteRows(kind: ItemKind, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const table = kind === 'folder' ? 'folders' : 'documents';
    await this.db.count(`DELETE FROM ${table} WHERE id = ANY($1::text[])`, [ids]);
  }
  async ownersWithTrashBefore(before: string): Promise<string[]> {
    const rows = await this.db.rows<{ ownerId: string }>(
      `SELECT DISTINCT owner_id AS "ownerId" FROM documents WHERE trashed_at < $1
        UNION SELECT DISTINCT owner_id FROM folders WHERE trashed_at < $1`,
      [before],
    );
    return rows.map((r) => r.ownerId);
  }
  async usedBytes(ownerId: string): Promise<number> {
    await this.lockOwner(ownerId);
    const rows = await this.db.rows<{ n: number }>(
      'SELECT coalesce(sum(size), 0)::bigint AS n FROM documents WHERE owner_id = $1',
      [ownerId],
    );
    return rows[0]!.n;
  }
  async reservedBytes(ownerId: string, exceptUploadId = ''): Promise<number> {
    await this.lockOwner(ownerId);
    const rows = await this.db.rows<{ n: number }>(
      `SELECT coalesce(sum(size), 0)::bigint AS n FROM uploads WHERE owner_id = $1 AND state = 'active' AND id <> $2`,
      [ownerId, exceptUploadId],
    );
    return rows[0]!.n;
  }
  async insertUpload(r: {
    id: string;
    ownerId: string;
    size: number;
    metadata: string;
    createdAt: string;
  }): Promise<void> {
    await this.db.count(
      `INSERT INTO uploads (id, owner_id, size, metadata, state, created_at) VALUES ($1, $2, $3, $4, 'active', $5)`,
      [r.id, r.ownerId, r.size, r.metadata, r.createdAt],
    );
  }
  async getUpload(id: string): Promise<UploadRow | null> {
    return (await this.db.rows<UploadRow>(`SELECT ${UPLOAD} FROM uploads WHERE id = $1`, [id]))[0] ?? null;
  }
  async setUpload(
    id: string,
    state: UploadRow['state'],
    documentId: string | null,
    error: string | null,
  ): Promise<void> {
    await this.db.count('UPDATE uploads SET state = $1, document_id = $2, error = $3 WHERE id = $4', [
      state,
      documentId,
      error,
      id,
    ]);
  }
  async claimBlobKey(id: string, key: string): Promise<boolean> {
    return (
      (await this.db.count(
        "UPDATE uploads SET document_id = $1 WHERE id = $2 AND state = 'active' AND document_id IS NULL",
        [key, id],
      )) === 1
    );
  }
  staleUploads(before: string): Promise<UploadRow[]> {
    return this.db.rows(`SELECT ${UPLOAD} FROM uploads WHERE state = 'active' AND created_at < $1`, [before]);
  }
  async downloadKey(): Promise<string> {
    return (await this.db.rows<{ value: string }>("SELECT value FROM meta WHERE key = 'download_key'"))[0]!
      .value;
  }
}
