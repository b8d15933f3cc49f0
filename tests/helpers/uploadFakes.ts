import { AppError } from '../../src/shared/errors.js';
import type { UploadQueueState } from '../../src/shared/documents/ipc.js';
import { UploadEngine } from '../../src/client/uploads/engine.js';
import type { UploadEngineDeps, UploadPolicy } from '../../src/client/uploads/policy.js';
import type {
  Clock,
  StoredUpload,
  UploadSource,
  UploadStore,
  UploadTransport,
} from '../../src/client/uploads/ports.js';

/**
 * Fake ports for the upload engine's unit tests: a clock advanced by hand, a tus server
 * in memory (with a cable that can be pulled, answers that can be lost, requests that can
 * be held), files whose bytes are a string, and a store that keeps what it was given.
 */

/** Lets every promise chain that does not wait for a timer or a held request run to its end. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  private t = 1_000_000;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** Delays of the timers still to fire, from now. */
  pending(): number[] {
    return this.timers.filter((t) => t.live).map((t) => t.at - this.t);
  }

  /** Moves time on, firing each timer due on the way (and letting what it started run). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      due.live = false;
      due.fn();
      await settle();
    }
    this.t = end;
    this.timers = this.timers.filter((t) => t.live);
    await settle();
  }
}

/** A fake SHA-256: enough to tell one content from another. */
export const hashOf = (content: string) => `sha(${content})`;

export class FakeFile implements UploadSource<{ mtime: number }> {
  content: string;
  mtime = 1;
  gone = false;
  /** When set, digest waits for it (to see the `hashing` state). */
  hashGate: Promise<void> | null = null;
  released = 0;
  readonly added: { size: number; mtime: number };

  constructor(content: string) {
    this.content = content;
    this.added = { size: content.length, mtime: this.mtime };
  }

  /** The file changes on disk. */
  change(content: string): void {
    this.content = content;
    this.mtime += 1;
  }

  async check(): Promise<void> {
    if (this.gone) throw new AppError('FILE_UNREADABLE', 'The file is no longer there.');
    if (this.content.length !== this.added.size || this.mtime !== this.added.mtime) {
      throw new AppError('FILE_CHANGED', 'The file changed on disk after it was added.');
    }
  }

  async digest(): Promise<string> {
    if (this.hashGate) await this.hashGate;
    return hashOf(this.content);
  }

  refresh(): { size: number; origin: { mtime: number } } {
    this.added.size = this.content.length;
    this.added.mtime = this.mtime;
    return { size: this.content.length, origin: { mtime: this.mtime } };
  }

  release(): void {
    this.released += 1;
  }
}

interface ServerUpload {
  size: number;
  name: string;
  folderId: string | null;
  sha256: string | null;
  received: string;
}

export interface ServerDocument {
  id: string;
  name: string;
  folderId: string | null;
  content: string;
}

