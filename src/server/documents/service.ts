import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DOCUMENT_MUTATIONS,
  freeName,
  mimeFromName,
  nameKey,
  nameRefusal,
  sanitizeName,
  TRASH_DAYS,
  UploadMetadataSchema,
  type DocumentList,
  type DocumentRecord,
  type ItemKind,
  type Quota,
  type UploadMetadata,
} from '../../shared/documents.js';
import { AppError, ErrorCodeSchema } from '../../shared/errors.js';
import type { BlobStore } from '../blobs/types.js';
import { iso, type Now } from '../clock.js';
import type { Feed, FeedWriter } from '../feed.js';
import type { DocumentRepo, DocumentRow, FolderRow, Store } from '../store/types.js';
import { cleanMime } from './contentType.js';
import { documentRecord, folderRecord } from './records.js';

export interface DocumentLimits {
  quotaBytes: number;
  maxFileBytes: number;
}

type DocumentMutationType = keyof typeof DOCUMENT_MUTATIONS;
export type DocumentMutationHandler = (
  ctx: { userId: string; writer: FeedWriter; now: number },
  payload: unknown,
) => void;

export function newId(): string {
  return randomBytes(16).toString('base64url');
}

function notFound(): AppError {
  // The same answer whether the item never existed or belongs to somebody else.
  return new AppError('NOT_FOUND', 'Not found.');
}

export function checkedName(raw: string): string {
  const result = sanitizeName(raw);
  if (!result.ok) throw nameRefusal(result.reason);
  return result.name;
}

/**
 * The document cloud's rules: names, duplicates, quota, finishing an upload into a
 * document, folders, trash and purge. Every change is written together with its feed
 * rows, so the owner's other devices see exactly what the database holds.
 */
export class DocumentService {
  private readonly finishing = new Map<string, Promise<DocumentRecord>>();

  constructor(
    private readonly repo: DocumentRepo,
    private readonly blobs: BlobStore,
    private readonly store: Store,
    private readonly feed: Feed,
    private readonly now: Now,
    readonly limits: DocumentLimits,
  ) {}

  quota(ownerId: string): Quota {
    return {
      usedBytes: this.repo.usedBytes(ownerId),
      limitBytes: this.limits.quotaBytes,
      maxFileBytes: this.limits.maxFileBytes,
    };
  }

  list(ownerId: string): DocumentList {
    return {
      folders: this.repo.listFolders(ownerId).map(folderRecord),
      documents: this.repo.listDocuments(ownerId).map(documentRecord),
      quota: this.quota(ownerId),
    };
  }

  getDocument(ownerId: string, id: string): DocumentRow {
    const row = this.repo.getDocument(ownerId, id);
    if (!row) throw notFound();
    return row;
  }

  /** Checks a new upload before a byte is sent, and records it (its size counts against the quota). */
  createUpload(
    ownerId: string,
    uploadId: string,
    size: number | undefined,
    raw: Record<string, string | null>,
  ) {
    if (size === undefined) {
      throw new AppError('VALIDATION_FAILED', 'Uploads must declare their length (Upload-Length).');
    }
    // Whatever the client declared must still be a media type when it goes out as Content-Type.
    const declared = cleanMime(raw.mime);
    const named = sanitizeName(raw.filename ?? '');
    const parsed = UploadMetadataSchema.safeParse({
      filename: raw.filename ?? '',
      folderId: raw.folderId ? raw.folderId : null,
      sha256: raw.sha256 ? raw.sha256 : null,
      // Guessed from the name it will be stored under (an invisible character after ".pdf" is gone).
      mime:
        declared && declared !== 'application/octet-stream'
          ? declared
          : mimeFromName(named.ok ? named.name : ''),
    });
    if (!parsed.success) {
      if (!raw.filename) throw new AppError('FILE_NAME_INVALID', 'The upload has no file name.');
      throw new AppError(
        'VALIDATION_FAILED',
        'Upload metadata needs filename, sha256 (hex) and optionally folderId, mime.',
      );
    }
    checkedName(parsed.data.filename);
    if (size === 0) throw new AppError('FILE_EMPTY', 'The file is empty.');
    if (size > this.limits.maxFileBytes) {
      throw new AppError('FILE_TOO_LARGE', `Files up to ${this.limits.maxFileBytes} bytes can be uploaded.`);
    }
    this.store.transaction(() => {
      const used = this.repo.usedBytes(ownerId) + this.repo.reservedBytes(ownerId);
      if (used + size > this.limits.quotaBytes) {
        throw new AppError('QUOTA_EXCEEDED', 'There is not enough space left in your storage for this file.');
      }
      this.repo.insertUpload({
        id: uploadId,
        ownerId,
        size,
        metadata: JSON.stringify(parsed.data),
        createdAt: iso(this.now()),
      });
    });
  }

