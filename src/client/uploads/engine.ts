/**
 * The upload engine both targets run: the queue's states, two files at a time, pause,
 * resume, cancel and retry per file and for all, the wait for the network with one
 * backoff, resuming at the server's offset, and recovering an upload whose last answer
 * was lost through the server's idempotent finish. It holds no Node, Electron or DOM
 * code: everything it touches comes through the ports (ports.ts).
 *
 * What differs between the targets, and how each plugs its ports in: policy.ts.
 */
import type { UploadQueueState, UploadState } from '../../shared/documents/ipc.js';
import { AppError, hasErrorCode, type ErrorCode } from '../../shared/errors.js';
import { Backoff } from '../http/backoff.js';
import type { StoredUpload, UploadSource } from './ports.js';
import { SpeedMeter } from './speed.js';
import { EMPTY_STATE, queueView } from './view.js';
import { WaitingLine } from './waitingLine.js';
import {
  bookRows,
  changedError,
  codeOf,
  finishedAlready,
  finishing,
  LIVE,
  messageOf,
  WAIT_CODES,
  type Book,
  type Job,
  type Run,
} from './job.js';
import {
  DESKTOP_POLICY,
  type NewUpload,
  type ReopenedUpload,
  type UploadEngineDeps,
  type UploadPolicy,
} from './policy.js';

export class UploadEngine<O, S extends UploadSource<O>> {
  private readonly policy: UploadPolicy;
  private readonly books = new Map<string, Book<O, S>>();
  private readonly byId = new Map<string, Job<O, S>>();
  /** Upload URLs in use, so a previous upload found by fingerprint is not taken twice. */
  private readonly urls = new Map<string, Job<O, S>>();
  private readonly running = new Set<Job<O, S>>();
  private readonly backoff: Backoff;
  private readonly idle = new Set<() => void>();
  private offline = false;
  private closed = false;
  private cancelRetry: (() => void) | null = null;
  private cancelEmit: (() => void) | null = null;
  private lastEmit = Number.NEGATIVE_INFINITY;
  private maxSeq = 0;

  constructor(private readonly deps: UploadEngineDeps<O, S>) {
    this.policy = { ...DESKTOP_POLICY, ...deps.policy };
    this.backoff = new Backoff({ ...this.policy.backoff, random: deps.random });
  }

  /** Adds checked files to the signed-in person's queue; returns their ids. */
  add(files: readonly NewUpload<O, S>[]): string[] {
    const owner = this.deps.owner();
    if (!owner) throw new AppError('UNAUTHENTICATED', 'Sign in to upload documents.');
    const book = this.book(owner);
    const jobs = files.map((file) => {
      const record: StoredUpload<O> = {
        id: this.deps.newId(),
        seq: ++this.maxSeq,
        owner,
        name: file.name,
        folderId: file.folderId,
        size: file.size,
        origin: file.origin,
        sha256: null,
        uploadUrl: null,
        offset: 0,
        state: 'queued',
        error: null,
        documentId: null,
      };
      return this.remember(book, record, file.source, false);
    });
    this.deps.store.save(jobs.map((job) => ({ ...job.record })));
    for (const job of jobs) book.line.push(job);
    this.kick();
    return jobs.map((job) => job.record.id);
  }

  /** The signed-in person's uploads restored without their bytes (a web page closed on them). */
  reopened(): ReopenedUpload<O>[] {
    const owner = this.deps.owner();
    if (!owner) return [];
    const out: ReopenedUpload<O>[] = [];
    for (const job of this.book(owner).jobs.values()) {
      if (!job.reopened) continue;
      const r = job.record;
      out.push({
        id: r.id,
        name: r.name,
        size: r.size,
        folderId: r.folderId,
        origin: r.origin,
        state: r.state,
        needsFile: job.source === null && r.state === 'failed',
      });
    }
    return out;
  }

  /** The file of a reopened upload, added again: it continues. False when it was not waiting for one. */
  attach(id: string, source: S): boolean {
    const job = this.mine(id);
    if (!job || job.source !== null || job.record.state !== 'failed') return false;
    job.source = source;
    this.update(job, { state: 'queued', error: null });
    this.book(job.record.owner).line.push(job);
    this.kick();
    return true;
  }

