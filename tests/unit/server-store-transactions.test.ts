import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/server/rateLimit.js';
import { pgTypes } from '../../src/server/store/postgres/conn.js';
import { PgRateLimitStore } from '../../src/server/store/postgres/rateLimits.js';
import { SqliteRateLimitStore } from '../../src/server/store/sqlite/rateLimits.js';
import { TransactionEndedError } from '../../src/server/store/sqlite/sync.js';
import type { RateLimitStore, Store, Tx, UserRow } from '../../src/server/store/types.js';
import pg from 'pg';
import { BACKENDS, closeStore, POSTGRES, SQLITE, type Backend, type Place } from '../helpers/backends.js';

const T = '2026-01-01T00:00:00.000Z';
let n = 0;

function user(surname: string): UserRow {
  n += 1;
  return {
    id: `user-${n}-${surname}`,
    role: 'parent',
    surname,
    name: 'Мария',
    patronymic: '',
    phone: `+7900${String(n).padStart(7, '0')}`,
    email: null,
    birthDate: null,
    schoolId: null,
    classId: null,
    createdAt: T,
    updatedAt: T,
  };
}

/** Resolves when `release` is called: a transaction that is still open at a known moment. */
function gate(): { opened: Promise<void>; open: () => void; release: () => void; released: Promise<void> } {
  let open!: () => void;
  let release!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const released = new Promise<void>((r) => (release = r));
  return { opened, open, release, released };
}

const tick = (ms = 10): Promise<void> => new Promise((r) => setTimeout(r, ms));

function change(userId: string): Parameters<Store['feed']['appendChange']>[0] {
  return { userId, entity: 'profile', entityId: userId, op: 'put', data: {}, createdAt: T };
}

/** Opens one place and one store on it for the describe block it is called in. */
function onPlace(backend: Backend): { store: () => Store; place: () => Place } {
  let place: Place;
  let store: Store;
  beforeAll(async () => {
    place = await backend.place();
    store = await place.open();
  });
  afterAll(async () => {
    if (store) await closeStore(store);
    await place?.remove();
  });
  return { store: () => store, place: () => place };
}

