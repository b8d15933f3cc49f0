import type http from 'node:http';
import fsp from 'node:fs/promises';
import type { FileHasher } from '../../../node/fileHasher.js';
import { AppError } from '../../../shared/errors.js';

/** Bytes read at a time, and how many such reads may be on their way at once. */
export const SEND_SLOT = 1024 * 1024;
export const SEND_SLOTS = 8;

/**
 * Writes bytes start..end-1 of a file to a request, reading them once: each read lands in
 * a slot of shared memory, the hashing worker hashes it there while the socket sends it,
 * and the slot is read into again when both are done. Nothing is allocated per read, so a
 * gigabyte costs no garbage collection, and memory stays at the slots whatever the size.
 */
export async function sendRange(
  req: http.ClientRequest,
  o: {
    id: string;
    path: string;
    start: number;
    end: number;
    hasher: FileHasher;
    /** SEND_SLOTS * SEND_SLOT bytes; one request at a time uses it. */
    shared: SharedArrayBuffer;
    onBytes: (n: number) => void;
  },
): Promise<void> {
  // The hash continues at this request's offset (after a cut request it goes back first).
  await o.hasher.seek(o.id, o.path, o.start, o.shared).catch(() => {
    throw new AppError('FILE_CHANGED', 'The file changed on disk after it was added.');
  });
  const free = Array.from({ length: SEND_SLOTS }, (_, i) => i);
  let wake: (() => void) | null = null;
  let closed = false;
  const release = (slot: number) => {
    free.push(slot);
    wake?.();
  };
  const onClose = () => {
    closed = true;
    wake?.();
  };
  req.once('close', onClose);
  const file = await fsp.open(o.path, 'r');
  try {
    for (let pos = o.start; pos < o.end;) {
      while (free.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (closed) return;
      const slot = free.shift()!;
      const at = slot * SEND_SLOT;
      const view = Buffer.from(o.shared, at, Math.min(SEND_SLOT, o.end - pos));
      const { bytesRead } = await file.read(view, 0, view.length, pos);
      if (bytesRead === 0)
        throw new AppError('FILE_CHANGED', 'The file became shorter while it was uploading.');
      if (closed) return;
      let users = 2;
      const done = () => {
        if (--users === 0) release(slot);
      };
      void o.hasher.feed(o.id, o.path, at, bytesRead, pos).then(done, done);
      req.write(view.subarray(0, bytesRead), (error) => {
        if (!error) o.onBytes(bytesRead);
        done();
      });
      pos += bytesRead;
    }
    req.end();
  } finally {
    req.off('close', onClose);
    await file.close();
  }
}