  /** True if the upload exists and is the caller's (tus requests on anybody else's id are 404). */
  ownsUpload(ownerId: string, uploadId: string): boolean {
    return this.repo.getUpload(uploadId)?.ownerId === ownerId;
  }

  /** True if the upload's creation declared its SHA-256 (in the tus metadata). */
  declaredChecksum(uploadId: string): boolean {
    const row = this.repo.getUpload(uploadId);
    if (!row) return false;
    return UploadMetadataSchema.safeParse(JSON.parse(row.metadata)).data?.sha256 != null;
  }

  uploadFailed(uploadId: string, code: string): void {
    const row = this.repo.getUpload(uploadId);
    if (row && row.state === 'active') {
      this.repo.setUpload(uploadId, 'failed', null, code);
      // Bytes a cut finish had filed under its claimed key go with the upload.
      if (row.documentId) void this.blobs.delete(row.documentId).catch(() => {});
    }
  }

  /**
   * Turns a complete upload into a document: checks its length and SHA-256, the quota
   * once more, renames the file into the blob store, then writes the document and its
   * feed change in one transaction. Safe to call twice (the last PATCH and an explicit
   * finish after a lost answer): the second call gets the same document.
   */
  finishUpload(
    ownerId: string,
    uploadId: string,
    tempPath: string,
    hashes: { digest?: string | null; claimed?: string | null } = {},
  ): Promise<DocumentRecord> {
    const running = this.finishing.get(uploadId);
    if (running) return running;
    const work = this.doFinish(ownerId, uploadId, tempPath, hashes).finally(() =>
      this.finishing.delete(uploadId),
    );
    this.finishing.set(uploadId, work);
    return work;
  }

