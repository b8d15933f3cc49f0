import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { CACHE_MIGRATIONS, migrateCache, schemaVersion } from '../../src/main/core/cache/migrations/index.js';
import { createRecordStore } from '../../src/main/core/cache/records.js';
import { docRecord } from '../helpers/cacheRecords.js';
import { RenameConflicts } from '../../src/main/core/documents/conflicts.js';

let db: Database.Database | null = null;
afterEach(() => db?.close());

const doc = docRecord;

it('0004-rename-conflicts keeps refused renames beside cached documents; the notice reads the current name', () => {
  db = new Database(':memory:');
  migrateCache(db, CACHE_MIGRATIONS, 3);
  const records = createRecordStore(db);
  records.put('document', 'doc-0001', doc('doc-0001', 'Справка.pdf'));
  records.put('document', 'doc-0002', doc('doc-0002', 'Табель.pdf'));
  migrateCache(db, CACHE_MIGRATIONS, 4);
  expect(schemaVersion(db)).toBe(4);
  // Documents cached before the migration are untouched.
  expect(records.get('document', 'doc-0001')).toMatchObject({ name: 'Справка.pdf' });

  const conflicts = new RenameConflicts(db);
  const refused = (id: string, name: string, at: string) => ({
    type: 'documents.rename',
    payload: { kind: 'document', id, name, expectedName: 'old.pdf' },
    createdAt: at,
  });
  // Only a rename refused as a conflict is kept.
  expect(conflicts.keep(refused('doc-0001', 'Моё.pdf', '2025-01-02'), { code: 'NOT_FOUND' })).toBe(false);
  expect(
    conflicts.keep(
      { ...refused('doc-0001', 'Моё.pdf', '2025-01-02'), type: 'documents.move' },
      { code: 'RENAME_CONFLICT' },
    ),
  ).toBe(false);
  expect(conflicts.keep(refused('doc-0001', 'Моё.pdf', '2025-01-02'), { code: 'RENAME_CONFLICT' })).toBe(
    true,
  );
  expect(conflicts.keep(refused('doc-0002', 'Другое.pdf', '2025-01-03'), { code: 'RENAME_CONFLICT' })).toBe(
    true,
  );
  // A later refusal for the same item replaces the earlier one.
  conflicts.keep(refused('doc-0001', 'Моё новое.pdf', '2025-01-04'), { code: 'RENAME_CONFLICT' });
  expect(conflicts.list()).toEqual([
    { kind: 'document', id: 'doc-0002', mine: 'Другое.pdf', theirs: 'Табель.pdf', at: '2025-01-03' },
    { kind: 'document', id: 'doc-0001', mine: 'Моё новое.pdf', theirs: 'Справка.pdf', at: '2025-01-04' },
  ]);
  expect(db.prepare('SELECT seen FROM rename_conflicts WHERE item_id = ?').get('doc-0001')).toEqual({
    seen: 'old.pdf',
  });
  // The winning name follows the cache; a trashed item, or one that now has this device's name, shows nothing.
  records.put('document', 'doc-0001', doc('doc-0001', 'Справка 2.pdf'));
  records.put(
    'document',
    'doc-0002',
    doc('doc-0002', 'Табель.pdf', { trashedAt: '2025-01-05', trashRoot: 'doc-0002' }),
  );
  expect(conflicts.list()).toEqual([expect.objectContaining({ id: 'doc-0001', theirs: 'Справка 2.pdf' })]);
  records.put('document', 'doc-0001', doc('doc-0001', 'Моё новое.pdf'));
  expect(conflicts.list()).toEqual([]);
  conflicts.remove('doc-0001');
  expect(conflicts.get('doc-0001')).toBeNull();
});
