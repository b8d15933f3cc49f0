import { createHash } from 'node:crypto';
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

/**
 * A body the server refuses after writing some of it (longer than the upload, or not the
 * bytes its Upload-Checksum names) is taken back: the file is cut where the request began
 * and the hash that followed it starts again, so the finished upload's SHA-256 is of the
 * bytes that stayed.
 */
describe('HashingFileStore.receive and rollBack', () => {
  const dir = makeTempDir('sferum-store-rollback-');
  const store = new HashingFileStore({ directory: dir.path });
  afterAll(async () => {
    await store.hasher.close();
    dir.remove();
  });
  const upload = (id: string) => {
    fs.writeFileSync(path.join(dir.path, id), '');
    return id;
  };
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const MiB = 1024 * 1024;

  it('stops reading a body past its room, says so, and a rollback leaves the hash right', async () => {
    const id = upload('over');
    // Past the store's step of 8 MiB, so the hashing thread has followed the bytes taken back.
    const over = await store.receive(
      Readable.from([Buffer.alloc(6 * MiB, 1), Buffer.alloc(6 * MiB, 1)]),
      id,
      0,
      10 * MiB,
    );
    expect(over).toMatchObject({ overflow: true, ended: true });
    await store.rollBack(id, 0);
    expect(fs.statSync(path.join(dir.path, id)).size).toBe(0);
    const right = Buffer.alloc(10 * MiB, 2);
    expect(await store.receive(Readable.from([right]), id, 0, 10 * MiB)).toMatchObject({
      offset: 10 * MiB,
      overflow: false,
      ended: true,
    });
    expect(await store.digest(id, right.length)).toBe(sha(right));
  });

  it('a chunk taken back after others keeps those, and the checksum sees exactly the bytes written', async () => {
    const id = upload('chunk');
    const first = Buffer.alloc(9 * MiB, 3);
    await store.receive(Readable.from([first]), id, 0, 20 * MiB);
    const hash = createHash('sha1');
    const wrong = Buffer.alloc(9 * MiB, 4);
    await store.receive(
      Readable.from([wrong.subarray(0, MiB), wrong.subarray(MiB)]),
      id,
      first.length,
      20 * MiB,
      hash,
    );
    expect(hash.digest('hex')).toBe(createHash('sha1').update(wrong).digest('hex'));
    await store.rollBack(id, first.length);
    expect(fs.statSync(path.join(dir.path, id)).size).toBe(first.length);
    const second = Buffer.alloc(2 * MiB, 5);
    await store.receive(Readable.from([second]), id, first.length, 20 * MiB);
    expect(await store.digest(id, first.length + second.length)).toBe(sha(Buffer.concat([first, second])));
  });
});
