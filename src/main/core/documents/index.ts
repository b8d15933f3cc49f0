import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  freeName,
  type ItemKind,
  MAX_FILES_PER_DROP,
  QuotaSchema,
  nameRefusal,
  sanitizeName,
  type Quota,
} from '../../../shared/documents/index.js';
import {
  type EnqueueResult,
  hasThumbnail,
  type CountInput,
  type ListInput,
  type ListOutput,
  type RenameConflict,
  THUMBNAIL_MAX_BYTES,
  type UploadQueueState,
} from '../../../shared/documents/ipc.js';
import { AppError, type ErrorCode } from '../../../shared/errors.js';
import { createAuthorised, type Authorised } from '../../../client/http/authorised.js';
import { admission, checkDropSize, checkName } from '../../../client/uploads/refusals.js';
import type { NewUpload } from '../../../client/uploads/policy.js';
import type { MutationType } from '../../../shared/sync/index.js';
import { accountDir, type LocalAccountRuntime } from '../auth/accounts.js';
import type { CoreEvents } from '../events.js';
import type { DialogsPort, Logger, ShellPort } from '../ports.js';
import { queueMutation } from '../sync/mutations.js';
import { DocumentsCache } from './cache.js';
import { cleanDocumentRecord, type LocalDocument } from './feedRecords.js';
import { LocalCopies } from './localPaths.js';
import { PathGrants } from './grants.js';
import { DesktopUploads, type DiskOrigin, type DiskSource, type UploadTuning } from './uploadQueue.js';

export interface DocumentsHost {
  dataDir: string;
  events: CoreEvents;
  logger: Logger;
  dialogs?: DialogsPort;
  shell?: ShellPort;
  fetch?: typeof fetch;
  /** Upload tuning (tests use small chunks and short retries). */
  uploads?: UploadTuning;
}

const CHANGED = { entities: ['folder', 'document'] };

/** Characters of data: URLs kept in memory for the grid (the oldest go first). */
const THUMBNAIL_CACHE_CHARS = 48 * 1024 * 1024;

function refuse(name: string, code: ErrorCode, message: string): EnqueueResult['refused'][number] {
  return { name, code, message };
}

