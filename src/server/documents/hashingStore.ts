import fsp from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import type { Hash } from 'node:crypto';
import { finished, type Readable, Writable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { FileHasher } from '../../node/fileHasher.js';

/** Bytes between the worker's looks at an upload while a request writes it. */
const FOLLOW_STEP = 8 * 1024 * 1024;
/** Bytes between flushes of an upload to the disk (started early, so finishing is quick). */
const SYNC_STEP = 64 * 1024 * 1024;
/**
 * Bytes a request may have received and not yet written (those are written together).
 * While one write is on its way to the file the socket keeps being read into this; a
 * buffer of one socket read (64 KiB) paused the socket on every write, and reading and
 * writing took turns. A megabyte keeps both busy (4 MiB measured no faster) and is what
 * each upload in progress holds at most.
 */
const WRITE_BUFFER = 1024 * 1024;

/** What @tus/server answers when a body cannot be written. */
const WRITE_ERROR = { status_code: 500, body: 'Something went wrong receiving the file\n' };

/** The extensions of tus 1.0 this server speaks (and says so in Tus-Extension). */
export const TUS_EXTENSIONS = ['creation', 'creation-with-upload', 'termination', 'checksum', 'expiration'];

/** What one request body did to an upload's file. */
export interface Received {
  /** The upload's offset after the bytes that were written. */
  offset: number;
  /** False when the body was cut (the client went away, or a newer request ended it). */
  ended: boolean;
  /** True when the body went on past the room it had: what fitted was written, the rest was not read. */
  overflow: boolean;
}

/**
 * The tus file store, with every upload hashed alongside by a worker thread (see
 * FileHasher) that follows the file while a request writes it: when the last byte is
 * written, the SHA-256 is a moment away, and most of the file is already on the disk.
 */
export class HashingFileStore extends FileStore {
  readonly hasher = new FileHasher({ syncEvery: SYNC_STEP });

  constructor(options: ConstructorParameters<typeof FileStore>[0]) {
    super(options);
    // FileStore also names creation-defer-length, which the platform does not offer: every
    // upload declares its length at creation, where the quota is checked against it.
    this.extensions = [...TUS_EXTENSIONS];
  }

  /** FileStore's write, for anything of @tus/server's that still calls it: a cut body is an error. */
  override async write(
    readable: http.IncomingMessage | Readable,
    id: string,
    offset: number,
    room = Number.MAX_SAFE_INTEGER,
  ): Promise<number> {
    const received = await this.receive(readable, id, offset, room);
    if (!received.ended) throw WRITE_ERROR;
    return received.offset;
  }

  /**
   * Appends a request body at `offset`; at most `room` bytes (the rest of the declared
   * length): a body that goes on past it is no longer read, and says so (`overflow`). The
   * body goes from the socket to the file through one writable (chunks that queue up
   * meanwhile go in one writev), so the request thread does little more than the copies
   * the kernel makes; `checksum`, when given, sees every byte that is written. A cut
   * request ends the write: what arrived is written and stays, unless the caller takes it
   * back (rollBack).
   */
  async receive(
    readable: http.IncomingMessage | Readable,
    id: string,
    offset: number,
    room: number,
    checksum?: Hash,
  ): Promise<Received> {
    const file = this.resolvePath(id);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, 'r+');
    } catch {
      readable.resume();
      throw WRITE_ERROR;
    }
    let at = offset;
    let left = room;
    let told = offset;
    let overflow = false;
    let writing: Promise<unknown> = Promise.resolve();
    let stop: () => void = () => undefined;
    const sink = new Writable({
      highWaterMark: WRITE_BUFFER,
      writev: (chunks, done) => {
        const buffers: Buffer[] = [];
        for (const { chunk } of chunks as { chunk: Buffer }[]) {
          if (chunk.length > left) overflow = true;
          if (left <= 0) break;
          const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
          left -= part.length;
          buffers.push(part);
          checksum?.update(part);
        }
        if (overflow) stop();
        writing = writeAll(handle, buffers, at).then((n) => {
          at += n;
          // Every byte below `at` is final (tus only appends): the worker may hash it.
          if (at - told >= FOLLOW_STEP) {
            told = at;
            this.hasher.advance(id, file, at);
          }
          done();
        }, done);
      },
    });
    try {
      const ended = await drain(readable, sink, (end) => (stop = end));
      return { offset: at, ended: ended || overflow, overflow };
    } catch {
      throw WRITE_ERROR;
    } finally {
      // A write on its way ends first: the next request starts at the end of the file.
      await writing;
      await handle.close().catch(() => undefined);
      if (at > 0) this.hasher.advance(id, file, at);
    }
  }

  /**
   * Takes back what a request wrote past `offset` (a chunk whose checksum did not match,
   * a body longer than the upload): the file is cut there and the worker forgets what it
   * hashed, reading the file again from the start when it is next asked.
   */
  async rollBack(id: string, offset: number): Promise<void> {
    this.hasher.forget(id);
    await fsp.truncate(this.resolvePath(id), offset).catch(() => undefined);
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
 * Pipes the body into the sink; resolves true when the body ended, false when it was cut
 * (the client went away). Either way every byte that arrived is written first: a cut
 * request does not lose what the sink still held, so the client continues from there.
 */
function drain(
  readable: http.IncomingMessage | Readable,
  sink: Writable,
  onStop: (stop: () => void) => void,
): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    const end = (ended: boolean) => {
      if (settled) return;
      settled = true;
      readable.unpipe(sink);
      sink.once('finish', () => resolve(ended));
      sink.end();
    };
    // The sink stops reading before the body ended (it is longer than the upload): the
    // rest of the body stays unread, for the caller to answer and drain.
    onStop(() => {
      readable.pause();
      end(false);
    });
    sink.once('error', reject);
    readable.pipe(sink, { end: false });
    // Also when the body was cut before this started (finished() reports that at once).
    finished(readable, (error) => end(!error));
  });
}

/** Writes the buffers at `position` (a short write continues); resolves with the bytes written. */
async function writeAll(handle: fsp.FileHandle, buffers: Buffer[], position: number): Promise<number> {
  let total = 0;
  let rest = buffers;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest, position + total);
    if (bytesWritten <= 0) throw new Error('The upload could not be written.');
    total += bytesWritten;
    let skip = bytesWritten;
    const next: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      next.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    rest = next;
  }
  return total;
}

/**
 * FileStore creates its folder with an asynchronous mkdir whose failure is thrown from a
 * callback, out of anyone's reach (a server closed and its folder removed right after
 * start crashes the process). The documents module creates the folder synchronously
 * before the store exists, so the store's own step is replaced by nothing. (The method is
 * private in FileStore's types, hence the prototype.)
 */
Object.defineProperty(HashingFileStore.prototype, 'checkOrCreateDirectory', { value: () => undefined });