describe.each(BACKENDS)('store transactions ($name)', (backend) => {
  const { store, place } = onPlace(backend);

  it('a failing fn rolls back everything written through tx, also after awaiting between writes', async () => {
    const a = user('Откатова');
    const b = user('Откатов');
    await expect(
      store().transaction(async (tx) => {
        await tx.accounts.insertUser(a);
        await tick(5);
        await tx.accounts.insertUser(b);
        await tx.feed.appendChange(change(a.id));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await store().accounts.getUser(a.id)).toBeNull();
    expect(await store().accounts.getUser(b.id)).toBeNull();
    expect(await store().feed.changesAfter(a.id, 0, 10)).toEqual([]);
    // The connection is usable afterwards: the next transaction commits.
    await store().transaction((tx) => tx.accounts.insertUser(a));
    expect((await store().accounts.getUser(a.id))?.surname).toBe('Откатова');
  });

  it('a call outside a transaction does not join an open one: it never sees its uncommitted writes', async () => {
    const inside = user('Внутри');
    const g = gate();
    const tx = store().transaction(async (t) => {
      await t.accounts.insertUser(inside);
      g.open();
      await g.released;
      throw new Error('rolled back');
    });
    await g.opened;
    const outside = store().accounts.getUser(inside.id);
    await tick();
    g.release();
    await expect(tx).rejects.toThrow('rolled back');
    expect(await outside).toBeNull();
  });

  it('a write outside a transaction while one is open is not undone by its rollback', async () => {
    const inside = user('Отменённая');
    const outsider = user('Снаружи');
    const g = gate();
    const tx = store().transaction(async (t) => {
      await t.accounts.insertUser(inside);
      g.open();
      await g.released;
      throw new Error('rolled back');
    });
    await g.opened;
    const write = store().accounts.insertUser(outsider);
    g.release();
    await expect(tx).rejects.toThrow('rolled back');
    await write;
    expect((await store().accounts.getUser(outsider.id))?.surname).toBe('Снаружи');
    expect(await store().accounts.getUser(inside.id)).toBeNull();
  });

  it('tx.transaction runs on a savepoint: its failure undoes only its own writes', async () => {
    const outer = user('Внешняя');
    const inner = user('Вложенная');
    const kept = user('Вложенная сохранённая');
    await store().transaction(async (tx) => {
      await tx.accounts.insertUser(outer);
      await expect(
        tx.transaction(async (nested) => {
          await nested.accounts.insertUser(inner);
          throw new Error('inner refused');
        }),
      ).rejects.toThrow('inner refused');
      expect(await tx.accounts.getUser(inner.id)).toBeNull();
      await tx.transaction((nested) => nested.accounts.insertUser(kept));
    });
    expect((await store().accounts.getUser(outer.id))?.surname).toBe('Внешняя');
    expect(await store().accounts.getUser(inner.id)).toBeNull();
    expect((await store().accounts.getUser(kept.id))?.surname).toBe('Вложенная сохранённая');
  });

  it('a handle kept after its transaction ended refuses to run', async () => {
    let kept: Tx | null = null;
    await store().transaction(async (tx) => {
      kept = tx;
      await tx.accounts.getUser('nobody');
    });
    await expect(kept!.accounts.getUser('nobody')).rejects.toBeInstanceOf(TransactionEndedError);
    await expect(kept!.transaction(async () => 1)).rejects.toBeInstanceOf(TransactionEndedError);
  });

  it('a failing statement outside a transaction answers with a rejected promise', async () => {
    const twice = user('Дважды');
    await store().accounts.insertUser(twice);
    await expect(store().accounts.insertUser(twice)).rejects.toThrow(/UNIQUE|duplicate key/);
  });

  it('a reader following the feed never skips a change, however the writers interleave', async () => {
    const who = user('Лента');
    await store().accounts.insertUser(who);
    const seen: number[] = [];
    let cursor = 0;
    let writing = true;
    const follow = async (): Promise<void> => {
      for (;;) {
        const done = !writing;
        for (const row of await store().feed.changesAfter(who.id, cursor, 1000)) {
          seen.push(row.seq);
          cursor = row.seq;
        }
        if (done) return;
        await tick(1);
      }
    };
    const reader = follow();
    // Writers that append and then hold their transaction open for different times: with
    // numbers handed out at append, a later one would commit first and the reader, already
    // past it, would skip the earlier number when it commits.
    const written = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        store().transaction(async (tx) => {
          await tick((i * 7) % 5);
          const seq = await tx.feed.appendChange(change(who.id));
          await tick(((24 - i) * 3) % 7);
          return seq;
        }),
      ),
    );
    writing = false;
    await reader;
    expect(seen).toEqual([...written].sort((a, b) => a - b));
    expect(await store().feed.headSeq()).toBeGreaterThanOrEqual(Math.max(...written));
  });

  it('the same mutation sent at once on many connections is applied once', async () => {
    const who = user('Мутация');
    await store().accounts.insertUser(who);
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        store().transaction(async (tx) => {
          if ((await tx.feed.getMutationResult(who.id, 'm-1')) !== null) return 'answered from the record';
          await tx.feed.appendChange(change(who.id));
          await tick(2);
          await tx.feed.recordMutationResult(who.id, 'm-1', '{"ok":true}', T);
          return 'applied';
        }),
      ),
    );
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(await store().feed.changesAfter(who.id, 0, 100)).toHaveLength(1);
  });

  it('uploads reserving space at once never take more than the quota', async () => {
    const owner = user('Квота');
    await store().accounts.insertUser(owner);
    const quota = 1000;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store().transaction(async ({ documents }) => {
          const used = (await documents.usedBytes(owner.id)) + (await documents.reservedBytes(owner.id));
          await tick(2);
          if (used + 300 > quota) throw new Error('QUOTA_EXCEEDED');
          await documents.insertUpload({
            id: `up-${n}-${i}`,
            ownerId: owner.id,
            size: 300,
            metadata: '{}',
            createdAt: T,
          });
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(await store().documents.reservedBytes(owner.id)).toBe(900);
  });

  it('a second store on the same records (another instance) sees what the first committed', async () => {
    const other = await place().open();
    try {
      const who = user('Другой');
      await store().transaction((tx) => tx.accounts.insertUser(who));
      expect((await other.accounts.getUser(who.id))?.surname).toBe('Другой');
      expect(await other.feed.epoch()).toBe(await store().feed.epoch());
    } finally {
      await closeStore(other);
    }
  });
});

