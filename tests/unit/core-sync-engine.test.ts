import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/shared/apiClient.js';
import { AppError } from '../../src/shared/errors.js';
import type { PullResponse, PushBody, PushResponse } from '../../src/shared/api.js';
import type { SyncStatus } from '../../src/shared/sync/index.js';
import { type CacheDatabase, openCacheDatabase } from '../../src/main/core/cache/db.js';
import { createRecordStore, type RecordStore } from '../../src/main/core/cache/records.js';
import { Backoff } from '../../src/main/core/sync/backoff.js';
import { SyncEngine } from '../../src/main/core/sync/engine.js';
import { queueMutation } from '../../src/main/core/sync/mutations.js';
import { createOutbox, type Outbox } from '../../src/main/core/sync/outbox.js';
import { createTestLogger } from '../helpers/core.js';

/** A hand-driven server: each pull waits until the test releases it. */
function fakeClient() {
  const pulls: { cursor: string | undefined; release: (page: PullResponse | Error) => void }[] = [];
  const pushes: PushBody[] = [];
  let pushAnswer: (body: PushBody) => PushResponse | Error = (body) => ({
    results: body.mutations.map((m) => ({ id: m.id, status: 'applied' as const })),
  });
  const client = {
    baseUrl: 'http://fake',
    url: (path: string) => `http://fake${path}`,
    authHeaders: () => ({}),
    refresh: async () => {
      throw new Error('not used');
    },
    call: async (
      name: string,
      options?: { query?: { cursor?: string }; body?: PushBody; signal?: AbortSignal },
    ) => {
      if (name === 'push') {
        pushes.push(options!.body!);
        const answer = pushAnswer(options!.body!);
        if (answer instanceof Error) throw answer;
        return answer;
      }
      if (name === 'pull') {
        return new Promise((resolve, reject) => {
          options?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
          pulls.push({
            cursor: options?.query?.cursor,
            release: (page) => (page instanceof Error ? reject(page) : resolve(page)),
          });
        });
      }
      throw new Error(`unexpected ${name}`);
    },
  } as unknown as ApiClient;
  return { client, pulls, pushes, setPushAnswer: (fn: typeof pushAnswer) => (pushAnswer = fn) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await tick();
  if (!check()) throw new Error('condition never held');
}

let db: CacheDatabase;
let records: RecordStore;
let outbox: Outbox;
let statuses: SyncStatus[];
let changed: string[][];
let rejections: unknown[];
let engine: SyncEngine;
let fake: ReturnType<typeof fakeClient>;

function makeEngine(): SyncEngine {
  return new SyncEngine({
    client: fake.client,
    records,
    outbox,
    userId: 'u1',
    timing: { backoffBaseMs: 5, backoffMaxMs: 20, random: () => 0.5, pageSize: 2, infoTimeoutMs: 100 },
    logger: createTestLogger(),
    now: () => new Date('2025-01-01T00:00:00Z'),
    // The live stream is not under test here: a fetch that never connects.
    fetch: (() => new Promise(() => {})) as unknown as typeof fetch,
    onStatus: (s) => void statuses.push(s),
    onCacheChanged: (e) => void changed.push(e),
    onRejected: (r) => void rejections.push(r),
    onRevoked: () => {},
  });
}

const profile = (name: string) => ({ id: 'u1', surname: 'Иванова', name, patronymic: '' });

beforeEach(() => {
  db = openCacheDatabase(':memory:');
  records = createRecordStore(db);
  outbox = createOutbox(db);
  statuses = [];
  changed = [];
  rejections = [];
  fake = fakeClient();
  engine = makeEngine();
});
afterEach(async () => {
  await engine.stop();
  db.close();
});

describe('sync engine', () => {
  it('never runs twice at once: requests during a run coalesce into one more run', async () => {
    engine.start();
    await until(() => fake.pulls.length === 1);
    void engine.requestRun();
    void engine.requestRun();
    void engine.requestRun();
    await tick();
    expect(fake.pulls).toHaveLength(1);
    fake.pulls[0]!.release({ changes: [], cursor: 'c1', hasMore: false });
    await until(() => fake.pulls.length === 2);
    expect(fake.pulls[1]!.cursor).toBe('c1');
    fake.pulls[1]!.release({ changes: [], cursor: 'c1', hasMore: false });
    await until(() => engine.getStatus().state === 'online');
    await tick();
    expect(fake.pulls).toHaveLength(2);
  });

  it('pulls pages until hasMore is false and rebases pending changes on top', async () => {
    records.put('profile', 'u1', profile('Мария'));
    queueMutation(records, outbox, {
      type: 'profile.update',
      payload: { surname: 'Иванова', name: 'Анна' },
      userId: 'u1',
      createdAt: 'x',
    });
    fake.setPushAnswer(() => new AppError('INTERNAL', 'down for a moment'));
    engine.start();
    await until(() => fake.pulls.length === 0 && fake.pushes.length === 1);
    // The push failed: the change stays queued and the engine retries after a backoff.
    await until(() => engine.getStatus().lastError?.code === 'INTERNAL');
    expect(engine.getStatus()).toMatchObject({ pending: 1, nextRetryAt: expect.any(String) });
    fake.setPushAnswer(() => new AppError('NETWORK_OFFLINE', 'offline'));
    await until(() => engine.getStatus().state === 'offline');
    fake.setPushAnswer((body) => ({ results: body.mutations.map((m) => ({ id: m.id, status: 'applied' })) }));
    await until(() => fake.pulls.length === 1);
    expect(outbox.count('u1')).toBe(0);
    fake.pulls[0]!.release({
      changes: [{ entity: 'profile', id: 'u1', op: 'put', data: profile('Анна') }],
      cursor: 'p1',
      hasMore: true,
    });
    await until(() => fake.pulls.length === 2);
    expect(fake.pulls[1]!.cursor).toBe('p1');
    fake.pulls[1]!.release({ changes: [], cursor: 'p2', hasMore: false });
    await until(() => engine.getStatus().state === 'online');
    expect(records.getState('cursor')).toBe('p2');
    expect(changed).toContainEqual(['profile']);
    expect(engine.getStatus()).toMatchObject({ pending: 0, lastError: null, nextRetryAt: null });
  });

  it('rolls back a rejected mutation and keeps later ones on top', async () => {
    records.put('profile', 'u1', profile('Мария'));
    for (const name of ['Анна', 'Вера']) {
      queueMutation(records, outbox, {
        type: 'profile.update',
        payload: { surname: 'Иванова', name },
        userId: 'u1',
        createdAt: 'x',
      });
    }
    const [first] = outbox.pending('u1');
    fake.setPushAnswer((body) => ({
      results: body.mutations
        .filter((m) => m.id === first!.mutationId)
        .map((m) => ({
          id: m.id,
          status: 'rejected' as const,
          error: { code: 'NAME_INVALID' as const, message: 'no' },
        })),
    }));
    engine.start();
    await until(() => rejections.length === 1);
    expect(rejections[0]).toEqual({ type: 'profile.update', code: 'NAME_INVALID', message: 'no' });
    // The second change is still pending and sits on the restored record.
    expect(outbox.count('u1')).toBe(1);
    expect(records.get('profile', 'u1')).toMatchObject({ name: 'Вера' });
    expect(outbox.pending('u1')[0]!.before).toMatchObject({ name: 'Мария' });
  });

  it('a resync drops old records with the first fresh page, keeping the outbox', async () => {
    records.applyPage([{ entity: 'school', id: 'old', op: 'put', data: { id: 'old' } }], 'stale');
    engine.start();
    await until(() => fake.pulls.length === 1);
    expect(fake.pulls[0]!.cursor).toBe('stale');
    fake.pulls[0]!.release(new AppError('SYNC_RESYNC_REQUIRED', 'start over'));
    await until(() => fake.pulls.length === 2);
    expect(fake.pulls[1]!.cursor).toBeUndefined();
    expect(records.get('school', 'old')).not.toBeNull();
    fake.pulls[1]!.release({
      changes: [{ entity: 'profile', id: 'u1', op: 'put', data: profile('Мария') }],
      cursor: 'fresh',
      hasMore: false,
    });
    await until(() => engine.getStatus().state === 'online');
    expect(records.get('school', 'old')).toBeNull();
    expect(records.getState('cursor')).toBe('fresh');
    expect(changed).toContainEqual(expect.arrayContaining(['school', 'profile']));
  });
});

describe('backoff', () => {
  it('doubles from the base to the cap, with jitter in [d/2, d)', () => {
    const low = new Backoff({ baseMs: 1000, maxMs: 60_000, random: () => 0 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(() => low.next())).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
    const high = new Backoff({ baseMs: 1000, maxMs: 60_000, random: () => 0.999 });
    expect(high.next()).toBe(1000);
    for (let i = 0; i < 10; i++) high.next();
    const capped = high.next();
    expect(capped).toBeGreaterThan(59_000);
    expect(capped).toBeLessThanOrEqual(60_000);
    high.reset();
    expect(high.next()).toBe(1000);
  });
});
