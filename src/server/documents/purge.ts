import { TRASH_DAYS } from '../../shared/documents.js';
import type { BlobStore } from '../blobs/types.js';
import { iso, type Now } from '../clock.js';
import type { Feed, FeedWriter } from '../sync/feed.js';
import type { DocumentRepo, DocumentRow } from '../store/types.js';

/** Emptying the trash: on request (a mutation), and what has waited there TRASH_DAYS days. */
export class TrashPurge {
  constructor(
    private readonly repo: DocumentRepo,
    private readonly blobs: BlobStore,
    private readonly feed: Feed,
    private readonly now: Now,
  ) {}

  /** Deletes trashed items (all, or those trashed before `before`); blobs go after the commit. */
  purge(ownerId: string, writer: FeedWriter, before: string | null): void {
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
}
