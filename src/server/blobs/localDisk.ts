import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStore } from './types.js';

const KEY = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * Blobs as files under `root/<first two characters>/<key>`. Keys are ids the server
 * made, checked again here, so no name from a person ever becomes part of a path.
 */
export class LocalDiskBlobStore implements BlobStore {
  constructor(private readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`Invalid blob key: ${key}`);
    return path.join(this.root, key.slice(0, 2), key);
  }

  async adopt(tempPath: string, key: string): Promise<void> {
    const target = this.pathOf(key);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    // The bytes are on disk before the rename makes them a blob.
    const handle = await fsp.open(tempPath, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tempPath, target);
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
  }

  async size(key: string): Promise<number> {
    return (await fsp.stat(this.pathOf(key))).size;
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.pathOf(key), { force: true });
  }
}
