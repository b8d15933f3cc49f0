import { API } from '../../../shared/api.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import { AppError, ErrorBodySchema, type ErrorCode } from '../../../shared/errors.js';
import { readEventStream, SseHttpError, type SseMessage } from '../../../shared/sync/sse.js';
import { LiveEventSchema, type Mutation, type SyncStatus } from '../../../shared/sync/index.js';
import type { RecordData, RecordStore } from '../cache/records.js';
import type { Logger, SyncTiming } from '../ports.js';
import { Backoff } from '../../../client/http/backoff.js';
import { cancellableFetch } from './cancellableFetch.js';
import { screenIncoming } from './incoming.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import { baseOf, rebasePending, rebuild, recordKey, settleAcked, targetKey } from './mutations.js';

/** At most this many mutations per push (the API's limit). */
const PUSH_BATCH = 100;

/** Codes after which the session is over; the api client has already reported them. */
const SESSION_ENDED: ErrorCode[] = ['SESSION_REVOKED', 'REFRESH_TOKEN_REUSED', 'UNAUTHENTICATED'];

export interface SyncEngineOptions {
  client: ApiClient;
  records: RecordStore;
  outbox: Outbox;
  userId: string;
  timing: SyncTiming;
  logger: Logger;
  now: () => Date;
  fetch?: typeof fetch;
  onStatus: (status: SyncStatus) => void;
  onCacheChanged: (entities: string[]) => void;
  onRejected: (rejection: { type: string; code: ErrorCode; message: string }) => void;
  /**
   * Runs inside the transaction that rolls a rejected mutation back, so what a capability
   * keeps about the rejection (a rename conflict) is on disk together with the rollback.
   */
  keepRejection?: (entry: OutboxEntry, error: { code: ErrorCode; message: string }) => void;
  /** The server said over the live stream that this session was revoked. */
  onRevoked: () => void;
}

/**
 * Keeps one signed-in user's cache in step with the server. One class with an
 * explicit state: a run pushes the outbox in order, then pulls the feed until it is
 * drained, each page applied in one transaction with its cursor and with the pending
 * local changes re-applied on top. Runs never overlap: a request during a run
 * schedules exactly one more run after it. A live event stream asks for a run
 * whenever the server has news; network errors back off exponentially.
 */
export class SyncEngine {
  private status: SyncStatus;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private abort = new AbortController();
  private abortedPromise: Promise<void> = Promise.resolve();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly runBackoff: Backoff;
  private readonly liveBackoff: Backoff;
  private live: Promise<void> | null = null;

  constructor(private readonly o: SyncEngineOptions) {
    this.status = {
      state: 'connecting',
      pending: o.outbox.count(o.userId),
      lastSyncAt: null,
      lastError: null,
      nextRetryAt: null,
    };
    const backoff = { baseMs: o.timing.backoffBaseMs, maxMs: o.timing.backoffMaxMs, random: o.timing.random };
    this.runBackoff = new Backoff(backoff);
    this.liveBackoff = new Backoff(backoff);
  }

  get userId(): string {
    return this.o.userId;
  }

