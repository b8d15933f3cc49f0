import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { NAME_HIDDEN_CHARACTERS } from '../../src/shared/domain.js';
import { DocumentListSchema, encodeUploadMetadata } from '../../src/shared/documents/index.js';
import { postJson, signInByPhone, type TestServer } from '../../src/server/testing.js';
import { api, freshPhone, issueInvite, newStudent } from '../helpers/family.js';
import { startTestServer } from '../helpers/server.js';
import { TUS, tusPatch } from '../helpers/tus.js';

/** Names that would show something other than what they are, sent to the real server. */
let ts: TestServer;
let mom: SignedIn;
let seq = 0;

const auth = (user: SignedIn) => ({ authorization: `Bearer ${user.tokens.accessToken}` });
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  ts = await startTestServer();
  mom = await signInByPhone(ts, freshPhone('955'));
});
afterAll(async () => {
  await ts?.close();
});

async function createUpload(metadataHeader: string, size: number) {
  const response = await fetch(`${ts.url}/api/uploads`, {
    method: 'POST',
    headers: { ...auth(mom), ...TUS, 'upload-length': String(size), 'upload-metadata': metadataHeader },
  });
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

async function list() {
  const response = await fetch(`${ts.url}/api/documents`, { headers: auth(mom) });
  return DocumentListSchema.parse(await response.json());
}

async function push(type: string, payload: unknown) {
  seq += 1;
  const r = await postJson<{ results: { status: string; error?: { code: string; message: string } }[] }>(
    `${ts.url}/api/sync/mutations`,
    { mutations: [{ id: `names-${seq}-${randomBytes(4).toString('hex')}`, type, payload }] },
    auth(mom),
  );
  expect(r.status).toBe(200);
  return r.body.results[0]!;
}

describe('file and folder names on the server', () => {
  it('a file uploaded as «Счёт\\u202Efdp.exe» is stored and listed as «Счётfdp.exe», never shown as «…exe.pdf»', async () => {
    const data = Buffer.from('MZ pretending to be a bill');
    const created = await createUpload(
      encodeUploadMetadata({ filename: 'Счёт\u202Efdp.exe', sha256: sha(data) }),
      data.length,
    );
    expect(created.status).toBe(201);
    const sent = await tusPatch(ts.url, auth(mom), created.location!, 0, data);
    expect(sent.status).toBe(204);
    const doc = (await list()).documents.find((d) => d.id === sent.documentId)!;
    expect(doc.name).toBe('Счётfdp.exe');
    expect(doc.mime).toBe('application/octet-stream');
  });

  it('refuses an upload whose file name is not UTF-8 (a lone surrogate sent as WTF-8) with FILE_NAME_BROKEN', async () => {
    const before = (await list()).documents.length;
    // "Счёт" + the bytes of U+D800 (ED A0 80) + ".pdf": Buffer would read them as U+FFFD.
    const name = Buffer.concat([Buffer.from('Счёт'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('.pdf')]);
    const created = await createUpload(
      `filename ${name.toString('base64')},sha256 ${Buffer.from(sha(Buffer.from('x'))).toString('base64')}`,
      1,
    );
    expect(created.status).toBe(400);
    expect(JSON.parse(created.body)).toMatchObject({ code: 'FILE_NAME_BROKEN' });
    expect((await list()).documents.length).toBe(before);
  });

  it('a rename with a lone surrogate is refused with FILE_NAME_BROKEN and the name stays', async () => {
    const id = randomBytes(12).toString('base64url');
    expect(
      await push('folder.create', { id, parentId: null, name: '\u2066Справки\u2069 2024' }),
    ).toMatchObject({
      status: 'applied',
    });
    expect((await list()).folders.find((f) => f.id === id)?.name).toBe('Справки 2024');

    const renamed = await push('documents.rename', { kind: 'folder', id, name: 'Справки \uD800' });
    expect(renamed).toMatchObject({ status: 'rejected', error: { code: 'FILE_NAME_BROKEN' } });
    expect((await list()).folders.find((f) => f.id === id)?.name).toBe('Справки 2024');

    // An override in a rename is removed, like in an upload.
    expect(await push('documents.rename', { kind: 'folder', id, name: 'Справки\u202E2024' })).toMatchObject({
      status: 'applied',
    });
    expect((await list()).folders.find((f) => f.id === id)?.name).toBe('Справки2024');
  });
});

describe('person names on the server', () => {
  it('a profile change with a direction override is refused and the name stays', async () => {
    const result = await push('profile.update', { surname: 'Петрова\u202E', name: 'Мария', patronymic: '' });
    expect(result).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    expect(result.error!.message).toContain(NAME_HIDDEN_CHARACTERS);
    const me = await fetch(`${ts.url}/api/me`, { headers: auth(mom) });
    expect(((await me.json()) as { surname: string }).surname).toBe('Петрова');
  });

  it('a parent confirming a child with a zero-width space in the surname is told which field', async () => {
    const s = await newStudent(ts);
    const student = await signInByPhone(ts, s.phone);
    const invite = await issueInvite(ts, student);
    const r = await api<{ code: string; fields: Record<string, string> }>(
      ts,
      '/api/family/invite/confirm',
      mom,
      {
        token: invite.token,
        child: { surname: 'Сидо\u200Bров', name: 'Миша', patronymic: '', birthDate: null },
      },
    );
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expect(r.body.fields).toEqual({ 'child.surname': NAME_HIDDEN_CHARACTERS });
  });
});