/** Deferred: a promise and its resolve. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class FakeTusServer implements UploadTransport<FakeFile> {
  readonly uploads = new Map<string, ServerUpload>();
  /** Uploads that became documents (the finish answers them again: idempotent). */
  readonly finished = new Map<string, string>();
  readonly documents: ServerDocument[] = [];
  /** Every request, as `METHOD url [offset]`. */
  readonly log: string[] = [];
  /** Bytes that travelled in PATCH bodies. */
  bytesSent = 0;
  /** The cable is out: every request fails without an answer. */
  down = false;
  quotaLeft = Number.POSITIVE_INFINITY;
  /** PATCHes (from byte `gateAt` on) wait for this while it is set. */
  gate: Promise<void> | null = null;
  gateAt = 0;
  /** The next PATCH is applied, but its answer is lost on the way back. */
  loseNextAnswer = false;
  /** The server makes a document from the last PATCH only when the hash came (else the client finishes). */
  finishOnLastPatch = true;
  private next = 0;

  /** PATCHes from byte `offset` on wait until the returned function is called. */
  hold(offset = 0): () => void {
    const d = deferred();
    this.gate = d.promise;
    this.gateAt = offset;
    return () => {
      this.gate = null;
      d.resolve();
    };
  }
  private readonly signals = new Map<string, AbortSignal>();

  private reach(what: string, signal?: AbortSignal): void {
    this.log.push(what);
    if (signal?.aborted) throw new AppError('INTERNAL', 'aborted');
    if (this.down) throw new AppError('NETWORK_OFFLINE', 'The server cannot be reached.');
  }

  /** How many PATCH requests went to an upload URL. */
  patches(url?: string): string[] {
    return this.log.filter((l) => l.startsWith('PATCH') && (!url || l.includes(url)));
  }

  abortedSignals(): number {
    return [...this.signals.values()].filter((s) => s.aborted).length;
  }

  async offset(url: string, signal: AbortSignal): Promise<number | null> {
    this.reach(`HEAD ${url}`, signal);
    return this.uploads.get(url)?.received.length ?? null;
  }

  async create(
    input: { size: number; name: string; folderId: string | null; sha256: string | null },
    signal: AbortSignal,
  ): Promise<string> {
    this.reach(`POST ${input.name}`, signal);
    if (input.size > this.quotaLeft) throw new AppError('QUOTA_EXCEEDED', 'No space left.');
    const url = `https://school.test/api/uploads/u${++this.next}`;
    this.uploads.set(url, { ...input, received: '' });
    return url;
  }

  async send(
    input: {
      url: string;
      offset: number;
      length: number;
      source: FakeFile;
      sha256: string | null;
      onBytes(bytes: number): void;
    },
    signal: AbortSignal,
  ): Promise<{ offset: number; documentId: string | null }> {
    this.reach(`PATCH ${input.url} ${input.offset}`, signal);
    this.signals.set(`${input.url} ${input.offset} ${this.log.length}`, signal);
    if (this.gate && input.offset >= this.gateAt) {
      // A held request still ends when the client gives it up.
      await Promise.race([
        this.gate,
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      ]);
    }
    if (signal.aborted) throw new AppError('INTERNAL', 'aborted');
    if (this.down) throw new AppError('NETWORK_OFFLINE', 'The connection broke.');
    const upload = this.uploads.get(input.url);
    if (!upload) throw new AppError('NOT_FOUND', 'The upload is gone.');
    // 409: the server is elsewhere; the client continues from there.
    if (input.offset !== upload.received.length) return { offset: upload.received.length, documentId: null };
    const bytes = input.source.content.slice(input.offset, input.offset + input.length);
    input.onBytes(Math.floor(bytes.length / 2));
    input.onBytes(bytes.length - Math.floor(bytes.length / 2));
    this.bytesSent += bytes.length;
    upload.received += bytes;
    if (input.sha256) upload.sha256 = input.sha256;
    let documentId: string | null = null;
    if (upload.received.length === upload.size && upload.sha256 && this.finishOnLastPatch) {
      documentId = this.makeDocument(input.url, upload);
    }
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new AppError('NETWORK_OFFLINE', 'The answer was lost.');
    }
    return { offset: upload.received.length, documentId };
  }

  async finish(url: string, sha256: string | null, signal: AbortSignal): Promise<string> {
    this.reach(`FINISH ${url}`, signal);
    const made = this.finished.get(url);
    if (made) return made;
    const upload = this.uploads.get(url);
    if (!upload) throw new AppError('NOT_FOUND', 'The upload is gone.');
    if (upload.received.length < upload.size) throw new AppError('UPLOAD_INCOMPLETE', 'Bytes are missing.');
    if (sha256) upload.sha256 = sha256;
    return this.makeDocument(url, upload);
  }

  async terminate(url: string): Promise<void> {
    this.log.push(`DELETE ${url}`);
    if (this.down) return;
    this.uploads.delete(url);
  }

  private makeDocument(url: string, upload: ServerUpload): string {
    if (upload.sha256 !== hashOf(upload.received)) {
      this.uploads.delete(url);
      throw new AppError('CHECKSUM_MISMATCH', 'The bytes are not the file.');
    }
    const id = `doc${this.documents.length + 1}`;
    this.documents.push({ id, name: upload.name, folderId: upload.folderId, content: upload.received });
    this.uploads.delete(url);
    this.finished.set(url, id);
    return id;
  }
}

