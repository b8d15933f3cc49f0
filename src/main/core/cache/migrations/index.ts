import type Database from 'better-sqlite3';
import { AppError } from '../../../../shared/errors.js';
import { m0001Initial } from './0001-initial.js';
import { m0002Documents } from './0002-documents.js';
import { m0003DocumentsSearch } from './0003-documents-search.js';
import { m0004RenameConflicts } from './0004-rename-conflicts.js';
import { m0005OutboxAcked } from './0005-outbox-acked.js';
import { m0006RecordsByArrival } from './0006-records-by-arrival.js';
import { m0007DocumentsCounts } from './0007-documents-counts.js';
import { m0008Chats } from './0008-chats.js';
import type { CacheMigration } from './types.js';

export type { CacheMigration } from './types.js';

/** Every cache migration, in order. Append only; never edit a released step. */
export const CACHE_MIGRATIONS: readonly CacheMigration[] = [
  m0001Initial,
  m0002Documents,
  m0003DocumentsSearch,
  m0004RenameConflicts,
  m0005OutboxAcked,
  m0006RecordsByArrival,
  m0007DocumentsCounts,
  m0008Chats,
];

/** Refuses a registry with gaps or duplicates, which would skip or repeat a step. */
export function checkMigrationOrder(migrations: readonly CacheMigration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Cache migration ${migration.name} has version ${migration.version}, expected ${index + 1}`,
      );
    }
  });
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database to the latest schema. All pending steps run in one transaction,
 * so a crash half-way leaves the previous version intact. A database written by a
 * newer app is refused rather than guessed at (DB_TOO_NEW).
 */
export function migrateCache(
  db: Database.Database,
  migrations: readonly CacheMigration[] = CACHE_MIGRATIONS,
  target = migrations.length,
): void {
  checkMigrationOrder(migrations);
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new AppError(
      'DB_TOO_NEW',
      `The local cache has schema version ${current}; this version of the app knows up to ${migrations.length}.`,
    );
  }
  const pending = migrations.filter((m) => m.version > current && m.version <= target);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const migration of pending) {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }
  })();
}
