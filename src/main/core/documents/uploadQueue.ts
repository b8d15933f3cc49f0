import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type Database from 'better-sqlite3';
import { mimeFromName, SHA256_HEADER } from '../../../shared/documents.js';
import type { UploadItem, UploadQueueState, UploadState } from '../../../shared/documentsIpc.js';
import { AppError, hasErrorCode, type ErrorCode } from '../../../shared/errors.js';
import type { Logger } from '../ports.js';
import { FileHasher } from '../../../node/fileHasher.js';
import { SEND_SLOT, SEND_SLOTS, sendRange } from './sendRange.js';
import { TusClient, type TusAuth } from './tusClient.js';

export interface QueueRow {
  id: string;
  seq: number;
  userId: string;
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

export interface UploadQueueOptions {
  db: Database.Database;
  logger: Logger;
  /** The signed-in user and a way to talk to the server, or null while signed out. */
  session(): { userId: string; auth: TusAuth } | null;
  /** Called before an upload starts when queued folder creations must reach the server first. */
  beforeCreate?(): Promise<void>;
  onState(state: UploadQueueState): void;
  /** A document was uploaded (the feed brings its record; this only hurries it). */
  onUploaded?(documentId: string): void;
  chunkBytes?: number;
  concurrency?: number;
  /** Delay before retrying after a network error; doubles up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

const COLS = `id, seq, user_id AS userId, path, name, folder_id AS folderId, size, mtime_ms AS mtimeMs,
  sha256, upload_url AS uploadUrl, offset, state, error_code AS errorCode, error_message AS errorMessage,
  document_id AS documentId`;

/** Items shown in a state event: enough for the panel, never the whole of a 10,000-file drop. */
const SHOWN_ITEMS = 300;

interface Running {
  abort: AbortController;
  sent: number;
  speed: number;
  lastTick: number;
  lastSent: number;
  /** Why it was stopped: the state to leave it in. */
  stopAs: UploadState | null;
}

function codeOf(error: unknown): ErrorCode {
  return hasErrorCode(error) ? error.code : 'INTERNAL';
}

/**
 * The persisted upload queue of one local account. Each row is a file on disk with its
 * size and mtime at the time it was added, its SHA-256 (computed from the bytes as they
 * are sent, and sent to the server to finish), its tus upload URL and the last offset the
 * server confirmed.
 * Two files upload at a time; a network error puts a file back in line and retries
 * with backoff (the queue reports itself offline meanwhile); on start, rows that were
 * uploading continue from the offset the server reports. A file whose size or mtime
 * changes on disk is stopped with FILE_CHANGED and never stored as good.
 */
export class UploadQueue {
  private readonly running = new Map<string, Running>();
  private readonly s;
  private readonly chunk: number;
  private readonly concurrency: number;
  private stopped = false;
  private offline = false;
  private retryDelay: number;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private emitTimer: ReturnType<typeof setTimeout> | null = null;
  private lastEmit = 0;
  private readonly idle = new Set<() => void>();

