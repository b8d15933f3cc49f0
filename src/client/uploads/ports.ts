import type { UploadQueueState, UploadState } from '../../shared/documents/ipc.js';
import type { ErrorCode } from '../../shared/errors.js';

/**
 * What the upload engine needs from the target it runs in. Every port speaks the
 * shared contract's error codes: a port rejects with an AppError (or anything with a
 * `code`), and the engine decides from the code alone.
 */

/** Time and timers; tests pass a fake one and advance it by hand. */
export interface Clock {
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** What a target keeps of an upload, so that quitting or closing the page loses nothing. */
export interface StoredUpload<O = unknown> {
  id: string;
  /** Order of adding (per owner): the queue's order. */
  seq: number;
  /** The signed-in person who added it (a computer or a browser may be shared by the family). */
  owner: string;
  name: string;
  folderId: string | null;
  size: number;
  /**
   * Where the bytes come from, as the target needs to find and check them again:
   * the desktop's path and mtime, the web's lastModified.
   */
  origin: O;
  sha256: string | null;
  uploadUrl: string | null;
  /** The last offset the server confirmed. */
  offset: number;
  state: UploadState;
  error: { code: ErrorCode; message: string } | null;
  documentId: string | null;
}

/** The persisted queue: the desktop's SQLite cache, the browser's storage. */
export interface UploadStore<O = unknown> {
  /** Every upload of one owner (called once per owner, the first time they are signed in). */
  load(owner: string): StoredUpload<O>[];
  /** Writes these uploads as they are now (one or many: a drop of a folder is one call). */
  save(uploads: readonly StoredUpload<O>[]): void;
  remove(ids: readonly string[]): void;
}

/** The bytes of one file, as the target reaches them. */
export interface UploadSource<O = unknown> {
  /**
   * Resolves when the file is still as it was added; rejects with FILE_CHANGED (another
   * size or time, or the browser refuses to read it) or FILE_UNREADABLE (gone).
   */
  check(): Promise<void>;
  /**
   * The SHA-256 of the whole file, lowercase hex. The desktop computes it from the bytes
   * as they are sent (it resolves once they all went); the web reads the file first.
   */
  digest(): Promise<string>;
  /** Before a retry from scratch: the file as it is now (the desktop's stat), or null. */
  refresh?(): { size: number; origin: O } | null;
  /** The upload is over (done, failed, cancelled): drop whatever is held for it. */
  release?(): void;
}

/** Finds the bytes of stored uploads after a restart; null when they cannot be reached (a closed page's File). */
export interface UploadSources<O = unknown, S extends UploadSource<O> = UploadSource<O>> {
  open(upload: StoredUpload<O>): S | null;
}

/**
 * tus 1.0 as the engine uses it. A request the server does not answer rejects with
 * NETWORK_OFFLINE (a 5xx too); a refused token is refreshed inside the transport (see
 * client/http/authorised.ts), so UNAUTHENTICATED or SESSION_EXPIRED only when that failed.
 */
export interface UploadTransport<S extends UploadSource = UploadSource> {
  /** HEAD: the server's offset, or null when the upload is gone (404/410). */
  offset(url: string, signal: AbortSignal): Promise<number | null>;
  /**
   * POST: a new upload of `source`; resolves with its URL. QUOTA_EXCEEDED, FILE_TOO_LARGE...
   * reject. (`source`: what the target needs of the file for it, the web's mime type.)
   */
  create(
    input: { size: number; name: string; folderId: string | null; sha256: string | null; source: S },
    signal: AbortSignal,
  ): Promise<string>;
  /**
   * PATCH bytes [offset, offset + length) of `source`, reporting bytes as they are handed
   * to the network. Resolves with the server's new offset (on a 409, the offset the server
   * says it is at) and, when the upload became a document, its id. `sha256` goes with the
   * last chunk when it is known. NOT_FOUND: the upload is gone; CHECKSUM_MISMATCH: the
   * bytes were not the file's.
   */
  send(
    input: {
      url: string;
      offset: number;
      length: number;
      source: S;
      sha256: string | null;
      onBytes(bytes: number): void;
    },
    signal: AbortSignal,
  ): Promise<{ offset: number; documentId: string | null }>;
  /**
   * POST <url>/finish: idempotent, it answers the document the upload became (also when it
   * became one earlier and the answer was lost). NOT_FOUND: gone; CHECKSUM_MISMATCH: the
   * bytes are not the file's; UPLOAD_INCOMPLETE: bytes are missing.
   */
  finish(url: string, sha256: string | null, signal: AbortSignal): Promise<string>;
  /** DELETE (tus termination); never rejects (an abandoned upload expires on the server). */
  terminate(url: string): Promise<void>;
  /**
   * An upload of this same file that this device began before and may continue (the web
   * version's tus-js-client fingerprints), not one `taken` by another upload; null when
   * there is none.
   */
  previous?(upload: StoredUpload, source: S, taken: (url: string) => boolean): Promise<string | null>;
  /** An upload URL will not be continued again: forget any note of it. */
  forget?(url: string): void;
}

/** Hooks into the rest of the target. */
export interface UploadHooks {
  /** Before an upload is created (the desktop sends queued folder creations first). */
  beforeCreate?(): Promise<void>;
  /** The queue's state changed (throttled while bytes flow); it must not throw. */
  onState(state: UploadQueueState): void;
  /** A document was uploaded (or found to be one already). */
  onDone?(documentId: string, upload: StoredUpload): void;
  /** An upload failed with a code (the desktop logs it). */
  onFailed?(upload: StoredUpload): void;
}