  /** Starts (or continues) uploading whatever waits, up to `concurrency` at a time. */
  kick(): void {
    if (this.closed) return;
    this.emitSoon();
    const owner = this.deps.owner();
    if (!owner) return;
    const book = this.book(owner);
    while (this.running.size < this.policy.concurrency) {
      const job = book.line.take((j) => LIVE.has(j.record.state) && j.run === null && j.source !== null);
      if (!job) break;
      this.start(job);
    }
  }

  /** Pauses one upload, or (id null) every unfinished upload of the signed-in person. */
  pause(id: string | null): void {
    const jobs = id === null ? this.ownJobs() : [this.mine(id)];
    const changed: StoredUpload<O>[] = [];
    for (const job of jobs) {
      if (!job || !LIVE.has(job.record.state)) continue;
      job.record.state = 'paused';
      changed.push({ ...job.record });
      if (job.run) this.stop(job.run, 'paused');
    }
    if (changed.length > 0) this.deps.store.save(changed);
    this.emitSoon();
  }

  /** Resumes one paused upload, or (id null) every paused upload of the signed-in person. */
  resume(id: string | null): void {
    const jobs = id === null ? this.ownJobs() : [this.mine(id)];
    const changed: StoredUpload<O>[] = [];
    for (const job of jobs) {
      if (!job || job.record.state !== 'paused') continue;
      job.record.state = 'queued';
      changed.push({ ...job.record });
      this.book(job.record.owner).line.push(job);
    }
    if (changed.length > 0) this.deps.store.save(changed);
    this.resetBackoff();
    this.kick();
  }

  /** Cancels an unfinished upload and ends it on the server. */
  cancel(id: string): void {
    const job = this.mine(id);
    if (!job || job.record.state === 'done' || job.record.state === 'cancelled') return;
    const url = job.record.uploadUrl;
    this.update(job, { state: 'cancelled' });
    if (job.run) this.stop(job.run, 'cancelled');
    job.source?.release?.();
    if (url) void this.deps.transport.terminate(url).then(() => this.deps.transport.forget?.(url));
    this.kick();
  }

  /** Sends a failed or cancelled upload again (one that waits for its file cannot be). */
  retry(id: string): void {
    const job = this.mine(id);
    if (!job || job.source === null) return;
    if (job.record.state !== 'failed' && job.record.state !== 'cancelled') return;
    const patch: Partial<StoredUpload<O>> = { state: 'queued', error: null, offset: 0 };
    if (this.policy.retryFromScratch) {
      // The file may have changed since: start over from its current contents.
      Object.assign(patch, { sha256: null, uploadUrl: null }, job.source.refresh?.() ?? {});
    }
    job.networkFailures = 0;
    this.update(job, patch);
    this.book(job.record.owner).line.push(job);
    this.resetBackoff();
    this.kick();
  }

  /** Forgets the signed-in person's done and cancelled uploads. */
  clearFinished(): void {
    const owner = this.deps.owner();
    if (!owner) return;
    const book = this.book(owner);
    const gone: string[] = [];
    for (const [id, job] of book.jobs) {
      if (job.record.state !== 'done' && job.record.state !== 'cancelled') continue;
      book.jobs.delete(id);
      this.byId.delete(id);
      if (job.record.uploadUrl && this.urls.get(job.record.uploadUrl) === job) {
        this.urls.delete(job.record.uploadUrl);
      }
      gone.push(id);
    }
    if (gone.length > 0) this.deps.store.remove(gone);
    this.emitSoon();
  }

  /** The signed-in person's queue as the panel shows it. */
  state(): UploadQueueState {
    const owner = this.deps.owner();
    if (!owner) return EMPTY_STATE;
    return queueView(bookRows(this.book(owner)), this.offline, this.policy.finishedOrder);
  }

  /** Bytes the signed-in person's queue will still add to the documents (for the quota check). */
  pendingBytes(): number {
    const { bytes, sent } = this.state().total;
    return Math.max(0, bytes - sent);
  }

  /** An upload as stored now, or null. */
  get(id: string): StoredUpload<O> | null {
    const job = this.byId.get(id);
    return job ? { ...job.record } : null;
  }

