import { UploadEngine } from '../../../client/uploads/engine.js';
import { WEB_POLICY } from '../../../client/uploads/policy.js';
import { admission, checkDropSize } from '../../../client/uploads/refusals.js';
import { listQuery } from '../../../client/documents/listQuery.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import {
  DocumentListSchema,
  nameRefusal,
  sanitizeName,
  type DocumentList,
} from '../../../shared/documents/index.js';
import type { EnqueueResult, ListOutput, RenameConflict } from '../../../shared/documents/ipc.js';
import { AppError, ErrorBodySchema, hasErrorCode } from '../../../shared/errors.js';
import type { Bridge } from '../../../shared/ipc.js';
import type { Emitter } from '../backend/emitter.js';
import { randomId } from '../backend/browserIdentity.js';
import { WebFileSource, type WebOrigin } from './webFileSource.js';
import { createWebRequests } from './webRequests.js';
import { createWebUploadStore } from './webUploadStore.js';
import { createWebUploadTransport } from './webUploadTransport.js';

/** A file to upload from the browser, with the folders it sat in (a dropped folder keeps its structure). */
export interface WebUploadEntry {
  file: File;
  /** Folder names from the dropped item down to the file, e.g. ["Концерт", "Видео"]. */
  dirs: string[];
}

/** What the web version's documents add beyond the IPC contract. */
export interface WebDocumentsExtras {
  /** Upload File objects from a picker or a drop. */
  uploadFiles(entries: WebUploadEntry[], folderId: string | null): Promise<EnqueueResult>;
  /** The address a browser downloads a document from (a short-lived signed link). */
  downloadUrl(id: string): Promise<string>;
}

type DocumentBridge = Pick<Bridge, Extract<keyof Bridge, `documents${string}` | `uploads${string}`>>;

/** An item's name in the list (null if it is not there, or with `live`, in the trash). */
function currentName(
  list: DocumentList,
  kind: 'folder' | 'document',
  id: string,
  live = false,
): string | null {
  const items: { id: string; name: string; trashedAt: string | null }[] =
    kind === 'folder' ? list.folders : list.documents;
  const item = items.find((i) => i.id === id);
  return item && !(live && item.trashedAt !== null) ? item.name : null;
}

/**
 * The web version's documents: the list from GET /api/documents (kept in memory and
 * re-read when the live stream says something changed), changes as mutations, uploads
 * through the shared upload engine (client/uploads) over the page's ports (webUploadStore,
 * webUploadTransport, webFileSource), downloads through the browser with a short-lived
 * signed link.
 */
