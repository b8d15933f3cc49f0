import type { ItemKind } from '../../../shared/documents/index.js';
import type { Db } from '../db.js';
import type { DocumentRepo, DocumentRow, FolderRow, ItemUpdate, UploadRow } from '../types.js';
import type { Sync } from './sync.js';

const FOLDER_COLS = `id, owner_id AS ownerId, parent_id AS parentId, name, created_at AS createdAt,
  updated_at AS updatedAt, trashed_at AS trashedAt, trash_root AS trashRoot`;
const DOC_COLS = `id, owner_id AS ownerId, folder_id AS folderId, name, size, mime, sha256, blob_key AS blobKey,
  created_at AS createdAt, updated_at AS updatedAt, trashed_at AS trashedAt, trash_root AS trashRoot`;
const UPLOAD_COLS = `id, owner_id AS ownerId, size, metadata, state, document_id AS documentId, error,
  created_at AS createdAt`;

/** The documents tables as plain synchronous calls over prepared statements. */
export class SqliteDocumentRepo implements Sync<DocumentRepo> {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      folder: db.prepare(`SELECT ${FOLDER_COLS} FROM folders WHERE owner_id = ? AND id = ?`),
      doc: db.prepare(`SELECT ${DOC_COLS} FROM documents WHERE owner_id = ? AND id = ?`),
      folders: db.prepare(`SELECT ${FOLDER_COLS} FROM folders WHERE owner_id = ? ORDER BY name_key`),
      docs: db.prepare(`SELECT ${DOC_COLS} FROM documents WHERE owner_id = ? ORDER BY name_key`),
      folderTaken: db.prepare(`SELECT 1 FROM folders WHERE owner_id = ? AND parent_id IS ? AND name_key = ?
        AND trashed_at IS NULL AND id <> ?`),
      docTaken: db.prepare(`SELECT 1 FROM documents WHERE owner_id = ? AND folder_id IS ? AND name_key = ?
        AND trashed_at IS NULL AND id <> ?`),
      insertFolder:
        db.prepare(`INSERT INTO folders (id, owner_id, parent_id, name, name_key, created_at, updated_at)
        VALUES (@id, @ownerId, @parentId, @name, @nameKey, @createdAt, @updatedAt)`),
      insertDoc:
        db.prepare(`INSERT INTO documents (id, owner_id, folder_id, name, name_key, size, mime, sha256,
        blob_key, created_at, updated_at) VALUES (@id, @ownerId, @folderId, @name, @nameKey, @size, @mime,
        @sha256, @blobKey, @createdAt, @updatedAt)`),
      used: db.prepare('SELECT coalesce(sum(size), 0) AS n FROM documents WHERE owner_id = ?'),
      reserved: db.prepare(
        "SELECT coalesce(sum(size), 0) AS n FROM uploads WHERE owner_id = ? AND state = 'active' AND id <> ?",
      ),
      insertUpload: db.prepare(`INSERT INTO uploads (id, owner_id, size, metadata, state, created_at)
        VALUES (?, ?, ?, ?, 'active', ?)`),
      upload: db.prepare(`SELECT ${UPLOAD_COLS} FROM uploads WHERE id = ?`),
      setUpload: db.prepare('UPDATE uploads SET state = ?, document_id = ?, error = ? WHERE id = ?'),
      claimBlobKey: db.prepare(
        "UPDATE uploads SET document_id = ? WHERE id = ? AND state = 'active' AND document_id IS NULL",
      ),
      staleUploads: db.prepare(
        `SELECT ${UPLOAD_COLS} FROM uploads WHERE state = 'active' AND created_at < ?`,
      ),
      descendants: db.prepare(`WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL
        SELECT f.id FROM folders f JOIN sub ON f.parent_id = sub.id WHERE f.owner_id = ?) SELECT id FROM sub`),
      foldersIn: db.prepare(
        `SELECT ${FOLDER_COLS} FROM folders WHERE owner_id = ? AND parent_id IN (SELECT value FROM json_each(?))`,
      ),
      docsIn: db.prepare(
        `SELECT ${DOC_COLS} FROM documents WHERE owner_id = ? AND folder_id IN (SELECT value FROM json_each(?))`,
      ),
      trashedOwners: db.prepare(`SELECT DISTINCT owner_id AS ownerId FROM documents WHERE trashed_at < ?
        UNION SELECT DISTINCT owner_id FROM folders WHERE trashed_at < ?`),
    };
  }

  getFolder(ownerId: string, id: string): FolderRow | null {
    return (this.s.folder.get(ownerId, id) as FolderRow | undefined) ?? null;
  }
  getDocument(ownerId: string, id: string): DocumentRow | null {
    return (this.s.doc.get(ownerId, id) as DocumentRow | undefined) ?? null;
  }
  get(kind: ItemKind, ownerId: string, id: string): FolderRow | DocumentRow | null {
    return kind === 'folder' ? this.getFolder(ownerId, id) : this.getDocument(ownerId, id);
  }
  listFolders(ownerId: string): FolderRow[] {
    return this.s.folders.all(ownerId) as FolderRow[];
  }
  listDocuments(ownerId: string): DocumentRow[] {
    return this.s.docs.all(ownerId) as DocumentRow[];
  }
  /** A live folder or document of that name (key) in that folder, other than `exceptId`. */
  nameTaken(ownerId: string, parentId: string | null, key: string, exceptId = ''): boolean {
    return (
      this.s.folderTaken.get(ownerId, parentId, key, exceptId) !== undefined ||
      this.s.docTaken.get(ownerId, parentId, key, exceptId) !== undefined
    );
  }
  insertFolder(row: FolderRow, nameKey: string): void {
    this.s.insertFolder.run({ ...row, nameKey });
  }
  insertDocument(row: DocumentRow, nameKey: string): void {
    this.s.insertDoc.run({ ...row, nameKey });
  }
  update(kind: ItemKind, id: string, fields: ItemUpdate): void {
    const table = kind === 'folder' ? 'folders' : 'documents';
    const parentCol = kind === 'folder' ? 'parent_id' : 'folder_id';
    const sets: string[] = ['updated_at = @updatedAt'];
    if (fields.name !== undefined) sets.push('name = @name', 'name_key = @nameKey');
    if (fields.parentId !== undefined) sets.push(`${parentCol} = @parentId`);
    if (fields.trashedAt !== undefined) sets.push('trashed_at = @trashedAt');
    if (fields.trashRoot !== undefined) sets.push('trash_root = @trashRoot');
    this.db.prepare(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = @id`).run({
      id,
      updatedAt: fields.updatedAt,
      name: fields.name ?? null,
      nameKey: fields.nameKey ?? null,
      parentId: fields.parentId ?? null,
      trashedAt: fields.trashedAt ?? null,
      trashRoot: fields.trashRoot ?? null,
    });
  }
  /** The folder and every folder under it. */
  subtree(ownerId: string, folderId: string): string[] {
    return (this.s.descendants.all(folderId, ownerId) as { id: string }[]).map((r) => r.id);
  }
  foldersIn(ownerId: string, parentIds: string[]): FolderRow[] {
    if (parentIds.length === 0) return [];
    return this.s.foldersIn.all(ownerId, JSON.stringify(parentIds)) as FolderRow[];
  }
  documentsIn(ownerId: string, folderIds: string[]): DocumentRow[] {
    if (folderIds.length === 0) return [];
    return this.s.docsIn.all(ownerId, JSON.stringify(folderIds)) as DocumentRow[];
  }
  withTrashRoot(kind: ItemKind, ownerId: string, root: string): (FolderRow | DocumentRow)[] {
    const sql =
      kind === 'folder'
        ? `SELECT ${FOLDER_COLS} FROM folders WHERE owner_id = ? AND trash_root = ?`
        : `SELECT ${DOC_COLS} FROM documents WHERE owner_id = ? AND trash_root = ?`;
    return this.db.prepare(sql).all(ownerId, root) as (FolderRow | DocumentRow)[];
  }
  trashed(kind: ItemKind, ownerId: string, before: string | null): (FolderRow | DocumentRow)[] {
    const table =
      kind === 'folder' ? `SELECT ${FOLDER_COLS} FROM folders` : `SELECT ${DOC_COLS} FROM documents`;
    return this.db
      .prepare(`${table} WHERE owner_id = ? AND trashed_at IS NOT NULL AND (? IS NULL OR trashed_at < ?)`)
      .all(ownerId, before, before) as (FolderRow | DocumentRow)[];
  }
  deleteRows(kind: ItemKind, ids: string[]): void {
    if (ids.length === 0) return;
    const table = kind === 'folder' ? 'folders' : 'documents';
    this.db
      .prepare(`DELETE FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`)
      .run(JSON.stringify(ids));
  }
  ownersWithTrashBefore(before: string): string[] {
    return (this.s.trashedOwners.all(before, before) as { ownerId: string }[]).map((r) => r.ownerId);
  }
  usedBytes(ownerId: string): number {
    return (this.s.used.get(ownerId) as { n: number }).n;
  }
  reservedBytes(ownerId: string, exceptUploadId = ''): number {
    return (this.s.reserved.get(ownerId, exceptUploadId) as { n: number }).n;
  }
  insertUpload(row: {
    id: string;
    ownerId: string;
    size: number;
    metadata: string;
    createdAt: string;
  }): void {
    this.s.insertUpload.run(row.id, row.ownerId, row.size, row.metadata, row.createdAt);
  }
  getUpload(id: string): UploadRow | null {
    return (this.s.upload.get(id) as UploadRow | undefined) ?? null;
  }
  setUpload(id: string, state: UploadRow['state'], documentId: string | null, error: string | null): void {
    this.s.setUpload.run(state, documentId, error, id);
  }
  /** Records the blob key a finishing upload is about to file its bytes under; false if it is no longer active. */
  claimBlobKey(id: string, key: string): boolean {
    return this.s.claimBlobKey.run(key, id).changes === 1;
  }
  staleUploads(before: string): UploadRow[] {
    return this.s.staleUploads.all(before) as UploadRow[];
  }
  downloadKey(): string {
    return (this.db.prepare("SELECT value FROM meta WHERE key = 'download_key'").get() as { value: string })
      .value;
  }
}
