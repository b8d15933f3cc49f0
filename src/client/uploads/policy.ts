/**
 * What differs between the two targets (UploadPolicy) and what each gives the engine
 * (UploadEngineDeps). How each target plugs in:
 *
 * - Desktop core (main/core/documents): `store` over the account's `upload_queue` table
 *   (load by user_id ordered by seq, save = one UPDATE/INSERT per row in a transaction,
 *   remove = DELETE); `sources.open` makes a source of the row's path and mtime (`check`
 *   is the stat of checkFile, `digest` the FileHasher that hashes the bytes as they are
 *   sent, `refresh` the stat a retry takes, `release` hasher.forget); `transport` wraps
 *   TusClient (send = one PATCH written by sendRange, with the 401 refresh of
 *   client/http/authorised.ts); `owner` = the account's signed-in user; `hooks.beforeCreate`
 *   flushes queued folder creations, `onState` emits uploads.state, `onDone` syncs and
 *   refreshes the quota, `onFailed` logs. Policy: DESKTOP_POLICY.
 *
 * - Web version (renderer/src/documents): `store` over localStorage, one key per parent
 *   (`sferum.uploads.<owner>`), keeping only unfinished uploads (live, paused, and failed
 *   with UPLOAD_FILE_NEEDED) and writing only when the set of uploads, their URLs or
 *   hashes change; `sources.open` answers null (a File does not outlive the page), so a
 *   restored upload waits as failed with UPLOAD_FILE_NEEDED and is asked after at the
 *   server, and `attach` continues it when the parent adds the same file again; a source
 *   of a File (`check` reads its first byte, `digest` hashBlob); `transport` speaks tus
 *   over tus-js-client's DefaultHttpStack (XMLHttpRequest, for upload progress), with
 *   `previous`/`forget` over its fingerprint storage. Policy: WEB_POLICY.
 */
import type { UploadState } from '../../shared/documents/ipc.js';
import type {
  Clock,
  UploadHooks,
  UploadSource,
  UploadSources,
  UploadStore,
  UploadTransport,
} from './ports.js';
import type { FinishedOrder } from './view.js';

export interface UploadPolicy {
  /** Files sent at a time. */
  concurrency: number;
  /** Bytes per PATCH. */
  chunkBytes: number;
  /** Hash the whole file before the upload is created (state `hashing`), instead of while sending. */
  hashFirst: boolean;
  /** A retry starts a new upload from the file as it is now; otherwise it continues the one it had. */
  retryFromScratch: boolean;
  /** Finished uploads in the list: the newest first, or in the order they were added. */
  finishedOrder: FinishedOrder;
  /** Network failures in a row after which a file fails with NETWORK_OFFLINE; null: it waits for good. */
  maxNetworkRetries: number | null;
  /** A file that changed while uploading ends its upload on the server (releasing its hold on the quota). */
  terminateChanged: boolean;
  /** State events at most this often while bytes flow. */
  emitEveryMs: number;
  /** The wait for the network: base, doubling with jitter, up to max. */
  backoff: { baseMs: number; maxMs: number };
}

/** The desktop queue as it behaves today. */
export const DESKTOP_POLICY: UploadPolicy = {
  concurrency: 2,
  chunkBytes: 64 * 1024 * 1024,
  hashFirst: false,
  retryFromScratch: true,
  finishedOrder: 'newest-first',
  maxNetworkRetries: null,
  terminateChanged: false,
  emitEveryMs: 200,
  backoff: { baseMs: 1000, maxMs: 30_000 },
};

/** The web version's uploads as they behave today (tus-js-client gave up after ten retries). */
export const WEB_POLICY: UploadPolicy = {
  concurrency: 2,
  chunkBytes: 8 * 1024 * 1024,
  hashFirst: true,
  retryFromScratch: false,
  finishedOrder: 'added',
  maxNetworkRetries: 10,
  terminateChanged: true,
  emitEveryMs: 150,
  backoff: { baseMs: 1000, maxMs: 30_000 },
};

export interface UploadEngineDeps<O, S extends UploadSource<O>> {
  /** The signed-in person whose queue runs and shows, or null while signed out. */
  owner(): string | null;
  clock: Clock;
  /** [0, 1), for the backoff's jitter. */
  random(): number;
  /** A new upload id (unique across owners). */
  newId(): string;
  store: UploadStore<O>;
  sources: UploadSources<O, S>;
  transport: UploadTransport<S>;
  hooks: UploadHooks;
  policy?: Partial<UploadPolicy>;
}

/** A file to add: already checked by the refusal rules (refusals.ts). */
export interface NewUpload<O, S> {
  name: string;
  folderId: string | null;
  size: number;
  origin: O;
  source: S;
}

/** An upload restored from storage without its bytes (a page closed on it). */
export interface ReopenedUpload<O> {
  id: string;
  name: string;
  size: number;
  folderId: string | null;
  origin: O;
  state: UploadState;
  /** Waiting for its file: `attach` continues it. */
  needsFile: boolean;
}
