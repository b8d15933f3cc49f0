import type { DocumentRecord, FolderRecord } from '../../shared/documents/index.js';
import type { DocumentRow, FolderRow } from '../store/types.js';

/** What a client sees of a folder row: everything but its owner. */
export function folderRecord(row: FolderRow): FolderRecord {
  const { ownerId: _owner, ...record } = row;
  return record;
}
/** What a client sees of a document row: everything but its owner and blob key. */
export function documentRecord(row: DocumentRow): DocumentRecord {
  const { ownerId: _owner, blobKey: _blob, ...record } = row;
  return record;
}
