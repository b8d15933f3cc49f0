import type { CacheMigration } from './types.js';

/**
 * Search counts: the number of full-text matches is read from the FTS index, minus the
 * matches in the trash, which this index finds without touching the live rows.
 */
export const m0003DocumentsSearch: CacheMigration = {
  version: 3,
  name: '0003-documents-search',
  up(db) {
    db.exec('CREATE INDEX doc_items_trashed ON doc_items (trashed_at) WHERE trashed_at IS NOT NULL;');
  },
};
