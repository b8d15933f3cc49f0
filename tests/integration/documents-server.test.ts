import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn, PullResponse } from '../../src/shared/api.js';
import {
  DOCUMENT_ID_HEADER,
  DocumentListSchema,
  encodeUploadMetadata,
  type DocumentRecord,
} from '../../src/shared/documents/index.js';
import { DEMO_STUDENT_PHONE } from '../../src/server/demo.js';
import {
  postJson,
  signInByPhone,
  startTestServer,
  testDeviceId,
  TestClock,
  type TestServer,
} from '../../src/server/testing.js';
import { tusPatch } from '../helpers/tus.js';

const QUOTA = 1024 * 1024;
const MAX_FILE = 600 * 1024;
const clock = new TestClock();
let ts: TestServer;
let counter = 0;

function newPhone(): string {
  counter += 1;
  return `+7933${String(counter).padStart(7, '0')}`;
}
function mid(): string {
  counter += 1;
  return `m-${counter}-${randomBytes(6).toString('hex')}`;
}
function fid(): string {
  return randomBytes(12).toString('base64url');
}
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const auth = (user: SignedIn) => ({ authorization: `Bearer ${user.tokens.accessToken}` });
const tus = { 'tus-resumable': '1.0.0' };

beforeAll(async () => {
  ts = await startTestServer({
    config: { demo: true, quotaBytes: QUOTA, maxFileBytes: MAX_FILE },
    deps: { now: clock.now },
  });
});
afterAll(async () => {
  await ts?.close();
});

