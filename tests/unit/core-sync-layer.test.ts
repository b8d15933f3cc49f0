import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type CacheDatabase, openCacheDatabase } from '../../src/main/core/cache/db.js';
import { CACHE_MIGRATIONS, migrateCache } from '../../src/main/core/cache/migrations/index.js';
import { createRecordStore, type RecordStore } from '../../src/main/core/cache/records.js';
import {
  baseOf,
  queueMutation,
  rebasePending,
  rebuild,
  recordKey,
  settleAcked,
  targetKey,
} from '../../src/main/core/sync/mutations.js';
import { createOutbox, type Outbox } from '../../src/main/core/sync/outbox.js';
import type { Change } from '../../src/shared/sync/index.js';
import { makeTempDir } from '../helpers/tempDir.js';

/**
 * The optimistic layer of the desktop cache: changes still to push, and changes the
 * server applied that the pull has not brought yet, laid over the server's records.
 */

const folder = (id: string, name: string) => ({
  id,
  parentId: null,
  name,
  createdAt: 't',
  updatedAt: 't',
  trashedAt: null,
  trashRoot: null,
});
const put = (id: string, name: string): Change => ({
  entity: 'folder',
  id,
  op: 'put',
  data: folder(id, name),
});
const nameOf = (id: string) => records.get('folder', id)?.name;

let dir: ReturnType<typeof makeTempDir>;
let db: CacheDatabase;
let records: RecordStore;
let outbox: Outbox;

beforeEach(() => {
  dir = makeTempDir();
  db = openCacheDatabase(join(dir.path, 'cache.sqlite'));
  records = createRecordStore(db);
  outbox = createOutbox(db);
  records.put('folder', 'folder-0001', folder('folder-0001', 'Справки'));
  records.put('folder', 'folder-0002', folder('folder-0002', 'Дипломы'));
});
afterEach(() => {
  if (db.open) db.close();
  dir.remove();
});

function rename(id: string, name: string): string {
  return queueMutation(records, outbox, {
    type: 'documents.rename',
    payload: { kind: 'folder', id, name },
    userId: 'u1',
    createdAt: 't',
  }).mutationId;
}

/** Applies a page the way the sync engine does (the layer over the records it set; the end settles). */
function page(changes: Change[], last: boolean): void {
  records.applyPage(changes, 'c', {
    inside: () => [
      ...rebasePending(records, outbox, 'u1', new Set(changes.map((c) => recordKey(c.entity, c.id)))),
      ...(last ? settleAcked(records, outbox, 'u1') : []),
    ],
  });
}

/** A rejection as the engine handles it: the record is rebuilt from the server's value under the layer. */
function reject(mutationId: string): void {
  records.transaction(() => {
    const layer = outbox.layer('u1');
    const entry = layer.find((e) => e.mutationId === mutationId)!;
    const key = targetKey(entry)!;
    const base = baseOf(layer, key) ?? null;
    outbox.remove(mutationId);
    rebuild(records, outbox, 'u1', new Map([[key, base]]));
  });
}

it('a change rejected after a page about other records rolls back to the server value', () => {
  const id = rename('folder-0001', 'Справки 2025');
  page([put('folder-0002', 'Грамоты')], false);
  expect(nameOf('folder-0001')).toBe('Справки 2025');
  reject(id);
  expect(nameOf('folder-0001')).toBe('Справки');
});

it('of two changes to one record, rejecting the first keeps the second over the server value', () => {
  const first = rename('folder-0001', 'Справки 2025');
  rename('folder-0001', 'Справки за год');
  page([put('folder-0001', 'Справки (сервер)')], false);
  reject(first);
  expect(nameOf('folder-0001')).toBe('Справки за год');
  expect(outbox.layer('u1')[0]!.before).toMatchObject({ name: 'Справки (сервер)' });
});

it('an acknowledged change stays over older pages and leaves at the end of the feed', () => {
  const id = rename('folder-0001', 'Справки 2025');
  outbox.markAcked(id);
  expect(outbox.count('u1')).toBe(0);
  expect(outbox.pending('u1')).toEqual([]);
  // An older page still has the folder as it was: the device's own change stays on screen.
  page([put('folder-0001', 'Справки')], false);
  expect(nameOf('folder-0001')).toBe('Справки 2025');
  // The page with the change itself, and then another device's later rename: at the end
  // of the feed the layer leaves and the server's latest value shows.
  page([put('folder-0001', 'Справки 2025'), put('folder-0001', 'Справки (с ноутбука)')], true);
  expect(nameOf('folder-0001')).toBe('Справки (с ноутбука)');
  expect(outbox.layer('u1')).toEqual([]);
});

it('at the end of the feed, changes still to push stay on top of the settled record', () => {
  const acked = rename('folder-0001', 'Справки 2025');
  outbox.markAcked(acked);
  rename('folder-0001', 'Справки за год');
  page([], true);
  expect(nameOf('folder-0001')).toBe('Справки за год');
  expect(outbox.layer('u1').map((e) => e.acked)).toEqual([false]);
  expect(outbox.layer('u1')[0]!.before).toMatchObject({ name: 'Справки' });
});

it('cache migration 0005 keeps queued rows, still to push', () => {
  const file = join(dir.path, 'old.sqlite');
  const old = new Database(file);
  migrateCache(old, CACHE_MIGRATIONS, 4);
  old
    .prepare(
      "INSERT INTO outbox (mutation_id, user_id, type, payload, before, created_at) VALUES ('m-00000001', 'u1', 'profile.update', '{}', NULL, 't')",
    )
    .run();
  old.close();
  const reopened = openCacheDatabase(file);
  expect(createOutbox(reopened).pending('u1')).toMatchObject([{ mutationId: 'm-00000001', acked: false }]);
  reopened.close();
});