  constructor(private readonly o: UploadQueueOptions) {
    this.chunk = o.chunkBytes ?? 64 * 1024 * 1024;
    this.concurrency = o.concurrency ?? 2;
    this.retryDelay = o.retryBaseMs ?? 1000;
    const db = o.db;
    this.s = {
      next: db.prepare(`SELECT ${COLS} FROM upload_queue WHERE user_id = ? AND state IN ('queued', 'hashing', 'uploading')
        ORDER BY seq LIMIT ?`),
      get: db.prepare(`SELECT ${COLS} FROM upload_queue WHERE id = ?`),
      maxSeq: db.prepare('SELECT coalesce(max(seq), 0) AS n FROM upload_queue'),
      insert:
        db.prepare(`INSERT INTO upload_queue (id, seq, user_id, path, name, folder_id, size, mtime_ms, state,
        created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`),
      setState:
        db.prepare(`UPDATE upload_queue SET state = ?, error_code = ?, error_message = ?, updated_at = ?
        WHERE id = ?`),
      setHash: db.prepare('UPDATE upload_queue SET sha256 = ?, updated_at = ? WHERE id = ?'),
      setUrl: db.prepare('UPDATE upload_queue SET upload_url = ?, offset = ?, updated_at = ? WHERE id = ?'),
      setOffset: db.prepare('UPDATE upload_queue SET offset = ?, updated_at = ? WHERE id = ?'),
      setDone:
        db.prepare(`UPDATE upload_queue SET state = 'done', offset = size, document_id = ?, error_code = NULL,
        error_message = NULL, updated_at = ? WHERE id = ?`),
      reset:
        db.prepare(`UPDATE upload_queue SET state = 'queued', sha256 = NULL, upload_url = NULL, offset = 0,
        error_code = NULL, error_message = NULL, updated_at = ? WHERE id = ?`),
      shown: db.prepare(`SELECT ${COLS} FROM upload_queue WHERE user_id = ? ORDER BY
        CASE state WHEN 'uploading' THEN 0 WHEN 'hashing' THEN 0 WHEN 'failed' THEN 1 WHEN 'queued' THEN 2
          WHEN 'paused' THEN 2 ELSE 3 END, CASE WHEN state IN ('done', 'cancelled') THEN -seq ELSE seq END LIMIT ?`),
      totals: db.prepare(`SELECT count(*) AS files, coalesce(sum(state = 'done'), 0) AS done,
        coalesce(sum(state = 'failed'), 0) AS failed, coalesce(sum(CASE WHEN state <> 'cancelled' THEN size END), 0) AS bytes,
        coalesce(sum(CASE WHEN state = 'done' THEN size WHEN state = 'cancelled' THEN 0 ELSE offset END), 0) AS sent
        FROM upload_queue WHERE user_id = ?`),
      pauseAll: db.prepare(`UPDATE upload_queue SET state = 'paused', updated_at = ? WHERE user_id = ?
        AND state IN ('queued', 'hashing', 'uploading')`),
      resumeAll: db.prepare(
        `UPDATE upload_queue SET state = 'queued', updated_at = ? WHERE user_id = ? AND state = 'paused'`,
      ),
      clearFinished: db.prepare(
        `DELETE FROM upload_queue WHERE user_id = ? AND state IN ('done', 'cancelled')`,
      ),
    };
  }

  /** Adds files (already checked: they exist and are regular files). Returns the new ids. */
  add(
    files: { path: string; name: string; folderId: string | null; size: number; mtimeMs: number }[],
  ): string[] {
    const session = this.o.session();
    if (!session) throw new AppError('UNAUTHENTICATED', 'Sign in to upload documents.');
    const at = new Date().toISOString();
    const ids: string[] = [];
    this.o.db.transaction(() => {
      let seq = (this.s.maxSeq.get() as { n: number }).n;
      for (const f of files) {
        const id = randomBytes(12).toString('base64url');
        seq += 1;
        this.s.insert.run(
          id,
          seq,
          session.userId,
          f.path,
          f.name,
          f.folderId,
          f.size,
          Math.floor(f.mtimeMs),
          at,
          at,
        );
        ids.push(id);
      }
    })();
    this.kick();
    return ids;
  }

  get(id: string): QueueRow | null {
    return (this.s.get.get(id) as QueueRow | undefined) ?? null;
  }

  /** Starts (or continues) uploading whatever is waiting. */
  kick(): void {
    if (this.stopped) return;
    this.emitSoon();
    const session = this.o.session();
    if (!session) return;
    const free = this.concurrency - this.running.size;
    if (free <= 0) return;
    const candidates = this.s.next.all(session.userId, free + this.running.size) as QueueRow[];
    for (const row of candidates) {
      if (this.running.size >= this.concurrency) break;
      if (this.running.has(row.id)) continue;
      this.startRow(row, session.auth);
    }
  }

  pause(id: string | null): void {
    const session = this.o.session();
    if (id === null) {
      if (session) this.s.pauseAll.run(new Date().toISOString(), session.userId);
      for (const run of this.running.values()) this.stop(run, 'paused');
    } else {
      const row = this.get(id);
      if (!row || !['queued', 'hashing', 'uploading'].includes(row.state)) return;
      this.setState(id, 'paused');
      const run = this.running.get(id);
      if (run) this.stop(run, 'paused');
    }
    this.emitSoon();
  }

