import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/server/store/migrations/index.js';
import { pgTypes, poolRunner } from '../../src/server/store/postgres/conn.js';
import { PgFamilyStore } from '../../src/server/store/postgres/family.js';
import { PgFeedStore } from '../../src/server/store/postgres/feed.js';
import { openPostgresStore } from '../../src/server/store/postgres/index.js';
import { migrate, schemaVersion } from '../../src/server/store/postgres/migrate.js';
import { PG_MIGRATIONS } from '../../src/server/store/postgres/migrations/index.js';
import { freshDatabase, type TestDatabase } from '../helpers/postgres.js';

/**
 * PostgreSQL's migrations, one test each, in order on one database: each brings the data
 * the step before left to the next version and checks what it changed. Then the refusal
 * of a database newer than the code, as SQLite's store refuses it.
 */

const T = '2026-01-01T00:00:00.000Z';
let db: TestDatabase;
let pool: pg.Pool;

const q = async <R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> =>
  (await pool.query(sql, params)).rows as R[];

const to = async (version: number): Promise<void> => {
  await migrate(pool, PG_MIGRATIONS, version);
  expect(await schemaVersion(pool)).toBe(version);
};

beforeAll(async () => {
  db = await freshDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4, types: pgTypes });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('PostgreSQL migrations', () => {
  it('are the SQLite migrations, number for number and name for name', () => {
    expect(PG_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
  });

  it('0001-accounts: schools, classes and people, one account per phone and per e-mail', async () => {
    expect(await schemaVersion(pool)).toBe(0);
    await to(1);
    await q(`INSERT INTO schools VALUES ('s1', 'Школа № 5', $1, $1)`, [T]);
    await q(`INSERT INTO classes VALUES ('c1', 's1', '2 Б', 'Кузнецова Мария Ивановна', $1, $1)`, [T]);
    const user = `INSERT INTO users (id, role, surname, name, phone, school_id, class_id, created_at, updated_at)
      VALUES ($1, $2, $3, 'Имя', $4, 's1', $5, $6, $6)`;
    await q(user, ['kid', 'student', 'Иванов', '+79000000001', 'c1', T]);
    await q(user, ['p1', 'parent', 'Иванова', '+79000000002', null, T]);
    await q(user, ['p2', 'parent', 'Петров', '+79000000003', null, T]);
    await q(user, ['t1', 'teacher', 'Кузнецова', '+79000000004', 'c1', T]);
    await expect(q(user, ['x', 'parent', 'Двойник', '+79000000001', null, T])).rejects.toThrow(
      /users_phone_key/,
    );
    await expect(q(user, ['y', 'pupil', 'Нет', '+79000000009', null, T])).rejects.toThrow(/users_role_check/);
  });

  it('0002-auth: codes and sessions; a session takes its tokens with it', async () => {
    await to(2);
    await q(`INSERT INTO sessions VALUES ('se1', 'p1', 'dev', 'Ноутбук', $1, $1, $1, NULL, NULL)`, [T]);
    await q(`INSERT INTO access_tokens VALUES ('a1', 'se1', $1)`, [T]);
    await q(`INSERT INTO refresh_tokens VALUES ('r1', 'se1', $1, $1, NULL)`, [T]);
    await q(`INSERT INTO sessions VALUES ('se2', 'p1', 'dev', 'Телефон', $1, $1, $1, NULL, NULL)`, [T]);
    await q(`INSERT INTO access_tokens VALUES ('a2', 'se2', $1)`, [T]);
    await q(`DELETE FROM sessions WHERE id = 'se2'`);
    expect(await q(`SELECT token_hash FROM access_tokens ORDER BY 1`)).toEqual([{ token_hash: 'a1' }]);
  });

  it('0003-sync: an epoch, and feed numbers from the head row, in order', async () => {
    await to(3);
    const [epoch] = await q<{ value: string }>(`SELECT value FROM meta WHERE key = 'epoch'`);
    expect(epoch!.value).toMatch(/^[0-9a-f]{16}$/);
    const feed = new PgFeedStore(poolRunner(pool), () => Promise.resolve(epoch!.value));
    expect(await feed.headSeq()).toBe(0);
    const change = {
      userId: 'p1',
      entity: 'profile' as const,
      entityId: 'p1',
      op: 'put' as const,
      data: { a: 1 },
    };
    expect(await feed.appendChange({ ...change, createdAt: T })).toBe(1);
    expect(await feed.appendChange({ ...change, createdAt: T })).toBe(2);
    expect(await feed.headSeq()).toBe(2);
    expect((await feed.changesAfter('p1', 1, 10)).map((c) => [c.seq, c.data])).toEqual([[2, { a: 1 }]]);
  });

  it('0004-family: links, invites and the history (no `changed` yet)', async () => {
    await to(4);
    await q(`INSERT INTO parent_links VALUES ('kid', 'p1', $1)`, [T]);
    await q(
      `INSERT INTO family_history (id, child_id, action, parent_id, parent_name, actor_id, actor_name, at)
        VALUES ('e1', 'kid', 'joined', 'p1', 'Иванова Имя', 'p1', 'Иванова Имя', $1),
               ('e2', 'kid', 'removed', 'p1', 'Иванова Имя', NULL, NULL, $1)`,
      [T],
    );
    await expect(q(`INSERT INTO parent_links VALUES ('kid', 'p1', $1)`, [T])).rejects.toThrow(
      /parent_links_pkey/,
    );
    await expect(
      q(
        `INSERT INTO family_history (id, child_id, action, parent_id, parent_name, at)
          VALUES ('e0', 'kid', 'changed', 'p1', 'И', $1)`,
        [T],
      ),
    ).rejects.toThrow(/family_history_action_check/);
  });

  it('0005-documents: folders, documents, uploads and a download key', async () => {
    await to(5);
    const [key] = await q<{ value: string }>(`SELECT value FROM meta WHERE key = 'download_key'`);
    expect(key!.value).toMatch(/^[0-9a-f]{64}$/);
    await q(
      `INSERT INTO documents (id, owner_id, name, name_key, size, mime, sha256, blob_key, created_at, updated_at)
      VALUES ('d1', 'p1', 'Справка.pdf', 'справка.pdf', 5000000000, 'application/pdf', 'aa', 'b1', $1, $1)`,
      [T],
    );
    // Sizes beyond 32 bits come back as numbers.
    expect(await q(`SELECT size FROM documents`)).toEqual([{ size: 5_000_000_000 }]);
  });

  it('0006-support: tickets numbered 1, 2, ...', async () => {
    await to(6);
    const insert = `INSERT INTO support_tickets (id, user_id, text, status, created_at)
      VALUES ($1, 'p1', 'Помогите', 'open', $2) RETURNING number`;
    expect(await q(insert, ['t-1', T])).toEqual([{ number: 1 }]);
    expect(await q(insert, ['t-2', T])).toEqual([{ number: 2 }]);
  });

  it('0007-token-pairs: tokens from before keep no pair and count as never used', async () => {
    await to(7);
    expect(await q(`SELECT refresh_hash, used_at FROM access_tokens WHERE token_hash = 'a1'`)).toEqual([
      { refresh_hash: null, used_at: null },
    ]);
    expect(await q(`SELECT replaced_by FROM refresh_tokens WHERE token_hash = 'r1'`)).toEqual([
      { replaced_by: null },
    ]);
  });

  it('0008-family-changes: every history line stays, and `changed` lines carry their details', async () => {
    await to(8);
    const family = new PgFamilyStore(poolRunner(pool));
    expect(await family.historyOf('kid')).toEqual([
      expect.objectContaining({ id: 'e1', action: 'joined', actorId: 'p1', changes: null }),
      expect.objectContaining({ id: 'e2', action: 'removed', actorName: null, changes: null }),
    ]);
    const changes = [{ field: 'surname' as const, from: 'Иванов', to: 'Петров' }];
    await family.insertHistory({
      id: 'e3',
      childId: 'kid',
      action: 'changed',
      parentId: 'p2',
      parentName: 'Петров Имя',
      actorId: 'p2',
      actorName: 'Петров Имя',
      at: T,
      changes,
    });
    expect((await family.historyOf('kid')).find((h) => h.id === 'e3')).toMatchObject({
      action: 'changed',
      changes,
    });
    await expect(
      q(
        `INSERT INTO family_history (id, child_id, action, parent_id, parent_name, at, changes)
        VALUES ('e4', 'kid', 'changed', 'p2', 'П', $1, 'not json')`,
        [T],
      ),
    ).rejects.toThrow(/json/);
    await expect(
      q(
        `INSERT INTO family_history (id, child_id, action, parent_id, parent_name, at)
        VALUES ('e5', 'kid', 'adopted', 'p2', 'П', $1)`,
        [T],
      ),
    ).rejects.toThrow(/family_history_action_check/);
  });

  it('0009-chats: every class gets its class chat and announcements, with its teacher and its students’ parents', async () => {
    await to(9);
    expect(await q(`SELECT teacher_id FROM classes WHERE id = 'c1'`)).toEqual([{ teacher_id: 't1' }]);
    const chats = await q<{ id: string; kind: string }>(
      `SELECT id, kind FROM chats WHERE class_id = 'c1' ORDER BY kind`,
    );
    expect(chats.map((c) => c.kind)).toEqual(['announcements', 'class']);
    for (const chat of chats) {
      expect(
        await q(
          `SELECT user_id, role, read_seq, muted FROM chat_members WHERE chat_id = $1 ORDER BY user_id`,
          [chat.id],
        ),
      ).toEqual([
        { user_id: 'p1', role: 'member', read_seq: 0, muted: false },
        { user_id: 't1', role: 'teacher', read_seq: 0, muted: false },
      ]);
    }
    const classChat = chats.find((c) => c.kind === 'class')!.id;
    await q(`UPDATE chats SET last_seq = 2 WHERE id = $1`, [classChat]);
    const message = `INSERT INTO chat_messages (chat_id, seq, id, sender_id, client_id, text, created_at)
      VALUES ($1, $2, $3, 'p1', $4, 'Здравствуйте', $5)`;
    await q(message, [classChat, 1, 'm1', 'c-1', T]);
    await q(message, [classChat, 2, 'm2', 'c-2', T]);
    // One message per sender's client id.
    await expect(q(message, [classChat, 3, 'm3', 'c-2', T])).rejects.toThrow(/sender_id_client_id/);
  });

  it('0010-chat-revisions: existing messages take their seq as their revision', async () => {
    await to(10);
    expect(await q(`SELECT seq, rev FROM chat_messages ORDER BY seq`)).toEqual([
      { seq: 1, rev: 1 },
      { seq: 2, rev: 2 },
    ]);
    expect(await q(`SELECT last_rev FROM chats WHERE kind = 'class'`)).toEqual([{ last_rev: 2 }]);
    expect(await q(`SELECT last_rev FROM chats WHERE kind = 'announcements'`)).toEqual([{ last_rev: 0 }]);
  });

  it('0011-chat-search-attachments: words found by prefix, any case, «ё» as «е»; attachments belong to a message', async () => {
    await to(11);
    const [chat] = await q<{ id: string }>(`SELECT id FROM chats WHERE kind = 'class'`);
    await q(`UPDATE chat_messages SET text = 'Ёлка в ПЯТНИЦУ' WHERE seq = 2`);
    const found = (word: string) =>
      q<{ seq: number }>(
        `SELECT seq FROM chat_messages WHERE chat_id = $1
           AND to_tsvector('simple', chat_fold(text)) @@ to_tsquery('simple', chat_fold($2) || ':*') ORDER BY seq`,
        [chat!.id, word],
      );
    expect(await found('елк')).toEqual([{ seq: 2 }]);
    expect(await found('пятниц')).toEqual([{ seq: 2 }]);
    expect(await found('здравств')).toEqual([{ seq: 1 }]);
    const attach = `INSERT INTO chat_attachments (id, chat_id, seq, position, document_id, name, size, mime, sha256, blob_key)
      VALUES ($1, $2, $3, 0, 'd1', 'Справка.pdf', 10, 'application/pdf', 'aa', 'b-copy')`;
    await q(attach, ['at1', chat!.id, 1]);
    await expect(q(attach, ['at2', chat!.id, 99])).rejects.toThrow(/foreign key/);
  });

  it('migrating an up-to-date database changes nothing, also from two instances at once', async () => {
    const other = new pg.Pool({ connectionString: db.url, max: 2, types: pgTypes });
    try {
      await Promise.all([migrate(pool, PG_MIGRATIONS), migrate(other, PG_MIGRATIONS)]);
    } finally {
      await other.end();
    }
    expect(await schemaVersion(pool)).toBe(PG_MIGRATIONS.length);
    expect(await q(`SELECT count(*) AS n FROM schema_migrations`)).toEqual([{ n: PG_MIGRATIONS.length }]);
  });

  it('a database written by newer code is refused with DB_TOO_NEW, and left as it was', async () => {
    const next = PG_MIGRATIONS.length + 1;
    await q(`INSERT INTO schema_migrations (version, name) VALUES ($1, 'from-the-future')`, [next]);
    await expect(openPostgresStore(db.url)).rejects.toMatchObject({ code: 'DB_TOO_NEW' });
    expect(await schemaVersion(pool)).toBe(next);
  });
});
