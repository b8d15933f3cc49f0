import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of uploads in a worker thread, so the thread that streams them (and answers
 * requests or the UI) never spends its time hashing. Node-only, shared by both processes.
 *
 * - The server follows each upload on disk as it grows (`advance`, every few megabytes
 *   while a request writes): bytes below the end of an upload's file never change (tus
 *   only appends), so reading them back from the page cache is as good as hashing them on
 *   the way in, and it survives a cut request. Created with `syncEvery`, the worker also
 *   flushes the file to the disk as it goes, so the fsync that makes a finished upload
 *   durable has little left to write.
 * - The desktop hashes the bytes it sends, in the same read: the sending thread reads a
 *   chunk into shared memory, hands the worker its place (`feed`) and writes it to the
 *   socket; the buffer is reused once both are done. Before each request `seek` puts the
 *   hash at the request's offset: after a cut request it goes back to where that request
 *   began (a copy of the hash kept there) and reads from the disk up to the server's
 *   offset; after a restart it reads the part the server already has.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const SYNC_EVERY = workerData.syncEvery;
const jobs = new Map();
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
function job(id, path) {
  let j = jobs.get(id);
  if (!j || j.path !== path) {
    j = { path, hash: crypto.createHash('sha256'), pos: 0, mark: null, shared: null, synced: 0 };
    jobs.set(id, j);
  }
  return j;
}
// Hashes the file from the job's position up to upTo (or its end, if it is shorter); with
// SYNC_EVERY, flushes it to the disk whenever that many bytes were read since the last time.
function fill(j, upTo) {
  if (j.pos >= upTo) return;
  const fd = fs.openSync(j.path, 'r');
  try {
    while (j.pos < upTo) {
      const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, upTo - j.pos), j.pos);
      if (n <= 0) break;
      j.hash.update(buffer.subarray(0, n));
      j.pos += n;
    }
    if (SYNC_EVERY > 0 && j.pos - j.synced >= SYNC_EVERY) {
      j.synced = j.pos;
      try {
        fs.fdatasyncSync(fd);
      } catch {
        // Only an early start of the writeback; a finished upload is synced anyway.
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
function seek(j, pos) {
  if (j.pos > pos && j.mark && j.mark.pos <= pos) {
    j.hash = j.mark.hash.copy();
    j.pos = j.mark.pos;
  }
  if (j.pos > pos) {
    j.hash = crypto.createHash('sha256');
    j.pos = 0;
  }
  fill(j, pos);
  if (j.pos !== pos) throw new Error('The file is shorter than the upload.');
  j.mark = { hash: j.hash.copy(), pos };
}
parentPort.on('message', (m) => {
  try {
    if (m.type === 'drop') {
      jobs.delete(m.id);
      return;
    }
    const j = job(m.id, m.path);
    if (m.type === 'advance') {
      fill(j, m.upTo);
    } else if (m.type === 'seek') {
      if (m.shared) j.shared = m.shared;
      seek(j, m.pos);
      parentPort.postMessage({ seq: m.seq, ok: true });
    } else if (m.type === 'feed') {
      // Out of step (it cannot happen after a seek): skipped, and read from the disk at the end.
      if (j.shared && j.pos === m.pos) {
        j.hash.update(new Uint8Array(j.shared, m.at, m.length));
        j.pos += m.length;
      }
      parentPort.postMessage({ seq: m.seq, ok: true });
    } else if (m.type === 'digest') {
      fill(j, m.upTo);
      jobs.delete(m.id);
      parentPort.postMessage({ seq: m.seq, ok: true, value: j.pos === m.upTo ? j.hash.digest('hex') : null });
    }
  } catch (error) {
    jobs.delete(m.id);
    if (m.seq !== undefined) parentPort.postMessage({ seq: m.seq, ok: false, error: String(error) });
  }
});
`;

interface Reply {
  seq: number;
  ok: boolean;
  value?: string | number | null;
  error?: string;
}

export class FileHasher {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly waiting = new Map<number, (reply: Reply) => void>();

  /** syncEvery: bytes read between flushes of the file to the disk (0: never). */
  constructor(private readonly options: { syncEvery?: number } = {}) {}

  private get thread(): Worker {
    if (!this.worker) {
      const worker = new Worker(WORKER, {
        eval: true,
        workerData: { syncEvery: this.options.syncEvery ?? 0 },
      });
      worker.unref();
      worker.on('message', (m: Reply) => {
        const wake = this.waiting.get(m.seq);
        this.waiting.delete(m.seq);
        wake?.(m);
      });
      const lost = () => {
        if (this.worker !== worker) return;
        this.worker = null;
        for (const wake of this.waiting.values())
          wake({ seq: -1, ok: false, error: 'The hashing thread stopped.' });
        this.waiting.clear();
      };
      worker.on('error', lost);
      worker.on('exit', lost);
      this.worker = worker;
    }
    return this.worker;
  }

  private ask(message: Record<string, unknown>, transfer?: SharedArrayBuffer): Promise<Reply> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve);
      this.thread.postMessage(transfer ? { ...message, seq, shared: transfer } : { ...message, seq });
    });
  }

  /** Starts the thread now (it takes a few milliseconds), so the first request does not wait for it. */
  start(): void {
    void this.thread;
  }

  /** The upload's file now holds `upTo` final bytes (fewer if it is shorter). */
  advance(id: string, path: string, upTo: number): void {
    this.thread.postMessage({ type: 'advance', id, path, upTo });
  }

  /** The SHA-256 of the first `size` bytes (null if the file could not be read). */
  async digest(id: string, path: string, size: number): Promise<string | null> {
    const reply = await this.ask({ type: 'digest', id, path, upTo: size });
    return reply.ok && typeof reply.value === 'string' ? reply.value : null;
  }

  /**
   * Puts the hash of `id` at byte `pos` of the file (reading from the disk what it has not
   * seen) and takes the bytes that follow from `shared`. Fails if the file is shorter.
   */
  async seek(id: string, path: string, pos: number, shared: SharedArrayBuffer): Promise<void> {
    const reply = await this.ask({ type: 'seek', id, path, pos }, shared);
    if (!reply.ok) throw new Error(reply.error ?? 'The file could not be read.');
  }

  /** Hashes `length` bytes at `at` in the shared memory, byte `pos` of the file; resolves when the memory is free again. */
  async feed(id: string, path: string, at: number, length: number, pos: number): Promise<void> {
    await this.ask({ type: 'feed', id, path, at, length, pos });
  }

  forget(id: string): void {
    this.worker?.postMessage({ type: 'drop', id });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    for (const wake of this.waiting.values()) wake({ seq: -1, ok: false, error: 'closed' });
    this.waiting.clear();
    await worker?.terminate();
  }
}
