import * as tus from 'tus-js-client';
import { z } from 'zod';
import type { ApiClient } from '../../../shared/apiClient.js';
import {
  DOCUMENT_ID_HEADER,
  DocumentListSchema,
  MAX_FILES_PER_DROP,
  nameRefusal,
  nameRefusalCode,
  sanitizeName,
  SHA256_HEADER,
  UPLOADS_PATH,
  type DocumentList,
} from '../../../shared/documents.js';
import type {
  EnqueueResult,
  ListOutput,
  RenameConflict,
  UploadItem,
  UploadQueueState,
} from '../../../shared/documentsIpc.js';
import { AppError, ErrorBodySchema, hasErrorCode, type ErrorCode } from '../../../shared/errors.js';
import type { Bridge } from '../../../shared/ipc.js';
import { listQuery } from '../../../client/documents/listQuery.js';
import type { Emitter } from '../backend/emitter.js';
import { randomId } from '../backend/browserIdentity.js';
import { hashBlob } from './sha256.js';

/** A file to upload from the browser, with the folders it sat in (a dropped folder keeps its structure). */
export interface WebUploadEntry {
  file: File;
  /** Folder names from the dropped item down to the file, e.g. ["Концерт", "Видео"]. */
  dirs: string[];
}

/** What the documents screen can do beyond the IPC contract, per target. */
export interface DocumentsExtras {
  /** Web: upload File objects from a picker or a drop. */
  uploadFiles?(entries: WebUploadEntry[], folderId: string | null): Promise<EnqueueResult>;
  /** Web: the address a browser downloads a document from (a short-lived signed link). */
  downloadUrl?(id: string): Promise<string>;
  /** Desktop (preload): the paths of dropped or picked files. */
  pathsForFiles?(files: File[]): string[];
}

type DocumentBridge = Pick<Bridge, Extract<keyof Bridge, `documents${string}` | `uploads${string}`>>;

interface WebUpload {
  item: UploadItem;
  /** Restored from the browser's storage: an upload a page before this one was closed on. */
  restored: boolean;
  /** Null for an upload restored after the page was closed, until the parent adds the file again. */
  file: File | null;
  /** Who added it (the browser may be shared by the family). */
  owner: string | null;
  lastModified: number;
  folderId: string | null;
  sha256: string | null;
  uploadUrl: string | null;
  /** Bytes the server has confirmed holding (the bar may run ahead of it while sending). */
  confirmed: number;
  upload: tus.Upload | null;
  lastTick: number;
  lastSent: number;
}

/** What the page keeps of an unfinished upload, so that closing it loses nothing. */
const SavedUploadSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number(),
  sent: z.number(),
  lastModified: z.number(),
  folderId: z.string().nullable(),
  sha256: z.string().nullable(),
  uploadUrl: z.string().nullable(),
});
const SavedUploadsSchema = z.array(SavedUploadSchema);
const UPLOADS_KEY = 'sferum.uploads.';

const LIVE_STATES = new Set(['queued', 'hashing', 'uploading']);

function tusErrorCode(error: unknown): { code: ErrorCode; message: string } {
  const response = (error as { originalResponse?: { getBody(): string; getStatus(): number } | null })
    .originalResponse;
  if (response) {
    try {
      const body = ErrorBodySchema.parse(JSON.parse(response.getBody()));
      return { code: body.code, message: body.message };
    } catch {
      if (response.getStatus() >= 500)
        return { code: 'NETWORK_OFFLINE', message: 'The server is unavailable.' };
    }
  }
  if (hasErrorCode(error)) return { code: error.code, message: error.message };
  return { code: 'NETWORK_OFFLINE', message: error instanceof Error ? error.message : String(error) };
}

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
 * with tus-js-client straight from the File (sliced, so memory stays flat), downloads
 * through the browser with a short-lived signed link.
 */
