import type http from 'node:http';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { FileHasher } from '../../node/fileHasher.js';

/**
 * The tus file store, with every upload hashed alongside by a worker thread (see
 * FileHasher): when the last byte is written, the SHA-256 is a moment away and no
 * request waited for it.
 */
export class HashingFileStore extends FileStore {
  readonly hasher = new FileHasher();

  override async write(
    readable: http.IncomingMessage | Readable,
    id: string,
    offset: number,
  ): Promise<number> {
    let upTo = offset;
    try {
      upTo = await super.write(readable, id, offset);
      return upTo;
    } catch (error) {
      upTo = await this.getUpload(id)
        .then((u) => u.offset)
        .catch(() => offset);
      throw error;
    } finally {
      // Whatever reached the disk below the new offset is final: hash it in the background.
      if (upTo > 0) this.hasher.advance(id, this.resolvePath(id), upTo);
    }
  }

  resolvePath(id: string): string {
    return path.join(this.directory, id);
  }

  /** The SHA-256 of the first `size` bytes of the upload's file. */
  digest(id: string, size: number): Promise<string | null> {
    return this.hasher.digest(id, this.resolvePath(id), size);
  }

  forget(id: string): void {
    this.hasher.forget(id);
  }
}

/**
 * FileStore creates its folder with an asynchronous mkdir whose failure is thrown from a
 * callback, out of anyone's reach (a server closed and its folder removed right after
 * start crashes the process). The documents module creates the folder synchronously
 * before the store exists, so the store's own step is replaced by nothing. (The method is
 * private in FileStore's types, hence the prototype.)
 */
Object.defineProperty(HashingFileStore.prototype, 'checkOrCreateDirectory', { value: () => undefined });
