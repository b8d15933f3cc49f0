import { AppError } from '../../shared/errors.js';
import type { Db } from './db.js';

export interface Migration {
  /** 1, 2, 3...: the value of `PRAGMA user_version` once this step has run. */
  version: number;
  name: string;
  up(db: Db): void;
}

/** Refuses a registry with gaps or duplicates, so a misnumbered file fails loudly at start. */
export function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`Migration ${m.name} has version ${m.version}, expected ${i + 1}`);
    }
  });
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Runs every pending migration (up to `to`, for tests) in one transaction: a crash
 * half-way leaves the database as it was. A database written by newer code is
 * refused rather than guessed at.
 */
export function migrate(db: Db, migrations: readonly Migration[], to = migrations.length): void {
  checkOrder(migrations);
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new AppError(
      'DB_TOO_NEW',
      `The database is at schema version ${current}, newer than this server (${migrations.length}). Update the server.`,
      { status: 500 },
    );
  }
  const pending = migrations.filter((m) => m.version > current && m.version <= to);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const m of pending) {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
  })();
}
