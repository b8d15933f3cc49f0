import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { CACHE_MIGRATIONS, migrateCache, schemaVersion } from '../../src/main/core/cache/migrations/index.js';
import { createRecordStore } from '../../src/main/core/cache/records.js';
import { docRecord } from '../helpers/cacheRecords.js';

let db: Database.Database | null = null;
afterEach(() => db?.close());

const items = () => db!.prepare('SELECT id, name FROM doc_items ORDER BY id').all();

it('0006-records-by-arrival keeps every cached record, stores new ones in arrival order and keeps documents in step', () => {
  db = new Database(':memory:');
  migrateCache(db, CACHE_MIGRATIONS, 5);
  const before = createRecordStore(db);
  before.put('profile', 'u1', { id: 'u1', name: 'Мария' });
  before.put('document', 'd-b', docRecord('d-b', 'Табель.pdf'));
  before.put('document', 'd-a', docRecord('d-a', 'Справка.pdf'));
  before.setState('cursor', 'c42');

  migrateCache(db, CACHE_MIGRATIONS, 6);
  expect(schemaVersion(db)).toBe(6);
  const records = createRecordStore(db);
  // Everything cached before is there, and the documents screen still sees it.
  expect(records.get('profile', 'u1')).toEqual({ id: 'u1', name: 'Мария' });
  expect(records.list('document').map((r) => r.name)).toEqual(['Справка.pdf', 'Табель.pdf']);
  expect(records.getState('cursor')).toBe('c42');
  expect(items()).toEqual([
    { id: 'd-a', name: 'Справка.pdf' },
    { id: 'd-b', name: 'Табель.pdf' },
  ]);

  // A new record goes to the end of the table, whatever its id.
  records.applyPage(
    [
      { entity: 'document', id: 'd-0', op: 'put', data: docRecord('d-0', 'Выписка.pdf') },
      { entity: 'document', id: 'd-a', op: 'put', data: docRecord('d-a', 'Справка 2.pdf') },
      { entity: 'document', id: 'd-b', op: 'delete', data: null },
    ],
    'c43',
  );
  const order = db.prepare("SELECT id FROM records WHERE entity = 'document' ORDER BY seq").all();
  expect(order).toEqual([{ id: 'd-a' }, { id: 'd-0' }]);
  // (entity, id) is still the key: an update replaces the row, the triggers follow each change.
  expect(db.prepare("SELECT count(*) AS n FROM records WHERE id = 'd-a'").get()).toEqual({ n: 1 });
  expect(
    () => void db!.prepare("INSERT INTO records (entity, id, data) VALUES ('document', 'd-a', '{}')").run(),
  ).toThrow(/UNIQUE/);
  expect(items()).toEqual([
    { id: 'd-0', name: 'Выписка.pdf' },
    { id: 'd-a', name: 'Справка 2.pdf' },
  ]);
  expect(records.getState('cursor')).toBe('c43');
});
