import type { Change } from '../../../shared/sync/index.js';
import { CATCH_UP_CHECKPOINT_PAGES, CHECKPOINT_PAGES, type CacheDatabase } from './db.js';

export type RecordData = Record<string, unknown>;

export interface ApplyPageOptions {
  /** Drop every record first (the first page of a resync), in the same transaction. */
  reset?: boolean;
  /** Runs last in the same transaction; returns further entity kinds it touched. */
  inside?: () => string[];
}

/** Keys of sync_state. */
export type SyncStateKey = 'cursor' | 'userId';

/**
 * The records and sync state of one cache, as plain synchronous calls over prepared
 * statements (prepared once: re-preparing per row would dominate a cold sync).
 */
export interface RecordStore {
  get(entity: string, id: string): RecordData | null;
  list(entity: string): RecordData[];
  put(entity: string, id: string, data: RecordData): void;
  remove(entity: string, id: string): void;
  /**
   * Applies one pull page and its cursor in one transaction, then runs `inside` in the
   * same transaction (the outbox rebase), so no reader ever sees a page without its
   * cursor or without the pending local changes on top. Returns the entity kinds touched.
   */
  applyPage(changes: readonly Change[], cursor: string, options?: ApplyPageOptions): string[];
  /** Drops every record and the cursor (a resync, another user): the outbox is kept. */
  clear(): void;
  getState(key: SyncStateKey): string | null;
  setState(key: SyncStateKey, value: string | null): void;
  count(): number;
  transaction<T>(fn: () => T): T;
}

/** A pull page this long is taken as part of a catch-up (the engine asks for 1,000). */
const FULL_PAGE = 500;

export function createRecordStore(db: CacheDatabase): RecordStore {
  const stmts = {
    get: db.prepare<[string, string], { data: string }>(
      'SELECT data FROM records WHERE entity = ? AND id = ?',
    ),
    list: db.prepare<[string], { data: string }>('SELECT data FROM records WHERE entity = ? ORDER BY id'),
    put: db.prepare<[string, string, string]>(
      'INSERT INTO records (entity, id, data) VALUES (?, ?, ?) ON CONFLICT (entity, id) DO UPDATE SET data = excluded.data',
    ),
    remove: db.prepare<[string, string]>('DELETE FROM records WHERE entity = ? AND id = ?'),
    clearRecords: db.prepare('DELETE FROM records'),
    clearCursor: db.prepare("DELETE FROM sync_state WHERE key = 'cursor'"),
    getState: db.prepare<[string], { value: string }>('SELECT value FROM sync_state WHERE key = ?'),
    setState: db.prepare<[string, string]>(
      'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    deleteState: db.prepare<[string]>('DELETE FROM sync_state WHERE key = ?'),
    count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM records'),
  };

  const parse = (row: { data: string } | undefined): RecordData | null =>
    row ? (JSON.parse(row.data) as RecordData) : null;

  const kinds = db.prepare<[], { entity: string }>('SELECT DISTINCT entity FROM records');
  const applyPageTx = db.transaction(
    (changes: readonly Change[], cursor: string, options: ApplyPageOptions) => {
      const touched = new Set<string>();
      if (options.reset) {
        for (const { entity } of kinds.all()) touched.add(entity);
        stmts.clearRecords.run();
      }
      for (const change of changes) {
        touched.add(change.entity);
        if (change.op === 'put' && change.data !== null) {
          stmts.put.run(change.entity, change.id, JSON.stringify(change.data));
        } else {
          stmts.remove.run(change.entity, change.id);
        }
      }
      stmts.setState.run('cursor', cursor);
      for (const entity of options.inside?.() ?? []) touched.add(entity);
      return [...touched];
    },
  );

  // While pages come full (a first sync, a long catch-up), the write-ahead log is folded
  // into the database every 50,000 pages instead of every 10,000: the random leaves of the
  // record key index that consecutive pages dirty are written back once, not once per few
  // pages. The first page that is not full ends it, and its commit folds the log.
  let catchingUp = false;
  const setCatchingUp = (value: boolean) => {
    if (value === catchingUp) return;
    catchingUp = value;
    db.pragma(`wal_autocheckpoint = ${value ? CATCH_UP_CHECKPOINT_PAGES : CHECKPOINT_PAGES}`);
  };

  return {
    get: (entity, id) => parse(stmts.get.get(entity, id)),
    list: (entity) => stmts.list.all(entity).map((row) => JSON.parse(row.data) as RecordData),
    put: (entity, id, data) => void stmts.put.run(entity, id, JSON.stringify(data)),
    remove: (entity, id) => void stmts.remove.run(entity, id),
    applyPage: (changes, cursor, options = {}) => {
      setCatchingUp(changes.length >= FULL_PAGE);
      return applyPageTx(changes, cursor, options);
    },
    clear: db.transaction(() => {
      stmts.clearRecords.run();
      stmts.clearCursor.run();
    }),
    getState: (key) => stmts.getState.get(key)?.value ?? null,
    setState: (key, value) => {
      if (value === null) stmts.deleteState.run(key);
      else stmts.setState.run(key, value);
    },
    count: () => stmts.count.get()?.n ?? 0,
    transaction: (fn) => db.transaction(fn)(),
  };
}
