import { DOCUMENT_MUTATIONS, sanitizeName } from '../../../shared/documents/index.js';
import type { RecordData } from '../cache/records.js';

/**
 * How the documents mutations change the local cache before the server answers
 * (registered in sync/mutations.ts). Each sets fields, so re-applying after a pulled
 * page is harmless; the server's records replace these once it has applied them.
 */
interface Applier {
  target(payload: unknown, userId: string): { entity: string; id: string };
  apply(current: RecordData | null, payload: unknown): RecordData | null;
}

const now = (): string => new Date().toISOString();

export const DOCUMENT_APPLIERS: Record<keyof typeof DOCUMENT_MUTATIONS, Applier> = {
  'folder.create': {
    target: (payload) => ({ entity: 'folder', id: DOCUMENT_MUTATIONS['folder.create'].parse(payload).id }),
    apply(current, payload) {
      if (current) return current;
      const p = DOCUMENT_MUTATIONS['folder.create'].parse(payload);
      const name = sanitizeName(p.name);
      const at = now();
      return {
        id: p.id,
        parentId: p.parentId,
        name: name.ok ? name.name : p.name,
        createdAt: at,
        updatedAt: at,
        trashedAt: null,
        trashRoot: null,
      };
    },
  },
  'documents.rename': {
    target: (payload) => {
      const p = DOCUMENT_MUTATIONS['documents.rename'].parse(payload);
      return { entity: p.kind, id: p.id };
    },
    apply(current, payload) {
      if (!current) return null;
      const name = sanitizeName(DOCUMENT_MUTATIONS['documents.rename'].parse(payload).name);
      if (!name.ok) return current;
      // The server's own spelling of the old name (feedRecords.ts) no longer applies.
      const { serverName: _serverName, ...rest } = current;
      return { ...rest, name: name.name };
    },
  },
  'documents.move': {
    target: (payload) => {
      const p = DOCUMENT_MUTATIONS['documents.move'].parse(payload);
      return { entity: p.kind, id: p.id };
    },
    apply(current, payload) {
      if (!current) return null;
      const p = DOCUMENT_MUTATIONS['documents.move'].parse(payload);
      return p.kind === 'folder'
        ? { ...current, parentId: p.folderId }
        : { ...current, folderId: p.folderId };
    },
  },
  'documents.trash': {
    target: (payload) => {
      const p = DOCUMENT_MUTATIONS['documents.trash'].parse(payload);
      return { entity: p.kind, id: p.id };
    },
    apply(current, payload) {
      if (!current) return null;
      const p = DOCUMENT_MUTATIONS['documents.trash'].parse(payload);
      if (current.trashedAt) return current;
      return { ...current, trashedAt: now(), trashRoot: p.id };
    },
  },
  'documents.restore': {
    target: (payload) => {
      const p = DOCUMENT_MUTATIONS['documents.restore'].parse(payload);
      return { entity: p.kind, id: p.id };
    },
    apply(current) {
      if (!current) return null;
      return { ...current, trashedAt: null, trashRoot: null };
    },
  },
  // Emptying the trash has no one record; the pulled deletions do the work.
  'documents.emptyTrash': {
    target: () => ({ entity: 'document', id: '' }),
    apply: () => null,
  },
};
