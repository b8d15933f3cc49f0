import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/server/rateLimit.js';
import { openSqliteStore } from '../../src/server/store/sqlite/index.js';
import { SqliteRateLimitStore } from '../../src/server/store/sqlite/rateLimits.js';
import { TransactionEndedError } from '../../src/server/store/sqlite/sync.js';
import type { Store, Tx, UserRow } from '../../src/server/store/types.js';

const T = '2026-01-01T00:00:00.000Z';
let dir: string;
let store: Store;
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

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-tx-'));
  store = openSqliteStore(dir);
});

afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('store transactions (SQLite)', () => {
  it('a failing fn rolls back everything written through tx, also after awaiting between writes', async () => {
    const a = user('Откатова');
    const b = user('Откатов');
    await expect(
      store.transaction(async (tx) => {
        await tx.accounts.insertUser(a);
        await new Promise((r) => setTimeout(r, 5));
        await tx.accounts.insertUser(b);
        await tx.feed.appendChange({
          userId: a.id,
          entity: 'profile',
          entityId: a.id,
          op: 'put',
          data: {},
          createdAt: T,
        });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await store.accounts.getUser(a.id)).toBeNull();
    expect(await store.accounts.getUser(b.id)).toBeNull();
    expect(await store.feed.changesAfter(a.id, 0, 10)).toEqual([]);
    // The connection is usable afterwards: the next transaction commits.
    await store.transaction((tx) => tx.accounts.insertUser(a));
    expect((await store.accounts.getUser(a.id))?.surname).toBe('Откатова');
  });

  it('two concurrent transactions never interleave: the second starts after the first commits', async () => {
    const first = user('Первая');
    const second = user('Вторая');
    const g = gate();
    const order: string[] = [];
    const one = store.transaction(async (tx) => {
      order.push('first begins');
      await tx.accounts.insertUser(first);
      g.open();
      await g.released;
      // Still only its own write: the second transaction has not run a statement.
      expect(await tx.accounts.getUser(second.id)).toBeNull();
      order.push('first commits');
    });
    await g.opened;
    const two = store.transaction(async (tx) => {
      order.push('second begins');
      // It sees what the first committed.
      const seen = (await tx.accounts.getUser(first.id))?.surname;
      await tx.accounts.insertUser(second);
      return seen;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['first begins']);
    g.release();
    await one;
    expect(await two).toBe('Первая');
    expect(order).toEqual(['first begins', 'first commits', 'second begins']);
  });

  it('a call outside a transaction waits while one is open and does not join it', async () => {
    const inside = user('Внутри');
    const g = gate();
    const tx = store.transaction(async (t) => {
      await t.accounts.insertUser(inside);
      g.open();
      await g.released;
      throw new Error('rolled back');
    });
    await g.opened;
    let answered = false;
    const outside = store.accounts.getUser(inside.id).then((row) => {
      answered = true;
      return row;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(answered).toBe(false);
    g.release();
    await expect(tx).rejects.toThrow('rolled back');
    // Had it joined the transaction it would have seen the uncommitted row.
    expect(await outside).toBeNull();
  });

  it('a write outside a transaction while one is open is not undone by its rollback', async () => {
    const inside = user('Отменённая');
    const outsider = user('Снаружи');
    const g = gate();
    const tx = store.transaction(async (t) => {
      await t.accounts.insertUser(inside);
      g.open();
      await g.released;
      throw new Error('rolled back');
    });
    await g.opened;
    const write = store.accounts.insertUser(outsider);
    g.release();
    await expect(tx).rejects.toThrow('rolled back');
    await write;
    expect((await store.accounts.getUser(outsider.id))?.surname).toBe('Снаружи');
    expect(await store.accounts.getUser(inside.id)).toBeNull();
  });

  it('tx.transaction runs on a savepoint: its failure undoes only its own writes', async () => {
    const outer = user('Внешняя');
    const inner = user('Вложенная');
    const kept = user('Вложенная сохранённая');
    await store.transaction(async (tx) => {
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
    expect((await store.accounts.getUser(outer.id))?.surname).toBe('Внешняя');
    expect(await store.accounts.getUser(inner.id)).toBeNull();
    expect((await store.accounts.getUser(kept.id))?.surname).toBe('Вложенная сохранённая');
  });

  it('a handle kept after its transaction ended refuses to run', async () => {
    let kept: Tx | null = null;
    await store.transaction(async (tx) => {
      kept = tx;
      await tx.accounts.getUser('nobody');
    });
    await expect(kept!.accounts.getUser('nobody')).rejects.toBeInstanceOf(TransactionEndedError);
    await expect(kept!.transaction(async () => 1)).rejects.toBeInstanceOf(TransactionEndedError);
  });

  it('a failing statement outside a transaction answers with a rejected promise', async () => {
    const twice = user('Дважды');
    await store.accounts.insertUser(twice);
    await expect(store.accounts.insertUser(twice)).rejects.toThrow(/UNIQUE/);
  });
});

describe('rate-limit counters (SQLite file)', () => {
  it('requests hitting one key at once never take more tries than the limit', async () => {
    const limits = new SqliteRateLimitStore({ file: path.join(dir, 'rate-limits.db') });
    try {
      const limiter = new RateLimiter(() => Date.parse(T), limits);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, () => limiter.hit('otp-request-ip:192.0.2.7', 5, 600)),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
      expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(15);
      expect((await limits.get('otp-request-ip:192.0.2.7'))?.times).toHaveLength(5);
    } finally {
      limits.close();
    }
  });
});
