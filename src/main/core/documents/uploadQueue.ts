import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type Database from 'better-sqlite3';
import { mimeFromName, SHA256_HEADER } from '../../../shared/documents/index.js';
import type { UploadState } from '../../../shared/documents/ipc.js';
import { AppError, hasErrorCode, type ErrorCode } from '../../../shared/errors.js';
import { FileHasher } from '../../../node/fileHasher.js';
import { UploadEngine } from '../../../client/uploads/engine.js';
import { DESKTOP_POLICY } from '../../../client/uploads/policy.js';
import type {
  Clock,
  StoredUpload,
  UploadHooks,
  UploadSource,
  UploadStore,
  UploadTransport,
} from '../../../client/uploads/ports.js';
import { SEND_SLOT, SEND_SLOTS, sendRange } from './sendRange.js';
import { TusClient, type TusAuth } from './tusClient.js';

/**
 * The desktop core's side of the shared upload engine (client/uploads/engine.ts): the
 * queue persisted in the account's `upload_queue` table, files on disk as the sources
 * (checked by size and mtime, hashed by a worker thread from the very bytes that are sent),
 * and tus over node:http, each PATCH body written by sendRange.
 */

/** Where a desktop upload's bytes are: the file, and its mtime when it was added. */
export interface DiskOrigin {
  path: string;
  mtimeMs: number;
}

/** Upload tuning (tests and benchmarks use small chunks and short retries). */
export interface UploadTuning {
  chunkBytes?: number;
  concurrency?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

const COLS = `id, seq, user_id AS owner, path, name, folder_id AS folderId, size, mtime_ms AS mtimeMs,
  sha256, upload_url AS uploadUrl, "offset", state, error_code AS errorCode, error_message AS errorMessage,
  document_id AS documentId`;

interface Row {
  id: string;
  seq: number;
  owner: string;
  path: string;
  name: string;
  folderId: string | null;
  size: number;
  mtimeMs: number;
  sha256: string | null;
  uploadUrl: string | null;
  offset: number;
  state: UploadState;
  errorCode: string | null;
  errorMessage: string | null;
  documentId: string | null;
}

/** The store port over `upload_queue`: one owner's rows in order, written in one transaction. */
function queueStore(db: Database.Database): UploadStore<DiskOrigin> {
  const load = db.prepare(`SELECT ${COLS} FROM upload_queue WHERE user_id = ? ORDER BY seq`);
  const upsert =
    db.prepare(`INSERT INTO upload_queue (id, seq, user_id, path, name, folder_id, size, mtime_ms,
      sha256, upload_url, "offset", state, error_code, error_message, document_id, created_at, updated_at)
    VALUES (@id, @seq, @owner, @path, @name, @folderId, @size, @mtimeMs, @sha256, @uploadUrl, @offset, @state,
      @errorCode, @errorMessage, @documentId, @at, @at)
    ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, user_id = excluded.user_id, path = excluded.path,
      name = excluded.name, folder_id = excluded.folder_id, size = excluded.size, mtime_ms = excluded.mtime_ms,
      sha256 = excluded.sha256, upload_url = excluded.upload_url, "offset" = excluded."offset",
      state = excluded.state, error_code = excluded.error_code, error_message = excluded.error_message,
      document_id = excluded.document_id, updated_at = excluded.updated_at`);
  const remove = db.prepare('DELETE FROM upload_queue WHERE id = ?');
  const saveAll = db.transaction((uploads: readonly StoredUpload<DiskOrigin>[]) => {
    const at = new Date().toISOString();
    for (const u of uploads) {
      upsert.run({
        id: u.id,
        seq: u.seq,
        owner: u.owner,
        path: u.origin.path,
        name: u.name,
        folderId: u.folderId,
        size: u.size,
        mtimeMs: u.origin.mtimeMs,
        sha256: u.sha256,
        uploadUrl: u.uploadUrl,
        offset: u.offset,
        state: u.state,
        errorCode: u.error?.code ?? null,
        errorMessage: u.error?.message ?? null,
        documentId: u.documentId,
        at,
      });
    }
  });
  const removeAll = db.transaction((ids: readonly string[]) => {
    for (const id of ids) remove.run(id);
  });
  return {
    load: (owner) =>
      (load.all(owner) as Row[]).map((row) => ({
        id: row.id,
        seq: row.seq,
        owner: row.owner,
        name: row.name,
        folderId: row.folderId,
        size: row.size,
        origin: { path: row.path, mtimeMs: row.mtimeMs },
        sha256: row.sha256,
        uploadUrl: row.uploadUrl,
        offset: row.offset,
        state: row.state,
        error:
          row.errorCode && hasErrorCode({ code: row.errorCode, message: '' })
            ? { code: row.errorCode as ErrorCode, message: row.errorMessage ?? '' }
            : null,
        documentId: row.documentId,
      })),
    save: (uploads) => saveAll(uploads),
    remove: (ids) => removeAll(ids),
  };
}

/**
 * A file on disk as it was added (its size and mtime). Its SHA-256 is computed from the
 * bytes as they are read to be sent (the hashing thread hashes them in shared memory) and
 * goes to the server once the last byte is there; the server checks it before the
 * document exists.
 */
export class DiskSource implements UploadSource<DiskOrigin> {
  /** The read slots of sendRange: one request of this upload at a time uses them. */
  private slots: SharedArrayBuffer | null = null;
  /** The hashing thread's name for this file. */
  readonly key = randomBytes(9).toString('base64url');

