import {
  mimeFromName,
  nameKey,
  sanitizeName,
  UploadMetadataSchema,
  type DocumentRecord,
  type UploadMetadata,
} from '../../shared/documents/index.js';
import { AppError, ErrorCodeSchema } from '../../shared/errors.js';
import type { BlobStore } from '../blobs/types.js';
import { iso, type Now } from '../clock.js';
import type { Feed } from '../sync/feed.js';
import type { DocumentRepo, DocumentRow, Store } from '../store/types.js';
import { cleanMime } from './contentType.js';
import { sha256Stream } from './hashing.js';
import { documentRecord } from './records.js';
import { checkedName, freeName, newId, notFound, type DocumentLimits } from './service.js';
import type { StagedUpload } from './uploadBytes.js';

/**
 * Uploads into the document cloud: the checks before a byte is sent (name, size, quota),
 * and finishing a complete upload into a document, written together with its feed row.
 */
export class DocumentUploads {
  private readonly finishing = new Map<string, Promise<DocumentRecord>>();

  constructor(
    private readonly repo: DocumentRepo,
    private readonly blobs: BlobStore,
    private readonly store: Store,
    private readonly feed: Feed,
    private readonly now: Now,
    private readonly limits: DocumentLimits,
  ) {}

  /** Checks a new upload before a byte is sent, and records it (its size counts against the quota). */
  async createUpload(
    ownerId: string,
    uploadId: string,
    size: number | undefined,
    raw: Record<string, string | null>,
  ): Promise<void> {
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
    await this.store.transaction(async ({ documents }) => {
      const used = (await documents.usedBytes(ownerId)) + (await documents.reservedBytes(ownerId));
      if (used + size > this.limits.quotaBytes) {
        throw new AppError('QUOTA_EXCEEDED', 'There is not enough space left in your storage for this file.');
      }
      await documents.insertUpload({
        id: uploadId,
        ownerId,
        size,
        metadata: JSON.stringify(parsed.data),
        createdAt: iso(this.now()),
      });
    });
  }

  /** True if the upload exists and is the caller's (tus requests on anybody else's id are 404). */
  async ownsUpload(ownerId: string, uploadId: string): Promise<boolean> {
    return (await this.repo.getUpload(uploadId))?.ownerId === ownerId;
  }

  /** True if the upload's creation declared its SHA-256 (in the tus metadata). */
  async declaredChecksum(uploadId: string): Promise<boolean> {
    const row = await this.repo.getUpload(uploadId);
    if (!row) return false;
    return UploadMetadataSchema.safeParse(JSON.parse(row.metadata)).data?.sha256 != null;
  }

  async uploadFailed(uploadId: string, code: string): Promise<void> {
    // One transaction: a finish committing meanwhile is either seen as done or comes after.
    const claimed = await this.store.transaction(async ({ documents }) => {
      const row = await documents.getUpload(uploadId);
      if (!row || row.state !== 'active') return null;
      await documents.setUpload(uploadId, 'failed', null, code);
      return row.documentId;
    });
    // Bytes a cut finish had filed under its claimed key go with the upload.
    if (claimed) void this.blobs.delete(claimed).catch(() => {});
  }

  /**
   * Turns a complete upload into a document: checks its length and SHA-256, the quota
   * once more, files its bytes as a blob (a rename on the local disk; on S3 the joined
   * upload object is the blob), then writes the document and its
   * feed change in one transaction. Safe to call twice (the last PATCH and an explicit
   * finish after a lost answer): the second call gets the same document.
   */
  finishUpload(
    ownerId: string,
    uploadId: string,
    staged: StagedUpload,
    hashes: { claimed?: string | null } = {},
  ): Promise<DocumentRecord> {
    const running = this.finishing.get(uploadId);
    if (running) return running;
    const work = this.doFinish(ownerId, uploadId, staged, hashes).finally(() =>
      this.finishing.delete(uploadId),
    );
    this.finishing.set(uploadId, work);
    return work;
  }

  private async doFinish(
    ownerId: string,
    uploadId: string,
    staged: StagedUpload,
    hashes: { claimed?: string | null },
  ): Promise<DocumentRecord> {
    const upload = await this.repo.getUpload(uploadId);
    if (!upload || upload.ownerId !== ownerId) throw notFound();
    if (upload.state === 'done' && upload.documentId) {
      const doc = await this.repo.getDocument(ownerId, upload.documentId);
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
    let size = await staged.size();
    if (size === null) {
      const filed = claimedKey ? await this.blobs.size(claimedKey).catch(() => null) : null;
      if (filed === null) throw notFound();
      size = filed;
      fromBlob = true;
    }
    const discard = () => (fromBlob ? this.blobs.delete(claimedKey!) : staged.discard());
    if (size !== upload.size)
      throw new AppError('UPLOAD_INCOMPLETE', 'The upload has not received every byte yet.');
    const expected =
      meta.sha256 ?? (hashes.claimed && /^[0-9a-f]{64}$/.test(hashes.claimed) ? hashes.claimed : null);
    if (!expected) {
      throw new AppError('CHECKSUM_MISMATCH', 'Send the SHA-256 of the whole file to finish the upload.');
    }
    // Hashed while it arrived when the bytes came in order; otherwise read once now.
    const digest = fromBlob ? await sha256Stream(this.blobs.read(claimedKey!)) : await staged.sha256();
    if (digest !== expected) {
      await this.repo.setUpload(uploadId, 'failed', null, 'CHECKSUM_MISMATCH');
      await discard();
      throw new AppError(
        'CHECKSUM_MISMATCH',
        'The received file does not match its SHA-256; nothing was stored.',
      );
    }
    if ((await this.repo.usedBytes(ownerId)) + size > this.limits.quotaBytes) {
      await this.repo.setUpload(uploadId, 'failed', null, 'QUOTA_EXCEEDED');
      await discard();
      throw new AppError('QUOTA_EXCEEDED', 'There is not enough space left in your storage for this file.');
    }
    const id = claimedKey ?? newId();
    let blobKey = id;
    if (!fromBlob) {
      // The key is written down before the file moves, so a crash between the move and
      // the commit below leaves a blob that the next finish (or housekeeping) finds.
      if (!claimedKey && !(await this.repo.claimBlobKey(uploadId, id))) throw notFound();
      blobKey = await staged.adopt(id);
    }
    try {
      return await this.feed.write(async (writer, { documents }) => {
        // A cancel (tus DELETE) that landed while the file was checked and filed wins: no document.
        if ((await documents.getUpload(uploadId))?.state !== 'active') throw notFound();
        const at = iso(this.now());
        let folderId = meta.folderId;
        if (folderId && (await documents.getFolder(ownerId, folderId))?.trashedAt !== null) folderId = null;
        const name = await freeName(checkedName(meta.filename), (key) =>
          documents.nameTaken(ownerId, folderId, key),
        );
        const row: DocumentRow = {
          id,
          ownerId,
          folderId,
          name,
          size,
          mime: meta.mime,
          sha256: digest,
          blobKey,
          createdAt: at,
          updatedAt: at,
          trashedAt: null,
          trashRoot: null,
        };
        await documents.insertDocument(row, nameKey(name));
        await documents.setUpload(uploadId, 'done', id, null);
        const record = documentRecord(row);
        await writer.put([ownerId], 'document', id, record);
        return record;
      });
    } catch (error) {
      await this.blobs.delete(blobKey);
      throw error;
    }
  }
}
