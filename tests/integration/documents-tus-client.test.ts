import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import {
  DOCUMENT_ID_HEADER,
  DocumentListSchema,
  encodeUploadMetadata,
} from '../../src/shared/documents/index.js';
import { signInByPhone } from '../../src/server/testing.js';
import { freshPhone } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TUS, tusPatch } from '../helpers/tus.js';

/**
 * Every tus extension the server names in Tus-Extension, spoken by the official client
 * (tus-js-client, as the web version uses it) against a real server on loopback; and what
 * the server says to a body that goes past the upload's length.
 */

const QUOTA = 4 * 1024 * 1024;
const EXTENSIONS = ['creation', 'creation-with-upload', 'termination', 'checksum', 'expiration'];
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const digest = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('base64');

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer({ config: { demo: false, quotaBytes: QUOTA, uploadExpiryHours: 24 } });
});
afterAll(async () => {
  await ts?.close();
});

const bearer = (user: SignedIn) => ({ authorization: `Bearer ${user.tokens.accessToken}` });

async function newParent(): Promise<SignedIn> {
  return signInByPhone(ts, freshPhone('941'));
}

interface Seen {
  method: string;
  status: number;
  headers: Record<string, string | undefined>;
}

interface Outcome {
  error: (Error & { originalResponse?: tus.HttpResponse | null }) | null;
  documentId: string | null;
  url: string | null;
  /** Every answer the client saw, in order. */
  seen: Seen[];
}

/** One upload with tus-js-client to the end (success or error), with what it saw on the way. */
function send(
  user: SignedIn,
  data: Buffer,
  options: Partial<tus.UploadOptions> & { name?: string } = {},
  server: TestServer = ts,
): Promise<Outcome> {
  const seen: Seen[] = [];
  const { name, ...rest } = options;
  return new Promise((resolve) => {
    const upload = new tus.Upload(data, {
      endpoint: `${server.url}/api/uploads`,
      metadata: { filename: name ?? 'Справка.pdf', sha256: sha256(data), mime: 'application/pdf' },
      headers: bearer(user),
      retryDelays: [],
      storeFingerprintForResuming: false,
      onAfterResponse: (req, res) => {
        seen.push({
          method: req.getMethod(),
          status: res.getStatus(),
          headers: Object.fromEntries(
            ['upload-offset', 'upload-expires', 'location', DOCUMENT_ID_HEADER].map((h) => [
              h,
              res.getHeader(h) ?? undefined,
            ]),
          ),
        });
      },
      ...rest,
      onSuccess: ({ lastResponse }) =>
        resolve({
          error: null,
          documentId: lastResponse.getHeader(DOCUMENT_ID_HEADER) ?? null,
          url: upload.url,
          seen,
        }),
      onError: (error) => resolve({ error, documentId: null, url: upload.url, seen }),
    });
    upload.start();
  });
}

async function documents(user: SignedIn) {
  const r = await fetch(`${ts.url}/api/documents`, { headers: bearer(user) });
  return DocumentListSchema.parse(await r.json());
}

async function content(user: SignedIn, id: string): Promise<Buffer> {
  const r = await fetch(`${ts.url}/api/documents/${id}/content`, { headers: bearer(user) });
  expect(r.status).toBe(200);
  return Buffer.from(await r.arrayBuffer());
}

async function head(user: SignedIn, url: string, server: TestServer = ts) {
  const r = await fetch(new URL(url, server.url), { method: 'HEAD', headers: { ...bearer(user), ...TUS } });
  return { status: r.status, offset: r.headers.get('upload-offset') };
}

async function create(user: SignedIn, data: Buffer, name = 'file.bin'): Promise<string> {
  const r = await fetch(`${ts.url}/api/uploads`, {
    method: 'POST',
    headers: {
      ...bearer(user),
      ...TUS,
      'upload-length': String(data.length),
      'upload-metadata': encodeUploadMetadata({ filename: name, sha256: sha256(data) }),
    },
  });
  expect(r.status, await r.clone().text()).toBe(201);
  return r.headers.get('location')!;
}

/** A PATCH whose body is sent chunked (no Content-Length), so its length is known only as it arrives. */
function chunkedPatch(
  user: SignedIn,
  location: string,
  offset: number,
  parts: Buffer[],
): Promise<{ status: number; offset: string | null; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(location, ts.url), {
      method: 'PATCH',
      headers: {
        ...bearer(user),
        ...TUS,
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
        'transfer-encoding': 'chunked',
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, offset: (res.headers['upload-offset'] as string) ?? null, body }),
      );
    });
    req.on('error', reject);
    void (async () => {
      for (const part of parts) {
        req.write(part);
        await new Promise((r) => setTimeout(r, 20));
      }
      req.end();
    })();
  });
}

