import type Database from 'better-sqlite3';

/** One step of the cache schema. `up` runs inside the transaction that applies all pending steps. */
export interface CacheMigration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}
