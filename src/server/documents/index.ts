import fs from 'node:fs';
import path from 'node:path';
import type { Server as TusServer } from '@tus/server';
import type { BlobStore } from '../blobs/types.js';
import { LocalDiskBlobStore } from '../blobs/localDisk.js';
import type { Now } from '../clock.js';
import type { Feed } from '../sync/feed.js';
import type { SessionService } from '../auth/sessions.js';
import type { Store } from '../store/types.js';
import { S3BlobStore, type S3Config } from '../blobs/s3.js';
import { HashingFileStore } from './hashingStore.js';
import { S3UploadBytes } from './s3Uploads.js';
import { FileUploadBytes, type UploadBytes } from './uploadBytes.js';
import { TusPatch } from './patch.js';
import { SignedLinks } from './links.js';
import { documentMutationHandlers, type DocumentMutationHandlers } from './mutations.js';
import { TrashPurge } from './purge.js';
import { DocumentService, type DocumentLimits } from './service.js';
import { DocumentUploads } from './uploads.js';
import { createTusServer } from './tus.js';

export interface DocumentsModule {
  /** The list, the quota, one document. */
  service: DocumentService;
  uploads: DocumentUploads;
  links: SignedLinks;
  /** The documents mutations, run by the mutation service inside its transaction. */
  mutationHandlers: DocumentMutationHandlers;
  blobs: BlobStore;
  tus: TusServer;
  /** tus PATCH from the Node request straight to the upload's bytes. */
  patch: TusPatch;
  /** Where uploads' bytes live until finished: the local folder, or the S3 bucket. */
  bytes: UploadBytes;
  /** Where tus assembles uploads on the local disk (beside the blobs, so finishing is a rename). */
  uploadDir: string;
  /** Expired uploads and 30-day-old trash go; run hourly. */
  housekeeping(): Promise<void>;
}

export function createDocuments(o: {
  store: Store;
  feed: Feed;
  now: Now;
  sessions: SessionService;
  dataDir: string;
  limits: DocumentLimits;
  uploadExpiryMs: number;
  log: { error(obj: unknown, msg: string): void };
  /** Documents and uploads in an S3 bucket; null: the local folder under dataDir. */
  s3?: S3Config | null;
}): DocumentsModule {
  const uploadDir = path.join(o.dataDir, 'uploads');
  fs.mkdirSync(uploadDir, { recursive: true });
  let blobs: BlobStore;
  let bytes: UploadBytes;
  if (o.s3) {
    const s3 = new S3BlobStore(o.s3);
    blobs = s3;
    bytes = new S3UploadBytes(o.s3, s3, o.uploadExpiryMs);
  } else {
    const blobDir = path.join(o.dataDir, 'blobs');
    blobs = new LocalDiskBlobStore(blobDir);
    const store = new HashingFileStore({
      directory: uploadDir,
      expirationPeriodInMilliseconds: o.uploadExpiryMs,
    });
    bytes = new FileUploadBytes(store, uploadDir, blobs);
  }
  const repo = o.store.documents;
  const uploads = new DocumentUploads(repo, blobs, o.store, o.feed, o.now, o.limits);
  const trash = new TrashPurge(repo, blobs, o.feed, o.now);
  const tus = createTusServer({
    bytes,
    sessions: o.sessions,
    documents: uploads,
    log: o.log,
  });
  return {
    service: new DocumentService(repo, o.limits),
    uploads,
    links: new SignedLinks(repo, o.now),
    mutationHandlers: documentMutationHandlers(trash),
    blobs,
    tus,
    patch: new TusPatch(bytes, uploads),
    bytes,
    uploadDir,
    async housekeeping() {
      await tus.cleanUpExpiredUploads().catch(() => 0);
      const before = new Date(o.now() - o.uploadExpiryMs).toISOString();
      for (const upload of await repo.staleUploads(before)) {
        await uploads.uploadFailed(upload.id, 'EXPIRED');
        // On S3, an upload whose bytes were joined but never finished (its SHA-256 never
        // came) is no multipart upload any more, so tus's clean-up does not see it.
        if (o.s3) await bytes.remove(upload.id);
      }
      await trash.purgeExpired();
    },
  };
}
