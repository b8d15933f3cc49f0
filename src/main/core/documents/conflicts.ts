import type Database from 'better-sqlite3';
import { DOCUMENT_MUTATIONS } from '../../../shared/documents/index.js';
import type { RenameConflict } from '../../../shared/documents/ipc.js';
import type { ErrorCode } from '../../../shared/errors.js';

interface Row {
  kind: 'folder' | 'document';
  id: string;
  mine: string;
  theirs: string;
  at: string;
}

/**
 * Renames of this device that lost to a rename on another device (table
 * rename_conflicts, cache migration 0004). The name that won is read from the cache each
 * time, so the notice always shows the item's current name; a conflict whose item is
 * gone, in the trash, or already carries this device's name shows nothing.
 */
export class RenameConflicts {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      put: db.prepare<[string, string, string, string | null, string]>(
        `INSERT INTO rename_conflicts (item_id, kind, mine, seen, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (item_id) DO UPDATE SET kind = excluded.kind, mine = excluded.mine, seen = excluded.seen,
           created_at = excluded.created_at`,
      ),
      // CROSS JOIN keeps the (usually empty) conflicts outside: left to itself, the planner
      // walked every live item and looked each one up here (60 ms at 100,000 documents, on
      // every opening of the documents screen).
      list: db.prepare<[], Row>(
        `SELECT c.kind, c.item_id AS id, c.mine, d.name AS theirs, c.created_at AS at
           FROM rename_conflicts c CROSS JOIN doc_items d ON d.id = c.item_id AND d.kind = c.kind
          WHERE d.trashed_at IS NULL AND d.name <> c.mine ORDER BY c.created_at, c.item_id`,
      ),
      get: db.prepare<[string], { kind: 'folder' | 'document'; mine: string }>(
        'SELECT kind, mine FROM rename_conflicts WHERE item_id = ?',
      ),
      remove: db.prepare<[string]>('DELETE FROM rename_conflicts WHERE item_id = ?'),
    };
  }

  /**
   * Keeps a rename the server refused with RENAME_CONFLICT (called inside the rollback's
   * transaction); any other rejection is not a conflict and is ignored here.
   */
  keep(entry: { type: string; payload: unknown; createdAt: string }, error: { code: ErrorCode }): boolean {
    if (entry.type !== 'documents.rename' || error.code !== 'RENAME_CONFLICT') return false;
    const p = DOCUMENT_MUTATIONS['documents.rename'].safeParse(entry.payload);
    if (!p.success) return false;
    this.s.put.run(p.data.id, p.data.kind, p.data.name, p.data.expectedName ?? null, entry.createdAt);
    return true;
  }

  list(): RenameConflict[] {
    return this.s.list.all();
  }

  get(id: string): { kind: 'folder' | 'document'; mine: string } | null {
    return this.s.get.get(id) ?? null;
  }

  remove(id: string): void {
    this.s.remove.run(id);
  }
}
