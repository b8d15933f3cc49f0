import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { HashingFileStore } from '../../src/server/documents/hashingStore.js';
import { makeTempDir } from '../helpers/tempDir.js';

/**
 * The store's write path on its own, with real files: what a request body brings is
 * written, a body cut mid-way keeps what arrived, and a body already gone when the write
 * begins ends the write at once rather than holding the upload forever.
 */
describe('HashingFileStore.write', () => {
  const dir = makeTempDir('sferum-store-');
  const store = new HashingFileStore({ directory: dir.path });
  afterAll(async () => {
    await store.hasher.close();
    dir.remove();
  });
  const upload = (id: string) => {
    fs.writeFileSync(path.join(dir.path, id), '');
    return id;
  };

  it('writes the whole body and answers the new offset', async () => {
    const id = upload('whole');
    const body = Buffer.alloc(3 * 1024 * 1024, 5);
    expect(await store.write(Readable.from([body.subarray(0, 1000), body.subarray(1000)]), id, 0)).toBe(
      body.length,
    );
    expect(fs.readFileSync(path.join(dir.path, id)).equals(body)).toBe(true);
  });

  it('keeps every byte of a body cut mid-way', async () => {
    const id = upload('cut');
    const body = new PassThrough().on('error', () => undefined);
    const writing = store.write(body, id, 0);
    body.write(Buffer.alloc(700_000, 1));
    body.write(Buffer.alloc(300_000, 2));
    // Arrived: handed on by the request (the store may still hold it, not yet written).
    while (body.readableLength > 0 || body.writableLength > 0) await new Promise(setImmediate);
    body.destroy(new Error('aborted'));
    await expect(writing).rejects.toBeTruthy();
    expect(fs.statSync(path.join(dir.path, id)).size).toBe(1_000_000);
  });

  it('ends at once when the body was gone before the write began', async () => {
    const id = upload('gone');
    const body = new PassThrough().on('error', () => undefined);
    body.destroy(new Error('aborted'));
    await expect(store.write(body, id, 0)).rejects.toBeTruthy();
    expect(fs.statSync(path.join(dir.path, id)).size).toBe(0);
  });
});
