import type { Hash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { S3Store } from '@tus/s3-store';
import type { Upload } from '@tus/server';
import { isNotFound, s3ClientConfig, type S3BlobStore, type S3Config } from '../blobs/s3.js';
import { sha256Stream } from './hashing.js';
import { TUS_EXTENSIONS } from './hashingStore.js';
import { notFound } from './service.js';
import {
  pastLength,
  refused,
  type StagedUpload,
  type UploadBytes,
  type WriteOutcome,
} from './uploadBytes.js';

/** Bytes per S3 part (S3's smallest is 5 MiB, except the last). */
const PART_BYTES = 8 * 1024 * 1024;

/** Bytes a request may have received and not yet handed on to S3. */
const BODY_BUFFER = 1024 * 1024;

/** The upload's own state is read from the bucket on every request: no instance keeps a copy that another could outdate. */
const NO_CACHE = {
  get: async () => undefined,
  set: async () => undefined,
  delete: async () => undefined,
};

/** What one request body did: bytes accepted, whether it ended, whether it went past its room. */
interface Fed {
  bytes: number;
  ended: boolean;
  overflow: boolean;
}

/**
 * Feeds a request body into `sink`, at most `room` bytes (`hash` sees each of them), and
 * ends the sink when the body ends or is cut, so what arrived is kept. A body that goes
 * past its room stops being read (the caller answers 413 and drains it).
 */
function feed(req: IncomingMessage, sink: Writable, room: number, hash: Hash | undefined): Promise<Fed> {
  return new Promise<Fed>((resolve, reject) => {
    let bytes = 0;
    let overflow = false;
    let settled = false;
    const take = (chunk: Buffer): boolean => {
      if (bytes + chunk.length > room) {
        overflow = true;
        return false;
      }
      bytes += chunk.length;
      hash?.update(chunk);
      return sink.write(chunk);
    };
    const finish = (ended: boolean) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      // A cut body may still hold chunks that arrived while it was paused: they are kept too.
      if (!overflow) {
        for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) {
          take(chunk);
          if (overflow) break;
        }
      }
      sink.end(() => resolve({ bytes, ended, overflow }));
    };
    const onData = (chunk: Buffer) => {
      const more = take(chunk);
      if (overflow) {
        req.pause();
        finish(false);
        return;
      }
      if (!more) {
        req.pause();
        sink.once('drain', () => {
          if (!settled) req.resume();
        });
      }
    };
    sink.once('error', (error) => {
      settled = true;
      req.off('data', onData);
      reject(error);
    });
    req.on('data', onData);
    req.once('end', () => finish(true));
    req.once('close', () => finish(false));
    req.once('error', () => finish(false));
  });
}

/**
 * @tus/s3-store, with termination also of an upload whose bytes are complete but not yet a
 * document (its SHA-256 still to come): S3 has joined its parts, so there is no multipart
 * upload left to abort, and its objects are deleted directly.
 */
class PlatformS3Store extends S3Store {
  override async remove(id: string): Promise<void> {
    try {
      await super.remove(id);
    } catch (error) {
      const info = await this.client.headObject({ Bucket: this.bucket, Key: this.infoKey(id) }).then(
        () => true,
        () => false,
      );
      if (!info) throw error;
      await this.client.deleteObjects({
        Bucket: this.bucket,
        Delete: { Objects: [{ Key: id }, { Key: this.infoKey(id) }, { Key: this.partKey(id, true) }] },
      });
    }
  }
}

/**
 * tus uploads kept in the S3 bucket by @tus/s3-store: each upload is one S3 multipart
 * upload (`<id>`), its tus state an object beside it (`<id>.info`), and a tail shorter than
 * S3's smallest part an object of its own (`<id>.part`) until the next PATCH continues it.
 * The offset is computed from the bucket at every request, so a PATCH can land on any
 * instance: nothing of an upload lives on one instance's disk between requests. When the
 * last byte arrives S3 joins the parts into the object `<id>`, which becomes the document's
 * blob as it is (no copy); its SHA-256 is read back from the bucket before the document is
 * written, so a document is only ever bytes the store holds and that match their hash.
 */
export class S3UploadBytes implements UploadBytes {
  readonly datastore: PlatformS3Store;