  constructor(
    private origin: DiskOrigin,
    private size: number,
    readonly hasher: FileHasher,
  ) {}

  get path(): string {
    return this.origin.path;
  }

  get shared(): SharedArrayBuffer {
    return (this.slots ??= new SharedArrayBuffer(SEND_SLOTS * SEND_SLOT));
  }

  async check(): Promise<void> {
    // The hashing thread boots while the requests before the first byte are on their way.
    this.hasher.start();
    let stat: fs.Stats;
    try {
      stat = await fsp.stat(this.origin.path);
    } catch {
      throw new AppError('FILE_UNREADABLE', 'The file is no longer there.');
    }
    if (stat.size !== this.size || Math.floor(stat.mtimeMs) !== this.origin.mtimeMs) {
      throw new AppError('FILE_CHANGED', 'The file changed on disk after it was added.');
    }
  }

  async digest(): Promise<string> {
    const digest = await this.hasher.digest(this.key, this.origin.path, this.size);
    if (digest) return digest;
    await this.check();
    throw new AppError('FILE_UNREADABLE', 'The file could not be read.');
  }

  refresh(): { size: number; origin: DiskOrigin } | null {
    const stat = fs.statSync(this.origin.path, { throwIfNoEntry: false });
    if (!stat) return null;
    this.size = stat.size;
    this.origin = { path: this.origin.path, mtimeMs: Math.floor(stat.mtimeMs) };
    return { size: this.size, origin: this.origin };
  }

  release(): void {
    this.hasher.forget(this.key);
    this.slots = null;
  }
}

/** tus over node:http; the account's client is read at each call (the server may change). */
function tusTransport(auth: () => TusAuth): UploadTransport<DiskSource> {
  let current: { auth: TusAuth; tus: TusClient } | null = null;
  const tus = (): TusClient => {
    const now = auth();
    if (current?.auth !== now) current = { auth: now, tus: new TusClient(now) };
    return current.tus;
  };
  return {
    offset: async (url, signal) => tus().offset(url, signal),
    create: async ({ size, name, folderId, sha256 }, signal) => {
      const metadata: Record<string, string> = { filename: name, mime: mimeFromName(name) };
      if (sha256) metadata.sha256 = sha256;
      if (folderId) metadata.folderId = folderId;
      return tus().create(size, metadata, signal);
    },
    send: async ({ url, offset, length, source, sha256, onBytes }, signal) =>
      tus().patch(
        url,
        offset,
        length,
        (req) =>
          sendRange(req, {
            id: source.key,
            path: source.path,
            start: offset,
            end: offset + length,
            hasher: source.hasher,
            shared: source.shared,
            onBytes,
          }),
        signal,
        sha256 ? { [SHA256_HEADER]: sha256 } : {},
      ),
    finish: async (url, sha256, signal) => (await tus().finish(url, signal, sha256 ?? undefined)).id,
    terminate: async (url) => {
      try {
        await tus().terminate(url);
      } catch {
        // No server to tell: the abandoned upload expires there.
      }
    },
  };
}

const clock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

/** The desktop's upload queue: the shared engine with the desktop's ports. */
export class DesktopUploads extends UploadEngine<DiskOrigin, DiskSource> {
  private readonly hasher: FileHasher;

  constructor(o: {
    db: Database.Database;
    /** The signed-in user, or null while signed out. */
    owner(): string | null;
    /** The account's server and tokens, read at each request. */
    auth(): TusAuth;
    hooks: UploadHooks;
    tuning?: UploadTuning;
  }) {
    const hasher = new FileHasher();
    const t = o.tuning ?? {};
    super({
      owner: o.owner,
      clock,
      random: Math.random,
      newId: () => randomBytes(12).toString('base64url'),
      store: queueStore(o.db),
      sources: { open: (upload) => new DiskSource(upload.origin, upload.size, hasher) },
      transport: tusTransport(o.auth),
      hooks: o.hooks,
      policy: {
        ...DESKTOP_POLICY,
        ...(t.chunkBytes ? { chunkBytes: t.chunkBytes } : {}),
        ...(t.concurrency ? { concurrency: t.concurrency } : {}),
        backoff: {
          baseMs: t.retryBaseMs ?? DESKTOP_POLICY.backoff.baseMs,
          maxMs: t.retryMaxMs ?? DESKTOP_POLICY.backoff.maxMs,
        },
      },
    });
    this.hasher = hasher;
  }

  /** A source for a file about to be added. */
  source(origin: DiskOrigin, size: number): DiskSource {
    return new DiskSource(origin, size, this.hasher);
  }

  override async close(): Promise<void> {
    await super.close();
    await this.hasher.close();
  }
}