describe('store transactions: SQLite has one writer', () => {
  const { store } = onPlace(SQLITE);

  it('two concurrent transactions never interleave: the second starts after the first commits', async () => {
    const first = user('Первая');
    const second = user('Вторая');
    const g = gate();
    const order: string[] = [];
    const one = store().transaction(async (tx) => {
      order.push('first begins');
      await tx.accounts.insertUser(first);
      g.open();
      await g.released;
      // Still only its own write: the second transaction has not run a statement.
      expect(await tx.accounts.getUser(second.id)).toBeNull();
      order.push('first commits');
    });
    await g.opened;
    const two = store().transaction(async (tx) => {
      order.push('second begins');
      // It sees what the first committed.
      const seen = (await tx.accounts.getUser(first.id))?.surname;
      await tx.accounts.insertUser(second);
      return seen;
    });
    await tick();
    expect(order).toEqual(['first begins']);
    g.release();
    await one;
    expect(await two).toBe('Первая');
    expect(order).toEqual(['first begins', 'first commits', 'second begins']);
  });

  it('a call outside a transaction waits while one is open', async () => {
    const g = gate();
    const tx = store().transaction(async () => {
      g.open();
      await g.released;
    });
    await g.opened;
    let answered = false;
    const outside = store()
      .accounts.getUser('nobody')
      .then(() => (answered = true));
    await tick();
    expect(answered).toBe(false);
    g.release();
    await tx;
    await outside;
    expect(answered).toBe(true);
  });
});

describe('store transactions: PostgreSQL runs them side by side', () => {
  const { store } = onPlace(POSTGRES);

  it('two transactions run at once, each seeing only its own writes until the other commits', async () => {
    const first = user('Первый');
    const second = user('Второй');
    const g = gate();
    const one = store().transaction(async (tx) => {
      await tx.accounts.insertUser(first);
      g.open();
      await g.released;
      return (await tx.accounts.getUser(second.id))?.surname ?? null;
    });
    await g.opened;
    // The second runs to its end while the first is open.
    const seenBySecond = await store().transaction(async (tx) => {
      const seen = await tx.accounts.getUser(first.id);
      await tx.accounts.insertUser(second);
      return seen;
    });
    expect(seenBySecond).toBeNull();
    g.release();
    // READ COMMITTED: the first's next statement sees what the second committed.
    expect(await one).toBe('Второй');
  });

  it('a feed writer waits for the open one to commit before it takes its number', async () => {
    const who = user('Очередь');
    await store().accounts.insertUser(who);
    const g = gate();
    const one = store().transaction(async (tx) => {
      const seq = await tx.feed.appendChange(change(who.id));
      g.open();
      await g.released;
      return seq;
    });
    await g.opened;
    let taken: number | null = null;
    const two = store().transaction(async (tx) => {
      taken = await tx.feed.appendChange(change(who.id));
      return taken;
    });
    await tick(50);
    expect(taken).toBeNull();
    // A reader meanwhile sees neither: nothing below the head is still to come.
    expect(await store().feed.changesAfter(who.id, 0, 10)).toEqual([]);
    g.release();
    const [a, b] = await Promise.all([one, two]);
    expect(b).toBe(a + 1);
  });

  it('read runs on one snapshot: a commit in between is not seen until the read ends', async () => {
    const late = user('Поздний');
    const g = gate();
    const reading = store().read(async (tx) => {
      const before = await tx.accounts.getUser(late.id);
      g.open();
      await g.released;
      return [before, await tx.accounts.getUser(late.id)];
    });
    await g.opened;
    await store().accounts.insertUser(late);
    g.release();
    expect(await reading).toEqual([null, null]);
    expect((await store().accounts.getUser(late.id))?.surname).toBe('Поздний');
  });
});

describe.each(BACKENDS)('rate-limit counters shared by two instances ($name)', (backend) => {
  let place: Place;
  let pools: pg.Pool[] = [];
  let limits: RateLimitStore[] = [];

  beforeAll(async () => {
    place = await backend.place();
    if (backend === POSTGRES) {
      // The schema (and the counters' table) first.
      await closeStore(await place.open());
      pools = [1, 2].map(() => {
        const pool = new pg.Pool({ connectionString: place.databaseUrl!, max: 4, types: pgTypes });
        // The database is dropped at the end with its connections: an idle one's end is no error.
        pool.on('error', () => {});
        return pool;
      });
      limits = pools.map((pool) => new PgRateLimitStore(pool));
    } else {
      // Two SQLite connections in one process would wait for each other synchronously
      // (busy_timeout blocks the event loop): processes share the file; here one store serves both.
      const one = new SqliteRateLimitStore({ file: path.join(place.dataDir, 'rate-limits.db') });
      limits = [one, one];
    }
  });

  afterAll(async () => {
    if (backend === POSTGRES) await Promise.all(pools.map((p) => p.end()));
    else limits[0]?.close();
    await place?.remove();
  });

  it('requests hitting one key at once on both never take more tries than the limit', async () => {
    const limiters = limits.map((l) => new RateLimiter(() => Date.parse(T), l));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => limiters[i % 2]!.hit('otp-request-ip:192.0.2.7', 5, 600)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(15);
    expect((await limits[1]!.get('otp-request-ip:192.0.2.7'))?.times).toHaveLength(5);
  });
});
