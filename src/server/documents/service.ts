import { randomBytes } from 'node:crypto';
import { nameRefusal, sanitizeName, type DocumentList, type Quota } from '../../shared/documents.js';
import { AppError } from '../../shared/errors.js';
import type { DocumentRepo, DocumentRow } from '../store/types.js';
import { documentRecord, folderRecord } from './records.js';

export interface DocumentLimits {
  quotaBytes: number;
  maxFileBytes: number;
}

export function newId(): string {
  return randomBytes(16).toString('base64url');
}

export function notFound(): AppError {
  // The same answer whether the item never existed or belongs to somebody else.
  return new AppError('NOT_FOUND', 'Not found.');
}

export function checkedName(raw: string): string {
  const result = sanitizeName(raw);
  if (!result.ok) throw nameRefusal(result.reason);
  return result.name;
}

/**
 * What a person has in the document cloud: the list, the quota, one document. Changes
 * come through uploads (uploads.ts), the mutations (mutations.ts) and the trash purge
 * (purge.ts).
 */
export class DocumentService {
  constructor(
    private readonly repo: DocumentRepo,
    readonly limits: DocumentLimits,
  ) {}

  quota(ownerId: string): Quota {
    return {
      usedBytes: this.repo.usedBytes(ownerId),
      limitBytes: this.limits.quotaBytes,
      maxFileBytes: this.limits.maxFileBytes,
    };
  }

  list(ownerId: string): DocumentList {
    return {
      folders: this.repo.listFolders(ownerId).map(folderRecord),
      documents: this.repo.listDocuments(ownerId).map(documentRecord),
      quota: this.quota(ownerId),
    };
  }

  getDocument(ownerId: string, id: string): DocumentRow {
    const row = this.repo.getDocument(ownerId, id);
    if (!row) throw notFound();
    return row;
  }
}
