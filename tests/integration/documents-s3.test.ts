import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { DocumentListSchema, encodeUploadMetadata } from '../../src/shared/documents/index.js';
import { S3BlobStore } from '../../src/server/blobs/s3.js';
import { ConfigError, describeConfig, loadConfig } from '../../src/server/config.js';
import { signInByPhone, type TestServer } from '../../src/server/testing.js';
import { startRealS3, type RealS3 } from '../helpers/s3.js';
import { startTestServer, TestClock } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { tusPatch } from '../helpers/tus.js';

/**
 * Documents on S3: the blob store and tus uploads against a real S3 server on loopback
 * (Ceph's RADOS Gateway on a one-node cluster with an in-memory object store, started once
 * for this file). Two server instances share one data directory and one bucket, as
 * instances behind a load balancer share their database and bucket: an upload cut on one
 * continues on the other after the first has stopped.
 */

const MiB = 1024 * 1024;
const QUOTA = 40 * MiB;
let s3: RealS3;
let blobs: S3BlobStore;
let dir: ReturnType<typeof makeTempDir>;
let a: TestServer;
let b: TestServer;
let counter = 0;
const clock = new TestClock();

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const auth = (user: SignedIn) => ({ authorization: `Bearer ${user.tokens.accessToken}` });
const tus = { 'tus-resumable': '1.0.0' };
const phone = () => `+7934${String(++counter).padStart(7, '0')}`;

/** Why the S3 server or the instances did not start: every test on S3 fails with it (never skipped). */
let startup: unknown = null;

beforeAll(async () => {
  try {
    s3 = await startRealS3();
    blobs = new S3BlobStore(s3.config);
    dir = makeTempDir('sferum-s3-server-');
    const config = { s3: s3.config, quotaBytes: QUOTA, maxFileBytes: 30 * MiB };
    a = await startTestServer({ dataDir: dir.path, config });
    b = await startTestServer({ dataDir: dir.path, config, clock });
  } catch (error) {
    startup = error;
  }
}, 240_000);

/** Fails the test with the reason the S3 server did not start. */
function needS3(): void {
  if (startup) throw startup;
}

afterAll(async () => {
  await a?.close();
  await b?.close();
  blobs?.client.destroy();
  dir?.remove();
  await s3?.stop();
}, 60_000);

