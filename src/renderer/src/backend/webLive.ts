import { API } from '../../../shared/api.js';
import { Backoff } from '../../../client/http/backoff.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import { AppError, type ErrorCode, hasErrorCode } from '../../../shared/errors.js';
import { readEventStream, SseHttpError } from '../../../shared/sync/sse.js';
import { ENTITY_KINDS, LiveEventSchema, type Mutation, type SyncStatus } from '../../../shared/sync/index.js';
import type { Emitter } from './emitter.js';

export interface WebLive {
  start(): void;
  stop(): void;
  status(): SyncStatus;
  /** Skip the wait and reconnect now (the "retry now" button, the browser coming online). */
  retryNow(): void;
  /** Keep a mutation that could not be sent; it goes out when the connection is back. */
  enqueue(mutation: Mutation): void;
}

const SIGNED_OUT: SyncStatus = {
  state: 'signed_out',
  pending: 0,
  lastSyncAt: null,
  lastError: null,
  nextRetryAt: null,
};

/**
 * The web version's live connection: the server-sent event stream drives the
 * online/offline state, `changed` becomes `cache.changed`, `revoked` ends the
 * session. While offline it retries with the clients' one backoff (client/http/backoff.ts),
 * and it sends the mutations kept in memory once the connection is back.
 */
export function createWebLive(deps: {
  api: ApiClient;
  emitter: Emitter;
  fetch?: typeof fetch;
  /** The server said the session is over (revoked, or it cannot be refreshed). */
  onSessionEnded: (code: ErrorCode, message: string) => void;
}): WebLive {
  let current: SyncStatus = SIGNED_OUT;
  let outbox: Mutation[] = [];
  let generation = 0;
  let stream: AbortController | null = null;
  let wakeUp: (() => void) | null = null;

  function setStatus(next: Partial<SyncStatus>): void {
    current = { ...current, ...next, pending: outbox.length };
    deps.emitter.emit('sync.status', current);
  }

  function changedAll(): void {
    deps.emitter.emit('cache.changed', { entities: [...ENTITY_KINDS] });
  }

  async function flush(): Promise<void> {
    while (outbox.length > 0) {
      const batch = outbox.slice(0, 100);
      const { results } = await deps.api.call('push', { body: { mutations: batch } });
      const sent = new Set(batch.map((m) => m.id));
      outbox = outbox.filter((m) => !sent.has(m.id));
      for (const result of results) {
        if (result.status !== 'rejected') continue;
        const type = batch.find((m) => m.id === result.id)?.type ?? 'unknown';
        deps.emitter.emit('mutation.rejected', {
          type,
          code: result.error.code,
          message: result.error.message,
        });
      }
      setStatus({});
      changedAll();
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });
  }

  async function run(mine: number): Promise<void> {
    const backoff = new Backoff({ baseMs: 1000, maxMs: 30_000, random: Math.random });
    while (mine === generation) {
      setStatus({ state: 'connecting', nextRetryAt: null });
      const controller = new AbortController();
      stream = controller;
      try {
        await readEventStream({
          url: deps.api.url(API.events.path),
          headers: { ...deps.api.authHeaders(), 'x-client': 'web' },
          credentials: 'same-origin',
          signal: controller.signal,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
          onOpen: () => {
            backoff.reset();
            setStatus({ state: 'online', lastError: null, lastSyncAt: new Date().toISOString() });
            changedAll();
            flush().catch((error: unknown) => {
              if (hasErrorCode(error)) setStatus({ lastError: { code: error.code, message: error.message } });
            });
          },
          onMessage: (message) => {
            let data: unknown = {};
            try {
              data = message.data ? JSON.parse(message.data) : {};
            } catch {
              return;
            }
            const event = LiveEventSchema.safeParse({ ...(data as object), type: message.event });
            if (!event.success) return;
            if (event.data.type === 'changed') {
              setStatus({ lastSyncAt: new Date().toISOString() });
              changedAll();
            } else {
              generation++;
              controller.abort();
              deps.onSessionEnded('SESSION_REVOKED', 'The session was revoked.');
            }
          },
        });
      } catch (error) {
        if (mine !== generation) return;
        if (error instanceof SseHttpError && error.status === 401) {
          const code = hasErrorCode(error.body) ? error.body.code : 'UNAUTHENTICATED';
          if (code === 'SESSION_EXPIRED') {
            try {
              await deps.api.refresh();
              continue;
            } catch (refreshError) {
              // A refused refresh has already ended the session through the API client.
              if (hasErrorCode(refreshError) && refreshError.code !== 'NETWORK_OFFLINE') return;
            }
          } else {
            deps.onSessionEnded(code, 'The session has ended.');
            return;
          }
        }
      }
      if (mine !== generation) return;
      const delay = backoff.next();
      const offline = new AppError('NETWORK_OFFLINE', 'The server cannot be reached.');
      setStatus({
        state: 'offline',
        lastError: { code: offline.code, message: offline.message },
        nextRetryAt: new Date(Date.now() + delay).toISOString(),
      });
      await sleep(delay);
    }
  }

  return {
    start() {
      generation++;
      stream?.abort();
      void run(generation);
    },
    stop() {
      generation++;
      stream?.abort();
      stream = null;
      wakeUp?.();
      outbox = [];
      current = SIGNED_OUT;
      deps.emitter.emit('sync.status', current);
    },
    status: () => current,
    retryNow() {
      wakeUp?.();
    },
    enqueue(mutation) {
      outbox.push(mutation);
      setStatus({});
    },
  };
}