async function create(
  user: SignedIn,
  size: number,
  meta: Record<string, string>,
): Promise<{ status: number; location: string | null; body: string }> {
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

function patch(user: SignedIn, location: string, offset: number, data: Buffer) {
  return tusPatch(ts.url, auth(user), location, offset, data);
}

async function head(user: SignedIn, location: string) {
  const response = await fetch(new URL(location, ts.url), {
    method: 'HEAD',
    headers: { ...auth(user), ...tus },
  });
  return { status: response.status, offset: response.headers.get('upload-offset') };
}

/** Uploads a whole file in one or two PATCHes; returns the document id. */
async function upload(
  user: SignedIn,
  name: string,
  data: Buffer,
  folderId: string | null = null,
): Promise<string> {
  const created = await create(user, data.length, {
    filename: name,
    sha256: sha(data),
    mime: 'application/pdf',
    ...(folderId ? { folderId } : {}),
  });
  expect(created.status, created.body).toBe(201);
  const half = Math.floor(data.length / 2);
  const first = await patch(user, created.location!, 0, data.subarray(0, half));
  expect(first.status).toBe(204);
  const last = await patch(user, created.location!, half, data.subarray(half));
  expect(last.status, last.body).toBe(204);
  expect(last.documentId).toBeTruthy();
  return last.documentId!;
}

async function list(user: SignedIn) {
  const response = await fetch(`${ts.url}/api/documents`, { headers: auth(user) });
  expect(response.status).toBe(200);
  return DocumentListSchema.parse(await response.json());
}

async function push(user: SignedIn, type: string, payload: unknown) {
  const r = await postJson<{ results: { status: string; error?: { code: string } }[] }>(
    `${ts.url}/api/sync/mutations`,
    { mutations: [{ id: mid(), type, payload }] },
    auth(user),
  );
  expect(r.status).toBe(200);
  return r.body.results[0]!;
}

async function signInTeacher(): Promise<SignedIn> {
  const deviceId = testDeviceId();
  const email = 'o.smirnova@school1.example.ru';
  const req = await postJson<{ requestId: string }>(`${ts.url}/api/auth/otp/request`, {
    channel: 'email',
    email,
    deviceId,
  });
  const code = ts.sender.lastCode(email)!;
  const verified = await postJson<SignedIn>(`${ts.url}/api/auth/otp/verify`, {
    requestId: req.body.requestId,
    code,
    deviceId,
    deviceName: 'Teacher',
  });
  expect(verified.body.status).toBe('signed_in');
  return verified.body;
}

describe('document uploads (tus)', () => {
  it('creates, patches, resumes from HEAD and stores a document with the sent bytes', async () => {
    const user = await signInByPhone(ts, newPhone());
    const data = randomBytes(200 * 1024);
    const created = await create(user, data.length, { filename: 'Справка.pdf', sha256: sha(data) });
    expect(created.status).toBe(201);
    expect(created.location).toMatch(/^\/api\/uploads\/[A-Za-z0-9_-]+$/);
    // A first part, then the connection is "lost": HEAD tells where to continue.
    expect((await patch(user, created.location!, 0, data.subarray(0, 70_000))).status).toBe(204);
    expect(await head(user, created.location!)).toEqual({ status: 200, offset: '70000' });
    // Not visible while incomplete.
    expect((await list(user)).documents).toEqual([]);
    const last = await patch(user, created.location!, 70_000, data.subarray(70_000));
    expect(last.status).toBe(204);
    const docs = (await list(user)).documents;
    expect(docs.map((d) => [d.name, d.size, d.sha256])).toEqual([['Справка.pdf', data.length, sha(data)]]);
    expect(docs[0]!.id).toBe(last.documentId);
    const content = await fetch(`${ts.url}/api/documents/${last.documentId}/content`, {
      headers: auth(user),
    });
    expect(Buffer.from(await content.arrayBuffer()).equals(data)).toBe(true);
    // The finish is idempotent: asking again gives the same document.
    const again = await postJson<{ document: DocumentRecord }>(
      `${ts.url}${created.location}/finish`,
      undefined,
      auth(user),
    );
    expect(again.body.document.id).toBe(last.documentId);
  });

  it('keeps every byte of a PATCH cut mid-way, so the client continues right there', async () => {
    const user = await signInByPhone(ts, newPhone());
    const data = randomBytes(500 * 1024);
    const created = await create(user, data.length, { filename: 'Концерт.mp4', sha256: sha(data) });
    const sent = 300 * 1024;
    // A PATCH announcing the whole rest of the file; the connection drops after 300 KiB.
    const req = http.request(new URL(created.location!, ts.url), {
      method: 'PATCH',
      headers: {
        ...auth(user),
        ...tus,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'content-length': String(data.length),
      },
    });
    req.on('error', () => undefined);
    for (let at = 0; at < sent; at += 16 * 1024) {
      await new Promise<void>((done) =>
        req.write(data.subarray(at, Math.min(at + 16 * 1024, sent)), () => done()),
      );
    }
    req.socket?.end();
    await new Promise((done) => req.once('close', done));
    await expect
      .poll(async () => (await head(user, created.location!)).offset, { timeout: 10_000 })
      .toBe(String(sent));
    const last = await patch(user, created.location!, sent, data.subarray(sent));
    expect(last.status, last.body).toBe(204);
    const content = await fetch(`${ts.url}/api/documents/${last.documentId}/content`, {
      headers: auth(user),
    });
    expect(Buffer.from(await content.arrayBuffer()).equals(data)).toBe(true);
  });

  it('refuses a wrong checksum: the document never appears and nothing is kept', async () => {
    const user = await signInByPhone(ts, newPhone());
    const data = randomBytes(10_000);
    const created = await create(user, data.length, { filename: 'a.bin', sha256: sha(Buffer.from('other')) });
    const last = await patch(user, created.location!, 0, data);
    expect(last.status).toBe(400);
    expect(JSON.parse(last.body)).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect((await list(user)).documents).toEqual([]);
    const id = created.location!.split('/').pop()!;
    expect(fs.existsSync(path.join(ts.dataDir, 'uploads', id))).toBe(false);
  });

  it('accepts the checksum on the last PATCH or at the finish instead of at creation, and refuses none at all', async () => {
    const user = await signInByPhone(ts, newPhone());
    const data = randomBytes(50_000);
    const created = await create(user, data.length, { filename: 'late.bin' });
    expect(created.status).toBe(201);
    expect((await patch(user, created.location!, 0, data.subarray(0, 20_000))).status).toBe(204);
    const last = await fetch(new URL(created.location!, ts.url), {
      method: 'PATCH',
      headers: {
        ...auth(user),
        ...tus,
        'upload-offset': '20000',
        'content-type': 'application/offset+octet-stream',
        'sferum-sha256': sha(data),
      },
      body: new Uint8Array(data.subarray(20_000)),
    });
    expect(last.status).toBe(204);
    expect(last.headers.get(DOCUMENT_ID_HEADER)).toBeTruthy();
    // A client that hashes as it sends: every byte first, then the checksum at the finish.
    const bareData = randomBytes(10);
    const bare = await create(user, 10, { filename: 'bare.bin' });
    const done = await patch(user, bare.location!, 0, bareData);
    expect([done.status, done.offset, done.documentId]).toEqual([204, '10', null]);
    expect((await list(user)).documents.map((d) => d.name)).toEqual(['late.bin']);
    const finish = (sha256?: string) =>
      postJson<{ code?: string; document?: DocumentRecord }>(`${ts.url}${bare.location}/finish`, undefined, {
        ...auth(user),
        ...(sha256 ? { 'sferum-sha256': sha256 } : {}),
      });
    const none = await finish();
    expect([none.status, none.body.code]).toEqual([400, 'CHECKSUM_MISMATCH']);
    expect((await list(user)).documents.map((d) => d.name)).toEqual(['late.bin']);
    const finished = await finish(sha(bareData));
    expect(finished.status).toBe(200);
    expect(finished.body.document).toMatchObject({ name: 'bare.bin', size: 10, sha256: sha(bareData) });
    expect((await list(user)).documents.map((d) => d.name).sort()).toEqual(['bare.bin', 'late.bin']);
  });

  it('checks the quota before a byte is sent, counting uploads in progress', async () => {
    const user = await signInByPhone(ts, newPhone());
    const first = await create(user, 500 * 1024, { filename: 'one.bin', sha256: '0'.repeat(64) });
    expect(first.status).toBe(201);
    const second = await create(user, 500 * 1024, { filename: 'two.bin', sha256: '0'.repeat(64) });
    expect(second.status).toBe(201);
    const third = await create(user, 100 * 1024, { filename: 'three.bin', sha256: '0'.repeat(64) });
    expect(third.status).toBe(413);
    expect(JSON.parse(third.body)).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    // Cancelling (termination) frees the reservation.
    const del = await fetch(new URL(first.location!, ts.url), {
      method: 'DELETE',
      headers: { ...auth(user), ...tus },
    });
    expect(del.status).toBe(204);
    expect((await create(user, 100 * 1024, { filename: 'three.bin', sha256: '0'.repeat(64) })).status).toBe(
      201,
    );
    const quota = await fetch(`${ts.url}/api/documents/quota`, { headers: auth(user) });
    expect(await quota.json()).toEqual({ usedBytes: 0, limitBytes: QUOTA, maxFileBytes: MAX_FILE });
  });

  it('refuses files over the size limit, empty files and names of only dots or slashes', async () => {
    const user = await signInByPhone(ts, newPhone());
    const big = await create(user, MAX_FILE + 1, { filename: 'big.mp4', sha256: '0'.repeat(64) });
    expect([big.status, JSON.parse(big.body).code]).toEqual([413, 'FILE_TOO_LARGE']);
    const empty = await create(user, 0, { filename: 'empty.txt', sha256: sha(Buffer.alloc(0)) });
    expect([empty.status, JSON.parse(empty.body).code]).toEqual([400, 'FILE_EMPTY']);
    for (const name of ['..', '../..', '/', ' . ']) {
      const bad = await create(user, 10, { filename: name, sha256: '0'.repeat(64) });
      expect([bad.status, JSON.parse(bad.body).code]).toEqual([400, 'FILE_NAME_INVALID']);
    }
    expect((await list(user)).documents).toEqual([]);
  });

  it('sanitises names and renames duplicates "name (2).ext"', async () => {
    const user = await signInByPhone(ts, newPhone());
    const a = await upload(user, '../../etc/passwd', randomBytes(100));
    const b = await upload(user, 'CON.txt', randomBytes(100));
    const c = await upload(user, 'отчёт. ', randomBytes(100));
    const d1 = await upload(user, 'Фото.jpg', randomBytes(100));
    const d2 = await upload(user, 'фото.jpg', randomBytes(100));
    const d3 = await upload(user, 'Фото.jpg', randomBytes(100));
    const names = new Map((await list(user)).documents.map((d) => [d.id, d.name]));
    expect(names.get(a)).toBe('.._.._etc_passwd');
    expect(names.get(b)).toBe('_CON.txt');
    expect(names.get(c)).toBe('отчёт');
    expect([names.get(d1), names.get(d2), names.get(d3)]).toEqual([
      'Фото.jpg',
      'фото (2).jpg',
      'Фото (3).jpg',
    ]);
  });

  it("requires a session, and answers 404 on somebody else's upload", async () => {
    const owner = await signInByPhone(ts, newPhone());
    const stranger = await signInByPhone(ts, newPhone());
    const anonymous = await fetch(`${ts.url}/api/uploads`, {
      method: 'POST',
      headers: { ...tus, 'upload-length': '10', 'upload-metadata': encodeUploadMetadata({ filename: 'x' }) },
    });
    expect(anonymous.status).toBe(401);
    const created = await create(owner, 100, { filename: 'x.bin', sha256: '0'.repeat(64) });
    expect((await head(stranger, created.location!)).status).toBe(404);
    expect((await patch(stranger, created.location!, 0, randomBytes(100))).status).toBe(404);
  });
});

describe('folders, trash and downloads', () => {
  it('creates folders, renames, moves, trashes and restores with the feed reaching another device', async () => {
    const phone = newPhone();
    const laptop = await signInByPhone(ts, phone);
    const phoneDevice = await signInByPhone(ts, phone);
    const folder = fid();
    expect(
      (await push(laptop, 'folder.create', { id: folder, parentId: null, name: 'Справки' })).status,
    ).toBe('applied');
    // Idempotent by mutation id and by folder id.
    expect(
      (await push(laptop, 'folder.create', { id: folder, parentId: null, name: 'Справки' })).status,
    ).toBe('applied');
    const doc = await upload(laptop, 'справка.pdf', randomBytes(1000), folder);
    const sub = fid();
    await push(laptop, 'folder.create', { id: sub, parentId: folder, name: 'Старые' });
    expect((await push(laptop, 'folder.create', { id: fid(), parentId: null, name: 'справки' })).status).toBe(
      'applied',
    );
    let state = await list(laptop);
    expect(state.folders.map((f) => f.name).sort()).toEqual(['Справки', 'Старые', 'справки (2)']);
    expect(state.documents[0]).toMatchObject({ id: doc, folderId: folder });

    expect(
      (await push(laptop, 'documents.rename', { kind: 'document', id: doc, name: 'новое.pdf' })).status,
    ).toBe('applied');
    expect((await push(laptop, 'documents.move', { kind: 'document', id: doc, folderId: sub })).status).toBe(
      'applied',
    );
    const loop = await push(laptop, 'documents.move', { kind: 'folder', id: folder, folderId: sub });
    expect(loop).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });

    // Trash the folder: everything inside goes with it, and comes back with it.
    await push(laptop, 'documents.trash', { kind: 'folder', id: folder });
    state = await list(laptop);
    expect(state.documents[0]!.trashedAt).not.toBeNull();
    expect(state.documents[0]!.trashRoot).toBe(folder);
    expect(state.folders.find((f) => f.id === sub)!.trashedAt).not.toBeNull();
    await push(laptop, 'documents.restore', { kind: 'folder', id: folder });
    state = await list(laptop);
    expect(state.documents[0]).toMatchObject({ name: 'новое.pdf', folderId: sub, trashedAt: null });

    // The other device sees the same through its feed.
    const pulled = await fetch(`${ts.url}/api/sync/changes`, { headers: auth(phoneDevice) });
    const feed = (await pulled.json()) as PullResponse;
    const lastDoc = feed.changes.filter((c) => c.entity === 'document' && c.id === doc).pop();
    expect(lastDoc?.data).toMatchObject({ name: 'новое.pdf', folderId: sub, trashedAt: null });
    expect(feed.changes.some((c) => c.entity === 'folder' && c.id === folder)).toBe(true);
  });

  it('empties the trash and purges after 30 days, freeing the quota and the blob', async () => {
    const phone = newPhone();
    const user = await signInByPhone(ts, phone);
    const keep = await upload(user, 'keep.txt', randomBytes(3000));
    const gone = await upload(user, 'gone.txt', randomBytes(5000));
    const old = await upload(user, 'old.txt', randomBytes(7000));
    await push(user, 'documents.trash', { kind: 'document', id: gone });
    await push(user, 'documents.trash', { kind: 'document', id: old });
    expect((await list(user)).quota.usedBytes).toBe(15_000);
    await push(user, 'documents.emptyTrash', {});
    let state = await list(user);
    expect(state.documents.map((d) => d.id)).toEqual([keep]);
    expect(state.quota.usedBytes).toBe(3000);
    const blobFile = path.join(ts.dataDir, 'blobs', gone.slice(0, 2), gone);
    for (let i = 0; i < 50 && fs.existsSync(blobFile); i++) await new Promise((r) => setTimeout(r, 10));
    expect(fs.existsSync(blobFile)).toBe(false);

    const aged = await upload(user, 'aged.txt', randomBytes(100));
    await push(user, 'documents.trash', { kind: 'document', id: aged });
    clock.advance(31 * 86_400_000);
    await ts.server.context.documents.housekeeping();
    const again = await signInByPhone(ts, phone);
    const response = await fetch(`${ts.url}/api/documents/${aged}/content`, { headers: auth(again) });
    expect(response.status).toBe(404);
    state = await list(again);
    expect(state.documents.map((d) => d.id)).toEqual([keep]);
  });

  it('honours HTTP Range and serves browser links signed for a few minutes', async () => {
    const user = await signInByPhone(ts, newPhone());
    const data = randomBytes(10_000);
    const id = await upload(user, 'video.mp4', data);
    const part = await fetch(`${ts.url}/api/documents/${id}/content`, {
      headers: { ...auth(user), range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${data.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(100, 200))).toBe(true);
    const tail = await fetch(`${ts.url}/api/documents/${id}/content`, {
      headers: { ...auth(user), range: 'bytes=-10' },
    });
    expect(Buffer.from(await tail.arrayBuffer()).equals(data.subarray(-10))).toBe(true);
    const bad = await fetch(`${ts.url}/api/documents/${id}/content`, {
      headers: { ...auth(user), range: 'bytes=20000-' },
    });
    expect(bad.status).toBe(416);
    const link = await postJson<{ url: string }>(`${ts.url}/api/documents/${id}/link`, undefined, auth(user));
    const viaLink = await fetch(`${ts.url}${link.body.url}`);
    expect(viaLink.status).toBe(200);
    expect(viaLink.headers.get('content-disposition')).toContain("filename*=UTF-8''video.mp4");
    const forged = await fetch(`${ts.url}${link.body.url.replace(/s=[^&]+/, 's=AAAA')}`);
    expect(forged.status).toBe(404);
  });
});

describe('privacy', () => {
  it('another parent, a student and a teacher get 404 for everything of the owner', async () => {
    const owner = await signInByPhone(ts, newPhone());
    const id = await upload(owner, 'паспорт.pdf', randomBytes(500));
    const folder = fid();
    await push(owner, 'folder.create', { id: folder, parentId: null, name: 'Личное' });
    const others = [
      await signInByPhone(ts, newPhone()),
      await signInByPhone(ts, DEMO_STUDENT_PHONE),
      await signInTeacher(),
    ];
    for (const other of others) {
      expect((await list(other)).documents).toEqual([]);
      const content = await fetch(`${ts.url}/api/documents/${id}/content`, { headers: auth(other) });
      expect(content.status).toBe(404);
      expect(await content.json()).toEqual({ code: 'NOT_FOUND', message: 'Not found.' });
      const link = await postJson(`${ts.url}/api/documents/${id}/link`, undefined, auth(other));
      expect(link.status).toBe(404);
      for (const [type, payload] of [
        ['documents.rename', { kind: 'document', id, name: 'x' }],
        ['documents.trash', { kind: 'document', id }],
        ['documents.move', { kind: 'document', id, folderId: null }],
        ['documents.trash', { kind: 'folder', id: folder }],
        ['folder.create', { id: fid(), parentId: folder, name: 'x' }],
      ] as const) {
        expect(await push(other, type, payload)).toMatchObject({
          status: 'rejected',
          error: { code: 'NOT_FOUND' },
        });
      }
      // Emptying their own trash touches nothing of the owner's.
      await push(other, 'documents.emptyTrash', {});
    }
    const state = await list(owner);
    expect(state.documents.map((d) => [d.id, d.name, d.trashedAt])).toEqual([[id, 'паспорт.pdf', null]]);
    expect(state.folders.map((f) => f.name)).toEqual(['Личное']);
  });
});
