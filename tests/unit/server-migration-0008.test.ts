import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteFamilyStore } from '../../src/server/store/sqlite/family.js';
import { applyPragmas, type Db } from '../../src/server/store/db.js';
import { migrate, schemaVersion } from '../../src/server/store/migrate.js';
import { MIGRATIONS } from '../../src/server/store/migrations/index.js';

const T = '2026-01-01T00:00:00.000Z';
let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-migration-0008-'));
  db = new Database(path.join(dir, 'test.db'));
  applyPragmas(db);
});
afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('server migration 0008-family-changes', () => {
  it('keeps every history line and lets the history record a change of the child’s details', () => {
    migrate(db, MIGRATIONS, 7);
    const user = db.prepare(
      `INSERT INTO users (id, role, surname, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    user.run('kid', 'student', 'Иванов', 'Илья', T, T);
    user.run('p1', 'parent', 'Иванова', 'Анна', T, T);
    user.run('p2', 'parent', 'Петров', 'Олег', T, T);
    db.prepare(
      `INSERT INTO family_history (id, child_id, action, parent_id, parent_name, actor_id, actor_name, at)
       VALUES ('e1', 'kid', 'joined', 'p1', 'Иванова Анна', 'p1', 'Иванова Анна', ?),
              ('e2', 'kid', 'removed', 'p1', 'Иванова Анна', NULL, NULL, ?)`,
    ).run(T, T);
    migrate(db, MIGRATIONS, 8);
    expect(schemaVersion(db)).toBe(8);

    const family = new SqliteFamilyStore(db);
    expect(family.historyOf('kid')).toEqual([
      expect.objectContaining({ id: 'e1', action: 'joined', actorId: 'p1', changes: null }),
      expect.objectContaining({ id: 'e2', action: 'removed', actorName: null, changes: null }),
    ]);
    const changes = [{ field: 'surname' as const, from: 'Иванов', to: 'Петров' }];
    family.insertHistory({
      id: 'e3',
      childId: 'kid',
      action: 'changed',
      parentId: 'p2',
      parentName: 'Петров Олег',
      actorId: 'p2',
      actorName: 'Петров Олег',
      at: T,
      changes,
    });
    expect(family.historyOf('kid').find((h) => h.id === 'e3')).toMatchObject({ action: 'changed', changes });
    // Still no made-up actions, and the child must exist.
    const insert = db.prepare(
      `INSERT INTO family_history (id, child_id, action, parent_id, parent_name, at) VALUES (?, ?, ?, 'p1', 'x', ?)`,
    );
    expect(() => insert.run('e4', 'kid', 'adopted', T)).toThrow(/CHECK/);
    expect(() => insert.run('e5', 'nobody', 'joined', T)).toThrow(/FOREIGN KEY/);
  });
});