  resume(id: string | null): void {
    const session = this.o.session();
    if (id === null) {
      if (session) this.s.resumeAll.run(new Date().toISOString(), session.userId);
    } else if (this.get(id)?.state === 'paused') {
      this.setState(id, 'queued');
    }
    this.resetBackoff();
    this.kick();
  }

  cancel(id: string): void {
    const row = this.get(id);
    if (!row || row.state === 'done' || row.state === 'cancelled') return;
    this.setState(id, 'cancelled');
    const run = this.running.get(id);
    if (run) this.stop(run, 'cancelled');
    this.hasher?.forget(id);
    const session = this.o.session();
    if (row.uploadUrl && session) void new TusClient(session.auth).terminate(row.uploadUrl);
    this.kick();
  }

  retry(id: string): void {
    const row = this.get(id);
    if (!row || (row.state !== 'failed' && row.state !== 'cancelled')) return;
    // The file may have changed since: start over from its current contents.
    this.s.reset.run(new Date().toISOString(), id);
    const stat = fs.statSync(row.path, { throwIfNoEntry: false });
    if (stat) {
      this.o.db
        .prepare('UPDATE upload_queue SET size = ?, mtime_ms = ? WHERE id = ?')
        .run(stat.size, Math.floor(stat.mtimeMs), id);
    }
    this.resetBackoff();
    this.kick();
  }

  clearFinished(): void {
    const session = this.o.session();
    if (session) this.s.clearFinished.run(session.userId);
    this.emitSoon();
  }

  state(): UploadQueueState {
    const session = this.o.session();
    if (!session) {
      return {
        items: [],
        total: { files: 0, done: 0, failed: 0, bytes: 0, sent: 0, speed: 0, secondsLeft: null },
        offline: false,
      };
    }
    const rows = this.s.shown.all(session.userId, SHOWN_ITEMS) as QueueRow[];
    const t = this.s.totals.get(session.userId) as {
      files: number;
      done: number;
      failed: number;
      bytes: number;
      sent: number;
    };
    let speed = 0;
    let extra = 0;
    const items: UploadItem[] = rows.map((row) => {
      const run = this.running.get(row.id);
      const sent = row.state === 'done' ? row.size : Math.max(row.offset, run?.sent ?? 0);
      if (run) {
        speed += run.speed;
        extra += Math.max(0, sent - row.offset);
      }
      return {
        id: row.id,
        name: row.name,
        size: row.size,
        sent,
        state: row.state,
        error:
          row.errorCode && hasErrorCode({ code: row.errorCode, message: '' })
            ? { code: row.errorCode as ErrorCode, message: row.errorMessage ?? '' }
            : null,
        speed: run?.speed ?? 0,
      };
    });
    const sent = t.sent + extra;
    const left = t.bytes - sent;
    return {
      items,
      total: {
        files: t.files,
        done: t.done,
        failed: t.failed,
        bytes: t.bytes,
        sent,
        speed,
        secondsLeft: speed > 0 && left > 0 ? Math.ceil(left / speed) : null,
      },
      offline: this.offline,
    };
  }

  /** Resolves when nothing is uploading (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** Stops every transfer (rows stay as they are, to continue at the next start). */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.emitTimer) clearTimeout(this.emitTimer);
    for (const run of this.running.values()) this.stop(run, null);
    await this.whenIdle();
    await this.hasher?.close();
    this.hasher = null;
  }

  private stop(run: Running, as: UploadState | null): void {
    run.stopAs = as;
    run.abort.abort();
  }

  private setState(id: string, state: UploadState, error?: { code: ErrorCode; message: string }): void {
    this.s.setState.run(state, error?.code ?? null, error?.message ?? null, new Date().toISOString(), id);
  }

  private resetBackoff(): void {
    this.retryDelay = this.o.retryBaseMs ?? 1000;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }

  private startRow(row: QueueRow, auth: TusAuth): void {
    const run: Running = {
      abort: new AbortController(),
      sent: row.offset,
      speed: 0,
      lastTick: Date.now(),
      lastSent: row.offset,
      stopAs: null,
    };
    this.running.set(row.id, run);
    void this.upload(row, auth, run)
      .then(
        () => {
          this.offline = false;
          this.resetBackoff();
        },
        (error: unknown) => this.handleError(row, run, error),
      )
      .finally(() => {
        this.running.delete(row.id);
        this.emitSoon();
        if (this.running.size === 0) for (const wake of this.idle) wake();
        if (this.running.size === 0) this.idle.clear();
        if (!this.offline) this.kick();
      });
  }