  /** Resolves when nothing is sending (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** Stops every transfer; uploads stay as they are, to continue at the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.cancelEmit?.();
    this.cancelEmit = null;
    for (const job of this.running) if (job.run) this.stop(job.run, null);
    await this.whenIdle();
  }

  // --- the queue ---

  private book(owner: string): Book<O, S> {
    let book = this.books.get(owner);
    if (book) return book;
    book = { jobs: new Map(), line: new WaitingLine() };
    this.books.set(owner, book);
    const records = this.deps.store.load(owner).sort((a, b) => a.seq - b.seq);
    const needFile: Job<O, S>[] = [];
    for (const record of records) {
      if (this.byId.has(record.id)) continue;
      this.maxSeq = Math.max(this.maxSeq, record.seq);
      const source = this.deps.sources.open(record);
      const finished = record.state === 'done' || record.state === 'cancelled';
      const job = this.remember(book, { ...record }, source, source === null && !finished);
      if (job.reopened) {
        job.record.state = 'failed';
        job.record.error = { code: 'UPLOAD_FILE_NEEDED', message: 'Add the file again to continue.' };
        needFile.push(job);
      } else if (LIVE.has(record.state)) {
        // Sending when the app stopped: it continues at the offset the server reports.
        book.line.push(job);
      }
    }
    if (needFile.length > 0) this.deps.store.save(needFile.map((job) => ({ ...job.record })));
    for (const job of needFile) if (job.record.uploadUrl) void this.reconcile(job, job.record.uploadUrl);
    return book;
  }

  private remember(
    book: Book<O, S>,
    record: StoredUpload<O>,
    source: S | null,
    reopened: boolean,
  ): Job<O, S> {
    const job: Job<O, S> = { seq: record.seq, record, source, reopened, run: null, networkFailures: 0 };
    book.jobs.set(record.id, job);
    this.byId.set(record.id, job);
    if (record.uploadUrl) this.urls.set(record.uploadUrl, job);
    return job;
  }

  /** A job of the signed-in person (ids of anyone else's uploads do nothing). */
  private mine(id: string): Job<O, S> | null {
    const job = this.byId.get(id);
    return job && job.record.owner === this.deps.owner() ? job : null;
  }

  private ownJobs(): Job<O, S>[] {
    const owner = this.deps.owner();
    return owner ? [...this.book(owner).jobs.values()] : [];
  }

  private update(job: Job<O, S>, patch: Partial<StoredUpload<O>>): void {
    const before = job.record.uploadUrl;
    Object.assign(job.record, patch);
    const after = job.record.uploadUrl;
    if (before !== after) {
      if (before && this.urls.get(before) === job) this.urls.delete(before);
      if (after) this.urls.set(after, job);
    }
    this.deps.store.save([{ ...job.record }]);
  }

  private stop(run: Run, as: UploadState | null): void {
    run.stopAs = as;
    run.abort.abort();
  }

  private start(job: Job<O, S>): void {
    const now = this.deps.clock.now();
    const run: Run = {
      abort: new AbortController(),
      stopAs: null,
      sent: job.record.offset,
      meter: new SpeedMeter(now, job.record.offset),
    };
    job.run = run;
    this.running.add(job);
    void this.transfer(job, run, false)
      .then(
        () => this.resetBackoff(),
        (error: unknown) => this.handleError(job, run, error),
      )
      .finally(() => {
        job.run = null;
        this.running.delete(job);
        this.emitSoon();
        if (this.running.size === 0) {
          for (const wake of this.idle) wake();
          this.idle.clear();
        }
        if (!this.offline) this.kick();
      });
  }

  private async handleError(job: Job<O, S>, run: Run, error: unknown): Promise<void> {
    if (run.stopAs !== null || run.abort.signal.aborted) return;
    const code = codeOf(error);
    if (WAIT_CODES.has(code)) {
      // A request that got no answer may be the file, not the network: a file changed on
      // disk (or one the browser no longer lets the page read) would wait for ever.
      if (code === 'NETWORK_OFFLINE' && job.source) {
        try {
          await job.source.check();
        } catch (fileError) {
          if (run.stopAs !== null) return;
          this.fail(job, codeOf(fileError), messageOf(fileError));
          return;
        }
      }
      if (run.stopAs !== null) return;
      job.networkFailures += 1;
      const max = this.policy.maxNetworkRetries;
      if (max !== null && job.networkFailures > max) {
        this.fail(job, 'NETWORK_OFFLINE', messageOf(error));
        return;
      }
      // Stays in line (state `uploading`: the panel says it waits for the network); the
      // whole queue waits and tries again.
      this.offline = true;
      this.book(job.record.owner).line.push(job);
      this.scheduleRetry();
      return;
    }
    this.fail(job, code, messageOf(error));
  }

