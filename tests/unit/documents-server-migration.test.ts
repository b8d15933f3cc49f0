import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { applyPragmas, type Db } from '../../src/server/store/db.js';
import { migrate, schemaVersion } from '../../src/server/store/migrate.js';
import { MIGRATIONS } from '../../src/server/store/migrations/index.js';

const T = '2025-01-01T00:00:00.000Z';
let dir: string | null = null;
let db: Db | null = null;
afterEach(() => {
  db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('0005-documents adds folders, documents, uploads and a download key to a database at version 4', () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-m5-'));
  db = new Database(path.join(dir, 'test.db'));
  applyPragmas(db);
  migrate(db, MIGRATIONS, 4);
  db.prepare(
    `INSERT INTO users (id, role, surname, name, created_at, updated_at) VALUES ('u1', 'parent', 'А', 'Б', ?, ?)`,
  ).run(T, T);
  migrate(db, MIGRATIONS, 5);
  expect(schemaVersion(db)).toBe(5);
  // The older rows are untouched.
  expect(db.prepare('SELECT surname FROM users').all()).toEqual([{ surname: 'А' }]);
  db.prepare(
    `INSERT INTO folders (id, owner_id, parent_id, name, name_key, created_at, updated_at)
     VALUES ('f1', 'u1', NULL, 'Справки', 'справки', ?, ?)`,
  ).run(T, T);
  db.prepare(
    `INSERT INTO documents (id, owner_id, folder_id, name, name_key, size, mime, sha256, blob_key, created_at, updated_at)
     VALUES ('d1', 'u1', 'f1', 'a.pdf', 'a.pdf', 10, 'application/pdf', 'x', 'd1', ?, ?)`,
  ).run(T, T);
  db.prepare(
    `INSERT INTO uploads (id, owner_id, size, metadata, state, created_at) VALUES ('up1', 'u1', 10, '{}', 'active', ?)`,
  ).run(T);
  expect(() =>
    db!
      .prepare(
        `INSERT INTO uploads (id, owner_id, size, metadata, state, created_at) VALUES ('up2', 'u1', 1, '{}', 'odd', ?)`,
      )
      .run(T),
  ).toThrow(/CHECK/);
  // A document cannot point at a folder that does not exist.
  expect(() =>
    db!
      .prepare(
        `INSERT INTO documents (id, owner_id, folder_id, name, name_key, size, mime, sha256, blob_key, created_at, updated_at)
       VALUES ('d2', 'u1', 'nope', 'b', 'b', 1, 'x', 'x', 'd2', ?, ?)`,
      )
      .run(T, T),
  ).toThrow(/FOREIGN KEY/);
  const key = db.prepare("SELECT value FROM meta WHERE key = 'download_key'").get() as { value: string };
  expect(key.value).toMatch(/^[0-9a-f]{64}$/);
});
