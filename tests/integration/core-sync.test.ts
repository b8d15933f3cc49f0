import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/shared/domain.js';
import {
  createTestCore,
  randomPhone,
  signInAs,
  waitFor,
  waitForEvent,
  type TestCore,
} from '../helpers/core.js';
import { portOf, startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(options);
  cleanups.push(() => s.close());
  return s;
}

async function core(options: Parameters<typeof createTestCore>[0]): Promise<TestCore> {
  const c = await createTestCore(options);
  cleanups.push(() => c.dispose());
  return c;
}

/** A fetch that counts pushes the server answered, per mutation id. */
function countingFetch(): { fetch: typeof fetch; pushed: Map<string, number> } {
  const pushed = new Map<string, number>();
  const wrapped: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (String(input).endsWith('/api/sync/mutations') && response.ok && typeof init?.body === 'string') {
      const body = JSON.parse(init.body) as { mutations: { id: string }[] };
      for (const m of body.mutations) pushed.set(m.id, (pushed.get(m.id) ?? 0) + 1);
    }
    return response;
  };
  return { fetch: wrapped, pushed };
}

const online = (c: TestCore) => waitFor(() => c.core.getSyncStatus().state === 'online', 5000, 'online');

describe('sync through a real server', () => {
  it('two clients: a profile change on one lands in the other live', async () => {
    const s = await server();
    const a = await core({ serverUrl: s.url });
    const b = await core({ serverUrl: s.url });
    const phone = randomPhone();
    await signInAs(a.core, phone);
    await signInAs(b.core, phone);
    await Promise.all([online(a), online(b)]);

    const arrived = waitForEvent(
      b.core,
      'cache.changed',
      (e) => e.entities.includes('profile') && b.core.getProfile()?.name === 'Анна',
    );
    const local = await a.core.updateProfile({ surname: 'Петрова', name: 'Анна', patronymic: 'Ивановна' });
    expect(local.name).toBe('Анна');
    expect(a.core.getSyncStatus().pending).toBe(1);
    await arrived;
    expect(b.core.getProfile()).toMatchObject({ surname: 'Петрова', name: 'Анна' });
    await waitFor(() => a.core.getSyncStatus().pending === 0, 5000, 'pushed');
    expect(a.core.getState().accounts[0]!.label).toBe('Петрова Анна');
    await waitFor(() => b.core.getState().accounts[0]!.label === 'Петрова Анна', 5000, 'label on b');
  });

  it('offline: a change waits in the outbox and is pushed exactly once when the server is back', async () => {
    const serverData = makeTempDir('sferum-server-');
    cleanups.push(() => serverData.remove());
    let s = await startTestServer({ dataDir: serverData.path });
    const port = portOf(s.url);
    const counting = countingFetch();
    const a = await core({ serverUrl: s.url, fetch: counting.fetch });
    const profile = await signInAs(a.core, randomPhone());
    await online(a);

    const offline = waitForEvent(a.core, 'sync.status', (st) => st.state === 'offline');
    await s.close();
    await a.core.updateProfile({ surname: 'Петрова', name: 'Вера', patronymic: '' });
    const status = await offline;
    expect(a.core.getSyncStatus()).toMatchObject({ state: 'offline', pending: 1 });
    expect(status.nextRetryAt).not.toBeNull();
    expect(a.core.getProfile()?.name).toBe('Вера');

    s = await startTestServer({ dataDir: serverData.path, port });
    cleanups.push(() => s.close());
    await waitFor(
      () => a.core.getSyncStatus().state === 'online' && a.core.getSyncStatus().pending === 0,
      10_000,
      'back online',
    );
    expect([...counting.pushed.values()]).toEqual([1]);
    expect((await s.server.context.store.accounts.getUser(profile.id))?.name).toBe('Вера');
  });

  it('keeps a queued change across a restart of the core and pushes it once', async () => {
    const serverData = makeTempDir('sferum-server-');
    cleanups.push(() => serverData.remove());
    let s = await startTestServer({ dataDir: serverData.path });
    const port = portOf(s.url);
    const first = await core({ serverUrl: s.url });
    const profile = await signInAs(first.core, randomPhone());
    await online(first);
    await s.close();
    await first.core.updateProfile({ surname: 'Петрова', name: 'Галина', patronymic: '' });
    expect(first.core.getSyncStatus().pending).toBe(1);
    await first.close();

    s = await startTestServer({ dataDir: serverData.path, port });
    cleanups.push(() => s.close());
    const counting = countingFetch();
    const second = await first.restart({ fetch: counting.fetch });
    cleanups.push(() => second.dispose());
    expect(second.core.getProfile()?.name).toBe('Галина');
    await waitFor(() => second.core.getSyncStatus().pending === 0, 5000, 'pushed after restart');
    expect([...counting.pushed.values()]).toEqual([1]);
    expect((await s.server.context.store.accounts.getUser(profile.id))?.name).toBe('Галина');
  });

  it('a cursor the server does not know triggers a clean resync', async () => {
    const s = await server();
    const first = await core({ serverUrl: s.url });
    const profile = await signInAs(first.core, randomPhone());
    await online(first);
    const accountId = first.core.getState().activeAccountId!;
    await first.close();

    const cacheFile = join(first.dataDir, 'accounts', accountId, 'cache.sqlite');
    const db = new Database(cacheFile);
    db.prepare("UPDATE sync_state SET value = 'ffffffffffffffff.1' WHERE key = 'cursor'").run();
    db.prepare(
      "INSERT INTO records (entity, id, data) VALUES ('school', 'ghost', '{\"id\":\"ghost\"}')",
    ).run();
    db.close();

    const second = await first.restart();
    cleanups.push(() => second.dispose());
    await online(second);
    expect(second.core.getProfile()).toMatchObject({ id: profile.id });
    await second.close();
    const check = new Database(cacheFile, { readonly: true });
    const ghost = check.prepare("SELECT * FROM records WHERE id = 'ghost'").get();
    const cursor = check.prepare("SELECT value FROM sync_state WHERE key = 'cursor'").get() as {
      value: string;
    };
    check.close();
    expect(ghost).toBeUndefined();
    expect(cursor.value).not.toBe('ffffffffffffffff.1');
  });

  it('refreshes an expired access token silently', async () => {
    const clock = new TestClock();
    const s = await server({ clock, config: { accessTtlSeconds: 60 } });
    const a = await core({ serverUrl: s.url });
    const signedOut: unknown[] = [];
    a.core.on('auth.signedOut', (e) => signedOut.push(e));
    await signInAs(a.core, randomPhone());
    await online(a);

    clock.advance(61_000);
    const b = await core({ serverUrl: s.url });
    const phone = a.core.getProfile()!.phone!;
    await signInAs(b.core, phone);
    const arrived = waitForEvent(a.core, 'cache.changed', () => a.core.getProfile()?.name === 'Дарья');
    await b.core.updateProfile({ surname: 'Петрова', name: 'Дарья', patronymic: '' });
    await arrived;
    const status = await a.core.syncNow();
    expect(status).toMatchObject({ state: 'online', lastError: null });
    expect(signedOut).toEqual([]);
    expect(a.core.getState().accounts[0]!.signedIn).toBe(true);
    expect((await a.core.listSessions()).length).toBe(2);
  });

  it('rolls a rejected change back and reports it', async () => {
    const s = await server();
    const a = await core({ serverUrl: s.url });
    const profile: Profile = await signInAs(a.core, randomPhone());
    await online(a);
    await a.close();

    // A change the server refuses: queued by hand, since the core validates its own.
    const settings = JSON.parse(readFileSync(join(a.dataDir, 'settings.json'), 'utf8')) as {
      activeAccountId: string;
    };
    const accountId = settings.activeAccountId;
    const db = new Database(join(a.dataDir, 'accounts', accountId, 'cache.sqlite'));
    const row = db.prepare("SELECT data FROM records WHERE entity = 'profile'").get() as { data: string };
    const before = row.data;
    db.prepare("UPDATE records SET data = json_set(data, '$.name', 'Ошибка') WHERE entity = 'profile'").run();
    db.prepare(
      `INSERT INTO outbox (mutation_id, user_id, type, payload, before, created_at)
       VALUES ('rejected-mutation-1', ?, 'profile.update', '{"surname":"","name":""}', ?, 'now')`,
    ).run(profile.id, before);
    db.close();
    const restarted = await a.restart();
    cleanups.push(() => restarted.dispose());
    const rejected = await waitForEvent(restarted.core, 'mutation.rejected');
    expect(rejected.type).toBe('profile.update');
    expect(rejected.code).toMatch(/VALIDATION_FAILED|MUTATION_REJECTED|NAME_INVALID/);
    await waitFor(() => restarted.core.getSyncStatus().pending === 0, 5000, 'outbox drained');
    expect(restarted.core.getProfile()?.name).toBe(profile.name);
  });
});
