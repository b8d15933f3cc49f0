import type { CacheMigration } from './types.js';

/**
 * Records stored in arrival order. Until now `records` was a WITHOUT ROWID table keyed
 * by (entity, id), and ids are random, so each row of a pull page landed in a random
 * leaf of the whole table: a page of 1,000 rows dirtied about 1,000 pages of it, and a
 * first sync slowed as the cache grew. Now a row goes to the end of a rowid table, and
 * only its small (entity, id) key lands in a random place of the unique index, whose
 * leaves hold some eighty keys each and stay in the page cache. Lookups by (entity, id)
 * and `ON CONFLICT (entity, id)` use that index. The triggers that keep `doc_items` in
 * step are recreated on the new table exactly as they were.
 */
export const m0006RecordsByArrival: CacheMigration = {
  version: 6,
  name: '0006-records-by-arrival',
  up(db) {
    const triggers = db
      .prepare<[], { sql: string }>(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'records' ORDER BY name",
      )
      .all();
    db.exec(`
      CREATE TABLE records_by_arrival (
        seq INTEGER PRIMARY KEY,
        entity TEXT NOT NULL,
        id TEXT NOT NULL,
        data TEXT NOT NULL
      );
      INSERT INTO records_by_arrival (entity, id, data) SELECT entity, id, data FROM records;
      DROP TABLE records;
      ALTER TABLE records_by_arrival RENAME TO records;
      CREATE UNIQUE INDEX records_key ON records (entity, id);
    `);
    for (const { sql } of triggers) db.exec(sql);
  },
};