  private async doFinish(
    ownerId: string,
    uploadId: string,
    tempPath: string,
    hashes: { digest?: string | null; claimed?: string | null },
  ): Promise<DocumentRecord> {
    const upload = this.repo.getUpload(uploadId);
    if (!upload || upload.ownerId !== ownerId) throw notFound();
    if (upload.state === 'done' && upload.documentId) {
      const doc = this.repo.getDocument(ownerId, upload.documentId);
      if (doc) return documentRecord(doc);
    }
    if (upload.state === 'failed') {
      // The reason is stored as a code (CHECKSUM_MISMATCH, QUOTA_EXCEEDED) or as what ended it
      // (CANCELLED, EXPIRED): an upload ended that way is gone, like one never made.
      const reason = ErrorCodeSchema.safeParse(upload.error);
      if (!reason.success)
        throw new AppError('NOT_FOUND', 'This upload was cancelled or has expired; start it again.');
      throw new AppError(reason.data, 'This upload failed; start it again.');
    }
    const meta = UploadMetadataSchema.parse(JSON.parse(upload.metadata)) as UploadMetadata;
    // An active upload with a document id is one whose finish claimed that blob key and
    // was cut (the server died) after the bytes moved there: finish from the blob.
    const claimedKey = upload.documentId;
    let fromBlob = false;
    let size: number;
    try {
      size = (await fsp.stat(tempPath)).size;
    } catch {
      const filed = claimedKey ? await this.blobs.size(claimedKey).catch(() => null) : null;
      if (filed === null) throw notFound();
      size = filed;
      fromBlob = true;
    }
    const discard = () => (fromBlob ? this.blobs.delete(claimedKey!) : fsp.rm(tempPath, { force: true }));
    if (size !== upload.size)
      throw new AppError('UPLOAD_INCOMPLETE', 'The upload has not received every byte yet.');
    const expected =
      meta.sha256 ?? (hashes.claimed && /^[0-9a-f]{64}$/.test(hashes.claimed) ? hashes.claimed : null);
    if (!expected) {
      throw new AppError('CHECKSUM_MISMATCH', 'Send the SHA-256 of the whole file to finish the upload.');
    }
    // Hashed while it arrived when the bytes came in order; otherwise read once now.
    const digest = fromBlob
      ? await sha256Stream(this.blobs.read(claimedKey!))
      : (hashes.digest ?? (await sha256File(tempPath).catch(cancelledMeanwhile)));
    if (digest !== expected) {
      this.repo.setUpload(uploadId, 'failed', null, 'CHECKSUM_MISMATCH');
      await discard();
      throw new AppError(
        'CHECKSUM_MISMATCH',
        'The received file does not match its SHA-256; nothing was stored.',
      );
    }
    if (this.repo.usedBytes(ownerId) + size > this.limits.quotaBytes) {
      this.repo.setUpload(uploadId, 'failed', null, 'QUOTA_EXCEEDED');
      await discard();
      throw new AppError('QUOTA_EXCEEDED', 'There is not enough space left in your storage for this file.');
    }
    const id = claimedKey ?? newId();
    if (!fromBlob) {
      // The key is written down before the file moves, so a crash between the move and
      // the commit below leaves a blob that the next finish (or housekeeping) finds.
      if (!claimedKey && !this.repo.claimBlobKey(uploadId, id)) throw notFound();
      await this.blobs.adopt(tempPath, id).catch(cancelledMeanwhile);
    }
    try {
      return this.feed.write((writer) => {
        // A cancel (tus DELETE) that landed while the file was checked and filed wins: no document.
        if (this.repo.getUpload(uploadId)?.state !== 'active') throw notFound();
        const at = iso(this.now());
        let folderId = meta.folderId;
        if (folderId && this.repo.getFolder(ownerId, folderId)?.trashedAt !== null) folderId = null;
        const name = freeName(checkedName(meta.filename), (key) =>
          this.repo.nameTaken(ownerId, folderId, key),
        );
        const row: DocumentRow = {
          id,
          ownerId,
          folderId,
          name,
          size,
          mime: meta.mime,
          sha256: digest,
          blobKey: id,
          createdAt: at,
          updatedAt: at,
          trashedAt: null,
          trashRoot: null,
        };
        this.repo.insertDocument(row, nameKey(name));
        this.repo.setUpload(uploadId, 'done', id, null);
        const record = documentRecord(row);
        writer.put([ownerId], 'document', id, record);
        return record;
      });
    } catch (error) {
      await this.blobs.delete(id);
      throw error;
    }
  }