  constructor(
    private readonly config: S3Config,
    private readonly blobs: S3BlobStore,
    expiryMs: number,
  ) {
    this.datastore = new PlatformS3Store({
      partSize: PART_BYTES,
      expirationPeriodInMilliseconds: expiryMs,
      // Expiry is the server's housekeeping (listing multipart uploads), not bucket lifecycle tags.
      useTags: false,
      cache: NO_CACHE,
      s3ClientConfig: { ...s3ClientConfig(config), bucket: config.bucket },
    });
    this.datastore.extensions = [...TUS_EXTENSIONS];
  }

  getUpload(id: string): Promise<Upload> {
    return this.datastore.getUpload(id);
  }

  getExpiration(): number {
    return this.datastore.getExpiration();
  }

  async write(
    req: IncomingMessage,
    id: string,
    offset: number,
    size: number,
    hash: Hash | undefined,
    expected: Buffer | null,
  ): Promise<WriteOutcome> {
    const room = size - offset;
    const length = req.headers['content-length'];
    // A body whose length is known (and fits: the caller checked) goes on to S3 as it
    // arrives. One with an Upload-Checksum, or without a length, is kept in a temporary
    // file for this request first: it reaches the bucket only whole, matching and within
    // the upload's length, since bytes sent to S3 cannot be taken back.
    const spool = expected !== null || typeof length !== 'string';
    try {
      if (!spool) {
        // A megabyte in hand, as on the local disk: reading the socket and writing to S3 overlap.
        const body = new PassThrough({ highWaterMark: BODY_BUFFER });
        const writing = this.datastore.write(body, id, offset);
        writing.catch(() => body.destroy());
        const [next, fed] = await Promise.all([writing, feed(req, body, room, hash)]);
        return fed.ended ? { kind: 'stored', offset: next } : { kind: 'cut' };
      }
      const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'sferum-patch-'));
      const file = path.join(dir, 'body');
      try {
        const fed = await feed(req, fs.createWriteStream(file), room, hash);
        if (fed.overflow) return pastLength(offset, size);
        if (expected && hash) {
          if (!fed.ended) return { kind: 'cut' };
          if (!hash.digest().equals(expected)) {
            return refused(
              460,
              'CHECKSUM_MISMATCH',
              'The request body does not match its Upload-Checksum; nothing of it was stored.',
              offset,
            );
          }
        }
        const next = await this.datastore.write(fs.createReadStream(file), id, offset);
        return fed.ended ? { kind: 'stored', offset: next } : { kind: 'cut' };
      } finally {
        await fsp.rm(dir, { recursive: true, force: true });
      }
    } catch {
      const gone = await this.datastore.getUpload(id).then(
        () => false,
        () => true,
      );
      if (gone) return refused(404, 'NOT_FOUND', 'Not found.');
      if (req.destroyed) return { kind: 'cut' };
      return refused(500, 'INTERNAL', 'The upload could not be written.');
    }
  }

  staged(id: string): StagedUpload {
    return {
      // The joined object once complete; before that, what the upload holds so far.
      size: async () => {
        try {
          return await this.blobs.size(id);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
        return this.datastore.getUpload(id).then(
          (upload) => (upload.offset === upload.size ? null : upload.offset),
          () => null,
        );
      },
      sha256: async () => {
        try {
          return await sha256Stream(this.blobs.read(id));
        } catch (error) {
          if (isNotFound(error)) throw notFound();
          throw error;
        }
      },
      discard: () => this.purge(id, true),
      adopt: async () => id,
    };
  }

  async finished(id: string): Promise<void> {
    await this.purge(id, false).catch(() => undefined);
  }

  async remove(id: string): Promise<void> {
    await this.datastore.remove(id).catch(() => undefined);
    await this.purge(id, true).catch(() => undefined);
  }

  forget(): void {
    // Nothing of an upload is kept on the instance.
  }

  async close(): Promise<void> {
    // The datastore's client has no sockets of its own to release beyond the agent's.
  }

  /** Deletes the upload's state objects, and its bytes too when `bytes`. */
  private async purge(id: string, bytes: boolean): Promise<void> {
    const keys = [`${id}.info`, `${id}.part`, ...(bytes ? [id] : [])];
    await this.blobs.client.send(
      new DeleteObjectsCommand({
        Bucket: this.config.bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })) },
      }),
    );
  }
}
