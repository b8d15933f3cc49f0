import type { DOCUMENT_IPC } from '../../../shared/documents/ipc.js';
import { defineHandlers } from '../handlers.js';

/** The documents channels, spread into the IPC router's handler table. */
export const DOCUMENT_IPC_HANDLERS = defineHandlers<typeof DOCUMENT_IPC>()({
  'documents.list': (core, input) => core.documents.list(input),
  'documents.count': (core, input) => ({ total: core.documents.count(input) }),
  // A path from the page is only a string: it is taken only if the person dropped it (grants.ts).
  'documents.enqueuePaths': (core, { paths, folderId }) => core.documents.enqueueGranted(paths, folderId),
  'documents.pickFiles': (core, { folderId }) => core.documents.pickFiles(folderId),
  'documents.createFolder': (core, { parentId, name }) => core.documents.createFolder(parentId, name),
  'documents.rename': (core, { kind, id, name }) => {
    core.documents.rename(kind, id, name);
    return null;
  },
  'documents.conflicts': (core) => core.documents.conflicts(),
  'documents.resolveConflict': (core, { kind, id, keep }) => {
    core.documents.resolveConflict(kind, id, keep);
    return null;
  },
  'documents.move': (core, { kind, id, folderId }) => {
    core.documents.move(kind, id, folderId);
    return null;
  },
  'documents.trash': (core, { kind, id }) => {
    core.documents.trash(kind, id);
    return null;
  },
  'documents.restore': (core, { kind, id }) => {
    core.documents.restore(kind, id);
    return null;
  },
  'documents.emptyTrash': (core) => {
    core.documents.emptyTrash();
    return null;
  },
  'documents.open': async (core, { id }) => {
    await core.documents.open(id);
    return null;
  },
  'documents.saveAs': async (core, { id }) => ({ saved: await core.documents.saveAs(id) }),
  'documents.showInFolder': async (core, { id }) => {
    await core.documents.showInFolder(id);
    return null;
  },
  'documents.keepOffline': async (core, { id, keep }) => {
    await core.documents.keepOffline(id, keep);
    return null;
  },
  'documents.thumbnail': async (core, { id }) => ({ url: await core.documents.thumbnail(id) }),
  'documents.localCopies': (core) => core.documents.storage(),
  'documents.clearLocalCopies': async (core) => {
    await core.documents.clearCache();
    return null;
  },
  'uploads.getState': (core) => core.documents.uploads.state(),
  'uploads.pause': (core, { id }) => {
    core.documents.uploads.pause(id);
    return null;
  },
  'uploads.resume': (core, { id }) => {
    core.documents.uploads.resume(id);
    return null;
  },
  'uploads.cancel': (core, { id }) => {
    core.documents.uploads.cancel(id);
    return null;
  },
  'uploads.retry': (core, { id }) => {
    core.documents.uploads.retry(id);
    return null;
  },
  'uploads.clearFinished': (core) => {
    core.documents.uploads.clearFinished();
    return null;
  },
});
