import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPragmas, type Db } from '../../src/server/store/db.js';
import { migrate, schemaVersion } from '../../src/server/store/migrate.js';
import { MIGRATIONS } from '../../src/server/store/migrations/index.js';
import { SqliteChatStore } from '../../src/server/store/sqlite/chats.js';

const T = '2026-01-01T00:00:00.000Z';
let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-migration-0010-'));
  db = new Database(path.join(dir, 'test.db'));
  applyPragmas(db);
});
afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('server migration 0010-chat-revisions', () => {
  it('gives existing messages their seq as revision, and an edit of an old message the chat’s next one', () => {
    migrate(db, MIGRATIONS, 9);
    db.prepare(
      `INSERT INTO users (id, role, surname, name, created_at, updated_at) VALUES ('p', 'parent', 'Петрова', 'Анна', ?, ?)`,
    ).run(T, T);
    db.prepare(
      `INSERT INTO chats (id, kind, direct_key, last_seq, created_at, updated_at) VALUES ('d', 'direct', 'p:t', 2, ?, ?),
              ('e', 'direct', 'p:x', 0, ?, ?)`,
    ).run(T, T, T, T);
    const message = db.prepare(
      `INSERT INTO chat_messages (chat_id, seq, id, sender_id, client_id, text, created_at) VALUES ('d', ?, ?, 'p', ?, ?, ?)`,
    );
    message.run(1, 'm1', 'client-001', 'Первое', T);
    message.run(2, 'm2', 'client-002', 'Второе', T);
    migrate(db, MIGRATIONS, 10);
    expect(schemaVersion(db)).toBe(10);

    const chats = new SqliteChatStore(db);
    expect(chats.getChat('d')).toMatchObject({ lastSeq: 2, lastRev: 2 });
    expect(chats.getChat('e')).toMatchObject({ lastSeq: 0, lastRev: 0 });
    expect(chats.messagesChangedAfter('d', 0, 10, 2).map((m) => [m.seq, m.rev])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    chats.editMessage('d', 1, 'Первое, исправлено', T, chats.nextRev('d', T));
    expect(chats.messagesChangedAfter('d', 2, 10, 2)).toEqual([
      expect.objectContaining({ seq: 1, rev: 3, text: 'Первое, исправлено', editedAt: T }),
    ]);
    expect(chats.getChat('d')).toMatchObject({ lastSeq: 2, lastRev: 3 });
  });
});