  private fail(job: Job<O, S>, code: ErrorCode, message: string): void {
    const url = job.record.uploadUrl;
    const patch: Partial<StoredUpload<O>> = { state: 'failed', error: { code, message } };
    if (code === 'FILE_CHANGED' && this.policy.terminateChanged && url) {
      // What reached the server is of the old file: it goes, and so does its hold on the quota.
      void this.deps.transport.terminate(url).then(() => this.deps.transport.forget?.(url));
      patch.uploadUrl = null;
      patch.offset = 0;
    }
    this.update(job, patch);
    job.source?.release?.();
    this.deps.hooks.onFailed?.({ ...job.record });
  }

  private scheduleRetry(): void {
    if (this.cancelRetry || this.closed) return;
    const delay = this.backoff.next();
    this.cancelRetry = this.deps.clock.setTimer(delay, () => {
      this.cancelRetry = null;
      this.kick();
    });
    this.emitSoon();
  }

  private resetBackoff(): void {
    this.backoff.reset();
    this.cancelRetry?.();
    this.cancelRetry = null;
  }

  /** The server answered: the queue is no longer waiting for the network. */
  private reachable(): void {
    if (!this.offline) return;
    this.offline = false;
    this.emitSoon();
  }

  // --- one transfer ---

  private async transfer(job: Job<O, S>, run: Run, again: boolean): Promise<void> {
    const { signal } = run.abort;
    const source = job.source!;
    const transport = this.deps.transport;
    const r = job.record;
    // Local steps (the file's check, hashing, the folders first) do not see the abort:
    // after each, a pause or cancel that came meanwhile ends the run here.
    const stopped = () => run.stopAs !== null || signal.aborted;
    await source.check();
    if (stopped()) return;
    const digest = async (): Promise<string> => {
      if (r.sha256) return r.sha256;
      const sha256 = await source.digest();
      // Hashed from a file that changed meanwhile is no hash of what was added.
      await source.check();
      this.update(job, { sha256 });
      return sha256;
    };
    if (this.policy.hashFirst && !r.sha256) {
      this.update(job, { state: 'hashing' });
      this.emitSoon();
      try {
        await digest();
      } catch (error) {
        if (hasErrorCode(error) && error.code === 'FILE_CHANGED') throw error;
        throw new AppError('FILE_UNREADABLE', 'The file could not be read.');
      }
      if (stopped()) return;
    }
    this.update(job, { state: 'uploading' });
    this.emitSoon();
    let url = r.uploadUrl;
    let offset = 0;
    if (!url && transport.previous) {
      // An upload of this very file this device began before continues too.
      url = await transport.previous(r, source, (u) => this.urls.has(u) && this.urls.get(u) !== job);
      if (stopped()) return;
      if (url) this.update(job, { uploadUrl: url });
    }
    // The upload is no longer there although we just asked for it: a request of ours may
    // have completed it meanwhile (its last answer lost), or it expired. Take the document
    // if it became one; otherwise start over.
    const gone = async (error: unknown): Promise<string | null> => {
      if (codeOf(error) !== 'NOT_FOUND' || !url) throw error;
      return finishedAlready(this.deps.transport, url, await digest(), signal);
    };
    if (url) {
      const remote = await transport.offset(url, signal);
      this.reachable();
      if (remote === null) {
        const documentId = await finishedAlready(this.deps.transport, url, await digest(), signal);
        if (documentId) return this.done(job, documentId);
        transport.forget?.(url);
        url = null;
        this.update(job, { uploadUrl: null, offset: 0 });
      } else if (remote >= r.size) {
        // Every byte arrived but the answer was lost (a crash, a cut): finish explicitly.
        const documentId = await finishing(this.deps.transport, source, url, await digest(), signal).catch(
          gone,
        );
        if (documentId === null) return this.startOver(job, run, again);
        return this.done(job, documentId);
      } else {
        offset = remote;
      }
    }
    if (!url) {
      await this.deps.hooks.beforeCreate?.();
      if (stopped()) return;
      url = await transport.create(
        { size: r.size, name: r.name, folderId: r.folderId, sha256: r.sha256, source },
        signal,
      );
      this.reachable();
      offset = 0;
      this.update(job, { uploadUrl: url, offset: 0 });
    } else {
      this.update(job, { offset });
    }
    run.sent = offset;
    run.meter = new SpeedMeter(this.deps.clock.now(), offset);
    this.emitSoon();
    while (offset < r.size) {
      await source.check();
      if (stopped()) return;
      const start = offset;
      const length = Math.min(this.policy.chunkBytes, r.size - start);
      // A hash known before the last chunk (hashed first, or from an earlier run) goes with it.
      const sha256 = start + length === r.size ? r.sha256 : null;
      let result: { offset: number; documentId: string | null };
      try {
        result = await transport.send(
          { url, offset: start, length, source, sha256, onBytes: (n) => this.progress(run, n) },
          signal,
        );
      } catch (error) {
        if (codeOf(error) === 'CHECKSUM_MISMATCH') {
          await source.check();
          throw changedError();
        }
        const documentId = await gone(error);
        if (documentId === null) return this.startOver(job, run, again);
        return this.done(job, documentId);
      }
      this.reachable();
      if (result.offset > start) job.networkFailures = 0;
      offset = result.offset;
      run.sent = offset;
      this.update(job, { offset });
      this.emitSoon();
      if (offset >= r.size) {
        const documentId =
          result.documentId ??
          (await finishing(this.deps.transport, source, url, await digest(), signal).catch(gone));
        if (documentId === null) return this.startOver(job, run, again);
        return this.done(job, documentId);
      }
    }
  }

