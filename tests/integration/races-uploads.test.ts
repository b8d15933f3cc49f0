import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { DocumentListSchema, encodeUploadMetadata, nameKey } from '../../src/shared/documents/index.js';
import { postJson, signInByPhone } from '../../src/server/testing.js';
import { createTestCore, randomPhone, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { bearer } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { tusPatch } from '../helpers/tus.js';

/**
 * Two uploads of the same file at the same moment: two correct documents ("x.pdf" and
 * "x (2).pdf") or one, never a broken one. Each resulting document is checked by its
 * SHA-256 through the content route, the data directory holds no partial file
 * afterwards, and the quota counts exactly the documents that exist.
 */

const QUOTA = 8 * 1024 * 1024;
const tus = { 'tus-resumable': '1.0.0' };
const sha = (data: Buffer | Uint8Array): string => createHash('sha256').update(data).digest('hex');

let server: TestServer;
let files: { path: string; remove(): void };
const cores: TestCore[] = [];

beforeAll(async () => {
  server = await startTestServer({ config: { quotaBytes: QUOTA, maxFileBytes: 2 * 1024 * 1024 } });
  files = makeTempDir('sferum-races-uploads-');
});
afterEach(async () => {
  for (const c of cores.splice(0)) await c.dispose();
});
afterAll(async () => {
  await server?.close();
  files?.remove();
});

async function parent(phone = randomPhone()): Promise<SignedIn> {
  return signInByPhone(server, phone);
}

/** Creates a tus upload; returns its location. */
async function create(user: SignedIn, data: Buffer, name: string, folderId: string | null): Promise<string> {
  const response = await fetch(`${server.url}/api/uploads`, {
    method: 'POST',
    headers: {
      ...bearer(user),
      ...tus,
      'upload-length': String(data.length),
      'upload-metadata': encodeUploadMetadata({
        filename: name,
        sha256: sha(data),
        mime: 'application/pdf',
        ...(folderId ? { folderId } : {}),
      }),
    },
  });
  expect(response.status, await response.text()).toBe(201);
  return response.headers.get('location')!;
}

function patch(user: SignedIn, location: string, offset: number, data: Buffer) {
  return tusPatch(server.url, bearer(user), location, offset, data);
}

/** A PATCH over a plain socket: `sent` settles when its last byte has left, before any answer. */
function rawPatch(user: SignedIn, location: string, offset: number, data: Buffer) {
  let sentResolve!: () => void;
  const sent = new Promise<void>((resolve) => (sentResolve = resolve));
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(new URL(location, server.url), {
      method: 'PATCH',
      agent: false,
      headers: {
        ...bearer(user),
        ...tus,
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
        'content-length': String(data.length),
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('finish', () => sentResolve());
    req.end(data);
  });
  return { answer, sent };
}

async function documents(user: SignedIn) {
  const response = await fetch(`${server.url}/api/documents`, { headers: bearer(user) });
  return DocumentListSchema.parse(await response.json());
}

async function content(user: SignedIn, id: string): Promise<Buffer> {
  const response = await fetch(`${server.url}/api/documents/${id}/content`, { headers: bearer(user) });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

async function push(user: SignedIn, type: string, payload: unknown) {
  const r = await postJson<{ results: { status: string; error?: { code: string } }[] }>(
    `${server.url}/api/sync/mutations`,
    { mutations: [{ id: randomBytes(12).toString('base64url'), type, payload }] },
    bearer(user),
  );
  return r.body.results[0]!;
}

/**
 * What must hold after any race: every live document's bytes match its SHA-256 (read
 * back through the content route), names are unique in each folder, nothing is left in
 * the uploads folder, every blob belongs to a document, and the quota is their sum.
 */
async function checkConsistent(user: SignedIn, expected: Map<string, Buffer>) {
  const list = await documents(user);
  const live = list.documents.filter((d) => d.trashedAt === null);
  for (const doc of live) {
    const bytes = await content(user, doc.id);
    expect(sha(bytes), doc.name).toBe(doc.sha256);
    expect(bytes.length).toBe(doc.size);
    const want = expected.get(doc.id);
    if (want) expect(sha(bytes), doc.name).toBe(sha(want));
  }
  const keys = live.map((d) => `${d.folderId ?? ''}/${nameKey(d.name)}`);
  expect(new Set(keys).size, keys.join(', ')).toBe(keys.length);
  expect(list.quota.usedBytes).toBe(list.documents.reduce((n, d) => n + d.size, 0));
  // No partial upload is left behind, and no blob without its document.
  expect(fs.readdirSync(path.join(server.dataDir, 'uploads'))).toEqual([]);
  const db = new Database(path.join(server.dataDir, 'sferum.db'), { readonly: true });
  const blobKeys = new Set(
    (db.prepare('SELECT blob_key AS k FROM documents').all() as { k: string }[]).map((r) => r.k),
  );
  const active = db.prepare("SELECT count(*) AS n FROM uploads WHERE state = 'active'").get() as {
    n: number;
  };
  db.close();
  const blobRoot = path.join(server.dataDir, 'blobs');
  const onDisk = fs.readdirSync(blobRoot).flatMap((d) => fs.readdirSync(path.join(blobRoot, d)));
  for (const key of onDisk) expect(blobKeys.has(key), `blob ${key} has no document`).toBe(true);
  expect(active.n).toBe(0);
  return live;
}

describe('races: two uploads of the same file at once', () => {
  it('the same bytes, name and folder over tus at the same moment: "x.pdf" and "x (2).pdf", both intact', async () => {
    const mom = await parent();
    const folderId = randomBytes(12).toString('base64url');
    expect(await push(mom, 'folder.create', { id: folderId, parentId: null, name: 'Справки' })).toMatchObject(
      {
        status: 'applied',
      },
    );
    const data = randomBytes(700 * 1024);
    const a = await create(mom, data, 'x.pdf', folderId);
    const b = await create(mom, data, 'x.pdf', folderId);
    // Chunk by chunk, both at once, so the last chunks (and the finishing) race.
    const chunk = 256 * 1024;
    const ids: string[] = [];
    for (let offset = 0; offset < data.length; offset += chunk) {
      const part = data.subarray(offset, offset + chunk);
      const answers = await Promise.all([patch(mom, a, offset, part), patch(mom, b, offset, part)]);
      for (const r of answers) expect(r.status, r.body).toBe(204);
      if (offset + chunk >= data.length) ids.push(...answers.map((r) => r.documentId!));
    }
    expect(new Set(ids).size).toBe(2);
    const live = await checkConsistent(mom, new Map(ids.map((id) => [id, data])));
    expect(live.map((d) => d.name).sort()).toEqual(['x (2).pdf', 'x.pdf']);
    expect(live.every((d) => d.folderId === folderId)).toBe(true);
  });

  it('the last chunk and an explicit finish of the same upload racing: one document', async () => {
    const mom = await parent();
    const data = randomBytes(300 * 1024);
    const at = await create(mom, data, 'x.pdf', null);
    const half = 150 * 1024;
    expect((await patch(mom, at, 0, data.subarray(0, half))).status).toBe(204);
    const id = at.split('/').pop()!;
    const [last, finish] = await Promise.all([
      patch(mom, at, half, data.subarray(half)),
      fetch(`${server.url}/api/uploads/${id}/finish`, { method: 'POST', headers: bearer(mom) }),
    ]);
    expect(last.status, last.body).toBe(204);
    // The finish may arrive before the last byte (refused as incomplete) or after (the same document).
    if (finish.status === 200) {
      expect(((await finish.json()) as { document: { id: string } }).document.id).toBe(last.documentId);
    } else {
      expect(finish.status).toBe(409);
      expect(((await finish.json()) as { code: string }).code).toBe('UPLOAD_INCOMPLETE');
    }
    const live = await checkConsistent(mom, new Map([[last.documentId!, data]]));
    expect(live.map((d) => d.name)).toEqual(['x.pdf']);
  });

  it('the last chunk racing a cancel of the same upload: a whole document or none, nothing left behind', async () => {
    const mom = await parent();
    const data = randomBytes(128 * 1024);
    const half = 64 * 1024;
    const outcomes: string[] = [];
    for (let round = 0; round < 45; round++) {
      const at = await create(mom, data, 'x.pdf', null);
      expect((await patch(mom, at, 0, data.subarray(0, half))).status).toBe(204);
      // The cancel comes as the last chunk starts, 0-6 ms after its last byte is sent (while
      // the server checks the file and files it as a blob), or just after the answer.
      const { answer, sent } = rawPatch(mom, at, half, data.subarray(half));
      if (round % 3 === 1) {
        await sent;
        await new Promise((resolve) => setTimeout(resolve, round % 7));
      }
      if (round % 3 === 2) await answer;
      const cancel = await fetch(new URL(at, server.url), {
        method: 'DELETE',
        headers: { ...bearer(mom), ...tus },
      });
      const last = await answer;
      outcomes.push(`${last.status}/${cancel.status}`);
      expect([204, 404, 409, 410].includes(last.status), last.body).toBe(true);
      expect(cancel.status).toBeLessThan(500);
    }
    const live = await checkConsistent(mom, new Map());
    // Every upload whose last chunk was answered 204 is a whole document; the cancelled ones left nothing.
    expect(live.length, outcomes.join(' ')).toBe(outcomes.filter((o) => o.startsWith('204/')).length);
    for (const doc of live) expect(doc.sha256).toBe(sha(data));
  });

  it('two uploads finishing while another document is renamed to the same name: three names, no document lost', async () => {
    const mom = await parent();
    const other = randomBytes(64 * 1024);
    const y = await create(mom, other, 'y.pdf', null);
    const yId = (await patch(mom, y, 0, other)).documentId!;
    const data = randomBytes(400 * 1024);
    const a = await create(mom, data, 'x.pdf', null);
    const b = await create(mom, data, 'x.pdf', null);
    const half = 200 * 1024;
    for (const at of [a, b]) expect((await patch(mom, at, 0, data.subarray(0, half))).status).toBe(204);
    const [ra, rename, rb] = await Promise.all([
      patch(mom, a, half, data.subarray(half)),
      push(mom, 'documents.rename', { kind: 'document', id: yId, name: 'x.pdf' }),
      patch(mom, b, half, data.subarray(half)),
    ]);
    expect(ra.status, ra.body).toBe(204);
    expect(rb.status, rb.body).toBe(204);
    expect(rename.status).toBe('applied');
    const live = await checkConsistent(
      mom,
      new Map([
        [yId, other],
        [ra.documentId!, data],
        [rb.documentId!, data],
      ]),
    );
    expect(live.map((d) => d.name).sort()).toEqual(['x (2).pdf', 'x (3).pdf', 'x.pdf']);
  });

  it('two uploads that fit the quota only one at a time, created at once: one is refused, the quota stays exact', async () => {
    const small = await startTestServer({ config: { quotaBytes: 1024 * 1024, maxFileBytes: 1024 * 1024 } });
    try {
      const mom = await signInByPhone(small, randomPhone());
      const data = randomBytes(600 * 1024);
      const creations = await Promise.all(
        [0, 1].map(() =>
          fetch(`${small.url}/api/uploads`, {
            method: 'POST',
            headers: {
              ...bearer(mom),
              ...tus,
              'upload-length': String(data.length),
              'upload-metadata': encodeUploadMetadata({ filename: 'x.pdf', sha256: sha(data) }),
            },
          }),
        ),
      );
      const statuses = creations.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 413]);
      const refused = creations.find((r) => r.status === 413)!;
      expect(((await refused.json()) as { code: string }).code).toBe('QUOTA_EXCEEDED');
      const location = creations.find((r) => r.status === 201)!.headers.get('location')!;
      const done = await fetch(new URL(location, small.url), {
        method: 'PATCH',
        headers: {
          ...bearer(mom),
          ...tus,
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
        },
        body: new Uint8Array(data),
      });
      expect(done.status).toBe(204);
      const quota = (await (
        await fetch(`${small.url}/api/documents/quota`, { headers: bearer(mom) })
      ).json()) as { usedBytes: number };
      expect(quota.usedBytes).toBe(data.length);
    } finally {
      await small.close();
    }
  });

  it('from two devices of the same parent at once: two intact documents, seen by both devices', async () => {
    const phone = randomPhone();
    const devices = await Promise.all(
      [0, 1].map(async () => {
        const c = await createTestCore({ serverUrl: server.url, uploads: { chunkBytes: 64 * 1024 } });
        cores.push(c);
        await signInAs(c.core, phone);
        return c;
      }),
    );
    const data = randomBytes(500 * 1024);
    const file = path.join(files.path, 'x.pdf');
    fs.writeFileSync(file, data);
    const added = await Promise.all(devices.map((d) => d.core.documents.enqueuePaths([file], null)));
    expect(added.map((r) => r.added)).toEqual([1, 1]);
    await Promise.all(devices.map((d) => d.core.documents.uploads.whenIdle()));
    for (const d of devices) {
      expect(d.core.documents.uploads.state().items.map((i) => i.state)).toEqual(['done']);
    }
    const web = await parent(phone);
    const live = await checkConsistent(
      web,
      new Map((await documents(web)).documents.map((d) => [d.id, data])),
    );
    expect(live.map((d) => d.name).sort()).toEqual(['x (2).pdf', 'x.pdf']);
    for (const d of devices) {
      await waitFor(async () => {
        await d.core.syncNow();
        const names = d.core.documents
          .list({ view: 'search', folderId: null, query: '' })
          .items.map((i) => i.name)
          .sort();
        return names.join('|') === 'x (2).pdf|x.pdf';
      });
    }
  });
});