  /** Handlers for the documents mutations, run by the mutation service inside its transaction. */
  mutationHandlers(): Record<DocumentMutationType, DocumentMutationHandler> {
    return {
      'folder.create': ({ userId, writer, now }, payload) => {
        const p = DOCUMENT_MUTATIONS['folder.create'].parse(payload);
        if (this.repo.getFolder(userId, p.id) || this.repo.getDocument(userId, p.id)) return;
        const parentId = this.liveParent(userId, p.parentId);
        const name = freeName(checkedName(p.name), (key) => this.repo.nameTaken(userId, parentId, key));
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
          this.repo.insertFolder(row, nameKey(name));
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
        const item = this.repo.get(p.kind, userId, p.id);
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
            : freeName(wanted, (key) => this.repo.nameTaken(userId, parent, key, p.id));
        this.repo.update(p.kind, p.id, { name, nameKey: nameKey(name), updatedAt: iso(now) });
        this.emit(writer, p.kind, userId, p.id);
      },
      'documents.move': ({ userId, writer, now }, payload) => {
        const p = DOCUMENT_MUTATIONS['documents.move'].parse(payload);
        // Like a rename, a move reaching an item another device has put in the trash is kept:
        // restored, the item comes back in the folder it was moved to.
        const item = this.repo.get(p.kind, userId, p.id);
        if (!item) throw notFound();
        const target = this.liveParent(userId, p.folderId, true);
        if (p.kind === 'folder' && target !== null && this.repo.subtree(userId, p.id).includes(target)) {
          throw new AppError('VALIDATION_FAILED', 'A folder cannot be moved into itself.');
        }
        const name =
          item.trashedAt !== null
            ? item.name
            : freeName(item.name, (key) => this.repo.nameTaken(userId, target, key, p.id));
        this.repo.update(p.kind, p.id, {
          parentId: target,
          name,
          nameKey: nameKey(name),
          updatedAt: iso(now),
        });
        this.emit(writer, p.kind, userId, p.id);
      },
      'documents.trash': ({ userId, writer, now }, payload) => {
        const p = DOCUMENT_MUTATIONS['documents.trash'].parse(payload);
        const item = this.repo.get(p.kind, userId, p.id);
        if (!item) throw notFound();
        if (item.trashedAt !== null) return;
        const at = iso(now);
        const mark = { trashedAt: at, trashRoot: p.id, updatedAt: at };
        this.repo.update(p.kind, p.id, mark);
        this.emit(writer, p.kind, userId, p.id);
        if (p.kind === 'folder') {
          const tree = this.repo.subtree(userId, p.id);
          for (const f of this.repo.foldersIn(userId, tree)) {
            if (f.trashedAt !== null) continue;
            this.repo.update('folder', f.id, mark);
            this.emit(writer, 'folder', userId, f.id);
          }
          for (const d of this.repo.documentsIn(userId, tree)) {
            if (d.trashedAt !== null) continue;
            this.repo.update('document', d.id, mark);
            this.emit(writer, 'document', userId, d.id);
          }
        }
      },
      'documents.restore': ({ userId, writer, now }, payload) => {
        const p = DOCUMENT_MUTATIONS['documents.restore'].parse(payload);
        const item = this.repo.get(p.kind, userId, p.id);
        if (!item) throw notFound();
        if (item.trashedAt === null) return;
        const at = iso(now);
        // The root goes back where it was, or to the top if that folder is gone too.
        let parent = parentOf(item);
        if (parent !== null && this.repo.getFolder(userId, parent)?.trashedAt !== null) parent = null;
        const name = freeName(item.name, (key) => this.repo.nameTaken(userId, parent, key, p.id));
        const clear = { trashedAt: null, trashRoot: null, updatedAt: at };
        this.repo.update(p.kind, p.id, { ...clear, parentId: parent, name, nameKey: nameKey(name) });
        this.emit(writer, p.kind, userId, p.id);
        for (const kind of ['folder', 'document'] as const) {
          for (const other of this.repo.withTrashRoot(kind, userId, item.trashRoot ?? p.id)) {
            if (other.id === p.id) continue;
            // Renamed while in the trash, it may now share a name with a neighbour.
            const within = parentOf(other);
            const free = freeName(other.name, (key) => this.repo.nameTaken(userId, within, key, other.id));
            this.repo.update(kind, other.id, { ...clear, name: free, nameKey: nameKey(free) });
            this.emit(writer, kind, userId, other.id);
          }
        }
      },
      'documents.emptyTrash': ({ userId, writer }) => {
        this.purge(userId, writer, null);
      },
    };
  }

