import { randomBytes } from 'node:crypto';
import {
  nameKey,
  nameRefusal,
  numberedName,
  sanitizeName,
  type DocumentList,
  type Quota,
} from '../../shared/documents/index.js';
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
/** `name`, or the first of "name (2)", "name (3)", … whose key `taken` says is free (shared freeName, awaited). */
export async function freeName(name: string, taken: (key: string) => Promise<boolean>): Promise<string> {
  if (!(await taken(nameKey(name)))) return name;
  for (let n = 2; ; n++) {
    const candidate = numberedName(name, n);
    if (!(await taken(nameKey(candidate)))) return candidate;
  }
}

export class DocumentService {
  constructor(
    private readonly repo: DocumentRepo,
    readonly limits: DocumentLimits,
  ) {}

  async quota(ownerId: string): Promise<Quota> {
    return {
      usedBytes: await this.repo.usedBytes(ownerId),
      limitBytes: this.limits.quotaBytes,
      maxFileBytes: this.limits.maxFileBytes,
    };
  }

  async list(ownerId: string): Promise<DocumentList> {
    return {
      folders: (await this.repo.listFolders(ownerId)).map(folderRecord),
      documents: (await this.repo.listDocuments(ownerId)).map(documentRecord),
      quota: await this.quota(ownerId),
    };
  }

  async getDocument(ownerId: string, id: string): Promise<DocumentRow> {
    const row = await this.repo.getDocument(ownerId, id);
    if (!row) throw notFound();
    return row;
  }
}
