import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileHasher } from '../../src/node/fileHasher.js';
import { makeTempDir } from '../helpers/tempDir.js';

const dir = makeTempDir('sferum-hasher-');
afterAll(() => dir.remove());

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function fileWith(name: string, data: Buffer): string {
  const file = path.join(dir.path, name);
  fs.writeFileSync(file, data);
  return file;
}

/** What the sending thread does: reads part of the file into the shared memory, then feeds it. */
async function send(
  hasher: FileHasher,
  id: string,
  file: string,
  shared: SharedArrayBuffer,
  from: number,
  to: number,
) {
  const memory = Buffer.from(shared);
  const fd = fs.openSync(file, 'r');
  try {
    for (let pos = from; pos < to;) {
      const n = fs.readSync(fd, memory, 0, Math.min(memory.length, to - pos), pos);
      await hasher.feed(id, file, 0, n, pos);
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

describe('the upload hasher', () => {
  it('hashes the bytes it is fed, goes back after a cut request and reads what a restart missed', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const file = fileWith('sent.bin', data);
    const shared = new SharedArrayBuffer(256 * 1024);
    const hasher = new FileHasher();
    try {
      // In one go.
      await hasher.seek('a', file, 0, shared);
      await send(hasher, 'a', file, shared, 0, data.length);
      expect(await hasher.digest('a', file, data.length)).toBe(sha(data));

      // A request that sent up to 2.5 MiB but was cut; the server kept 1.7 MiB.
      await hasher.seek('b', file, 0, shared);
      await send(hasher, 'b', file, shared, 0, 1024 * 1024);
      await hasher.seek('b', file, 1024 * 1024, shared);
      await send(hasher, 'b', file, shared, 1024 * 1024, 2.5 * 1024 * 1024);
      await hasher.seek('b', file, 1_782_579, shared);
      await send(hasher, 'b', file, shared, 1_782_579, data.length);
      expect(await hasher.digest('b', file, data.length)).toBe(sha(data));

      // After a restart (a new hasher): what the server has is read from the disk.
      await hasher.close();
      const again = new FileHasher();
      try {
        await again.seek('c', file, 2 * 1024 * 1024, shared);
        await send(again, 'c', file, shared, 2 * 1024 * 1024, data.length);
        expect(await again.digest('c', file, data.length)).toBe(sha(data));
        // Fed out of step (it cannot happen after a seek): the digest reads the file instead.
        await again.seek('d', file, 0, shared);
        await send(again, 'd', file, shared, 1024, 4096);
        expect(await again.digest('d', file, data.length)).toBe(sha(data));
        await expect(again.seek('e', file, data.length + 1, shared)).rejects.toThrow();
      } finally {
        await again.close();
      }
    } finally {
      await hasher.close();
    }
  });

  it('follows a file as it grows and flushes it to the disk as it goes', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const file = fileWith('growing.bin', data.subarray(0, 500_000));
    const hasher = new FileHasher({ syncEvery: 256 * 1024 });
    try {
      // Past the end of what is written: it stops there, and continues later.
      hasher.advance('f', file, 1024 * 1024);
      fs.appendFileSync(file, data.subarray(500_000));
      hasher.advance('f', file, 1024 * 1024);
      expect(await hasher.digest('f', file, data.length)).toBe(sha(data));
      expect(await hasher.digest('g', path.join(dir.path, 'missing.bin'), 10)).toBeNull();
    } finally {
      await hasher.close();
    }
  });
});
