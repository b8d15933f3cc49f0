import type { ServerConfig } from '../config.js';
import { openPostgresStore } from './postgres/index.js';
import { openSqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

/**
 * The store the configuration names: PostgreSQL when `databaseUrl` is set (migrated to
 * the current schema before it answers), else SQLite in the data directory.
 */
export async function openStore(
  config: ServerConfig,
  options: { nativeBinding?: string } = {},
): Promise<Store> {
  if (config.databaseUrl) return openPostgresStore(config.databaseUrl);
  return openSqliteStore(config.dataDir, options);
}