function newFolderId(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The document cloud of one open local account: reads from the typed cache, writes as
 * queued mutations (so they work offline and reach the owner's other devices through the
 * server), uploads through the persisted queue, and opens documents from a local copy.
 */
class AccountDocuments {
  readonly cache: DocumentsCache;
  readonly queue: DesktopUploads;
  /** The account's own requests (quota, downloads): a 401 refreshes the token once. */
  private readonly authorised: Authorised<Response>;
  private quotaValue: Quota | null = null;
  /** data: URLs of images by `id:sha256`, in insertion order for eviction. */
  private readonly thumbnails = new Map<string, string>();
  private thumbnailChars = 0;
  private readonly thumbnailsInFlight = new Map<string, Promise<string | null>>();
  /**
   * The last download asked for, per document: downloads of one document run one after
   * another (a thumbnail and an open share the copy), so a copy and the hash it is recorded
   * with always belong together even when the document changes meanwhile.
   */
  private readonly downloads = new Map<string, Promise<string>>();
  /** Every path of a local copy comes from here (see localPaths.ts). */
  private readonly copies: LocalCopies;

  constructor(
    private readonly account: LocalAccountRuntime,
    private readonly host: DocumentsHost,
  ) {
    this.cache = new DocumentsCache(account.db);
    this.copies = new LocalCopies(path.join(accountDir(host.dataDir, account.id), 'files'));
    this.authorised = createAuthorised<Response>({
      headers: () => account.client.authHeaders(),
      refresh: () => account.client.refresh(),
    });
    this.queue = new DesktopUploads({
      db: account.db,
      tuning: host.uploads,
      owner: () => account.userId(),
      auth: () => account.client,
      hooks: {
        beforeCreate: async () => {
          const userId = account.userId();
          if (userId && account.outbox.count(userId) > 0) await account.syncNow();
        },
        onState: (state) => {
          try {
            host.events.emit('uploads.state', state);
          } catch (error) {
            host.logger.error('Upload state could not be reported', error);
          }
        },
        onDone: () => {
          void account.syncNow().catch(() => undefined);
          void this.refreshQuota();
        },
        onFailed: (upload) =>
          host.logger.warn(`Upload of ${upload.name} failed: ${upload.error?.code}`, upload.error?.message),
      },
    });
    void this.refreshQuota();
    this.queue.kick();
  }

  async refreshQuota(): Promise<void> {
    try {
      if (!this.account.signedIn()) return;
      const response = await this.authorisedFetch('/api/documents/quota');
      if (response.ok) this.quotaValue = QuotaSchema.parse(await response.json());
    } catch {
      // Offline: the last known quota stays.
    }
  }

  /** GET of one of the server's paths as the signed-in account. */
  private authorisedFetch(route: string): Promise<Response> {
    const doFetch = this.host.fetch ?? fetch;
    const url = this.account.client.url(route);
    return this.authorised.send((headers) => doFetch(url, { headers }));
  }

  list(input: ListInput): ListOutput {
    const page = this.cache.list(input);
    const quota = this.quotaValue ? { ...this.quotaValue, usedBytes: this.cache.usedBytes() } : null;
    return { ...page, quota };
  }

  count(input: CountInput): number {
    return this.cache.count(input);
  }

  private userId(): string {
    const userId = this.account.userId();
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    return userId;
  }

  mutate(type: MutationType, payload: unknown, alongside?: () => void): void {
    const userId = this.userId();
    this.account.records.transaction(() => {
      alongside?.();
      queueMutation(this.account.records, this.account.outbox, {
        type,
        payload,
        userId,
        createdAt: new Date().toISOString(),
      });
    });
    this.changed();
    void this.account.syncNow().catch(() => undefined);
  }

  private changed(): void {
    this.host.events.emit('cache.changed', CHANGED);
  }

  /**
   * Renames with the name this device shows now, so a rename another device made in the
   * meantime is not overwritten: the server refuses this one (RENAME_CONFLICT), the sync
   * rolls it back and keeps it as a conflict for the screen. A new rename of the item
   * replaces a conflict kept for it.
   */
  rename(kind: ItemKind, id: string, name: string): void {
    const current = this.account.records.get(kind, id);
    // The name as the server holds it, when the core had to clean it for the screen.
    const shown = current?.serverName ?? current?.name;
    const expected = typeof shown === 'string' ? { expectedName: shown } : {};
    // A name taken in the folder is numbered here as the server will ("name (2)"): the
    // person sees the final name at once, and a second rename made before this one reached
    // the server expects that name rather than conflicting with it.
    const parent = (current?.[kind === 'folder' ? 'parentId' : 'folderId'] ?? null) as string | null;
    const free = current ? freeName(name, (key) => this.cache.nameTaken(parent, key, id)) : name;
    this.mutate('documents.rename', { kind, id, name: free, ...expected }, () =>
      this.account.conflicts.remove(id),
    );
  }

  conflicts(): RenameConflict[] {
    return this.account.conflicts.list();
  }

  /** «Применить моё»: rename again to this device's name, over the current one; «Оставить»: forget it. */
  resolveConflict(kind: ItemKind, id: string, keep: 'mine' | 'theirs'): void {
    const conflict = this.account.conflicts.get(id);
    if (!conflict) return;
    if (keep === 'mine') {
      this.rename(kind, id, conflict.mine);
      return;
    }
    this.account.conflicts.remove(id);
    this.changed();
  }

  createFolder(parentId: string | null, rawName: string): string {
    const name = sanitizeName(rawName);
    if (!name.ok) throw nameRefusal(name.reason);
    const id = newFolderId();
    this.mutate('folder.create', { id, parentId, name: name.name });
    return id;
  }

  /**
   * Adds files and folders by path. Folders are walked, and each becomes a folder in
   * the cloud (created through the outbox, so its id is known before it reaches the
   * server). Items that cannot be uploaded are refused one by one with a reason; a drop
   * of more than MAX_FILES_PER_DROP files is refused whole.
   */
  async enqueuePaths(paths: string[], folderId: string | null): Promise<EnqueueResult> {
    this.userId();
    const refused: EnqueueResult['refused'] = [];
    const files: NewUpload<DiskOrigin, DiskSource>[] = [];
    const folders: { id: string; parentId: string | null; name: string }[] = [];
    if (!this.quotaValue) await this.refreshQuota();
    const admit = admission(this.quotaValue, this.cache.usedBytes(), this.queue.pendingBytes());

    const visit = async (p: string, parent: string | null, depth: number): Promise<void> => {
      const base = path.basename(p);
      let stat: fs.Stats;
      try {
        stat = await fsp.stat(p);
      } catch {
        refused.push(refuse(base, 'FILE_UNREADABLE', 'The item could not be read.'));
        return;
      }
      const name = checkName(base);
      if (!name.ok) {
        refused.push(name.refusal);
        return;
      }
      if (stat.isDirectory()) {
        if (depth > 32) return;
        const id = newFolderId();
        folders.push({ id, parentId: parent, name: name.name });
        let entries: string[];
        try {
          entries = (await fsp.readdir(p)).sort();
        } catch {
          refused.push(refuse(base, 'FILE_UNREADABLE', 'The folder could not be read.'));
          return;
        }
        for (const entry of entries) {
          if (files.length > MAX_FILES_PER_DROP) return;
          await visit(path.join(p, entry), id, depth + 1);
        }
        return;
      }
      if (!stat.isFile()) {
        refused.push(refuse(base, 'UPLOAD_NOT_A_FILE', 'This is neither a file nor a folder.'));
        return;
      }
      const admitted = admit.admit(base, stat.size);
      if (!admitted.ok) {
        refused.push(admitted.refusal);
        return;
      }
      const origin = { path: p, mtimeMs: Math.floor(stat.mtimeMs) };
      files.push({
        name: admitted.name,
        folderId: parent,
        size: stat.size,
        origin,
        source: this.queue.source(origin, stat.size),
      });
    };

    for (const p of paths) await visit(path.resolve(p), folderId, 0);
    checkDropSize(files.length);
    for (const folder of folders) {
      queueMutation(this.account.records, this.account.outbox, {
        type: 'folder.create',
        payload: folder,
        userId: this.userId(),
        createdAt: new Date().toISOString(),
      });
    }
    if (folders.length > 0) {
      this.host.events.emit('cache.changed', CHANGED);
      void this.account.syncNow().catch(() => undefined);
    }
    if (files.length > 0) this.queue.add(files);
    return { added: files.length, refused };
  }

  /**
   * The cached record of a document, checked again as it is read (a cache written before
   * the feed was checked may hold anything), with its name cleaned; NOT_FOUND otherwise.
   */
  private documentRecord(id: string): LocalDocument {
    const cleaned = cleanDocumentRecord(this.account.records.get('document', id));
    if (!cleaned.ok || cleaned.record.id !== id) {
      throw new AppError('NOT_FOUND', 'There is no such document.');
    }
    return cleaned.record;
  }

  /**
   * A local copy of the document, downloaded once and accepted only when its bytes have
   * the size and the SHA-256 the record gives. It lives at `files/<id>/<name shown>`,
   * every part of that path checked (localPaths.ts).
   */
  async ensureLocal(id: string): Promise<string> {
    this.documentRecord(id);
    const previous = this.downloads.get(id) ?? Promise.resolve('');
    // Each turn reads the record again: after an earlier turn it finds that copy and reuses it.
    const turn = previous.catch(() => '').then(() => this.download(this.documentRecord(id)));
    this.downloads.set(id, turn);
    void turn
      .finally(() => {
        if (this.downloads.get(id) === turn) this.downloads.delete(id);
      })
      .catch(() => undefined);
    return turn;
  }

  private async download(doc: LocalDocument): Promise<string> {
    const { id } = doc;
    const target = this.copies.fileOf(id, doc.name);
    const known = this.cache.offlineFile(id);
    // A path recorded earlier is used only if it is a file of this document's own folder.
    const knownPath = known && this.copies.holds(id, known.path) ? known.path : null;
    if (knownPath && known!.sha256 === doc.sha256) {
      const reused = await this.reuse(knownPath, target, doc.size);
      if (reused) {
        if (reused !== knownPath) this.cache.setOfflineFile(id, reused, doc.sha256, null);
        return reused;
      }
    }
    await fsp.mkdir(this.copies.dirOf(id), { recursive: true });
    const part = this.copies.partOf(id);
    let response: Response;
    try {
      response = await this.authorisedFetch(`/api/documents/${id}/content`);
    } catch {
      throw new AppError('NETWORK_OFFLINE', 'The document cannot be downloaded while offline.');
    }
    if (!response.ok || !response.body) {
      throw new AppError(
        response.status === 404 ? 'NOT_FOUND' : 'INTERNAL',
        'The document could not be downloaded.',
      );
    }
    const damaged = () => new AppError('CHECKSUM_MISMATCH', 'The downloaded copy is damaged; try again.');
    const hash = createHash('sha256');
    let received = 0;
    // More bytes than the record says: stop at once rather than fill the disk.
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > doc.size) return done(damaged());
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const source = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    try {
      await pipeline(source, meter, fs.createWriteStream(part, { flags: 'wx' }));
      if (received !== doc.size || hash.digest('hex') !== doc.sha256) throw damaged();
      // The copy of an earlier version under an earlier name goes first: on a file system
      // that ignores case, `A.txt` and `a.txt` are one file, and the new copy must stay.
      if (knownPath && knownPath !== target) await fsp.rm(knownPath, { force: true });
      await fsp.rename(part, target);
    } catch (error) {
      await fsp.rm(part, { force: true });
      throw error;
    }
    this.cache.setOfflineFile(id, target, doc.sha256, null);
    return target;
  }

  /**
   * The recorded copy when it is still there whole (a regular file of the record's size),
   * moved to the name shown now if the document was renamed since; null to download again.
   */
  private async reuse(file: string, target: string, size: number): Promise<string | null> {
    const stat = await fsp.lstat(file).catch(() => null);
    if (!stat?.isFile() || stat.size !== size) return null;
    if (file === target) return file;
    try {
      await fsp.rename(file, target);
      return target;
    } catch {
      return file;
    }
  }

  /**
   * A data: URL of an image document of at most THUMBNAIL_MAX_BYTES, from its local copy
   * (downloaded into the copies folder if there is none yet), or null for anything else.
   */
  async thumbnail(id: string): Promise<string | null> {
    let doc: LocalDocument;
    try {
      doc = this.documentRecord(id);
    } catch {
      return null;
    }
    if (!hasThumbnail({ kind: 'document', mime: doc.mime, size: doc.size })) return null;
    const key = `${id}:${doc.sha256}`;
    const cached = this.thumbnails.get(key);
    if (cached !== undefined) return cached;
    let pending = this.thumbnailsInFlight.get(key);
    if (!pending) {
      const mime = doc.mime;
      pending = (async () => {
        const file = await this.ensureLocal(id);
        const stat = await fsp.stat(file);
        if (stat.size > THUMBNAIL_MAX_BYTES) return null;
        const url = `data:${mime};base64,${(await fsp.readFile(file)).toString('base64')}`;
        this.remember(key, url);
        return url;
      })().finally(() => this.thumbnailsInFlight.delete(key));
      this.thumbnailsInFlight.set(key, pending);
    }
    return pending;
  }

  private remember(key: string, url: string): void {
    this.thumbnails.set(key, url);
    this.thumbnailChars += url.length;
    for (const [old, value] of this.thumbnails) {
      if (this.thumbnailChars <= THUMBNAIL_CACHE_CHARS || old === key) break;
      this.thumbnails.delete(old);
      this.thumbnailChars -= value.length;
    }
  }

  async open(id: string): Promise<void> {
    const file = await this.ensureLocal(id);
    if (!this.host.shell) throw new AppError('INTERNAL', 'Opening files is not available here.');
    await this.host.shell.openPath(file);
  }

  async saveAs(id: string): Promise<boolean> {
    const doc = this.documentRecord(id);
    if (!this.host.dialogs) throw new AppError('INTERNAL', 'Saving files is not available here.');
    const dest = await this.host.dialogs.saveAs(doc.name);
    if (!dest) return false;
    const file = await this.ensureLocal(id);
    await fsp.copyFile(file, dest);
    return true;
  }

  async showInFolder(id: string): Promise<void> {
    const file = await this.ensureLocal(id);
    this.host.shell?.showItemInFolder(file);
  }

  async keepOffline(id: string, keep: boolean): Promise<void> {
    if (keep) {
      // ensureLocal has recorded the copy with the hash it was checked against.
      await this.ensureLocal(id);
      this.cache.setKeep(id, true);
    } else {
      this.cache.setKeep(id, false);
    }
    this.host.events.emit('cache.changed', CHANGED);
  }

  /** Local copies of documents: opened ones (a cache) and the ones kept on this computer. */
  async storage(): Promise<{ cacheBytes: number; keptBytes: number }> {
    let cacheBytes = 0;
    let keptBytes = 0;
    for (const file of this.cache.offlineFiles()) {
      if (!this.copies.contains(file.path)) continue;
      const size = await fsp.stat(file.path).then(
        (s) => s.size,
        () => 0,
      );
      if (file.keep) keptBytes += size;
      else cacheBytes += size;
    }
    return { cacheBytes, keptBytes };
  }

  /** Removes the copies of opened documents; those kept on this computer stay. */
  async clearCache(): Promise<void> {
    for (const file of this.cache.offlineFiles()) {
      if (file.keep) continue;
      // A path outside the copies folder (recorded before paths were checked) is only forgotten.
      if (this.copies.contains(file.path)) await fsp.rm(file.path, { force: true }).catch(() => undefined);
      this.cache.forgetOfflineFile(file.documentId);
    }
    this.host.events.emit('cache.changed', CHANGED);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** The documents part of the core, bound to whichever local account is active. */
export class CoreDocuments {
  private current: AccountDocuments | null = null;

  constructor(private readonly host: DocumentsHost) {}

  attach(account: LocalAccountRuntime): void {
    this.current = new AccountDocuments(account, this.host);
  }

  async detach(): Promise<void> {
    const current = this.current;
    this.current = null;
    await current?.close();
  }

  private get active(): AccountDocuments {
    if (!this.current) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    return this.current;
  }

  /** Signed in again (or back online): the queue continues. */
  kick(): void {
    this.current?.queue.kick();
    void this.current?.refreshQuota();
  }

  list = (input: ListInput): ListOutput => this.active.list(input);
  count = (input: CountInput): number => this.active.count(input);
  /** Paths dropped on the window, as the preload reported them: the renderer may enqueue only these. */
  readonly grants = new PathGrants();
  /** Trusted callers only (the core itself, tests): the renderer's requests go through enqueueGranted. */
  enqueuePaths = (paths: string[], folderId: string | null): Promise<EnqueueResult> =>
    this.active.enqueuePaths(paths, folderId);
  /** documents.enqueuePaths from the renderer: refused (UPLOAD_PATH_NOT_GRANTED) unless every path was granted. */
  enqueueGranted = (paths: string[], folderId: string | null): Promise<EnqueueResult> => {
    const active = this.active;
    this.grants.take(paths);
    return active.enqueuePaths(paths, folderId);
  };
  pickFiles = async (folderId: string | null): Promise<EnqueueResult> => {
    if (!this.host.dialogs) throw new AppError('INTERNAL', 'The file picker is not available here.');
    const paths = await this.host.dialogs.pickFiles();
    if (paths.length === 0) return { added: 0, refused: [] };
    return this.active.enqueuePaths(paths, folderId);
  };
  createFolder = (parentId: string | null, name: string): { id: string } => ({
    id: this.active.createFolder(parentId, name),
  });
  rename = (kind: ItemKind, id: string, name: string): void => {
    const clean = sanitizeName(name);
    if (!clean.ok) throw nameRefusal(clean.reason);
    this.active.rename(kind, id, clean.name);
  };
  conflicts = (): RenameConflict[] => this.active.conflicts();
  resolveConflict = (kind: ItemKind, id: string, keep: 'mine' | 'theirs'): void =>
    this.active.resolveConflict(kind, id, keep);
  move = (kind: 'folder' | 'document', id: string, folderId: string | null): void =>
    this.active.mutate('documents.move', { kind, id, folderId });
  trash = (kind: 'folder' | 'document', id: string): void =>
    this.active.mutate('documents.trash', { kind, id });
  restore = (kind: 'folder' | 'document', id: string): void =>
    this.active.mutate('documents.restore', { kind, id });
  emptyTrash = (): void => this.active.mutate('documents.emptyTrash', {});
  open = (id: string): Promise<void> => this.active.open(id);
  saveAs = (id: string): Promise<boolean> => this.active.saveAs(id);
  showInFolder = (id: string): Promise<void> => this.active.showInFolder(id);
  keepOffline = (id: string, keep: boolean): Promise<void> => this.active.keepOffline(id, keep);
  thumbnail = (id: string): Promise<string | null> => this.active.thumbnail(id);
  storage = (): Promise<{ cacheBytes: number; keptBytes: number }> => this.active.storage();
  clearCache = (): Promise<void> => this.active.clearCache();
  uploads = {
    state: (): UploadQueueState => this.active.queue.state(),
    pause: (id: string | null): void => this.active.queue.pause(id),
    resume: (id: string | null): void => this.active.queue.resume(id),
    cancel: (id: string): void => this.active.queue.cancel(id),
    retry: (id: string): void => this.active.queue.retry(id),
    clearFinished: (): void => this.active.queue.clearFinished(),
    whenIdle: (): Promise<void> => this.current?.queue.whenIdle() ?? Promise.resolve(),
  };
}