  private handleError(row: QueueRow, run: Running, error: unknown): void {
    if (run.stopAs !== null || run.abort.signal.aborted) return;
    const code = codeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'NETWORK_OFFLINE' || code === 'UNAUTHENTICATED' || code === 'SESSION_EXPIRED') {
      // Stays in line; the whole queue waits for the network and tries again.
      this.offline = true;
      this.scheduleRetry();
      return;
    }
    this.o.logger.warn(`Upload of ${row.name} failed: ${code}`, message);
    this.setState(row.id, 'failed', { code, message });
    this.hasher?.forget(row.id);
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.o.retryMaxMs ?? 30_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
    this.retryTimer.unref?.();
    this.emitSoon();
  }

  /** The file as it was queued, or FILE_CHANGED / FILE_UNREADABLE. */
  private async checkFile(row: QueueRow): Promise<void> {
    let stat: fs.Stats;
    try {
      stat = await fsp.stat(row.path);
    } catch {
      throw new AppError('FILE_UNREADABLE', 'The file is no longer there.');
    }
    if (stat.size !== row.size || Math.floor(stat.mtimeMs) !== row.mtimeMs) {
      throw new AppError('FILE_CHANGED', 'The file changed on disk after it was added.');
    }
  }

  private async upload(row: QueueRow, auth: TusAuth, run: Running, again = false): Promise<void> {
    const signal = run.abort.signal;
    const tus = new TusClient(auth);
    // The hashing thread boots while the requests before the first byte are on their way.
    (this.hasher ??= new FileHasher()).start();
    await this.checkFile(row);
    // The SHA-256 is computed from the bytes as they are read to be sent (a worker thread
    // hashes them in the shared buffers) and goes to the server once the last byte is there;
    // the server checks it against what it received before the document exists.
    const hasher = (this.hasher ??= new FileHasher());
    let known = row.sha256;
    const sha = async (): Promise<string> => {
      if (known) return known;
      const digest = await hasher.digest(row.id, row.path, row.size);
      await this.checkFile(row);
      if (!digest) throw new AppError('FILE_UNREADABLE', 'The file could not be read.');
      known = digest;
      this.s.setHash.run(known, new Date().toISOString(), row.id);
      return known;
    };
    this.setState(row.id, 'uploading');
    this.emitSoon();
    let url = row.uploadUrl;
    let offset = 0;
    // The upload is no longer there although we just asked for it: an earlier request of
    // ours may have completed it meanwhile (a core killed with its last bytes on the wire,
    // which the server still received and finished), or it expired. As after a HEAD that
    // finds nothing, take the document if it became one; otherwise start over.
    const gone = async (error: unknown): Promise<string | null> => {
      if (codeOf(error) !== 'NOT_FOUND' || !url) throw error;
      const finished = await this.finishedAlready(tus, url, await sha(), signal);
      if (finished) return finished;
      return null;
    };
    if (url) {
      const remote = await tus.offset(url, signal);
      if (remote === null) {
        // Gone from the upload area: either it became a document while we were away
        // (the last answer was lost), or it expired. Ask before sending it again.
        const finished = await this.finishedAlready(tus, url, await sha(), signal);
        if (finished) {
          this.done(row, finished);
          return;
        }
        url = null;
      } else if (remote === row.size) {
        // Every byte arrived but the answer was lost (a crash, a cut): finish explicitly.
        const doc = await this.finishing(tus, url, row, await sha(), signal).catch(gone);
        if (doc === null) return this.startOver(row, auth, run, known, again);
        this.done(row, doc);
        return;
      } else {
        offset = remote;
      }
    }
    if (!url) {
      await this.o.beforeCreate?.();
      const metadata: Record<string, string> = { filename: row.name, mime: mimeFromName(row.name) };
      if (known) metadata.sha256 = known;
      if (row.folderId) metadata.folderId = row.folderId;
      url = await tus.create(row.size, metadata, signal);
      offset = 0;
      this.s.setUrl.run(url, 0, new Date().toISOString(), row.id);
    } else {
      this.s.setOffset.run(offset, new Date().toISOString(), row.id);
    }
    run.sent = offset;
    run.lastSent = offset;
    const shared = new SharedArrayBuffer(SEND_SLOTS * SEND_SLOT);
    while (offset < row.size) {
      await this.checkFile(row);
      const start = offset;
      const length = Math.min(this.chunk, row.size - start);
      // A hash known before the last chunk (from an earlier run) goes with it.
      const headers: Record<string, string> =
        known && start + length === row.size ? { [SHA256_HEADER]: known } : {};
      let result: { offset: number; documentId: string | null };
      try {
        result = await tus.patch(
          url,
          start,
          length,
          (req) =>
            sendRange(req, {
              id: row.id,
              path: row.path,
              start,
              end: start + length,
              hasher,
              shared,
              onBytes: (n) => this.progress(run, n),
            }),
          signal,
          headers,
        );
      } catch (error) {
        if (codeOf(error) === 'CHECKSUM_MISMATCH') {
          await this.checkFile(row);
          throw new AppError('FILE_CHANGED', 'The file changed while it was uploading; it was not stored.');
        }
        const finished = await gone(error);
        if (finished === null) return this.startOver(row, auth, run, known, again);
        this.done(row, finished);
        return;
      }
      offset = result.offset;
      run.sent = offset;
      this.s.setOffset.run(offset, new Date().toISOString(), row.id);
      this.emitSoon();
      if (offset === row.size) {
        const documentId =
          result.documentId ?? (await this.finishing(tus, url, row, await sha(), signal).catch(gone));
        if (documentId === null) return this.startOver(row, auth, run, known, again);
        this.done(row, documentId);
        return;
      }
    }
  }

  /** Sends the file again under a new upload, once per run (a second loss is a failure). */
  private startOver(row: QueueRow, auth: TusAuth, run: Running, sha256: string | null, again: boolean) {
    if (again) throw new AppError('NOT_FOUND', 'The upload disappeared from the server twice.');
    this.s.setUrl.run(null, 0, new Date().toISOString(), row.id);
    run.sent = 0;
    return this.upload({ ...row, uploadUrl: null, offset: 0, sha256 }, auth, run, true);
  }

  private async finishedAlready(tus: TusClient, url: string, sha: string, signal: AbortSignal) {
    try {
      return (await tus.finish(url, signal, sha)).id;
    } catch (error) {
      if (codeOf(error) === 'NETWORK_OFFLINE') throw error;
      return null;
    }
  }

  private hasher: FileHasher | null = null;

  /** The explicit finish; a checksum refusal there means the file changed under us. */
  private async finishing(tus: TusClient, url: string, row: QueueRow, sha: string, signal: AbortSignal) {
    try {
      return (await tus.finish(url, signal, sha)).id;
    } catch (error) {
      if (codeOf(error) === 'CHECKSUM_MISMATCH') {
        await this.checkFile(row);
        throw new AppError('FILE_CHANGED', 'The file changed while it was uploading; it was not stored.');
      }
      throw error;
    }
  }

  private done(row: QueueRow, documentId: string): void {
    this.s.setDone.run(documentId, new Date().toISOString(), row.id);
    this.o.onUploaded?.(documentId);
    this.emitSoon();
  }

  private progress(run: Running, bytes: number): void {
    run.sent += bytes;
    const now = Date.now();
    const dt = now - run.lastTick;
    if (dt >= 500) {
      const rate = ((run.sent - run.lastSent) * 1000) / dt;
      run.speed = run.speed === 0 ? rate : run.speed * 0.6 + rate * 0.4;
      run.lastTick = now;
      run.lastSent = run.sent;
    }
    this.emitSoon();
  }

  /** State events at most every 200 ms while bytes flow. */
  private emitSoon(): void {
    if (this.emitTimer || this.stopped) return;
    const wait = Math.max(0, 200 - (Date.now() - this.lastEmit));
    this.emitTimer = setTimeout(() => {
      this.emitTimer = null;
      this.lastEmit = Date.now();
      try {
        this.o.onState(this.state());
      } catch (error) {
        this.o.logger.error('Upload state could not be reported', error);
      }
    }, wait);
  }
}
