import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { CACHE_MIGRATIONS, migrateCache, schemaVersion } from '../../src/main/core/cache/migrations/index.js';
import { createRecordStore } from '../../src/main/core/cache/records.js';
import { docRecord } from '../helpers/cacheRecords.js';

let db: Database.Database | null = null;
afterEach(() => db?.close());

const doc = docRecord;

it('0002-documents builds typed tables from cached records and keeps them in step', () => {
  db = new Database(':memory:');
  migrateCache(db, CACHE_MIGRATIONS, 1);
  db.prepare('INSERT INTO records (entity, id, data) VALUES (?, ?, ?)').run(
    'document',
    'd1',
    JSON.stringify(doc('d1', 'Справка.PDF')),
  );
  db.prepare('INSERT INTO records (entity, id, data) VALUES (?, ?, ?)').run('profile', 'u1', '{"id":"u1"}');
  migrateCache(db, CACHE_MIGRATIONS, 2);
  expect(schemaVersion(db)).toBe(2);
  // Rows cached before the migration are there, with Unicode-aware lower case and the extension.
  expect(db.prepare('SELECT id, kind, parent_key, name_lower, ext FROM doc_items').all()).toEqual([
    { id: 'd1', kind: 'document', parent_key: '', name_lower: 'справка.pdf', ext: 'pdf' },
  ]);
  // The records store writes through the triggers: put, update, delete.
  const records = createRecordStore(db);
  records.put('folder', 'f1', {
    id: 'f1',
    parentId: null,
    name: 'Концерт',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-02T00:00:00.000Z',
    trashedAt: null,
    trashRoot: null,
  });
  records.put('document', 'd1', doc('d1', 'видео концерта.mp4', { folderId: 'f1', size: 99 }));
  const fts = (q: string) =>
    db!
      .prepare(
        'SELECT d.id FROM doc_fts JOIN doc_items d ON d.rowid = doc_fts.rowid WHERE doc_fts MATCH ? ORDER BY d.id',
      )
      .all(`"${q}"`);
  expect(fts('концерт')).toEqual([{ id: 'd1' }, { id: 'f1' }]);
  expect(fts('справка')).toEqual([]);
  expect(db.prepare('SELECT parent_key, size, ext FROM doc_items WHERE id = ?').get('d1')).toEqual({
    parent_key: 'f1',
    size: 99,
    ext: 'mp4',
  });
  records.remove('document', 'd1');
  expect(db.prepare('SELECT id FROM doc_items').all()).toEqual([{ id: 'f1' }]);
  expect(fts('видео')).toEqual([]);
  // The upload queue refuses unknown states.
  expect(() =>
    db!
      .prepare(
        `INSERT INTO upload_queue (id, seq, user_id, path, name, size, mtime_ms, state, created_at, updated_at)
         VALUES ('q', 1, 'u', '/a', 'a', 1, 1, 'lost', 'x', 'x')`,
      )
      .run(),
  ).toThrow(/CHECK/);
});
