import fs from 'node:fs';
import path from 'node:path';
import type { Server as TusServer } from '@tus/server';
import type { BlobStore } from '../blobs/types.js';
import { LocalDiskBlobStore } from '../blobs/localDisk.js';
import type { Now } from '../clock.js';
import type { Feed } from '../sync/feed.js';
import type { SessionService } from '../auth/sessions.js';
import type { Store } from '../store/types.js';
import type { HashingFileStore } from './hashingStore.js';
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
  /** tus PATCH from the Node request straight to the file store. */
  patch: TusPatch;
  /** Where tus assembles uploads; on the same disk as the blobs, so finishing is a rename. */
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
}): DocumentsModule {
  const uploadDir = path.join(o.dataDir, 'uploads');
  fs.mkdirSync(uploadDir, { recursive: true });
  const blobs = new LocalDiskBlobStore(path.join(o.dataDir, 'blobs'));
  const repo = o.store.documents;
  const uploads = new DocumentUploads(repo, blobs, o.store, o.feed, o.now, o.limits);
  const trash = new TrashPurge(repo, blobs, o.feed, o.now);
  const tus = createTusServer({
    directory: uploadDir,
    expiryMs: o.uploadExpiryMs,
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
    patch: new TusPatch(tus.datastore as HashingFileStore, uploads, uploadDir),
    uploadDir,
    async housekeeping() {
      await tus.cleanUpExpiredUploads().catch(() => 0);
      const before = new Date(o.now() - o.uploadExpiryMs).toISOString();
      for (const upload of await repo.staleUploads(before)) await uploads.uploadFailed(upload.id, 'EXPIRED');
      await trash.purgeExpired();
    },
  };
}
