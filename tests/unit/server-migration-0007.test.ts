import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPragmas, type Db } from '../../src/server/store/db.js';
import { migrate, schemaVersion } from '../../src/server/store/migrate.js';
import { MIGRATIONS } from '../../src/server/store/migrations/index.js';
import { SqliteSessionStore } from '../../src/server/store/sqlite/sessions.js';

const T = '2026-01-01T00:00:00.000Z';
const LATER = '2026-02-01T00:00:00.000Z';
let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-migration-0007-'));
  db = new Database(path.join(dir, 'test.db'));
  applyPragmas(db);
});
afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('server migration 0007-token-pairs', () => {
  it('keeps sessions and tokens; tokens from before it have no pair, so their reuse still ends the session', () => {
    migrate(db, MIGRATIONS, 6);
    db.prepare(
      `INSERT INTO users (id, role, surname, name, created_at, updated_at) VALUES ('u1', 'parent', 'А', 'Б', ?, ?)`,
    ).run(T, T);
    db.prepare(
      `INSERT INTO sessions (id, user_id, device_id, device_name, created_at, last_seen_at, expires_at)
       VALUES ('s1', 'u1', 'device-0000000001', 'Ноутбук', ?, ?, ?)`,
    ).run(T, T, LATER);
    db.prepare(`INSERT INTO access_tokens (token_hash, session_id, expires_at) VALUES ('a1', 's1', ?)`).run(
      LATER,
    );
    db.prepare(
      `INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at, used_at) VALUES ('r1', 's1', ?, ?, ?)`,
    ).run(T, LATER, T);
    migrate(db, MIGRATIONS, 7);
    expect(schemaVersion(db)).toBe(7);
    const store = new SqliteSessionStore(db);
    expect(store.findAccessToken('a1')).toEqual({
      tokenHash: 'a1',
      sessionId: 's1',
      expiresAt: LATER,
      refreshHash: null,
      usedAt: null,
    });
    expect(store.findRefreshToken('r1')).toMatchObject({ usedAt: T, replacedBy: null });
  });

  it('a pair is unused until its refresh token or one of its access tokens is used', () => {
    migrate(db, MIGRATIONS);
    db.prepare(
      `INSERT INTO users (id, role, surname, name, created_at, updated_at) VALUES ('u1', 'parent', 'А', 'Б', ?, ?)`,
    ).run(T, T);
    db.prepare(
      `INSERT INTO sessions (id, user_id, device_id, device_name, created_at, last_seen_at, expires_at)
       VALUES ('s1', 'u1', 'device-0000000001', 'Ноутбук', ?, ?, ?)`,
    ).run(T, T, LATER);
    const store = new SqliteSessionStore(db);
    store.insertRefreshToken({
      tokenHash: 'r2',
      sessionId: 's1',
      createdAt: T,
      expiresAt: LATER,
      usedAt: null,
      replacedBy: null,
    });
    store.insertAccessToken({ tokenHash: 'a2', sessionId: 's1', expiresAt: LATER, refreshHash: 'r2' });
    expect(store.pairUnused('r2')).toBe(true);
    expect(store.pairUnused('nothing')).toBe(false);
    store.markAccessUsed('a2', T);
    expect(store.pairUnused('r2')).toBe(false);
    store.insertRefreshToken({
      tokenHash: 'r3',
      sessionId: 's1',
      createdAt: T,
      expiresAt: LATER,
      usedAt: null,
      replacedBy: null,
    });
    store.insertAccessToken({ tokenHash: 'a3', sessionId: 's1', expiresAt: LATER, refreshHash: 'r3' });
    store.retirePair('r3', T);
    expect(store.findRefreshToken('r3')?.usedAt).toBe(T);
    expect(store.findAccessToken('a3')).toBeNull();
    expect(store.pairUnused('r3')).toBe(false);
  });
});
