import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import { applyPragmas, openDatabase, type Db } from '../../src/server/store/db.js';
import { checkOrder, migrate, schemaVersion } from '../../src/server/store/migrate.js';
import { MIGRATIONS } from '../../src/server/store/migrations/index.js';

const T = '2025-01-01T00:00:00.000Z';
let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-migrations-'));
  db = new Database(path.join(dir, 'test.db'));
  applyPragmas(db);
});
afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function insertAccounts(): void {
  db.prepare('INSERT INTO schools (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(
    's1',
    'Школа',
    T,
    T,
  );
  db.prepare(
    'INSERT INTO classes (id, school_id, name, teacher, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run('c1', 's1', '5 А', 'Учитель', T, T);
  db.prepare(
    `INSERT INTO users (id, role, surname, name, patronymic, phone, email, birth_date, school_id, class_id, created_at, updated_at)
     VALUES ('u1', 'student', 'Иванов', 'Пётр', 'Сергеевич', '+79000000001', NULL, '2014-03-15', 's1', 'c1', ?, ?)`,
  ).run(T, T);
}

describe('server migrations', () => {
  it('the registry is numbered 1..n without gaps', () => {
    expect(() => checkOrder(MIGRATIONS)).not.toThrow();
    expect(() => checkOrder([MIGRATIONS[0]!, MIGRATIONS[2]!])).toThrow(/expected 2/);
  });

  it('0001-accounts creates schools, classes and users', () => {
    migrate(db, MIGRATIONS, 1);
    expect(schemaVersion(db)).toBe(1);
    insertAccounts();
    expect(db.prepare('SELECT surname, class_id FROM users').all()).toEqual([
      { surname: 'Иванов', class_id: 'c1' },
    ]);
    // Phones are unique: one account per number.
    expect(() =>
      db
        .prepare(
          `INSERT INTO users (id, role, surname, name, phone, created_at, updated_at) VALUES ('u2', 'parent', 'А', 'Б', '+79000000001', ?, ?)`,
        )
        .run(T, T),
    ).toThrow(/UNIQUE/);
  });

  it('0002-auth keeps accounts and adds sessions and hashed tokens', () => {
    migrate(db, MIGRATIONS, 1);
    insertAccounts();
    migrate(db, MIGRATIONS, 2);
    expect(schemaVersion(db)).toBe(2);
    expect(db.prepare('SELECT id FROM users').all()).toEqual([{ id: 'u1' }]);
    db.prepare(
      `INSERT INTO sessions (id, user_id, device_id, device_name, created_at, last_seen_at, expires_at)
       VALUES ('sess1', 'u1', 'dev1', 'Laptop', ?, ?, ?)`,
    ).run(T, T, T);
    db.prepare(
      "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ('h', 'sess1', ?, ?)",
    ).run(T, T);
    expect(db.prepare('SELECT used_at FROM refresh_tokens').get()).toEqual({ used_at: null });
    // A session of an unknown user is refused (foreign keys are on).
    expect(() =>
      db
        .prepare(
          `INSERT INTO sessions (id, user_id, device_id, device_name, created_at, last_seen_at, expires_at)
           VALUES ('sess2', 'nobody', 'dev1', 'Laptop', ?, ?, ?)`,
        )
        .run(T, T, T),
    ).toThrow(/FOREIGN KEY/);
  });

  it('0003-sync keeps accounts and sessions, adds the feed and an epoch', () => {
    migrate(db, MIGRATIONS, 2);
    insertAccounts();
    db.prepare(
      `INSERT INTO sessions (id, user_id, device_id, device_name, created_at, last_seen_at, expires_at)
       VALUES ('sess1', 'u1', 'dev1', 'Laptop', ?, ?, ?)`,
    ).run(T, T, T);
    migrate(db, MIGRATIONS, 3);
    expect(schemaVersion(db)).toBe(3);
    expect(db.prepare('SELECT id FROM sessions').all()).toEqual([{ id: 'sess1' }]);
    const epoch = db.prepare("SELECT value FROM meta WHERE key = 'epoch'").get() as { value: string };
    expect(epoch.value).toMatch(/^[0-9a-f]{16}$/);
    const info = db
      .prepare(
        "INSERT INTO changes (user_id, entity, entity_id, op, data, created_at) VALUES ('u1', 'profile', 'u1', 'put', '{}', ?)",
      )
      .run(T);
    expect(Number(info.lastInsertRowid)).toBe(1);
  });

  it('runs all pending steps in one transaction: a failing step leaves the database untouched', () => {
    const broken = [
      ...MIGRATIONS,
      {
        version: MIGRATIONS.length + 1,
        name: 'broken',
        up: (d: Db) => d.exec('CREATE TABLE x (a); SELECT * FROM no_such_table'),
      },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'users'").get()).toBeUndefined();
  });

  it('refuses a database newer than the code with DB_TOO_NEW', () => {
    db.close();
    // openDatabase opens <dir>/sferum.db: write that file as a newer server would have.
    const newer = new Database(path.join(dir, 'sferum.db'));
    newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    newer.close();
    let caught: unknown;
    try {
      openDatabase(dir);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('DB_TOO_NEW');
  });

  it('opens with WAL, synchronous=FULL and foreign keys', () => {
    db.close();
    const opened = openDatabase(path.join(dir, 'fresh'));
    expect(opened.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(opened.pragma('synchronous', { simple: true })).toBe(2);
    expect(opened.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(opened)).toBe(MIGRATIONS.length);
    opened.close();
  });
});
