import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Change } from '../../src/shared/sync/index.js';
import {
  CATCH_UP_CHECKPOINT_PAGES,
  CHECKPOINT_PAGES,
  openCacheDatabase,
} from '../../src/main/core/cache/db.js';
import { createRecordStore } from '../../src/main/core/cache/records.js';
import { makeTempDir } from '../helpers/tempDir.js';

const dir = makeTempDir();
afterEach(() => dir.remove());

const page = (from: number, count: number): Change[] =>
  Array.from({ length: count }, (_, i) => ({
    entity: 'class',
    id: `class-${from + i}`,
    op: 'put' as const,
    data: { id: `class-${from + i}`, name: `${(i % 11) + 1} А` },
  }));

it('defers checkpoints while pages come full and folds the log once the sync has caught up, keeping every row', () => {
  const file = join(dir.path, 'cache.sqlite');
  const db = openCacheDatabase(file);
  const records = createRecordStore(db);
  const interval = () => db.pragma('wal_autocheckpoint', { simple: true });
  expect(interval()).toBe(CHECKPOINT_PAGES);

  records.applyPage(page(0, 1000), 'c1');
  records.applyPage(page(1000, 1000), 'c2');
  expect(interval()).toBe(CATCH_UP_CHECKPOINT_PAGES);
  // The last page of the catch-up is short: checkpoints come at the usual interval again.
  records.applyPage(page(2000, 7), 'c3');
  expect(interval()).toBe(CHECKPOINT_PAGES);
  db.close();

  // Everything committed is there after reopening.
  const again = openCacheDatabase(file);
  expect(createRecordStore(again).count()).toBe(2007);
  expect(createRecordStore(again).getState('cursor')).toBe('c3');
  again.close();
});