async function bucketKeys(): Promise<string[]> {
  const listed = await blobs.client.send(new ListObjectsV2Command({ Bucket: s3.config.bucket }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

async function create(ts: TestServer, user: SignedIn, size: number, meta: Record<string, string>) {
  const response = await fetch(`${ts.url}/api/uploads`, {
    method: 'POST',
    headers: {
      ...auth(user),
      ...tus,
      'upload-length': String(size),
      'upload-metadata': encodeUploadMetadata(meta),
    },
  });
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

async function head(ts: TestServer, user: SignedIn, location: string) {
  const response = await fetch(new URL(location, ts.url), {
    method: 'HEAD',
    headers: { ...auth(user), ...tus },
  });
  return { status: response.status, offset: response.headers.get('upload-offset') };
}

/** A PATCH announcing `data` from `offset` whose connection drops after `sent` bytes. */
async function cutPatch(
  ts: TestServer,
  user: SignedIn,
  location: string,
  offset: number,
  data: Buffer,
  sent: number,
) {
  const req = http.request(new URL(location, ts.url), {
    method: 'PATCH',
    headers: {
      ...auth(user),
      ...tus,
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
      'content-length': String(data.length),
    },
  });
  req.on('error', () => undefined);
  for (let at = 0; at < sent; at += 64 * 1024) {
    await new Promise<void>((done) =>
      req.write(data.subarray(at, Math.min(at + 64 * 1024, sent)), () => done()),
    );
  }
  req.socket?.end();
  await new Promise((done) => req.once('close', done));
}

async function read(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('the S3 blob store on a real radosgw', () => {
  it('puts a file, reads it whole and by range, tells its size, deletes it (a missing one too)', async () => {
    needS3();
    const tmp = makeTempDir();
    const file = `${tmp.path}/f`;
    const body = Buffer.from('Привет, мир! Документы в S3.', 'utf8');
    const { writeFileSync, existsSync } = await import('node:fs');
    writeFileSync(file, body);
    await blobs.adopt(file, 'blobtest0001');
    expect(existsSync(file)).toBe(false);
    expect(await blobs.size('blobtest0001')).toBe(body.length);
    expect((await read(blobs.read('blobtest0001'))).equals(body)).toBe(true);
    expect((await read(blobs.read('blobtest0001', { start: 0, end: 11 }))).toString('utf8')).toBe('Привет');
    await blobs.delete('blobtest0001');
    await blobs.delete('blobtest0001');
    await expect(read(blobs.read('blobtest0001'))).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect(() => blobs.read('../etc/passwd')).toThrow(/Invalid blob key/);
    tmp.remove();
  });
});

describe('documents through the server on S3', () => {
  it('an upload cut on one instance continues on another after the first stopped; Range and signed links serve it', async () => {
    needS3();
    const user = await signInByPhone(a, phone());
    const data = randomBytes(13 * MiB);
    const name = 'Справка о болезни — 2 Б.pdf';
    const created = await create(a, user, data.length, { filename: name, sha256: sha(data) });
    expect(created.status, created.body).toBe(201);
    const location = created.location!;
    // A whole S3 part (6 MiB) through A, then a PATCH cut after 3 MiB more: a tail shorter
    // than S3's smallest part, kept in the bucket beside the upload.
    expect((await tusPatch(a.url, auth(user), location, 0, data.subarray(0, 6 * MiB))).status).toBe(204);
    await cutPatch(a, user, location, 6 * MiB, data.subarray(6 * MiB), 3 * MiB);
    await expect
      .poll(async () => (await head(a, user, location)).offset, { timeout: 20_000 })
      .toBe(String(9 * MiB));
    await a.close();

    // B knows nothing of it but what the database and the bucket hold.
    expect(await head(b, user, location)).toEqual({ status: 200, offset: String(9 * MiB) });
    const last = await tusPatch(b.url, auth(user), location, 9 * MiB, data.subarray(9 * MiB));
    expect(last.status, last.body).toBe(204);
    expect(last.documentId).toBeTruthy();
    const id = last.documentId!;

    const listed = DocumentListSchema.parse(
      await (await fetch(`${b.url}/api/documents`, { headers: auth(user) })).json(),
    );
    expect(listed.documents.map((d) => [d.name, d.size, d.sha256])).toEqual([[name, data.length, sha(data)]]);
    // The joined upload is the blob: nothing of the upload's state is left in the bucket.
    const uploadId = location.split('/').pop()!;
    expect((await bucketKeys()).filter((k) => k.startsWith(uploadId))).toEqual([uploadId]);

    const whole = await fetch(`${b.url}/api/documents/${id}/content`, { headers: auth(user) });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-disposition')).toContain(encodeURIComponent(name));
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);

    const start = 8 * MiB - 100;
    const ranged = await fetch(`${b.url}/api/documents/${id}/content`, {
      headers: { ...auth(user), range: `bytes=${start}-${start + 199}` },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes ${start}-${start + 199}/${data.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(start, start + 200))).toBe(true);

    const link = await fetch(`${b.url}/api/documents/${id}/link`, { method: 'POST', headers: auth(user) });
    const { url } = (await link.json()) as { url: string };
    const signed = await fetch(new URL(url, b.url), { headers: { range: 'bytes=-1000' } });
    expect(signed.status).toBe(206);
    expect(Buffer.from(await signed.arrayBuffer()).equals(data.subarray(data.length - 1000))).toBe(true);

    // The quota counts it, as on the local disk.
    const quota = (await (await fetch(`${b.url}/api/documents/quota`, { headers: auth(user) })).json()) as {
      usedBytes: number;
    };
    expect(quota.usedBytes).toBe(data.length);
    const over = await create(b, user, QUOTA - data.length + 1, { filename: 'big.pdf', sha256: sha(data) });
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body)).toMatchObject({ code: 'QUOTA_EXCEEDED' });
  }, 120_000);

  it('refuses a file whose bytes do not match their SHA-256, and keeps nothing of it', async () => {
    needS3();
    const user = await signInByPhone(b, phone());
    const data = randomBytes(300 * 1024);
    const created = await create(b, user, data.length, { filename: 'scan.pdf', sha256: sha(randomBytes(8)) });
    expect(created.status).toBe(201);
    const uploadId = created.location!.split('/').pop()!;
    const sent = await tusPatch(b.url, auth(user), created.location!, 0, data);
    expect(sent.status).toBe(400);
    expect(JSON.parse(sent.body)).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect((await bucketKeys()).filter((k) => k.startsWith(uploadId))).toEqual([]);
    const listed = DocumentListSchema.parse(
      await (await fetch(`${b.url}/api/documents`, { headers: auth(user) })).json(),
    );
    expect(listed.documents).toEqual([]);
  });

  it('keeps a PATCH whose Upload-Checksum does not match out of the bucket; the right one continues', async () => {
    needS3();
    const user = await signInByPhone(b, phone());
    const data = randomBytes(200 * 1024);
    const created = await create(b, user, data.length, { filename: 'Дневник.txt', sha256: sha(data) });
    const patch = (body: Buffer, digest: Buffer) =>
      fetch(new URL(created.location!, b.url), {
        method: 'PATCH',
        headers: {
          ...auth(user),
          ...tus,
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
          'upload-checksum': `sha1 ${digest.toString('base64')}`,
        },
        body: new Uint8Array(body),
      });
    const wrong = await patch(data, createHash('sha1').update('other').digest());
    expect(wrong.status).toBe(460);
    expect(await head(b, user, created.location!)).toEqual({ status: 200, offset: '0' });
    const right = await patch(data, createHash('sha1').update(data).digest());
    expect(right.status).toBe(204);
    expect(right.headers.get('sferum-document-id')).toBeTruthy();
  });

  it('cancels a complete upload still waiting for its SHA-256: nothing of it stays in the bucket', async () => {
    needS3();
    const user = await signInByPhone(b, phone());
    const data = randomBytes(100 * 1024);
    const created = await create(b, user, data.length, { filename: 'Черновик.pdf' });
    const uploadId = created.location!.split('/').pop()!;
    const sent = await tusPatch(b.url, auth(user), created.location!, 0, data);
    expect([sent.status, sent.documentId]).toEqual([204, null]);
    expect((await bucketKeys()).filter((k) => k.startsWith(uploadId))).toEqual([
      uploadId,
      `${uploadId}.info`,
    ]);
    const cancelled = await fetch(new URL(created.location!, b.url), {
      method: 'DELETE',
      headers: { ...auth(user), ...tus },
    });
    expect(cancelled.status).toBe(204);
    expect((await bucketKeys()).filter((k) => k.startsWith(uploadId))).toEqual([]);
    expect((await head(b, user, created.location!)).status).toBe(404);
  });

  it('an expired upload whose bytes all arrived but never became a document leaves the bucket', async () => {
    needS3();
    const user = await signInByPhone(b, phone());
    const data = randomBytes(50 * 1024);
    const created = await create(b, user, data.length, { filename: 'Забытый.pdf' });
    const uploadId = created.location!.split('/').pop()!;
    expect((await tusPatch(b.url, auth(user), created.location!, 0, data)).status).toBe(204);
    expect((await bucketKeys()).filter((k) => k.startsWith(uploadId))).toEqual([
      uploadId,
      `${uploadId}.info`,
    ]);
    clock.advance(73 * 3_600_000);
    await b.server.context.documents.housekeeping();
    expect((await bucketKeys()).filter((k) => k.startsWith(uploadId))).toEqual([]);
  });

  it('refuses an empty file before anything reaches the bucket', async () => {
    needS3();
    const user = await signInByPhone(b, phone());
    const before = await bucketKeys();
    const created = await create(b, user, 0, { filename: 'empty.pdf', sha256: sha(Buffer.alloc(0)) });
    expect(created.status).toBe(400);
    expect(JSON.parse(created.body)).toMatchObject({ code: 'FILE_EMPTY' });
    expect(await bucketKeys()).toEqual(before);
  });
});

describe('S3 configuration', () => {
  const env = {
    SFERUM_S3_ENDPOINT: 'http://127.0.0.1:7480',
    SFERUM_S3_BUCKET: 'school-docs',
    SFERUM_S3_ACCESS_KEY_ID: 'KEY',
    SFERUM_S3_SECRET_ACCESS_KEY: 'SECRET',
  };

  it('switches the server to the bucket and says so at start, without the keys', () => {
    const config = loadConfig(env);
    expect(config.s3).toEqual({
      endpoint: 'http://127.0.0.1:7480',
      bucket: 'school-docs',
      region: 'us-east-1',
      accessKeyId: 'KEY',
      secretAccessKey: 'SECRET',
      forcePathStyle: true,
    });
    const printed = describeConfig(config, 'http://127.0.0.1:8787');
    expect(printed.blobStore).toBe('S3 bucket school-docs at http://127.0.0.1:7480');
    expect(JSON.stringify(printed)).not.toContain('SECRET');
    expect(loadConfig({ ...env, SFERUM_S3_FORCE_PATH_STYLE: '0' }).s3?.forcePathStyle).toBe(false);
    expect(String(describeConfig(loadConfig({}), 'x').blobStore)).toMatch(/^local folder .*blobs$/);
    expect(loadConfig({}).s3).toBeNull();
  });

  it('refuses a bucket-less or half-keyed S3 configuration', () => {
    expect(() => loadConfig({ SFERUM_S3_ENDPOINT: 'http://127.0.0.1:7480' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, SFERUM_S3_SECRET_ACCESS_KEY: '' })).toThrow(/go together/);
    expect(() => loadConfig({ ...env, SFERUM_S3_BUCKET: 'Bad_Bucket' })).toThrow(/bucket name/);
  });
});