describe('Tus-Extension', () => {
  it('names exactly the extensions tested below, and the checksum algorithms', async () => {
    const r = await fetch(`${ts.url}/api/uploads`, { method: 'OPTIONS' });
    expect(r.status).toBe(204);
    expect(r.headers.get('tus-version')).toBe('1.0.0');
    expect(r.headers.get('tus-extension')!.split(',').sort()).toEqual([...EXTENSIONS].sort());
    expect(r.headers.get('tus-checksum-algorithm')!.split(',')).toContain('sha1');
  });
});

describe('creation and creation-with-upload', () => {
  it('creation: the client creates the upload, then sends the file in PATCHes; one document', async () => {
    const user = await newParent();
    const data = randomBytes(300_000);
    const out = await send(user, data, { chunkSize: 128 * 1024 });
    expect(out.error).toBeNull();
    expect(out.documentId).toBeTruthy();
    expect((await content(user, out.documentId!)).equals(data)).toBe(true);
    expect(out.seen.map((s) => `${s.method} ${s.status}`)).toEqual([
      'POST 201',
      'PATCH 204',
      'PATCH 204',
      'PATCH 204',
    ]);
  });

  it('uploadDataDuringCreation: the whole file in the POST finishes without error and is stored once (was a 404, and a retry stored "name (2)")', async () => {
    const user = await newParent();
    const data = randomBytes(200_000);
    const out = await send(user, data, { uploadDataDuringCreation: true, retryDelays: [0, 100] });
    expect(out.error).toBeNull();
    expect(out.seen).toHaveLength(1);
    const post = out.seen[0]!;
    expect(post).toMatchObject({ method: 'POST', status: 201 });
    expect(post.headers['upload-offset']).toBe(String(data.length));
    expect(post.headers[DOCUMENT_ID_HEADER]).toBe(out.documentId);
    // Complete, so it no longer expires.
    expect(post.headers['upload-expires']).toBeUndefined();
    const list = await documents(user);
    expect(list.documents.map((d) => d.name)).toEqual(['Справка.pdf']);
    expect(list.quota.usedBytes).toBe(data.length);
    expect((await content(user, out.documentId!)).equals(data)).toBe(true);
    // Nothing is held for an upload in progress: the rest of the quota fits in one file.
    const rest = Buffer.alloc(QUOTA - data.length, 1);
    await create(user, rest);
  });

  it('uploadDataDuringCreation with chunks: the first chunk in the POST, the rest in PATCHes', async () => {
    const user = await newParent();
    const data = randomBytes(250_000);
    const out = await send(user, data, { uploadDataDuringCreation: true, chunkSize: 100_000 });
    expect(out.error).toBeNull();
    expect(out.seen.map((s) => `${s.method} ${s.status} ${s.headers['upload-offset']}`)).toEqual([
      'POST 201 100000',
      'PATCH 204 200000',
      'PATCH 204 250000',
    ]);
    // The POST that did not complete the upload says when it expires, like a PATCH does.
    expect(Date.parse(out.seen[0]!.headers['upload-expires']!)).toBeGreaterThan(Date.now());
    const list = await documents(user);
    expect(list.documents).toHaveLength(1);
    expect(list.quota.usedBytes).toBe(data.length);
    expect((await content(user, out.documentId!)).equals(data)).toBe(true);
  });

  it('a refused creation-with-upload keeps nothing: over the quota, nothing is created or held', async () => {
    const user = await newParent();
    const out = await send(user, Buffer.alloc(QUOTA + 1, 2), { uploadDataDuringCreation: true });
    expect(out.error?.originalResponse?.getStatus()).toBe(413);
    expect((await documents(user)).documents).toEqual([]);
    await create(user, Buffer.alloc(QUOTA, 3));
  });
});

describe('creation-defer-length', () => {
  it('is not offered: a deferred length is refused before anything is stored', async () => {
    const user = await newParent();
    const out = await send(user, randomBytes(1000), { uploadLengthDeferred: true });
    expect(out.error?.originalResponse?.getStatus()).toBe(400);
    const raw = await fetch(`${ts.url}/api/uploads`, {
      method: 'POST',
      headers: {
        ...bearer(user),
        ...TUS,
        'upload-defer-length': '1',
        'upload-metadata': encodeUploadMetadata({ filename: 'a.txt' }),
      },
    });
    expect(raw.status).toBe(400);
    expect((await documents(user)).documents).toEqual([]);
    expect((await documents(user)).quota.usedBytes).toBe(0);
  });
});