  /** Deletes trashed items (all, or those trashed before `before`); blobs go after the commit. */
  private purge(ownerId: string, writer: FeedWriter, before: string | null): void {
    const docs = this.repo.trashed('document', ownerId, before) as DocumentRow[];
    const folders = this.repo.trashed('folder', ownerId, before);
    const folderIds = folders.map((f) => f.id);
    // Everything inside a purged folder goes with it.
    const inside = this.repo.documentsIn(
      ownerId,
      folderIds.flatMap((id) => this.repo.subtree(ownerId, id)),
    );
    const allDocs = new Map([...docs, ...inside].map((d) => [d.id, d]));
    this.repo.deleteRows('document', [...allDocs.keys()]);
    const allFolders = new Set(folderIds.flatMap((id) => this.repo.subtree(ownerId, id)));
    this.repo.deleteRows('folder', [...allFolders]);
    for (const id of allDocs.keys()) writer.remove([ownerId], 'document', id);
    for (const id of allFolders) writer.remove([ownerId], 'folder', id);
    const keys = [...allDocs.values()].map((d) => d.blobKey);
    setImmediate(() => {
      for (const key of keys) void this.blobs.delete(key).catch(() => {});
    });
  }

  /** Purges what has been in the trash for TRASH_DAYS days. */
  purgeExpired(): void {
    const before = iso(this.now() - TRASH_DAYS * 86_400_000);
    for (const ownerId of this.repo.ownersWithTrashBefore(before)) {
      this.feed.write((writer) => this.purge(ownerId, writer, before));
    }
  }

  /** A link a browser can open without an Authorization header, valid for a few minutes. */
  signedLink(ownerId: string, id: string): string {
    this.getDocument(ownerId, id);
    const exp = Math.floor(this.now() / 1000) + 300;
    return `/api/documents/${id}/content?u=${encodeURIComponent(ownerId)}&e=${exp}&s=${this.sign(ownerId, id, exp)}`;
  }

  /** The owner a signed link was made for, or null. */
  verifyLink(id: string, query: { u?: string; e?: string; s?: string }): string | null {
    if (!query.u || !query.e || !query.s) return null;
    const exp = Number(query.e);
    if (!Number.isInteger(exp) || exp * 1000 < this.now()) return null;
    const expected = Buffer.from(this.sign(query.u, id, exp));
    const given = Buffer.from(query.s);
    return expected.length === given.length && timingSafeEqual(expected, given) ? query.u : null;
  }

  private sign(ownerId: string, id: string, exp: number): string {
    return createHmac('sha256', this.repo.downloadKey())
      .update(`${ownerId}\n${id}\n${exp}`)
      .digest('base64url');
  }

  private live(kind: ItemKind, ownerId: string, id: string): FolderRow | DocumentRow {
    const item = this.repo.get(kind, ownerId, id);
    if (!item || item.trashedAt !== null) throw notFound();
    return item;
  }

  /** A live folder of the owner, or null for the top level. */
  private liveParent(ownerId: string, id: string | null, strict = true): string | null {
    if (id === null) return null;
    const folder = this.repo.getFolder(ownerId, id);
    if (!folder || folder.trashedAt !== null) {
      if (strict) throw notFound();
      return null;
    }
    return folder.id;
  }

  private emit(writer: FeedWriter, kind: ItemKind, ownerId: string, id: string): void {
    const row = this.repo.get(kind, ownerId, id);
    if (!row) return;
    if (kind === 'folder') writer.put([ownerId], 'folder', id, folderRecord(row as FolderRow));
    else writer.put([ownerId], 'document', id, documentRecord(row as DocumentRow));
  }
}

/**
 * The upload's file vanished while it was being finished: a cancel (tus DELETE) removed
 * it. That is the answer for a cancelled upload, not a server failure.
 */
function cancelledMeanwhile(error: unknown): never {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound();
  throw error;
}

function parentOf(item: FolderRow | DocumentRow): string | null {
  return 'parentId' in item ? item.parentId : item.folderId;
}

async function sha256Stream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}
