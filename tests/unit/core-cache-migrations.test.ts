import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCacheDatabase } from '../../src/main/core/cache/db.js';
import {
  CACHE_MIGRATIONS,
  checkMigrationOrder,
  migrateCache,
  schemaVersion,
} from '../../src/main/core/cache/migrations/index.js';
import { makeTempDir } from '../helpers/tempDir.js';

let dir: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => dir.remove());

describe('cache migrations', () => {
  it('are numbered 1..n without gaps', () => {
    expect(() => checkMigrationOrder(CACHE_MIGRATIONS)).not.toThrow();
    expect(() =>
      checkMigrationOrder([CACHE_MIGRATIONS[0]!, { version: 3, name: 'gap', up: () => {} }]),
    ).toThrow(/expected 2/);
  });

  it('0001-initial creates records, sync_state and the outbox', () => {
    const db = new Database(join(dir.path, 'c.sqlite'));
    migrateCache(db, CACHE_MIGRATIONS, 1);
    expect(schemaVersion(db)).toBe(1);
    db.prepare(
      "INSERT INTO records (entity, id, data) VALUES ('profile', 'u1', '{\"name\":\"Мария\"}')",
    ).run();
    db.prepare("INSERT INTO sync_state (key, value) VALUES ('cursor', 'c1')").run();
    db.prepare(
      "INSERT INTO outbox (mutation_id, user_id, type, payload, before, created_at) VALUES ('m1234567', 'u1', 'profile.update', '{}', NULL, 'now')",
    ).run();
    expect(() =>
      db
        .prepare(
          "INSERT INTO outbox (mutation_id, user_id, type, payload, created_at) VALUES ('m1234567', 'u1', 't', '{}', 'now')",
        )
        .run(),
    ).toThrow(/UNIQUE/);
    const row = db.prepare('SELECT attempts, last_error FROM outbox').get();
    expect(row).toEqual({ attempts: 0, last_error: null });
    db.close();
  });

  it('runs all pending steps in one transaction: a failing step leaves the old version', () => {
    const db = new Database(':memory:');
    const failing = [
      ...CACHE_MIGRATIONS,
      {
        version: CACHE_MIGRATIONS.length + 1,
        name: 'broken',
        up: (d: Database.Database) => d.exec('CREATE TABLE later (x); SELECT * FROM missing_table'),
      },
    ];
    expect(() => migrateCache(db, failing)).toThrow();
    expect(schemaVersion(db)).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'records'").get()).toBeUndefined();
    db.close();
  });

  it('refuses a database written by a newer app with DB_TOO_NEW', () => {
    const file = join(dir.path, 'new.sqlite');
    const db = new Database(file);
    db.pragma(`user_version = ${CACHE_MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openCacheDatabase(file)).toThrow(expect.objectContaining({ code: 'DB_TOO_NEW' }));
  });

  it('opens in WAL mode at the latest version, and reopening is a no-op', () => {
    const file = join(dir.path, 'c.sqlite');
    const db = openCacheDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(schemaVersion(db)).toBe(CACHE_MIGRATIONS.length);
    db.close();
    const again = openCacheDatabase(file);
    expect(schemaVersion(again)).toBe(CACHE_MIGRATIONS.length);
    again.close();
  });
});