describe('termination', () => {
  it('abort(true) ends the upload on the server: it is gone and no longer holds the quota', async () => {
    const user = await newParent();
    const data = Buffer.alloc(QUOTA, 7);
    let url: string | null = null;
    await new Promise<void>((resolve, reject) => {
      const upload = new tus.Upload(data, {
        endpoint: `${ts.url}/api/uploads`,
        metadata: { filename: 'большой.bin', sha256: sha256(data) },
        headers: bearer(user),
        chunkSize: 1024 * 1024,
        retryDelays: [],
        onChunkComplete: () => {
          url = upload.url;
          upload.abort(true).then(resolve, reject);
        },
        onError: reject,
      });
      upload.start();
    });
    expect(url).toBeTruthy();
    expect((await head(user, url!)).status).toBe(404);
    // The whole quota is free again: a new upload of all of it is accepted.
    await create(user, data);
    expect((await documents(user)).documents).toEqual([]);
  });
});

describe('checksum', () => {
  /** Adds Upload-Checksum (of the chunk the request carries) to every request with a body. */
  const withChecksum =
    (data: Buffer, chunkSize: number, algorithm = 'sha1', spoil = false) =>
    (req: tus.HttpRequest) => {
      const offset = Number(req.getHeader('Upload-Offset') ?? (req.getMethod() === 'POST' ? 0 : NaN));
      if (Number.isNaN(offset)) return;
      const chunk = Buffer.from(data.subarray(offset, offset + chunkSize));
      if (spoil) chunk[0] = chunk[0]! ^ 1;
      req.setHeader('Upload-Checksum', `${algorithm} ${digest(algorithm, chunk)}`);
    };

  it('a chunk with a matching Upload-Checksum is stored (sha1, sha256, also in the creation POST)', async () => {
    const user = await newParent();
    for (const [algorithm, during] of [
      ['sha1', false],
      ['sha256', true],
    ] as const) {
      const data = randomBytes(150_000);
      const out = await send(user, data, {
        name: `${algorithm}.bin`,
        chunkSize: 64 * 1024,
        uploadDataDuringCreation: during,
        onBeforeRequest: withChecksum(data, 64 * 1024, algorithm),
      });
      expect(out.error, algorithm).toBeNull();
      expect((await content(user, out.documentId!)).equals(data)).toBe(true);
    }
  });

  it('a chunk that does not match its Upload-Checksum is answered 460 and nothing of it is kept', async () => {
    const user = await newParent();
    const data = randomBytes(100_000);
    const created = await create(user, data);
    const first = data.subarray(0, 40_000);
    const good = await fetch(new URL(created, ts.url), {
      method: 'PATCH',
      headers: {
        ...bearer(user),
        ...TUS,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'upload-checksum': `sha1 ${digest('sha1', first)}`,
      },
      body: new Uint8Array(first),
    });
    expect(good.status).toBe(204);
    const rest = Buffer.from(data.subarray(40_000));
    const wrong = await fetch(new URL(created, ts.url), {
      method: 'PATCH',
      headers: {
        ...bearer(user),
        ...TUS,
        'upload-offset': '40000',
        'content-type': 'application/offset+octet-stream',
        'upload-checksum': `sha1 ${digest('sha1', Buffer.from('something else'))}`,
      },
      body: new Uint8Array(rest),
    });
    expect(wrong.status).toBe(460);
    expect(await wrong.json()).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect((await head(user, created)).offset).toBe('40000');
    // The client sends the chunk again, right this time: the document is the file.
    const again = await tusPatch(ts.url, bearer(user), created, 40_000, rest);
    expect(again.status).toBe(204);
    expect((await content(user, again.documentId!)).equals(data)).toBe(true);
  });

  it('tus-js-client gets 460 for a spoilt chunk (PATCH and creation POST), and no document appears', async () => {
    const user = await newParent();
    const data = randomBytes(90_000);
    const patched = await send(user, data, {
      chunkSize: 30_000,
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH' && req.getHeader('Upload-Offset') === '30000')
          withChecksum(data, 30_000, 'sha1', true)(req);
      },
    });
    expect(patched.error?.originalResponse?.getStatus()).toBe(460);
    expect((await head(user, patched.url!)).offset).toBe('30000');
    const posted = await send(user, data, {
      uploadDataDuringCreation: true,
      onBeforeRequest: withChecksum(data, data.length, 'md5', true),
    });
    expect(posted.error?.originalResponse?.getStatus()).toBe(460);
    expect((await documents(user)).documents).toEqual([]);
    // The refused POST holds nothing: all that is held is the first upload, open at 30000.
    expect((await documents(user)).quota.usedBytes).toBe(0);
    await create(user, Buffer.alloc(QUOTA - data.length, 1));
  });

  it('an algorithm the server does not know is refused with 400', async () => {
    const user = await newParent();
    const data = randomBytes(1000);
    const created = await create(user, data);
    const r = await fetch(new URL(created, ts.url), {
      method: 'PATCH',
      headers: {
        ...bearer(user),
        ...TUS,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'upload-checksum': `crc32 ${Buffer.from('abcd').toString('base64')}`,
      },
      body: new Uint8Array(data),
    });
    expect(r.status).toBe(400);
    expect((await head(user, created)).offset).toBe('0');
  });
});

