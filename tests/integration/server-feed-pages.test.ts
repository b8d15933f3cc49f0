/**
 * The change feed keeps the pages it answered, serialized; these tests hold it to the
 * answers a fresh read of the database gives, whoever writes in between: this server, or
 * another process on the same database file (the school's admin tool, a second server).
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { encodeCursor } from '../../src/server/sync/feed.js';
import { openDatabase } from '../../src/server/store/db.js';
import { createSqliteStore } from '../../src/server/store/sqlite/index.js';
import type { Store } from '../../src/server/store/types.js';
import { signInByPhone } from '../../src/server/testing.js';
import { bearer, freshPhone } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const servers: TestServer[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function pull(ts: TestServer, who: SignedIn, query = ''): Promise<string> {
  const response = await fetch(`${ts.url}/api/sync/changes${query}`, { headers: bearer(who) });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return response.text();
}

/** What the feed answers, read straight from the database the way the route always did. */
async function fresh(store: Store, userId: string, after: number, limit: number): Promise<string> {
  const epoch = await store.feed.epoch();
  const head = await store.feed.headSeq();
  const rows = await store.feed.changesAfter(userId, after, limit + 1);
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1]?.seq ?? after;
  return JSON.stringify({
    changes: page.map((r) => ({ entity: r.entity, id: r.entityId, op: r.op, data: r.data })),
    cursor: encodeCursor(epoch, hasMore ? last : Math.max(last, head)),
    hasMore,
  });
}

let folders = 0;
/** Creates folders through the API, one change each in the owner's feed. */
async function folder(ts: TestServer, who: SignedIn, ...names: string[]): Promise<void> {
  const mutations = names.map((name) => {
    folders += 1;
    const id = `folder-${String(folders).padStart(4, '0')}`;
    return { id: `m-${id}`, type: 'folder.create', payload: { id, parentId: null, name } };
  });
  const response = await fetch(`${ts.url}/api/sync/mutations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(who) },
    body: JSON.stringify({ mutations }),
  });
  expect(response.status).toBe(200);
}

/** Enough folders that a page of them is large enough to be kept (small pages are read afresh). */
const MANY = Array.from({ length: 30 }, (_, i) => `Папка «${i}» — ünïcode ✓`);

describe('change feed: kept pages', () => {
  it('a repeated pull answers byte for byte what a fresh read gives, as the head moves and the feed grows', async () => {
    const ts = await startTestServer();
    servers.push(ts);
    const { store } = ts.server.context;
    const mom = await signInByPhone(ts, freshPhone('971'));
    const other = await signInByPhone(ts, freshPhone('972'));
    await folder(ts, mom, ...MANY);

    const first = await pull(ts, mom);
    expect(first.length).toBeGreaterThan(4096);
    expect(first).toBe(await fresh(store, mom.profile.id, 0, 1000));
    expect(await pull(ts, mom)).toBe(first);

    // Someone else's change moves the head: same changes, the cursor jumps to the new head.
    await folder(ts, other, 'Чужая');
    const again = await pull(ts, mom);
    expect(again).toBe(await fresh(store, mom.profile.id, 0, 1000));
    expect(again).not.toBe(first);

    // Her own change: the page grows.
    await folder(ts, mom, 'Ещё одна');
    const grown = JSON.parse(await pull(ts, mom)) as { changes: unknown[] };
    expect(grown.changes).toHaveLength(MANY.length + 2);
    expect(JSON.stringify(grown)).toBe(await fresh(store, mom.profile.id, 0, 1000));

    // Pages of a limit, with a cursor, twice each.
    const pageOne = JSON.parse(await pull(ts, mom, '?limit=20')) as { cursor: string; hasMore: boolean };
    expect(pageOne.hasMore).toBe(true);
    const after = Number(pageOne.cursor.split('.')[1]);
    const q = `?limit=20&cursor=${pageOne.cursor}`;
    expect(await pull(ts, mom, q)).toBe(await fresh(store, mom.profile.id, after, 20));
    await folder(ts, mom, 'После');
    expect(await pull(ts, mom, q)).toBe(await fresh(store, mom.profile.id, after, 20));
  });

  it('a change written by another process on the same database shows in the next pull', async () => {
    const ts = await startTestServer();
    servers.push(ts);
    const mom = await signInByPhone(ts, freshPhone('973'));
    await folder(ts, mom, ...MANY);
    const before = JSON.parse(await pull(ts, mom)) as { changes: unknown[]; cursor: string };
    expect(await pull(ts, mom)).toBe(JSON.stringify(before));

    // A second connection, as the admin tool or a second server process has.
    const elsewhere = createSqliteStore(openDatabase(ts.dataDir));
    stores.push(elsewhere);
    await elsewhere.transaction((tx) =>
      tx.feed.appendChange({
        userId: mom.profile.id,
        entity: 'folder',
        entityId: 'from-elsewhere',
        op: 'delete',
        data: null,
        createdAt: new Date().toISOString(),
      }),
    );
    const after = JSON.parse(await pull(ts, mom)) as { changes: { id: string }[] };
    expect(after.changes.map((c) => c.id)).toContain('from-elsewhere');
    expect(after.changes).toHaveLength(before.changes.length + 1);
    // And from the old cursor, only that change.
    const next = JSON.parse(await pull(ts, mom, `?cursor=${before.cursor}`)) as { changes: { id: string }[] };
    expect(next.changes.map((c) => c.id)).toEqual(['from-elsewhere']);
  });

  it('a big page goes gzipped to a client that accepts it, the same JSON once unpacked; a small one as it is', async () => {
    const ts = await startTestServer();
    servers.push(ts);
    const { store } = ts.server.context;
    const dad = await signInByPhone(ts, freshPhone('973'));
    const raw = (acceptEncoding: string | null) =>
      new Promise<{ encoding: string | undefined; vary: string | undefined; body: Buffer }>(
        (resolve, reject) => {
          const headers: Record<string, string> = { ...bearer(dad) };
          if (acceptEncoding !== null) headers['accept-encoding'] = acceptEncoding;
          http
            .get(`${ts.url}/api/sync/changes`, { headers }, (res) => {
              const parts: Buffer[] = [];
              res.on('data', (c: Buffer) => parts.push(c));
              res.on('end', () =>
                resolve({
                  encoding: res.headers['content-encoding'],
                  vary: res.headers.vary,
                  body: Buffer.concat(parts),
                }),
              );
            })
            .on('error', reject);
        },
      );

    await folder(ts, dad, 'Справки');
    const small = await raw('gzip, deflate, br');
    expect(small.encoding).toBeUndefined();
    expect(small.body.toString()).toBe(await fresh(store, dad.profile.id, 0, 1000));

    await folder(ts, dad, ...MANY);
    const expected = await fresh(store, dad.profile.id, 0, 1000);
    for (let i = 0; i < 2; i++) {
      const packed = await raw('gzip, deflate, br');
      expect(packed.encoding).toBe('gzip');
      expect(packed.vary).toBe('accept-encoding');
      expect(packed.body.length).toBeLessThan(expected.length / 3);
      expect(zlib.gunzipSync(packed.body).toString()).toBe(expected);
    }
    for (const refuses of [null, 'identity', 'gzip;q=0, br']) {
      const plain = await raw(refuses);
      expect(plain.encoding).toBeUndefined();
      expect(plain.body.toString()).toBe(expected);
    }
    // fetch (the desktop core, the browser) unpacks it by itself.
    expect(await pull(ts, dad)).toBe(expected);
  });
});
