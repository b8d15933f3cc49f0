import type { Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { DataStore, Upload } from '@tus/server';
import type { BlobStore } from '../blobs/types.js';
import type { ErrorCode } from '../../shared/errors.js';
import { sha256File } from './hashing.js';
import type { HashingFileStore } from './hashingStore.js';
import { notFound } from './service.js';

/** What a request body did to an upload's bytes (before the upload is finished). */
export type WriteOutcome =
  | { kind: 'stored'; offset: number }
  | { kind: 'refused'; status: number; code: ErrorCode; message: string; offset?: number }
  | { kind: 'cut' };

export const refused = (
  status: number,
  code: ErrorCode,
  message: string,
  offset?: number,
): Extract<WriteOutcome, { kind: 'refused' }> => ({
  kind: 'refused',
  status,
  code,
  message,
  ...(offset !== undefined ? { offset } : {}),
});

/** The refusal of a body that would go past the upload's declared length (413; nothing of it is stored). */
export function pastLength(offset: number, size: number): Extract<WriteOutcome, { kind: 'refused' }> {
  return refused(
    413,
    'FILE_TOO_LARGE',
    `The request goes past the upload's length (Upload-Length ${size}); nothing of it was stored.`,
    offset,
  );
}

/** A complete upload's bytes, on their way to becoming a document's blob. */
export interface StagedUpload {
  /** Bytes it holds; null when they are gone (cancelled, or already filed as a blob). */
  size(): Promise<number | null>;
  /** The SHA-256 (hex) of the bytes it holds. */
  sha256(): Promise<string>;
  /** Removes the bytes (a checksum or quota refusal). */
  discard(): Promise<void>;
  /** Files the bytes as a blob (the document's id proposed as its key); resolves with the blob's key. */
  adopt(key: string): Promise<string>;
}

/**
 * Where a tus upload's bytes live until it is finished: @tus/server's datastore for
 * creation, HEAD and termination, and the writing of PATCH bodies. The local folder keeps
 * them on this instance's disk (FileUploadBytes); S3 keeps every byte and the upload's
 * state in the bucket (S3UploadBytes), so any instance continues any upload.
 */
export interface UploadBytes {
  readonly datastore: DataStore;
  getUpload(id: string): Promise<Upload>;
  /** Ms an unfinished upload is kept (0: for ever). */
  getExpiration(): number;
  /**
   * Appends one request body at `offset`, at most `size - offset` bytes. With `hash` and
   * `expected` (Upload-Checksum), a body is kept only whole and matching; one that goes
   * past the length is refused with nothing kept; a cut body keeps what arrived.
   */
  write(
    req: IncomingMessage,
    id: string,
    offset: number,
    size: number,
    hash: Hash | undefined,
    expected: Buffer | null,
  ): Promise<WriteOutcome>;
  /** The upload's bytes for finishing; `complete` when its offset reached its length. */
  staged(id: string, complete: number | null): StagedUpload;
  /** The upload became its document: what is left of its state goes. */
  finished(id: string): Promise<void>;
  /** Removes an upload nobody can continue. */
  remove(id: string): Promise<void>;
  /** Forgets what this instance holds about an upload (terminated). */
  forget(id: string): void;
  close(): Promise<void>;
}

/** The upload's file vanished while it was being finished: a cancel (tus DELETE) removed it. */
export function cancelledMeanwhile(error: unknown): never {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound();
  throw error;
}

/**
 * Uploads assembled as files in `<data dir>/uploads` (HashingFileStore), on the same disk
 * as the blob folder, so finishing is a rename, with the SHA-256 read by a worker that
 * followed the file as it arrived.
 */
export class FileUploadBytes implements UploadBytes {
  constructor(
    readonly datastore: HashingFileStore,
    private readonly directory: string,
    private readonly blobs: BlobStore,
  ) {}

  getUpload(id: string): Promise<Upload> {
    return this.datastore.getUpload(id);
  }

  getExpiration(): number {
    return this.datastore.getExpiration();
  }

  async write(
    req: IncomingMessage,
    id: string,
    offset: number,
    size: number,
    hash: Hash | undefined,
    expected: Buffer | null,
  ): Promise<WriteOutcome> {
    const store = this.datastore;
    let received;
    try {
      // Never past the declared length; a cut connection (or a newer PATCH ending this one)
      // ends the write.
      received = await store.receive(req, id, offset, size - offset, hash);
    } catch {
      // The file went away under the write: the upload was cancelled (tus DELETE) meanwhile,
      // which is answered like an upload that does not exist, not as a server failure.
      const gone = await fsp.access(path.join(this.directory, id)).then(
        () => false,
        () => true,
      );
      if (req.destroyed && !gone) return { kind: 'cut' };
      return gone
        ? refused(404, 'NOT_FOUND', 'Not found.')
        : refused(500, 'INTERNAL', 'The upload could not be written.');
    }
    if (received.overflow) {
      await store.rollBack(id, offset);
      return pastLength(offset, size);
    }
    if (hash && expected) {
      // A chunk is kept only whole and as its checksum says; a cut one cannot be checked.
      if (!received.ended || !hash.digest().equals(expected)) {
        await store.rollBack(id, offset);
        if (!received.ended) return { kind: 'cut' };
        return refused(
          460,
          'CHECKSUM_MISMATCH',
          'The request body does not match its Upload-Checksum; nothing of it was stored.',
          offset,
        );
      }
    }
    // A cut request keeps every byte that arrived: the client continues from there.
    if (!received.ended) return { kind: 'cut' };
    return { kind: 'stored', offset: received.offset };
  }

  staged(id: string, complete: number | null): StagedUpload {
    const file = path.join(this.directory, id);
    return {
      size: () =>
        fsp.stat(file).then(
          (s) => s.size,
          () => null,
        ),
      sha256: async () =>
        (complete !== null ? await this.datastore.digest(id, complete) : null) ??
        (await sha256File(file).catch(cancelledMeanwhile)),
      discard: () => fsp.rm(file, { force: true }),
      adopt: async (key) => {
        await this.blobs.adopt(file, key).catch(cancelledMeanwhile);
        return key;
      },
    };
  }

  async finished(id: string): Promise<void> {
    await this.datastore.configstore.delete(id).catch(() => undefined);
  }

  async remove(id: string): Promise<void> {
    await this.datastore.remove(id).catch(() => undefined);
    this.datastore.forget(id);
  }

  forget(id: string): void {
    this.datastore.forget(id);
  }

  close(): Promise<void> {
    return this.datastore.hasher.close();
  }
}