export function createWebDocuments(deps: {
  api: ApiClient;
  emitter: Emitter;
  fetch?: typeof fetch;
  /** Where unfinished uploads are remembered across page loads (localStorage). */
  storage?: Storage;
  /** The signed-in parent, whose unfinished uploads the page shows. */
  userId?: () => string | null;
}): DocumentBridge & WebDocumentsExtras {
  const { api, emitter } = deps;
  const doFetch = deps.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const requests = createWebRequests(api, doFetch);
  let snapshot: DocumentList | null = null;
  let loading: Promise<DocumentList> | null = null;
  /** Renames the server refused because another device renamed the item first, by item id. */
  const conflicts = new Map<string, Omit<RenameConflict, 'theirs'>>();

  /** Bumped by every change: a list read that started before one is not kept. */
  let generation = 0;
  function forget(): void {
    generation += 1;
    snapshot = null;
    loading = null;
  }

  emitter.on('cache.changed', (payload) => {
    if (payload.entities.includes('document') || payload.entities.includes('folder')) forget();
  });

  async function authed(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await requests.fetch(api.url(path), {
      ...init,
      credentials: 'same-origin',
      headers: { 'x-client': 'web', ...(init.headers as Record<string, string>) },
    });
    if (!response.ok) {
      const body = ErrorBodySchema.safeParse(await response.json().catch(() => null));
      throw body.success
        ? AppError.fromBody(body.data, response.status)
        : new AppError('INTERNAL', 'Request failed.');
    }
    return response;
  }

  async function load(): Promise<DocumentList> {
    if (snapshot) return snapshot;
    const started = generation;
    const read = (loading ??= authed('/api/documents')
      .then(async (r) => DocumentListSchema.parse(await r.json()))
      .finally(() => {
        if (loading === read) loading = null;
      }));
    const list = await read;
    // A change (an upload finishing, another device's rename) that landed while this read
    // was on its way makes it stale: it answers this caller, but the next one reads again.
    if (generation === started) snapshot = list;
    return list;
  }

  function changed(): void {
    forget();
    emitter.emit('cache.changed', { entities: ['folder', 'document'] });
  }

  async function mutate(type: string, payload: unknown): Promise<void> {
    const { results } = await api.call('push', { body: { mutations: [{ id: randomId(), type, payload }] } });
    const result = results[0];
    if (result?.status === 'rejected') throw new AppError(result.error.code, result.error.message);
    changed();
  }

  /** The parent's uploads: each parent's own queue, kept in the browser's storage. */
  const engine = new UploadEngine<WebOrigin, WebFileSource>({
    owner: deps.userId ?? (() => null),
    clock: {
      now: () => Date.now(),
      setTimer(ms, fn) {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
    },
    random: Math.random,
    newId: randomId,
    store: createWebUploadStore(deps.storage),
    // A File does not outlive the page: a restored upload waits until it is added again.
    sources: { open: () => null },
    transport: createWebUploadTransport({ api, requests }),
    hooks: {
      onState: (state) => emitter.emit('uploads.state', state),
      onDone: () => changed(),
    },
    policy: WEB_POLICY,
  });

  /** The key of a folder path inside a drop: "/Концерт/Видео" ("" for the drop's own folder). */
  const dirsKey = (dirs: string[]) => dirs.map((d) => `/${d}`).join('');

  /** Creates the dropped folders that are not there yet (`known`: paths already placed). */
  async function ensureFolders(
    entries: WebUploadEntry[],
    folderId: string | null,
    known: Map<string, string | null> = new Map(),
  ): Promise<Map<string, string | null>> {
    const ids = new Map<string, string | null>([...known, ['', folderId]]);
    const mutations: { id: string; type: string; payload: unknown }[] = [];
    for (const entry of entries) {
      let key = '';
      for (const dir of entry.dirs) {
        const parent = ids.get(key) ?? null;
        key = `${key}/${dir}`;
        if (ids.has(key)) continue;
        const name = sanitizeName(dir);
        const id = randomId()
          .replace(/[^A-Za-z0-9_-]/g, '')
          .slice(0, 24)
          .padEnd(12, '0');
        ids.set(key, id);
        mutations.push({
          id: randomId(),
          type: 'folder.create',
          payload: { id, parentId: parent, name: name.ok ? name.name : '_' },
        });
      }
    }
    for (let i = 0; i < mutations.length; i += 100) {
      await api.call('push', { body: { mutations: mutations.slice(i, i + 100) } });
    }
    if (mutations.length > 0) changed();
    return ids;
  }

  const self: DocumentBridge & WebDocumentsExtras = {
    async documentsList(input): Promise<ListOutput> {
      return listQuery(await load(), input);
    },
    // The web version filters a list it holds in memory: its pages always carry the total.
    async documentsCount(input) {
      const { total } = await self.documentsList({ ...input, offset: 0, limit: 1 });
      return { total: total ?? 0 };
    },
    async documentsEnqueuePaths() {
      throw new AppError('FORBIDDEN', 'The web version uploads files, not paths.');
    },
    async documentsPickFiles() {
      throw new AppError('FORBIDDEN', 'The web version picks files in the page.');
    },
    async documentsCreateFolder(input) {
      const name = sanitizeName(input.name);
      if (!name.ok) throw nameRefusal(name.reason);
      const id = randomId()
        .replace(/[^A-Za-z0-9_-]/g, '')
        .slice(0, 24)
        .padEnd(12, '0');
      await mutate('folder.create', { id, parentId: input.parentId, name: name.name });
      return { id };
    },
    async documentsRename(input) {
      const name = sanitizeName(input.name);
      if (!name.ok) throw nameRefusal(name.reason);
      // The name this page shows: a rename made on another device since is not overwritten.
      const shown = currentName(await load(), input.kind, input.id);
      conflicts.delete(input.id);
      try {
        await mutate('documents.rename', {
          kind: input.kind,
          id: input.id,
          name: name.name,
          ...(shown !== null ? { expectedName: shown } : {}),
        });
      } catch (error) {
        if (!hasErrorCode(error) || error.code !== 'RENAME_CONFLICT') throw error;
        // Kept for the same notice the desktop shows, with the name that won.
        conflicts.set(input.id, {
          kind: input.kind,
          id: input.id,
          mine: name.name,
          at: new Date().toISOString(),
        });
        changed();
      }
      return null;
    },
    async documentsConflicts() {
      if (conflicts.size === 0) return [];
      const list = await load();
      const out: RenameConflict[] = [];
      for (const c of conflicts.values()) {
        const theirs = currentName(list, c.kind, c.id, true);
        if (theirs !== null && theirs !== c.mine) out.push({ ...c, theirs });
      }
      return out;
    },
    async documentsResolveConflict(input) {
      const conflict = conflicts.get(input.id);
      if (!conflict) return null;
      if (input.keep === 'mine')
        return self.documentsRename({ kind: input.kind, id: input.id, name: conflict.mine });
      conflicts.delete(input.id);
      changed();
      return null;
    },
    async documentsMove(input) {
      await mutate('documents.move', input);
      return null;
    },
    async documentsTrash(input) {
      await mutate('documents.trash', input);
      return null;
    },
    async documentsRestore(input) {
      await mutate('documents.restore', input);
      return null;
    },
    async documentsEmptyTrash() {
      await mutate('documents.emptyTrash', {});
      return null;
    },
    async documentsThumbnail(input) {
      // The signed link is on this origin, so the page's img-src 'self' allows it.
      return { url: await self.downloadUrl(input.id) };
    },

    async documentsOpen(input) {
      const url = await self.downloadUrl(input.id);
      window.open(`${url}&inline=1`, '_blank', 'noopener');
      return null;
    },
    async documentsSaveAs(input) {
      const url = await self.downloadUrl(input.id);
      const a = document.createElement('a');
      a.href = url;
      a.download = '';
      document.body.append(a);
      a.click();
      a.remove();
      return { saved: true };
    },
    async documentsShowInFolder() {
      throw new AppError('FORBIDDEN', 'Not available in the web version.');
    },
    async documentsKeepOffline() {
      throw new AppError('FORBIDDEN', 'Not available in the web version.');
    },
    async documentsLocalCopies() {
      // The browser keeps no copies of its own: downloads go to the browser's folder.
      return { cacheBytes: 0, keptBytes: 0 };
    },
    async documentsClearLocalCopies() {
      return null;
    },
    async uploadsGetState() {
      return engine.state();
    },
    async uploadsPause(input) {
      engine.pause(input.id);
      return null;
    },
    async uploadsResume(input) {
      engine.resume(input.id);
      return null;
    },
    async uploadsCancel(input) {
      engine.cancel(input.id);
      return null;
    },
    async uploadsRetry(input) {
      // Without its file (the page was closed) only adding the file again continues it.
      engine.retry(input.id);
      return null;
    },
    async uploadsClearFinished() {
      engine.clearFinished();
      return null;
    },

    async uploadFiles(entries, folderId) {
      checkDropSize(entries.length);
      const refused: EnqueueResult['refused'] = [];
      const list = await load().catch(() => null);
      // The list's used bytes count the uploads on their way already.
      const admit = admission(list?.quota ?? null, list?.quota.usedBytes ?? 0);
      let accepted: { entry: WebUploadEntry; name: string }[] = [];
      let resumed = 0;
      let present = 0;
      // A folder dropped again after the page was closed on its upload: its files that
      // reached the server are not sent twice, and the rest go to the folders made the
      // first time (not to a copy of them). `placed` maps a path in the drop to the folder
      // it went to, learnt from the uploads that continue.
      const placed = new Map<string, string | null>();
      const folders = new Map((list?.folders ?? []).map((f) => [f.id, f]));
      const placeFrom = (dirs: string[], id: string | null) => {
        for (let n = dirs.length, at = id; n > 0 && at !== null; n--) {
          placed.set(dirsKey(dirs.slice(0, n)), at);
          at = folders.get(at)?.parentId ?? null;
        }
      };
      /** The folder a path of the drop already has, found by name under a placed one. */
      const placedFolder = (dirs: string[]): string | null | undefined => {
        let n = dirs.length;
        while (n > 0 && !placed.has(dirsKey(dirs.slice(0, n)))) n--;
        if (n === 0) return undefined;
        let at = placed.get(dirsKey(dirs.slice(0, n))) ?? null;
        for (; n < dirs.length; n++) {
          const name = sanitizeName(dirs[n]!);
          const next = list?.folders.find(
            (f) => f.parentId === at && f.trashedAt === null && name.ok && f.name === name.name,
          );
          if (!next) return undefined;
          at = next.id;
          placed.set(dirsKey(dirs.slice(0, n + 1)), at);
        }
        return at;
      };
      // Uploads the page was closed on, waiting for their file.
      const closedOn = engine.reopened();
      const matched = new Set<string>();
      for (const entry of entries) {
        const name = sanitizeName(entry.file.name);
        // The same file as an upload the page was closed on: that upload continues, or,
        // if it has become a document meanwhile, there is nothing to send.
        const waiting = closedOn.find(
          (u) =>
            !matched.has(u.id) &&
            name.ok &&
            u.name === name.name &&
            u.size === entry.file.size &&
            u.origin.lastModified === entry.file.lastModified,
        );
        if (waiting) {
          matched.add(waiting.id);
          placeFrom(entry.dirs, waiting.folderId);
          if (engine.attach(waiting.id, new WebFileSource(entry.file))) resumed += 1;
          else present += 1;
          continue;
        }
        const verdict = admit.admit(entry.file.name, entry.file.size);
        if (verdict.ok) accepted.push({ entry, name: verdict.name });
        else refused.push(verdict.refusal);
      }
      if (placed.size > 0) {
        // The documents already there, by folder, name and size (looked up once each).
        const key = (folder: string | null, name: string, size: number) => `${folder ?? ''}/${name}/${size}`;
        const there = new Set(
          (list?.documents ?? [])
            .filter((d) => d.trashedAt === null)
            .map((d) => key(d.folderId, d.name, d.size)),
        );
        const missing = accepted.filter(({ entry, name }) => {
          const at = placedFolder(entry.dirs);
          return !(at !== undefined && there.has(key(at, name, entry.file.size)));
        });
        present += accepted.length - missing.length;
        accepted = missing;
      }
      const made = await ensureFolders(
        accepted.map((a) => a.entry),
        folderId,
        placed,
      );
      if (accepted.length > 0) {
        engine.add(
          accepted.map(({ entry, name }) => ({
            name,
            folderId: made.get(dirsKey(entry.dirs)) ?? folderId,
            size: entry.file.size,
            origin: { lastModified: entry.file.lastModified },
            source: new WebFileSource(entry.file),
          })),
        );
      }
      return { added: accepted.length + resumed, refused, ...(present > 0 ? { present } : {}) };
    },

    async downloadUrl(id) {
      const response = await authed(`/api/documents/${encodeURIComponent(id)}/link`, { method: 'POST' });
      const { url } = (await response.json()) as { url: string };
      return api.url(url);
    },
  };
  return self;
}
