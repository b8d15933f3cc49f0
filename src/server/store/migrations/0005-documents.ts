import type { Migration } from '../migrate.js';

/** Documents: folders, documents, uploads, quota. (Filled in by the documents capability.) */
export const m0005Documents: Migration = {
  version: 5,
  name: '0005-documents',
  up() {},
};
