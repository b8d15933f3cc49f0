import { createHash, type Hash } from 'node:crypto';
import type http from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';

/**
 * The tus file store, hashing the bytes as they arrive: when an upload's PATCHes come
 * in order (the usual case), its SHA-256 is ready the moment the last byte is written,
 * so finishing costs no second read of the file. Any gap (a PATCH that failed half-way,
 * a server restart) drops the running hash and finishing reads the file once instead.
 */
export class HashingFileStore extends FileStore {
  private readonly hashes = new Map<string, { hash: Hash; bytes: number }>();

  override async write(
    readable: http.IncomingMessage | Readable,
    id: string,
    offset: number,
  ): Promise<number> {
    let state = this.hashes.get(id);
    if (offset === 0) {
      state = { hash: createHash('sha256'), bytes: 0 };
      this.hashes.set(id, state);
    } else if (!state || state.bytes !== offset) {
      this.hashes.delete(id);
      state = undefined;
    }
    const running = state;
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (running) {
          running.hash.update(chunk);
          running.bytes += chunk.length;
        }
        done(null, chunk);
      },
    });
    readable.pipe(tee);
    readable.on('error', (error) => tee.destroy(error));
    try {
      const next = await super.write(tee, id, offset);
      if (running && running.bytes !== next) this.hashes.delete(id);
      return next;
    } catch (error) {
      this.hashes.delete(id);
      throw error;
    }
  }

  /** The SHA-256 of the first `size` bytes if every one of them went through this store in order. */
  takeDigest(id: string, size: number): string | null {
    const state = this.hashes.get(id);
    this.hashes.delete(id);
    return state && state.bytes === size ? state.hash.digest('hex') : null;
  }

  forget(id: string): void {
    this.hashes.delete(id);
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
