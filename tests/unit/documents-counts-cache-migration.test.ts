import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { CACHE_MIGRATIONS, migrateCache, schemaVersion } from '../../src/main/core/cache/migrations/index.js';
import { createRecordStore } from '../../src/main/core/cache/records.js';
import { DocumentsCache } from '../../src/main/core/documents/cache.js';
import { docRecord } from '../helpers/cacheRecords.js';

let db: Database.Database | null = null;
afterEach(() => db?.close());

const folder = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  parentId: null,
  name,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  trashedAt: null,
  trashRoot: null,
  ...extra,
});

it('0007-documents-counts: the first page of a folder and the quota come from counts kept as records change', () => {
  db = new Database(':memory:');
  migrateCache(db, CACHE_MIGRATIONS, 6);
  const records = createRecordStore(db);
  // Cached before the migration: a folder with two documents, one document at the top, one in the trash.
  records.put('folder', 'folder01', folder('folder01', 'Школа'));
  records.put('document', 'd1', docRecord('d1', 'Справка.pdf', { folderId: 'folder01', size: 100 }));
  records.put('document', 'd2', docRecord('d2', 'Табель.pdf', { folderId: 'folder01', size: 200 }));
  records.put('document', 'd3', docRecord('d3', 'Полис.pdf', { size: 300 }));
  records.put(
    'document',
    'd4',
    docRecord('d4', 'Старое.pdf', { size: 400, trashedAt: '2025-01-02', trashRoot: 'd4' }),
  );
  migrateCache(db, CACHE_MIGRATIONS, 7);
  expect(schemaVersion(db)).toBe(7);

  const cache = new DocumentsCache(db);
  const page = (folderId: string | null) => cache.list({ view: 'folder', folderId, limit: 50 });
  expect(page(null).total).toBe(2);
  expect(page('folder01').total).toBe(2);
  expect(cache.usedBytes()).toBe(1000);

  // Each kind of change moves the counts with it: new, moved, trashed, restored, resized, deleted.
  records.applyPage(
    [
      {
        entity: 'document',
        id: 'd5',
        op: 'put',
        data: docRecord('d5', 'Новый.pdf', { folderId: 'folder01', size: 5 }),
      },
      { entity: 'document', id: 'd1', op: 'put', data: docRecord('d1', 'Справка.pdf', { size: 100 }) },
      {
        entity: 'document',
        id: 'd2',
        op: 'put',
        data: docRecord('d2', 'Табель.pdf', {
          folderId: 'folder01',
          size: 200,
          trashedAt: '2025-01-03',
          trashRoot: 'd2',
        }),
      },
      { entity: 'document', id: 'd4', op: 'put', data: docRecord('d4', 'Старое.pdf', { size: 40 }) },
      { entity: 'document', id: 'd3', op: 'delete', data: null },
    ],
    'c1',
  );
  expect(page(null)).toMatchObject({ total: 3 });
  expect(page(null).items.map((i) => i.name)).toEqual(['Школа', 'Справка.pdf', 'Старое.pdf']);
  expect(page('folder01')).toMatchObject({
    total: 1,
    items: [expect.objectContaining({ name: 'Новый.pdf' })],
  });
  expect(cache.count({ view: 'folder', folderId: 'folder01' })).toBe(1);
  expect(cache.usedBytes()).toBe(5 + 100 + 200 + 40);
  // The counts agree with the rows, folder by folder.
  expect(
    db.prepare('SELECT parent_key, live FROM doc_folder_counts WHERE live > 0 ORDER BY parent_key').all(),
  ).toEqual(
    db
      .prepare(
        'SELECT parent_key, count(*) AS live FROM doc_items WHERE trashed_at IS NULL GROUP BY parent_key ORDER BY parent_key',
      )
      .all(),
  );

  // A resync drops everything: nothing is counted any more.
  records.clear();
  expect(page(null).total).toBe(0);
  expect(page('folder01').total).toBe(0);
  expect(cache.usedBytes()).toBe(0);
});
