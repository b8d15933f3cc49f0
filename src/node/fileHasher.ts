import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of files in a worker thread, so the thread that streams uploads (and answers
 * requests or the UI) never spends its time hashing. Used by the server to follow each
 * upload as it grows on disk (after every PATCH the worker reads the new bytes from the
 * page cache; bytes below a tus offset never change, so reading them back is as good as
 * hashing them on the way in, and it survives a cut request), and by the desktop core to
 * hash whole files alongside their upload. Node-only, shared by both processes.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const jobs = new Map();
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
function job(id, path) {
  let j = jobs.get(id);
  if (!j || j.path !== path) {
    j = { path, hash: crypto.createHash('sha256'), pos: 0 };
    jobs.set(id, j);
  }
  return j;
}
function advance(j, upTo) {
  if (j.pos >= upTo) return;
  const fd = fs.openSync(j.path, 'r');
  try {
    while (j.pos < upTo) {
      const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, upTo - j.pos), j.pos);
      if (n <= 0) break;
      j.hash.update(buffer.subarray(0, n));
      j.pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.on('message', (m) => {
  try {
    if (m.type === 'drop') { jobs.delete(m.id); return; }
    const j = job(m.id, m.path);
    advance(j, m.upTo);
    if (m.type === 'digest') {
      jobs.delete(m.id);
      parentPort.postMessage({ id: m.id, digest: j.pos === m.upTo ? j.hash.digest('hex') : null });
    }
  } catch (error) {
    jobs.delete(m.id);
    if (m.type === 'digest') parentPort.postMessage({ id: m.id, digest: null, error: String(error) });
  }
});
`;

export class FileHasher {
  private worker: Worker | null = null;
  private readonly waiting = new Map<string, (digest: string | null) => void>();

  private get thread(): Worker {
    if (!this.worker) {
      const worker = new Worker(WORKER, { eval: true });
      worker.unref();
      worker.on('message', (m: { id: string; digest: string | null }) => {
        const wake = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        wake?.(m.digest);
      });
      worker.on('error', () => {
        for (const wake of this.waiting.values()) wake(null);
        this.waiting.clear();
        this.worker = null;
      });
      this.worker = worker;
    }
    return this.worker;
  }

  /** The upload's file now holds `upTo` final bytes. */
  advance(id: string, path: string, upTo: number): void {
    this.thread.postMessage({ type: 'advance', id, path, upTo });
  }

  /** The SHA-256 of the first `size` bytes (null if the file could not be read). */
  digest(id: string, path: string, size: number): Promise<string | null> {
    return new Promise((resolve) => {
      this.waiting.get(id)?.(null);
      this.waiting.set(id, resolve);
      this.thread.postMessage({ type: 'digest', id, path, upTo: size });
    });
  }

  forget(id: string): void {
    this.worker?.postMessage({ type: 'drop', id });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}
