import type { CountInput, DOCUMENT_IPC, ListInput } from '../../../shared/documentsIpc.js';
import type { Core } from '../index.js';

type Handler = (core: Core, input: unknown) => Promise<unknown> | unknown;
type In<T> = T;

/** The documents channels, spread into the IPC router's handler table. */
export const DOCUMENT_IPC_HANDLERS = {
  'documents.list': (core, input) => core.documents.list(input as ListInput),
  'documents.count': (core, input) => ({ total: core.documents.count(input as CountInput) }),
  // A path from the page is only a string: it is taken only if the person dropped it (grants.ts).
  'documents.enqueuePaths': (core, input) => {
    const i = input as In<{ paths: string[]; folderId: string | null }>;
    return core.documents.enqueueGranted(i.paths, i.folderId);
  },
  'documents.pickFiles': (core, input) =>
    core.documents.pickFiles((input as { folderId: string | null }).folderId),
  'documents.createFolder': (core, input) => {
    const i = input as { parentId: string | null; name: string };
    return core.documents.createFolder(i.parentId, i.name);
  },
  'documents.rename': (core, input) => {
    const i = input as { kind: 'folder' | 'document'; id: string; name: string };
    core.documents.rename(i.kind, i.id, i.name);
    return null;
  },
  'documents.conflicts': (core) => core.documents.conflicts(),
  'documents.resolveConflict': (core, input) => {
    const i = input as { kind: 'folder' | 'document'; id: string; keep: 'mine' | 'theirs' };
    core.documents.resolveConflict(i.kind, i.id, i.keep);
    return null;
  },
  'documents.move': (core, input) => {
    const i = input as { kind: 'folder' | 'document'; id: string; folderId: string | null };
    core.documents.move(i.kind, i.id, i.folderId);
    return null;
  },
  'documents.trash': (core, input) => {
    const i = input as { kind: 'folder' | 'document'; id: string };
    core.documents.trash(i.kind, i.id);
    return null;
  },
  'documents.restore': (core, input) => {
    const i = input as { kind: 'folder' | 'document'; id: string };
    core.documents.restore(i.kind, i.id);
    return null;
  },
  'documents.emptyTrash': (core) => {
    core.documents.emptyTrash();
    return null;
  },
  'documents.open': async (core, input) => {
    await core.documents.open((input as { id: string }).id);
    return null;
  },
  'documents.saveAs': async (core, input) => ({
    saved: await core.documents.saveAs((input as { id: string }).id),
  }),
  'documents.showInFolder': async (core, input) => {
    await core.documents.showInFolder((input as { id: string }).id);
    return null;
  },
  'documents.keepOffline': async (core, input) => {
    const i = input as { id: string; keep: boolean };
    await core.documents.keepOffline(i.id, i.keep);
    return null;
  },
  'documents.thumbnail': async (core, input) => ({
    url: await core.documents.thumbnail((input as { id: string }).id),
  }),
  'documents.localCopies': (core) => core.documents.storage(),
  'documents.clearLocalCopies': async (core) => {
    await core.documents.clearCache();
    return null;
  },
  'uploads.getState': (core) => core.documents.uploads.state(),
  'uploads.pause': (core, input) => {
    core.documents.uploads.pause((input as { id: string | null }).id);
    return null;
  },
  'uploads.resume': (core, input) => {
    core.documents.uploads.resume((input as { id: string | null }).id);
    return null;
  },
  'uploads.cancel': (core, input) => {
    core.documents.uploads.cancel((input as { id: string }).id);
    return null;
  },
  'uploads.retry': (core, input) => {
    core.documents.uploads.retry((input as { id: string }).id);
    return null;
  },
  'uploads.clearFinished': (core) => {
    core.documents.uploads.clearFinished();
    return null;
  },
} satisfies Record<keyof typeof DOCUMENT_IPC, Handler>;
