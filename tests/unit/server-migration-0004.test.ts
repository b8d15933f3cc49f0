import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteFamilyStore } from '../../src/server/store/sqlite/family.js';
import { applyPragmas, type Db } from '../../src/server/store/db.js';
import { migrate, schemaVersion } from '../../src/server/store/migrate.js';
import { MIGRATIONS } from '../../src/server/store/migrations/index.js';

const T = '2025-01-01T00:00:00.000Z';
let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-migration-0004-'));
  db = new Database(path.join(dir, 'test.db'));
  applyPragmas(db);
});
afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function user(id: string, role: string, phone: string): void {
  db.prepare(
    `INSERT INTO users (id, role, surname, name, phone, created_at, updated_at) VALUES (?, ?, 'Иванов', 'Пётр', ?, ?, ?)`,
  ).run(id, role, phone, T, T);
}

describe('server migration 0004-family', () => {
  it('keeps accounts and sessions, adds invites, links, history and e-mail registrations', () => {
    migrate(db, MIGRATIONS, 3);
    user('kid', 'student', '+79000000001');
    db.prepare(
      `INSERT INTO sessions (id, user_id, device_id, device_name, created_at, last_seen_at, expires_at)
       VALUES ('s1', 'kid', 'dev1', 'Laptop', ?, ?, ?)`,
    ).run(T, T, T);
    migrate(db, MIGRATIONS, 4);
    expect(schemaVersion(db)).toBe(4);
    expect(db.prepare('SELECT id FROM users').all()).toEqual([{ id: 'kid' }]);
    expect(db.prepare('SELECT id FROM sessions').all()).toEqual([{ id: 's1' }]);
    user('p1', 'parent', '+79000000002');
    user('p2', 'parent', '+79000000003');
    user('p3', 'parent', '+79000000004');

    // Today's store runs on today's schema (0008 added the history's `changes`).
    migrate(db, MIGRATIONS);
    const family = new SqliteFamilyStore(db);
    family.insertInvite({
      id: 'i1',
      childId: 'kid',
      tokenHash: 'h1',
      createdAt: T,
      expiresAt: T,
      revokedAt: null,
    });
    expect(() =>
      family.insertInvite({
        id: 'i2',
        childId: 'kid',
        tokenHash: 'h1',
        createdAt: T,
        expiresAt: T,
        revokedAt: null,
      }),
    ).toThrow(/UNIQUE/);
    expect(family.activeInvites('kid').map((i) => i.id)).toEqual(['i1']);

    // The conditional insert is where "at most two parents" lives.
    expect(family.insertLink({ childId: 'kid', parentId: 'p1', createdAt: T })).toBe(true);
    expect(family.insertLink({ childId: 'kid', parentId: 'p1', createdAt: T })).toBe(false);
    expect(family.insertLink({ childId: 'kid', parentId: 'p2', createdAt: T })).toBe(true);
    expect(family.insertLink({ childId: 'kid', parentId: 'p3', createdAt: T })).toBe(false);
    expect(family.parentsOf('kid').map((l) => l.parentId)).toEqual(['p1', 'p2']);

    expect(() =>
      db
        .prepare(
          `INSERT INTO family_history (id, child_id, action, parent_id, parent_name, at) VALUES ('e1', 'kid', 'adopted', 'p1', 'x', ?)`,
        )
        .run(T),
    ).toThrow(/CHECK/);
    expect(() => family.insertLink({ childId: 'nobody', parentId: 'p1', createdAt: T })).toThrow(
      /FOREIGN KEY/,
    );
  });
});
