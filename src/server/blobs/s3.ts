import fs from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { BlobStore } from './types.js';

const KEY = /^[A-Za-z0-9_-]{8,64}$/;

/** An S3-compatible object store (SFERUM_S3_*). */
export interface S3Config {
  /** http(s) address of the S3 API; null: AWS's own for the region. */
  endpoint: string | null;
  bucket: string;
  region: string;
  /** Both or neither; neither: the SDK's default credential chain (environment, instance role). */
  accessKeyId: string | null;
  secretAccessKey: string | null;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key` (most self-hosted servers). */
  forcePathStyle: boolean;
}

/** The S3 client's settings for one configuration; also what @tus/s3-store is given. */
export function s3ClientConfig(config: S3Config): S3ClientConfig {
  return {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
    // Checksums only where S3 requires them: servers other than AWS (Ceph's gateway among
    // them) do not all accept the trailing checksums newer SDKs add to streamed bodies.
    // The platform checks the SHA-256 of every document itself.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/** True for S3's "no such object" answers. */
export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NotFound' ||
    e?.name === 'NoSuchKey' ||
    e?.Code === 'NoSuchKey' ||
    e?.$metadata?.httpStatusCode === 404
  );
}

/**
 * Blobs as objects in one bucket, each under its key (ids the server made, checked again
 * here). Reads are ranged GETs, so a download with Range fetches only those bytes.
 */
export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  readonly bucket: string;

  constructor(config: S3Config, client?: S3Client) {
    this.client = client ?? new S3Client(s3ClientConfig(config));
    this.bucket = config.bucket;
  }

  private checked(key: string): string {
    if (!KEY.test(key)) throw new Error(`Invalid blob key: ${key}`);
    return key;
  }

  /** Uploads a complete local file under `key` (one PUT), then removes the file. */
  async adopt(tempPath: string, key: string): Promise<void> {
    const size = (await fs.promises.stat(tempPath)).size;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.checked(key),
        Body: fs.createReadStream(tempPath),
        ContentLength: size,
      }),
    );
    await fs.promises.rm(tempPath, { force: true });
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    const out = new PassThrough();
    const request = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.checked(key),
      ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
    });
    const abort = new AbortController();
    // A reader that goes away (a download cut) ends the GET too.
    out.once('close', () => abort.abort());
    this.client.send(request, { abortSignal: abort.signal }).then(
      ({ Body }) => {
        const body = Body as Readable | undefined;
        if (!body) {
          out.end();
          return;
        }
        body.once('error', (error) => out.destroy(error));
        body.pipe(out);
      },
      (error: unknown) => out.destroy(error as Error),
    );
    return out;
  }

  async size(key: string): Promise<number> {
    const head = await this.client.send(
      new HeadObjectCommand({ Bucket: this.bucket, Key: this.checked(key) }),
    );
    return head.ContentLength ?? 0;
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.checked(key) }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