/** A store that keeps a copy of what it was given, per owner, as a database would. */
export class MemoryStore<O> implements UploadStore<O> {
  readonly rows = new Map<string, StoredUpload<O>>();
  /** States each upload was saved in, in order. */
  readonly history = new Map<string, string[]>();

  load(owner: string): StoredUpload<O>[] {
    return [...this.rows.values()].filter((r) => r.owner === owner).map((r) => structuredClone(r));
  }

  save(uploads: readonly StoredUpload<O>[]): void {
    for (const u of uploads) {
      this.rows.set(u.id, structuredClone(u));
      const states = this.history.get(u.id) ?? [];
      if (states.at(-1) !== u.state) states.push(u.state);
      this.history.set(u.id, states);
    }
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) this.rows.delete(id);
  }
}

export interface Harness {
  engine: UploadEngine<{ mtime: number }, FakeFile>;
  clock: FakeClock;
  server: FakeTusServer;
  store: MemoryStore<{ mtime: number }>;
  files: Map<string, FakeFile>;
  states: UploadQueueState[];
  done: string[];
  owner: { current: string | null };
  /** Adds files by content, named by their content's first letters unless named. */
  add(...contents: (string | { name: string; content: string; folderId?: string })[]): string[];
  /** The queue as the panel would show it, once what can run has run. */
  view(): Promise<UploadQueueState>;
}

let ids = 0;

export function harness(
  options: {
    policy?: Partial<UploadPolicy>;
    server?: FakeTusServer;
    store?: MemoryStore<{ mtime: number }>;
    files?: Map<string, FakeFile>;
    clock?: FakeClock;
    /** Sources found again after a restart (null: a web page, whose Files are gone). */
    reopen?: 'files' | 'none';
    random?: () => number;
    beforeCreate?: () => Promise<void>;
  } = {},
): Harness {
  const clock = options.clock ?? new FakeClock();
  const server = options.server ?? new FakeTusServer();
  const store = options.store ?? new MemoryStore<{ mtime: number }>();
  const files = options.files ?? new Map<string, FakeFile>();
  const owner = { current: 'mother' as string | null };
  const states: UploadQueueState[] = [];
  const done: string[] = [];
  const deps: UploadEngineDeps<{ mtime: number }, FakeFile> = {
    owner: () => owner.current,
    clock,
    random: options.random ?? (() => 0.5),
    newId: () => `up${++ids}`,
    store,
    sources: { open: (u) => (options.reopen === 'none' ? null : (files.get(u.id) ?? null)) },
    transport: server,
    hooks: {
      onState: (s) => states.push(s),
      onDone: (id) => done.push(id),
      ...(options.beforeCreate ? { beforeCreate: options.beforeCreate } : {}),
    },
    policy: { chunkBytes: 4, ...options.policy },
  };
  const engine = new UploadEngine(deps);
  const h: Harness = {
    engine,
    clock,
    server,
    store,
    files,
    states,
    done,
    owner,
    add(...contents) {
      const entries = contents.map((c) =>
        typeof c === 'string' ? { name: `${c.slice(0, 3)}.txt`, content: c } : c,
      );
      const sources = entries.map((e) => new FakeFile(e.content));
      const added = engine.add(
        entries.map((e, i) => ({
          name: e.name,
          folderId: e.folderId ?? null,
          size: e.content.length,
          origin: { mtime: 1 },
          source: sources[i]!,
        })),
      );
      added.forEach((id, i) => files.set(id, sources[i]!));
      return added;
    },
    async view() {
      // Asked for first, as the panel does when it opens (a restored queue is loaded then).
      engine.state();
      await settle();
      return engine.state();
    },
  };
  return h;
}
