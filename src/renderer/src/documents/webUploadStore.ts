import { z } from 'zod';
import type { StoredUpload, UploadStore } from '../../../client/uploads/ports.js';
import type { WebOrigin } from './webFileSource.js';

/** What the page keeps of an unfinished upload, so that closing it loses nothing. */
const SavedUploadSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number(),
  sent: z.number(),
  lastModified: z.number(),
  folderId: z.string().nullable(),
  sha256: z.string().nullable(),
  uploadUrl: z.string().nullable(),
});
type SavedUpload = z.infer<typeof SavedUploadSchema>;
const SavedUploadsSchema = z.array(SavedUploadSchema);
const UPLOADS_KEY = 'sferum.uploads.';
const WRITE_EVERY_MS = 150;

type Upload = StoredUpload<WebOrigin>;

/** Uploads a reload continues: sending or waiting, and those waiting for their file. */
function unfinished(r: Upload): boolean {
  return (
    r.state === 'queued' ||
    r.state === 'hashing' ||
    r.state === 'uploading' ||
    r.state === 'paused' ||
    (r.state === 'failed' && r.error?.code === 'UPLOAD_FILE_NEEDED')
  );
}

/** What a write depends on: progress alone is not written (the server is asked after a reload). */
const signatureOf = (r: Upload) => `${r.id}:${r.uploadUrl ?? ''}:${r.sha256 ?? ''}`;

/**
 * The web version's upload queue in the browser's storage, one key per parent
 * (`sferum.uploads.<owner>`, a JSON array of SavedUpload). Only unfinished uploads are
 * kept (done, cancelled and refused ones are let go), and a parent's key is written when
 * the set of uploads, their URLs or hashes change, not on every bit of progress: a folder
 * of thousands of files would otherwise be rewritten several times a second. A new upload
 * URL is written at once (the page may be closed in the next moment); other changes within
 * WRITE_EVERY_MS are written together. A restored upload comes back as failed, waiting for
 * its file, at the offset the page last wrote.
 */
export function createWebUploadStore(storage: Storage | undefined): UploadStore<WebOrigin> {
  /** The unfinished uploads of each parent, and what their key was last written with. */
  const kept = new Map<string, Map<string, { record: Upload; signature: string }>>();
  /** Parents whose key waits to be written, and the timer that writes them. */
  const due = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | null = null;

  const of = (owner: string) => {
    let uploads = kept.get(owner);
    if (!uploads) kept.set(owner, (uploads = new Map()));
    return uploads;
  };

  function write(owner: string): void {
    const list: SavedUpload[] = [...of(owner).values()]
      .map((e) => e.record)
      .sort((a, b) => a.seq - b.seq)
      .map((r) => ({
        id: r.id,
        name: r.name,
        size: r.size,
        sent: r.offset,
        lastModified: r.origin.lastModified,
        folderId: r.folderId,
        sha256: r.sha256,
        uploadUrl: r.uploadUrl,
      }));
    due.delete(owner);
    try {
      if (list.length === 0) storage?.removeItem(UPLOADS_KEY + owner);
      else storage?.setItem(UPLOADS_KEY + owner, JSON.stringify(list));
    } catch {
      // Storage full or refused: the uploads go on, only a reload would forget them.
    }
  }

  function writeSoon(owner: string): void {
    due.add(owner);
    timer ??= setTimeout(() => {
      timer = null;
      for (const waiting of [...due]) write(waiting);
    }, WRITE_EVERY_MS);
  }

  return {
    load(owner) {
      let saved: SavedUpload[] = [];
      try {
        saved = SavedUploadsSchema.parse(JSON.parse(storage?.getItem(UPLOADS_KEY + owner) ?? '[]'));
      } catch {
        // A damaged entry is dropped rather than breaking the page.
        write(owner);
      }
      const uploads = of(owner);
      return saved.map((u, i) => {
        const record: Upload = {
          id: u.id,
          seq: i + 1,
          owner,
          name: u.name,
          folderId: u.folderId,
          size: u.size,
          origin: { lastModified: u.lastModified },
          sha256: u.sha256,
          uploadUrl: u.uploadUrl,
          offset: u.sent,
          state: 'failed',
          error: { code: 'UPLOAD_FILE_NEEDED', message: 'Add the file again to continue.' },
          documentId: null,
        };
        uploads.set(u.id, { record: { ...record }, signature: signatureOf(record) });
        return record;
      });
    },
    save(records) {
      const changed = new Map<string, boolean>();
      for (const record of records) {
        const uploads = of(record.owner);
        const before = uploads.get(record.id);
        const after = unfinished(record) ? signatureOf(record) : null;
        if (after === null) uploads.delete(record.id);
        else uploads.set(record.id, { record: { ...record }, signature: after });
        if ((before?.signature ?? null) === after) continue;
        const newUrl =
          after !== null && record.uploadUrl !== null && before?.record.uploadUrl !== record.uploadUrl;
        changed.set(record.owner, (changed.get(record.owner) ?? false) || newUrl);
      }
      for (const [owner, now] of changed) {
        if (now) write(owner);
        else writeSoon(owner);
      }
    },
    remove(ids) {
      for (const [owner, uploads] of kept) {
        let removed = false;
        for (const id of ids) removed = uploads.delete(id) || removed;
        if (removed) writeSoon(owner);
      }
    },
  };
}