export function createWebDocuments(deps: {
  api: ApiClient;
  emitter: Emitter;
  fetch?: typeof fetch;
  /** Where unfinished uploads are remembered across page loads (localStorage). */
  storage?: Storage;
  /** The signed-in parent, whose unfinished uploads the page shows. */
  userId?: () => string | null;
}): DocumentBridge & DocumentsExtras {
  const { api, emitter } = deps;
  const userId = deps.userId ?? (() => null);
  const doFetch = deps.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  let snapshot: DocumentList | null = null;
  let loading: Promise<DocumentList> | null = null;
  const uploads = new Map<string, WebUpload>();
  /** Renames the server refused because another device renamed the item first, by item id. */
  const conflicts = new Map<string, Omit<RenameConflict, 'theirs'>>();
  let offline = false;
  let emitTimer: ReturnType<typeof setTimeout> | null = null;

  emitter.on('cache.changed', (payload) => {
    if (payload.entities.includes('document') || payload.entities.includes('folder')) snapshot = null;
  });

  async function authed(path: string, init: RequestInit = {}): Promise<Response> {
    const send = () =>
      doFetch(api.url(path), {
        ...init,
        credentials: 'same-origin',
        headers: { 'x-client': 'web', ...api.authHeaders(), ...(init.headers as Record<string, string>) },
      });
    let response: Response;
    try {
      response = await send();
      if (response.status === 401) {
        await api.refresh();
        response = await send();
      }
    } catch (error) {
      if (hasErrorCode(error)) throw error;
      throw new AppError('NETWORK_OFFLINE', 'The server cannot be reached.');
    }
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
    loading ??= authed('/api/documents')
      .then(async (r) => DocumentListSchema.parse(await r.json()))
      .finally(() => {
        loading = null;
      });
    snapshot = await loading;
    return snapshot;
  }

  function changed(): void {
    snapshot = null;
    emitter.emit('cache.changed', { entities: ['folder', 'document'] });
  }

  async function mutate(type: string, payload: unknown): Promise<void> {
    const { results } = await api.call('push', { body: { mutations: [{ id: randomId(), type, payload }] } });
    const result = results[0];
    if (result?.status === 'rejected') throw new AppError(result.error.code, result.error.message);
    changed();
  }

  /** Uploads the page was closed on, for the parent signed in now (once per parent). */
  let restoredFor: string | null = null;
  function restore(): void {
    const me = userId();
    if (!deps.storage || !me || restoredFor === me) return;
    restoredFor = me;
    let saved: z.infer<typeof SavedUploadsSchema> = [];
    try {
      saved = SavedUploadsSchema.parse(JSON.parse(deps.storage.getItem(UPLOADS_KEY + me) ?? '[]'));
    } catch {
      // A damaged entry is dropped rather than breaking the page.
    }
    for (const u of saved) {
      if (uploads.has(u.id)) continue;
      const upload: WebUpload = {
        restored: true,
        item: {
          id: u.id,
          name: u.name,
          size: u.size,
          sent: u.sent,
          state: 'failed',
          error: { code: 'UPLOAD_FILE_NEEDED', message: 'Add the file again to continue.' },
          speed: 0,
        },
        file: null,
        owner: me,
        lastModified: u.lastModified,
        folderId: u.folderId,
        sha256: u.sha256,
        uploadUrl: u.uploadUrl,
        confirmed: u.sent,
        upload: null,
        lastTick: Date.now(),
        lastSent: u.sent,
      };
      uploads.set(u.id, upload);
      if (u.uploadUrl) void serverOffset(upload, u.uploadUrl);
    }
  }

  /**
   * Where an upload this page began stands on the server: how much it holds, or that it
   * became a document (its last bytes arrived after the page closed, the answer did not),
   * or that it is gone (expired or ended). Null when the server cannot be asked.
   */
  /** The headers of a tus request of the page's own (tus-js-client adds them to its requests). */
  const tusHeaders = () => ({ ...api.authHeaders(), 'Tus-Resumable': '1.0.0' });

  async function standing(
    url: string,
    sha256: string | null,
    size: number,
  ): Promise<{ offset: number } | 'document' | 'gone' | null> {
    try {
      const headers = tusHeaders();
      const head = await doFetch(url, { method: 'HEAD', headers });
      const offset = Number(head.headers.get('Upload-Offset'));
      // Every byte there but no document yet (the last request was cut before its end):
      // finishing it is what is left.
      if (head.ok && Number.isFinite(offset) && offset < size) return { offset };
      if (!head.ok && head.status !== 404 && head.status !== 410) return null;
      // The finish is idempotent: it answers the document the upload became, if it did.
      const finish = await doFetch(`${url}/finish`, {
        method: 'POST',
        headers: { ...headers, ...(sha256 ? { [SHA256_HEADER]: sha256 } : {}) },
      });
      if (finish.ok) return 'document';
      // Gone for good: not there (expired, ended) or refused (its bytes were not the file's).
      // Anything else (still being written, say) is asked again later.
      const code = ErrorBodySchema.safeParse(await finish.json().catch(() => null)).data?.code;
      return code === 'NOT_FOUND' || code === 'CHECKSUM_MISMATCH' ? 'gone' : null;
    } catch {
      return null;
    }
  }

  /** Brings a restored upload up to date with the server (the page counted what it sent). */
  async function serverOffset(u: WebUpload, url: string): Promise<void> {
    const where = await standing(url, u.sha256, u.item.size);
    if (u.file !== null || u.item.state !== 'failed' || where === null) return;
    if (where === 'document') {
      settled(u);
    } else if (where === 'gone') {
      // Expired on the server: adding the file again sends it whole.
      u.uploadUrl = null;
      u.confirmed = 0;
      u.item = { ...u.item, sent: 0 };
    } else {
      u.confirmed = Math.min(where.offset, u.item.size);
      u.item = { ...u.item, sent: u.confirmed };
    }
    emitSoon();
  }

  /**
   * An upload whose end the page did not see: a document already (done), gone (sent again
   * whole), or unknown for now (failed, to retry).
   */
  async function lostWhileAway(u: WebUpload, url: string): Promise<void> {
    const where = await standing(url, u.sha256, u.item.size);
    if (u.item.state !== 'uploading') return;
    if (where === 'document') {
      settled(u);
    } else if (where === null) {
      const error = { code: 'NETWORK_OFFLINE' as const, message: 'The server could not be asked.' };
      u.item = { ...u.item, state: 'failed', speed: 0, error };
    } else {
      void forgetUrl(url);
      u.uploadUrl = null;
      u.upload = null;
      u.item = { ...u.item, state: 'queued', sent: 0, speed: 0 };
    }
    pump();
  }

  /** An upload that turned out to be a document already: done, nothing more to send. */
  function settled(u: WebUpload): void {
    if (u.uploadUrl) void forgetUrl(u.uploadUrl);
    u.uploadUrl = null;
    u.item = { ...u.item, state: 'done', sent: u.item.size, speed: 0, error: null };
    changed();
  }

  /** Remembers every parent's unfinished uploads (done, cancelled and refused ones are let go). */
  const savedSignature = new Map<string, string>();
  function save(): void {
    if (!deps.storage) return;
    const byOwner = new Map<string, z.infer<typeof SavedUploadsSchema>>();
    if (restoredFor) byOwner.set(restoredFor, []);
    for (const u of uploads.values()) {
      if (!u.owner) continue;
      const unfinished =
        LIVE_STATES.has(u.item.state) ||
        u.item.state === 'paused' ||
        (u.file === null && u.item.state === 'failed');
      const list = byOwner.get(u.owner) ?? [];
      byOwner.set(u.owner, list);
      if (!unfinished) continue;
      list.push({
        id: u.item.id,
        name: u.item.name,
        size: u.item.size,
        sent: u.confirmed,
        lastModified: u.lastModified,
        folderId: u.folderId,
        sha256: u.sha256,
        uploadUrl: u.uploadUrl,
      });
    }
    for (const [owner, list] of byOwner) {
      // Written when the set of uploads changes, not on every bit of progress (a folder of
      // thousands of files would otherwise be rewritten several times a second): the
      // server's offset is asked for after a reload anyway.
      const signature = list.map((e) => `${e.id}:${e.uploadUrl ?? ''}:${e.sha256 ?? ''}`).join(',');
      if (savedSignature.get(owner) === signature) continue;
      try {
        if (list.length === 0) deps.storage.removeItem(UPLOADS_KEY + owner);
        else deps.storage.setItem(UPLOADS_KEY + owner, JSON.stringify(list));
        savedSignature.set(owner, signature);
      } catch {
        // Storage full or refused: the uploads go on, only a reload would forget them.
      }
    }
  }

  function state(): UploadQueueState {
    restore();
    const me = userId();
    const all = [...uploads.values()].filter((u) => u.owner === me).map((u) => u.item);
    const live = all.filter((i) => i.state !== 'cancelled');
    const bytes = live.reduce((n, i) => n + i.size, 0);
    const sent = live.reduce((n, i) => n + (i.state === 'done' ? i.size : i.sent), 0);
    const speed = all.reduce((n, i) => n + (i.state === 'uploading' ? i.speed : 0), 0);
    const order = (i: UploadItem) =>
      i.state === 'uploading' || i.state === 'hashing'
        ? 0
        : i.state === 'failed'
          ? 1
          : LIVE_STATES.has(i.state) || i.state === 'paused'
            ? 2
            : 3;
    return {
      items: [...all].sort((a, b) => order(a) - order(b)).slice(0, 300),
      total: {
        files: all.length,
        done: all.filter((i) => i.state === 'done').length,
        failed: all.filter((i) => i.state === 'failed').length,
        bytes,
        sent,
        speed,
        secondsLeft: speed > 0 && bytes > sent ? Math.ceil((bytes - sent) / speed) : null,
      },
      offline,
    };
  }

  function emitSoon(): void {
    if (emitTimer) return;
    emitTimer = setTimeout(() => {
      emitTimer = null;
      save();
      emitter.emit('uploads.state', state());
    }, 150);
  }

  function pump(): void {
    const running = [...uploads.values()].filter(
      (u) => u.item.state === 'uploading' || u.item.state === 'hashing',
    );
    for (const next of uploads.values()) {
      if (running.length >= 2) break;
      if (next.item.state !== 'queued') continue;
      running.push(next);
      void start(next);
    }
    emitSoon();
  }

  async function start(u: WebUpload): Promise<void> {
    const file = u.file;
    if (!file) return;
    u.item.state = 'hashing';
    emitSoon();
    let sha: string;
    try {
      // Known when the file was added again after the page closed: its upload continues.
      sha = u.sha256 ?? (await hashBlob(file));
      u.sha256 = sha;
    } catch {
      u.item = {
        ...u.item,
        state: 'failed',
        error: { code: 'FILE_UNREADABLE', message: 'The file could not be read.' },
      };
      pump();
      return;
    }
    if (u.item.state !== 'hashing') return;
    u.item.state = 'uploading';
    const metadata: Record<string, string> = { filename: u.item.name, sha256: sha, mime: file.type || '' };
    if (u.folderId) metadata.folderId = u.folderId;
    if (!u.uploadUrl) {
      // An upload of this very file that this browser began before (tus-js-client's note,
      // kept until it succeeds) continues too, by the same rules.
      const probe = new tus.Upload(file, { endpoint: api.url(UPLOADS_PATH) });
      const previous = await probe.findPreviousUploads().catch(() => []);
      // Not one this page is sending for another item (the same file twice in a folder).
      const taken = new Set([...uploads.values()].filter((o) => o !== u).map((o) => o.uploadUrl));
      u.uploadUrl = previous.find((p) => p.uploadUrl && !taken.has(p.uploadUrl))?.uploadUrl ?? null;
    }
    if (u.uploadUrl) {
      // An upload begun before: it may have become a document since (its last bytes
      // arrived after the page closed), or expired.
      const where = await standing(u.uploadUrl, sha, u.item.size);
      if (u.item.state !== 'uploading') return;
      if (where === 'document') {
        settled(u);
        pump();
        return;
      }
      if (where === 'gone') {
        void forgetUrl(u.uploadUrl);
        u.uploadUrl = null;
      }
    }
    const resuming = u.uploadUrl;
    u.confirmed = Math.min(u.confirmed, u.item.sent);
    const upload = new tus.Upload(file, {
      // It continues at the server's offset, and never starts a second upload of its own
      // accord: if the first is gone by then, the page asks what became of it (onError).
      ...(resuming ? { uploadUrl: resuming } : { endpoint: api.url(UPLOADS_PATH) }),
      chunkSize: 8 * 1024 * 1024,
      metadata,
      retryDelays: [0, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 30000],
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onBeforeRequest: (req) => {
        for (const [k, v] of Object.entries(api.authHeaders())) req.setHeader(k, v);
      },
      onChunkComplete: (_size, accepted) => {
        u.confirmed = accepted;
      },
      onShouldRetry: (error) => {
        const status = (error as tus.DetailedError).originalResponse?.getStatus() ?? 0;
        if (status === 401) void api.refresh().catch(() => undefined);
        const retry = status === 0 || status === 401 || status >= 500 || status === 423 || status === 409;
        offline = status === 0 || status >= 500;
        // The browser counts bytes handed to the network, which may never have arrived:
        // while it waits, the bar shows what the server confirmed (the retry asks for more).
        if (retry) u.item = { ...u.item, sent: Math.min(u.item.sent, u.confirmed), speed: 0 };
        // A request that failed without an answer may be the file, not the network: a file
        // changed on disk since it was chosen can no longer be read, and waiting for the
        // network would never end.
        if (status === 0) void stillReadable(file).then((ok) => ok || changedOnDisk(u, upload));
        emitSoon();
        return retry;
      },
      onUploadUrlAvailable: () => {
        u.uploadUrl = upload.url;
        // Kept at once: the page may be closed in the next moment.
        save();
        emitSoon();
      },
      onProgress: (sentBytes) => {
        offline = false;
        const now = Date.now();
        if (now - u.lastTick >= 500) {
          const rate = ((sentBytes - u.lastSent) * 1000) / (now - u.lastTick);
          u.item.speed = u.item.speed === 0 ? rate : u.item.speed * 0.6 + rate * 0.4;
          u.lastTick = now;
          u.lastSent = sentBytes;
        }
        u.item.sent = sentBytes;
        emitSoon();
      },
      onSuccess: ({ lastResponse }) => {
        // The last PATCH names the document it made. Without one, every byte was there
        // already (the request before was cut at its very end): the page finishes it.
        if (!lastResponse.getHeader(DOCUMENT_ID_HEADER) && upload.url) {
          void lostWhileAway(u, upload.url);
          return;
        }
        // A resumed upload has no note of its own for tus-js-client to drop: the page drops
        // the one it resumed from, so the same file added later is a new upload.
        if (resuming) void forgetUrl(resuming);
        u.item = { ...u.item, state: 'done', sent: u.item.size, speed: 0 };
        changed();
        pump();
      },
      onError: (error) => {
        const status = (error as tus.DetailedError).originalResponse?.getStatus() ?? 0;
        if (resuming && (status === 404 || status === 410)) {
          void lostWhileAway(u, resuming);
          return;
        }
        const e = tusErrorCode(error);
        u.item = { ...u.item, state: 'failed', error: e, speed: 0 };
        pump();
      },
    });
    u.upload = upload;
    if (u.item.state === 'uploading') upload.start();
  }

  /** The file can still be read as it was chosen (the browser refuses once it changed on disk). */
  async function stillReadable(file: File): Promise<boolean> {
    try {
      await file.slice(0, 1).arrayBuffer();
      return true;
    } catch {
      return false;
    }
  }

  function changedOnDisk(u: WebUpload, upload: tus.Upload): void {
    if (u.upload !== upload || !LIVE_STATES.has(u.item.state)) return;
    // What reached the server is of the old file: it goes, and so does its hold on the quota.
    void upload.abort(true).catch(() => undefined);
    u.item = {
      ...u.item,
      state: 'failed',
      speed: 0,
      error: { code: 'FILE_CHANGED', message: 'The file changed on disk while it was uploading.' },
    };
    offline = false;
    pump();
  }

  /** Ends an upload the page no longer holds the file of (tus termination), and forgets its URL. */
  async function terminate(url: string): Promise<void> {
    try {
      await doFetch(url, { method: 'DELETE', headers: tusHeaders() });
    } catch {
      // Offline: the server lets an abandoned upload expire on its own.
    }
    await forgetUrl(url);
  }

  /** Drops tus-js-client's note of an upload URL (so nothing tries to resume it again). */
  async function forgetUrl(url: string): Promise<void> {
    const storage = tus.defaultOptions.urlStorage;
    const stored = await storage.findAllUploads().catch(() => []);
    for (const entry of stored) {
      if (entry.uploadUrl === url && entry.urlStorageKey) await storage.removeUpload(entry.urlStorageKey);
    }
  }

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

  const self: DocumentBridge & DocumentsExtras = {
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
      return { url: await self.downloadUrl!(input.id) };
    },

    async documentsOpen(input) {
      const url = await self.downloadUrl!(input.id);
      window.open(`${url}&inline=1`, '_blank', 'noopener');
      return null;
    },
    async documentsSaveAs(input) {
      const url = await self.downloadUrl!(input.id);
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
      return state();
    },
    async uploadsPause(input) {
      for (const u of uploads.values()) {
        if (input.id !== null ? u.item.id !== input.id : u.owner !== userId()) continue;
        if (!LIVE_STATES.has(u.item.state)) continue;
        u.item = { ...u.item, state: 'paused', speed: 0 };
        void u.upload?.abort(false);
      }
      emitSoon();
      return null;
    },
    async uploadsResume(input) {
      for (const u of uploads.values()) {
        if (input.id !== null ? u.item.id !== input.id : u.owner !== userId()) continue;
        if (u.item.state !== 'paused') continue;
        if (u.upload) {
          u.item = { ...u.item, state: 'uploading' };
          u.upload.start();
        } else {
          u.item = { ...u.item, state: 'queued' };
        }
      }
      pump();
      return null;
    },
    async uploadsCancel(input) {
      const u = uploads.get(input.id);
      if (u && u.item.state !== 'done') {
        u.item = { ...u.item, state: 'cancelled', speed: 0 };
        if (u.upload) void u.upload.abort(true).catch(() => undefined);
        else if (u.uploadUrl) void terminate(u.uploadUrl);
      }
      pump();
      return null;
    },
    async uploadsRetry(input) {
      const u = uploads.get(input.id);
      // Without its file (the page was closed) only adding the file again continues it.
      if (u?.file && (u.item.state === 'failed' || u.item.state === 'cancelled')) {
        u.upload = null;
        u.item = { ...u.item, state: 'queued', sent: 0, error: null };
      }
      pump();
      return null;
    },
    async uploadsClearFinished() {
      for (const [id, u] of uploads)
        if (u.item.state === 'done' || u.item.state === 'cancelled') uploads.delete(id);
      emitSoon();
      return null;
    },

    async uploadFiles(entries, folderId) {
      if (entries.length > MAX_FILES_PER_DROP) {
        throw new AppError('UPLOAD_TOO_MANY_FILES', `At most ${MAX_FILES_PER_DROP} files at once.`);
      }
      restore();
      const me = userId();
      const refused: EnqueueResult['refused'] = [];
      const list = await load().catch(() => null);
      const quota = list?.quota ?? null;
      let budget = quota ? quota.limitBytes - quota.usedBytes : Infinity;
      let accepted: WebUploadEntry[] = [];
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
      const closedOn = [...uploads.values()].filter((u) => u.restored && u.owner === me);
      const matched = new Set<WebUpload>();
      for (const entry of entries) {
        const name = sanitizeName(entry.file.name);
        // The same file as an upload the page was closed on: that upload continues, or,
        // if it has become a document meanwhile, there is nothing to send.
        const waiting = closedOn.find(
          (u) =>
            !matched.has(u) &&
            name.ok &&
            u.item.name === name.name &&
            u.item.size === entry.file.size &&
            u.lastModified === entry.file.lastModified,
        );
        if (waiting) {
          matched.add(waiting);
          placeFrom(entry.dirs, waiting.folderId);
          if (waiting.file === null && waiting.item.state === 'failed') {
            waiting.file = entry.file;
            waiting.item = { ...waiting.item, state: 'queued', error: null };
            resumed += 1;
          } else {
            present += 1;
          }
        } else if (!name.ok)
          refused.push({ name: entry.file.name, code: nameRefusalCode(name.reason), message: '' });
        else if (entry.file.size === 0)
          refused.push({ name: entry.file.name, code: 'FILE_EMPTY', message: '' });
        else if (quota && entry.file.size > quota.maxFileBytes)
          refused.push({ name: entry.file.name, code: 'FILE_TOO_LARGE', message: '' });
        else if (entry.file.size > budget)
          refused.push({ name: entry.file.name, code: 'QUOTA_EXCEEDED', message: '' });
        else {
          budget -= entry.file.size;
          accepted.push(entry);
        }
      }
      if (placed.size > 0) {
        // The documents already there, by folder, name and size (looked up once each).
        const key = (folder: string | null, name: string, size: number) => `${folder ?? ''}/${name}/${size}`;
        const there = new Set(
          (list?.documents ?? [])
            .filter((d) => d.trashedAt === null)
            .map((d) => key(d.folderId, d.name, d.size)),
        );
        const missing = accepted.filter((entry) => {
          const at = placedFolder(entry.dirs);
          const name = sanitizeName(entry.file.name);
          return !(at !== undefined && name.ok && there.has(key(at, name.name, entry.file.size)));
        });
        present += accepted.length - missing.length;
        accepted = missing;
      }
      const made = await ensureFolders(accepted, folderId, placed);
      for (const entry of accepted) {
        const id = randomId();
        const name = sanitizeName(entry.file.name);
        uploads.set(id, {
          restored: false,
          item: {
            id,
            name: name.ok ? name.name : entry.file.name,
            size: entry.file.size,
            sent: 0,
            state: 'queued',
            error: null,
            speed: 0,
          },
          file: entry.file,
          owner: me,
          lastModified: entry.file.lastModified,
          folderId: made.get(dirsKey(entry.dirs)) ?? folderId,
          sha256: null,
          uploadUrl: null,
          confirmed: 0,
          upload: null,
          lastTick: Date.now(),
          lastSent: 0,
        });
      }
      pump();
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
