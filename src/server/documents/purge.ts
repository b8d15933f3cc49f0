import { TRASH_DAYS } from '../../shared/documents/index.js';
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
  async purge(ownerId: string, writer: FeedWriter, before: string | null): Promise<void> {
    const repo = writer.tx.documents;
    const docs = (await repo.trashed('document', ownerId, before)) as DocumentRow[];
    const folders = await repo.trashed('folder', ownerId, before);
    // Everything inside a purged folder goes with it.
    const allFolders = new Set<string>();
    for (const f of folders) for (const id of await repo.subtree(ownerId, f.id)) allFolders.add(id);
    const inside = await repo.documentsIn(ownerId, [...allFolders]);
    const allDocs = new Map([...docs, ...inside].map((d) => [d.id, d]));
    await repo.deleteRows('document', [...allDocs.keys()]);
    await repo.deleteRows('folder', [...allFolders]);
    for (const id of allDocs.keys()) await writer.remove([ownerId], 'document', id);
    for (const id of allFolders) await writer.remove([ownerId], 'folder', id);
    const keys = [...allDocs.values()].map((d) => d.blobKey);
    setImmediate(() => {
      for (const key of keys) void this.blobs.delete(key).catch(() => {});
    });
  }

  /** Purges what has been in the trash for TRASH_DAYS days. */
  async purgeExpired(): Promise<void> {
    const before = iso(this.now() - TRASH_DAYS * 86_400_000);
    for (const ownerId of await this.repo.ownersWithTrashBefore(before)) {
      await this.feed.write((writer) => this.purge(ownerId, writer, before));
    }
  }
}
