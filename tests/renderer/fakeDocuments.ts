import type { Bridge } from '../../src/shared/ipc.js';

type DocumentBridge = Pick<Bridge, Extract<keyof Bridge, `documents${string}` | `uploads${string}`>>;

/** The documents part of the fake bridge: an empty cloud, an idle queue. */
export function createFakeDocuments(): DocumentBridge {
  const none = async () => null;
  return {
    documentsList: async () => ({ items: [], total: 0, breadcrumbs: [], quota: null }),
    documentsCount: async () => ({ total: 0 }),
    documentsEnqueuePaths: async () => ({ added: 0, refused: [] }),
    documentsPickFiles: async () => ({ added: 0, refused: [] }),
    documentsCreateFolder: async () => ({ id: 'folder-000001' }),
    documentsRename: none,
    documentsConflicts: async () => [],
    documentsResolveConflict: none,
    documentsMove: none,
    documentsThumbnail: async () => ({ url: null }),
    documentsTrash: none,
    documentsRestore: none,
    documentsEmptyTrash: none,
    documentsOpen: none,
    documentsSaveAs: async () => ({ saved: false }),
    documentsShowInFolder: none,
    documentsKeepOffline: none,
    documentsLocalCopies: async () => ({ cacheBytes: 0, keptBytes: 0 }),
    documentsClearLocalCopies: async () => null,
    uploadsGetState: async () => ({
      items: [],
      total: { files: 0, done: 0, failed: 0, bytes: 0, sent: 0, speed: 0, secondsLeft: null },
      offline: false,
    }),
    uploadsPause: none,
    uploadsResume: none,
    uploadsCancel: none,
    uploadsRetry: none,
    uploadsClearFinished: none,
  };
}
