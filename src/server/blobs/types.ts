import type { Readable } from 'node:stream';

/**
 * Where document bytes live. The server never writes into a document's blob: a blob
 * arrives complete (adopted from a finished upload by rename) and is only read or
 * deleted afterwards, so no reader can ever see a partial file under a document.
 * The local-disk store is the embedded default; the S3 store (s3.ts, SFERUM_S3_*) takes
 * its place without touching routes or services.
 */
export interface BlobStore {
  /** Takes a complete file from a temporary path under `key` (same disk: a rename; S3: one PUT). */
  adopt(tempPath: string, key: string): Promise<void>;
  /** Bytes `start..end` inclusive (the whole blob without a range). */
  read(key: string, range?: { start: number; end: number }): Readable;
  size(key: string): Promise<number>;
  /** Removes the blob; a missing blob is not an error. */
  delete(key: string): Promise<void>;
}