  /** Sends the file again under a new upload, once per run (a second loss is a failure). */
  private startOver(job: Job<O, S>, run: Run, again: boolean): Promise<void> {
    if (again) throw new AppError('NOT_FOUND', 'The upload disappeared from the server twice.');
    this.update(job, { uploadUrl: null, offset: 0 });
    run.sent = 0;
    return this.transfer(job, run, true);
  }

  private done(job: Job<O, S>, documentId: string): void {
    const url = job.record.uploadUrl;
    if (url) this.deps.transport.forget?.(url);
    this.update(job, { state: 'done', offset: job.record.size, documentId, error: null });
    job.source?.release?.();
    this.deps.hooks.onDone?.(documentId, { ...job.record });
    this.emitSoon();
  }

  /**
   * Where a reopened upload stands on the server: how much it holds, or that it became a
   * document (its last bytes arrived after the page closed, the answer did not), or that it
   * is gone. Left as it is when the server cannot be asked now.
   */
  private async reconcile(job: Job<O, S>, url: string): Promise<void> {
    const signal = new AbortController().signal;
    const stillWaiting = () =>
      job.source === null && job.record.state === 'failed' && job.record.uploadUrl === url;
    try {
      const remote = await this.deps.transport.offset(url, signal);
      if (!stillWaiting()) return;
      if (remote !== null && remote < job.record.size) {
        this.update(job, { offset: remote });
      } else {
        const documentId = await finishedAlready(this.deps.transport, url, job.record.sha256, signal);
        if (!stillWaiting()) return;
        if (documentId) {
          this.done(job, documentId);
        } else {
          // Expired on the server: adding the file again sends it whole.
          this.deps.transport.forget?.(url);
          this.update(job, { uploadUrl: null, offset: 0 });
        }
      }
      this.emitSoon();
    } catch {
      // The server cannot be asked now: the upload stays as it was remembered.
    }
  }

  private progress(run: Run, bytes: number): void {
    run.sent += bytes;
    run.meter.sample(run.sent, this.deps.clock.now());
    this.emitSoon();
  }

  /** State events at most every `emitEveryMs` while bytes flow. */
  private emitSoon(): void {
    if (this.cancelEmit || this.closed) return;
    const wait = Math.max(0, this.policy.emitEveryMs - (this.deps.clock.now() - this.lastEmit));
    this.cancelEmit = this.deps.clock.setTimer(wait, () => {
      this.cancelEmit = null;
      this.lastEmit = this.deps.clock.now();
      this.deps.hooks.onState(this.state());
    });
  }
}