  getStatus(): SyncStatus {
    return { ...this.status };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.abortedPromise = new Promise((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    this.setStatus({ state: 'connecting' });
    this.live = this.liveLoop();
    void this.requestRun();
  }

  /** Stops runs, the retry timer and the live stream; resolves when the current run has ended. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearRetry();
    this.abort.abort();
    await Promise.allSettled([this.running, this.live]);
    this.live = null;
  }

  /**
   * Asks for a run. During a run this schedules one more (coalescing any number of
   * requests), because the running one may already be past the step that would have
   * seen the news. Resolves when the runs it caused have finished; never rejects.
   */
  requestRun(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.runOnce();
        } while (this.again && !this.stopped);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** A local mutation was queued: update the pending count and push it. */
  localChange(): void {
    this.setStatus({ pending: this.o.outbox.count(this.o.userId) });
    void this.requestRun();
  }

  private async runOnce(): Promise<void> {
    if (this.stopped) return;
    this.clearRetry();
    if (this.status.state !== 'offline') this.setStatus({ state: 'syncing' });
    try {
      await this.push();
      await this.pull();
      this.runBackoff.reset();
      this.setStatus({
        state: 'online',
        pending: this.o.outbox.count(this.o.userId),
        lastSyncAt: this.o.now().toISOString(),
        lastError: null,
        nextRetryAt: null,
      });
    } catch (error) {
      if (this.stopped) return;
      const appError =
        error instanceof AppError ? error : new AppError('INTERNAL', 'Synchronisation failed unexpectedly.');
      if (!(error instanceof AppError)) this.o.logger.error('Sync run failed', error);
      if (SESSION_ENDED.includes(appError.code)) return;
      const delay = this.runBackoff.next();
      this.retryTimer = setTimeout(() => void this.requestRun(), delay);
      this.setStatus({
        state: appError.code === 'NETWORK_OFFLINE' ? 'offline' : 'online',
        pending: this.o.outbox.count(this.o.userId),
        lastError: { code: appError.code, message: appError.message },
        nextRetryAt: new Date(this.o.now().getTime() + delay).toISOString(),
      });
    }
  }

  private async push(): Promise<void> {
    const { outbox, records, userId } = this.o;
    for (;;) {
      const batch = outbox.pending(userId, PUSH_BATCH);
      if (batch.length === 0) return;
      const ids = batch.map((entry) => entry.mutationId);
      const mutations: Mutation[] = batch.map((e) => ({
        id: e.mutationId,
        type: e.type,
        payload: e.payload,
      }));
      let results;
      try {
        ({ results } = await this.o.client.call('push', { body: { mutations }, signal: this.abort.signal }));
      } catch (error) {
        if (!this.stopped) outbox.markAttempt(ids, error instanceof AppError ? error.code : 'INTERNAL');
        throw error;
      }
      const byId = new Map(batch.map((entry) => [entry.mutationId, entry]));
      const rejected: { type: string; code: ErrorCode; message: string }[] = [];
      const touched = new Set<string>();
      let answered = 0;
      records.transaction(() => {
        // Read before any row leaves: the server's value under each rejected change's record.
        const layer = outbox.layer(userId);
        const bases = new Map<string, RecordData | null>();
        for (const result of results) {
          const entry = byId.get(result.id);
          if (!entry) continue;
          answered += 1;
          byId.delete(result.id);
          if (result.status === 'rejected') {
            const key = targetKey(entry);
            if (key !== null && !bases.has(key)) bases.set(key, baseOf(layer, key) ?? null);
            outbox.remove(entry.mutationId);
            this.o.keepRejection?.(entry, result.error);
            rejected.push({ type: entry.type, code: result.error.code, message: result.error.message });
          } else {
            // Applied: no longer pushed, but laid over older pages until the pull catches up.
            outbox.markAcked(entry.mutationId);
          }
        }
        // A rejected change is undone: its record goes back to the server's value, with the
        // other changes to it (earlier or later, still in the layer) on top again.
        for (const entity of rebuild(records, outbox, userId, bases)) touched.add(entity);
      });
      this.setStatus({ pending: outbox.count(userId) });
      if (touched.size > 0) this.o.onCacheChanged([...touched]);
      for (const rejection of rejected) this.o.onRejected(rejection);
      // Unanswered ids stay queued for the next run rather than being resent in a loop.
      if (answered < batch.length) return;
    }
  }

  private async pull(): Promise<void> {
    const { records, outbox, userId } = this.o;
    let cursor = records.getState('cursor');
    let reset = false;
    for (;;) {
      let page;
      try {
        page = await this.o.client.call('pull', {
          query: { ...(cursor ? { cursor } : {}), limit: this.o.timing.pageSize },
          signal: this.abort.signal,
        });
      } catch (error) {
        if (error instanceof AppError && error.code === 'SYNC_RESYNC_REQUIRED' && cursor !== null) {
          // The cursor means nothing to this server (restored database, another server):
          // start over, dropping the records with the first page so the UI never sees
          // an empty cache. The outbox is kept and re-applied on top.
          this.o.logger.warn('The server asked for a full resync');
          cursor = null;
          reset = true;
          continue;
        }
        throw error;
      }
      if (this.stopped) return;
      // Records that fail their checks are skipped here; the cursor still moves past them.
      const changes = screenIncoming(page.changes, this.o.logger);
      const hasChanges = changes.length > 0 || reset;
      const changed = new Set(changes.map((c) => recordKey(c.entity, c.id)));
      const last = !page.hasMore;
      const touched = records.applyPage(changes, page.cursor, {
        reset,
        inside: () => {
          const layered = hasChanges
            ? rebasePending(records, outbox, userId, reset ? undefined : changed)
            : [];
          // The end of the feed: it holds this device's acknowledged changes now.
          return last ? [...layered, ...settleAcked(records, outbox, userId)] : layered;
        },
      });
      reset = false;
      cursor = page.cursor;
      if (touched.length > 0) this.o.onCacheChanged(touched);
      if (!page.hasMore) return;
    }
  }

  private async liveLoop(): Promise<void> {
    const { client } = this.o;
    while (!this.stopped) {
      try {
        const stream = readEventStream({
          url: client.url(API.events.path),
          headers: client.authHeaders(),
          signal: this.abort.signal,
          fetch: cancellableFetch(this.o.fetch ?? fetch, this.abort.signal),
          onOpen: () => {
            this.liveBackoff.reset();
            // Anything that happened while the stream was down is only in the feed.
            void this.requestRun();
          },
          onMessage: (message) => this.onLiveMessage(message),
        });
        // An abort that lands between two chunks does not always settle the stream
        // read on Node 20; stopping must not wait on it.
        await Promise.race([stream, this.aborted()]);
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof SseHttpError && error.status === 401) {
          const code = ErrorBodySchema.safeParse(error.body).data?.code;
          if (code === 'SESSION_EXPIRED') {
            try {
              await client.refresh();
              continue;
            } catch {
              // refresh() has reported an ended session; a network error backs off below.
            }
          }
        }
      }
      if (this.stopped) return;
      // A dropped stream often means the network is gone: let a run find out and show it.
      void this.requestRun();
      await this.sleep(this.liveBackoff.next());
    }
  }

  private onLiveMessage(message: SseMessage): void {
    let parsed;
    try {
      parsed = LiveEventSchema.safeParse({ type: message.event, ...(JSON.parse(message.data) as object) });
    } catch {
      return;
    }
    if (!parsed.success) return;
    if (parsed.data.type === 'changed') void this.requestRun();
    // Deferred: ending the session stops this engine, which must not happen inside
    // the stream reader's own callback.
    else if (parsed.data.type === 'revoked') setTimeout(() => this.o.onRevoked(), 0);
  }

  /** Settles when stop() aborts; made once per start so reconnects add no listeners. */
  private aborted(): Promise<void> {
    return this.abortedPromise;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.abort.signal;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setStatus(patch: Partial<SyncStatus>): void {
    const next = { ...this.status, ...patch };
    const changed = (Object.keys(next) as (keyof SyncStatus)[]).some(
      (key) => JSON.stringify(next[key]) !== JSON.stringify(this.status[key]),
    );
    this.status = next;
    if (changed && !this.stopped) this.o.onStatus(this.getStatus());
  }
}