describe('expiration', () => {
  it('creation and every PATCH that leaves the upload unfinished say when it expires', async () => {
    const user = await newParent();
    const data = randomBytes(200_000);
    const before = Date.now();
    const out = await send(user, data, { chunkSize: 80_000 });
    expect(out.error).toBeNull();
    const [post, ...patches] = out.seen;
    const expires = Date.parse(post!.headers['upload-expires']!);
    // 24 hours after creation (RFC 7231 dates have whole seconds).
    expect(expires).toBeGreaterThanOrEqual(before + 24 * 3_600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);
    expect(patches.map((p) => p.headers['upload-expires'])).toEqual([
      post!.headers['upload-expires'],
      post!.headers['upload-expires'],
      undefined,
    ]);
  });

  it('an expired upload answers 410 to HEAD and PATCH', async () => {
    const short = await startTestServer({ config: { demo: false, uploadExpiryHours: 1 / 3600 } });
    try {
      const user = await signInByPhone(short, freshPhone('942'));
      const data = randomBytes(1000);
      const r = await fetch(`${short.url}/api/uploads`, {
        method: 'POST',
        headers: {
          ...bearer(user),
          ...TUS,
          'upload-length': String(data.length),
          'upload-metadata': encodeUploadMetadata({ filename: 'a.bin', sha256: sha256(data) }),
        },
      });
      expect(r.headers.get('upload-expires')).toBeTruthy();
      const location = r.headers.get('location')!;
      await new Promise((done) => setTimeout(done, 1300));
      expect((await head(user, location, short)).status).toBe(410);
      const patch = await tusPatch(short.url, bearer(user), location, 0, data);
      expect(patch.status).toBe(410);
    } finally {
      await short.close();
    }
  });
});

describe('a body past Upload-Length', () => {
  it('a PATCH longer than the rest of the upload is answered 413 and nothing of it is stored', async () => {
    const user = await newParent();
    const data = randomBytes(10_000);
    const location = await create(user, data);
    expect((await tusPatch(ts.url, bearer(user), location, 0, data.subarray(0, 4000))).status).toBe(204);
    const over = await tusPatch(
      ts.url,
      bearer(user),
      location,
      4000,
      Buffer.concat([data.subarray(4000), data]),
    );
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body)).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect((await head(user, location)).offset).toBe('4000');
    const rest = await tusPatch(ts.url, bearer(user), location, 4000, data.subarray(4000));
    expect(rest.status).toBe(204);
    expect((await content(user, rest.documentId!)).equals(data)).toBe(true);
  });

  it('also when the body is chunked and goes past the length only as it arrives', async () => {
    const user = await newParent();
    const data = randomBytes(10_000);
    const location = await create(user, data);
    const over = await chunkedPatch(user, location, 0, [
      data.subarray(0, 6000),
      data.subarray(6000),
      Buffer.from('and more'),
    ]);
    expect(over.status).toBe(413);
    expect((await head(user, location)).offset).toBe('0');
    expect((await documents(user)).documents).toEqual([]);
    const exact = await chunkedPatch(user, location, 0, [data.subarray(0, 6000), data.subarray(6000)]);
    expect(exact.status).toBe(204);
    const list = await documents(user);
    expect(list.documents).toHaveLength(1);
    expect((await content(user, list.documents[0]!.id)).equals(data)).toBe(true);
  });

  it('a creation POST whose body is longer than its Upload-Length is refused before anything is created', async () => {
    const user = await newParent();
    const data = randomBytes(5000);
    const r = await fetch(`${ts.url}/api/uploads`, {
      method: 'POST',
      headers: {
        ...bearer(user),
        ...TUS,
        'upload-length': '4000',
        'upload-metadata': encodeUploadMetadata({
          filename: 'a.bin',
          sha256: sha256(data.subarray(0, 4000)),
        }),
        'content-type': 'application/offset+octet-stream',
      },
      body: new Uint8Array(data),
    });
    expect(r.status).toBe(413);
    expect(r.headers.get('location')).toBeNull();
    const list = await documents(user);
    expect(list.documents).toEqual([]);
    await create(user, Buffer.alloc(QUOTA, 1));
  });
});
