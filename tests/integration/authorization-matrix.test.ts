import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OtpRequestResponse, OtpVerifyResponse, SignedIn } from '../../src/shared/api.js';
import { DOCUMENT_ID_HEADER, encodeUploadMetadata } from '../../src/shared/documents/index.js';
import { ERROR_STATUS, type ErrorCode } from '../../src/shared/errors.js';
import {
  createClass,
  createSchool,
  createSchoolAdmin,
  createStudent,
  createTeacher,
  inviteStudentByEmail,
  schoolContextOf,
} from '../../src/server/family/school.js';
import { postJson, signInByPhone, testDeviceId } from '../../src/server/testing.js';
import { freshPhone } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { attachVkIdStandIn, signInAtStandIn, type VkIdStandIn } from '../helpers/vkid.js';
import {
  CALLERS,
  MATRIX,
  matrixMarkdown,
  routeKey,
  type Caller,
  type Expectation,
} from './authorization-matrix.js';

/**
 * Calls every cell of the authorization matrix (authorization-matrix.ts) against one real
 * server on loopback, not in demo mode, with everyone but `anonymous` signed in through
 * the real code endpoints. Rows that write make their resource fresh for each cell, so
 * the cells do not depend on each other's order.
 */

type Person = { id: string; phone: string; deviceId: string; session: SignedIn; name: string };
type Signed = Exclude<Caller, 'anonymous'>;

interface Answer {
  status: number;
  text: string;
  headers: Record<string, string>;
  json: unknown;
}

/** What one cell works on; `as` replaces members of the cast for rows with a fresh family. */
interface Target {
  as?: Partial<Record<Signed, Person>>;
  [key: string]: unknown;
}

interface Driver {
  /** A fresh resource for one cell; rows without it share the world's. */
  prepare?(caller: Caller): Promise<Target>;
  call(caller: Caller, who: Person | null, target: Target): Promise<Answer>;
  /** Strings an allowed answer carries (the resource). */
  carries?(target: Target, caller: Caller): string[];
  /** Strings that must not be in an own or refused answer. */
  secrets(target: Target, caller: Caller): string[];
  /** Checks the state after the call: changed when allowed, unchanged otherwise. */
  after?(target: Target, caller: Caller, expected: Expectation, answer: Answer): Promise<void>;
  /** An own answer is about the caller. */
  ownCheck?(answer: Answer, who: Person, target: Target): void;
}

const web = makeTempDir('sferum-authz-web-');
let ts: TestServer;
let base: string;
const cast = {} as Record<Signed, Person>;
const school = { name: 'Школа № 31', other: 'Гимназия № 32', className: '5 А' };
/** The owner's document, folder and unfinished upload, shared by the read-only rows. */
const docContent = Buffer.from('owner-secret-content: паспорт 4510 123456, договор аренды, 2026.\n');
const doc = { id: '', name: 'Договор-аренды-Петровых.txt', sha: sha(docContent) };
const folder = { id: fid(), name: 'Папка-владельца-личное' };
let unfinished = { id: '', location: '' };
let vk: VkIdStandIn;
let emailSeq = 0;
const activePage = '<!doctype html><script>fetch("/api/auth/refresh", { method: "POST" })</script>';
/** Every code the server sent, so no answer is checked against a stale list. */
const sentCodes = (): string[] => ts.sender.sent.map((s) => s.code);

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
function fid(): string {
  return randomBytes(12).toString('base64url');
}
function mid(): string {
  return `authz-${randomBytes(8).toString('hex')}`;
}
const bearer = (p: Person | null): Record<string, string> =>
  p ? { authorization: `Bearer ${p.session.tokens.accessToken}` } : {};

async function request(
  method: string,
  url: string,
  options: { who?: Person | null; headers?: Record<string, string>; json?: unknown; body?: Uint8Array } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...bearer(options.who ?? null), ...options.headers };
  let body: string | Uint8Array | undefined = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(new URL(url, base), {
    method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body: body as BodyInit }),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, text, headers: Object.fromEntries(response.headers), json };
}

const TUS = { 'tus-resumable': '1.0.0' };

async function createUpload(who: Person, size: number, meta: Record<string, string>): Promise<Answer> {
  return request('POST', '/api/uploads', {
    who,
    headers: { ...TUS, 'upload-length': String(size), 'upload-metadata': encodeUploadMetadata(meta) },
  });
}

async function patchUpload(who: Person | null, location: string, offset: number, data: Buffer) {
  return request('PATCH', location, {
    who,
    headers: { ...TUS, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
    body: new Uint8Array(data),
  });
}

/** A whole document of `who`'s; returns its id. */
async function uploadDocument(
  who: Person,
  name: string,
  data: Buffer,
  folderId?: string,
  mime?: string,
): Promise<string> {
  const created = await createUpload(who, data.length, {
    filename: name,
    sha256: sha(data),
    ...(folderId ? { folderId } : {}),
    ...(mime ? { mime } : {}),
  });
  expect(created.status, created.text).toBe(201);
  const done = await patchUpload(who, created.headers.location!, 0, data);
  expect(done.status, done.text).toBe(204);
  return done.headers[DOCUMENT_ID_HEADER]!;
}

/** An upload of `who`'s with half its bytes sent. */
async function halfUpload(who: Person): Promise<{ id: string; location: string }> {
  const data = Buffer.from('half of an unfinished upload, the rest never comes');
  const created = await createUpload(who, data.length, {
    filename: 'Незаконченный-скан.txt',
    sha256: sha(data),
  });
  expect(created.status, created.text).toBe(201);
  const location = created.headers.location!;
  const half = await patchUpload(who, location, 0, data.subarray(0, 10));
  expect(half.status, half.text).toBe(204);
  return { id: location.split('/').pop()!, location };
}

async function mutate(who: Person | null, type: string, payload: unknown): Promise<Answer> {
  const answer = await request('POST', '/api/sync/mutations', {
    who,
    json: { mutations: [{ id: mid(), type, payload }] },
  });
  return resultAsAnswer(answer);
}

function resultAsAnswer(answer: Answer): Answer {
  if (answer.status !== 200) return answer;
  const result = (answer.json as { results: { status: string; error?: { code: ErrorCode } }[] }).results[0]!;
  if (result.status === 'applied') return answer;
  // A rejected result stands for its code's status in the table; the HTTP answer itself is 200.
  return {
    ...answer,
    status: ERROR_STATUS[result.error!.code] ?? 422,
    json: result.error,
    text: JSON.stringify(result.error),
  };
}

/** Like mutate, with a mutation id of the caller's choosing. */
async function mutateWithId(who: Person | null, id: string, type: string, payload: unknown): Promise<Answer> {
  const answer = await request('POST', '/api/sync/mutations', {
    who,
    json: { mutations: [{ id, type, payload }] },
  });
  return resultAsAnswer(answer);
}

async function documentsOf(who: Person) {
  const r = await request('GET', '/api/documents', { who });
  expect(r.status).toBe(200);
  return r.json as {
    folders: { id: string; name: string; parentId: string | null; trashedAt: string | null }[];
    documents: { id: string; name: string; folderId: string | null; trashedAt: string | null }[];
    quota: { usedBytes: number };
  };
}

async function newFolder(who: Person, name: string, parentId: string | null = null): Promise<string> {
  const id = fid();
  const r = await mutate(who, 'folder.create', { id, parentId, name });
  expect(r.status, r.text).toBe(200);
  return id;
}

async function signIn(phone: string, name?: { surname: string; name: string }): Promise<Person> {
  const deviceId = testDeviceId('authz');
  const session = await signInByPhone(ts, phone, { deviceId, ...(name ? { name } : {}) });
  return {
    id: session.profile.id,
    phone: session.profile.phone!,
    deviceId,
    session,
    name: `${session.profile.surname} ${session.profile.name}`,
  };
}

/** Another session of the same person, on another device. */
async function secondSession(p: Person): Promise<Person> {
  const again = await signIn(p.phone);
  expect(again.id).toBe(p.id);
  return again;
}

async function studentIn(
  className = school.className,
  surname = 'Соколов',
): Promise<{ id: string; phone: string }> {
  const phone = freshPhone('934');
  const user = await createStudent(schoolContextOf(ts.server.context), {
    surname,
    name: 'Илья',
    patronymic: '',
    school: school.name,
    className,
    phone,
    birthDate: '2014-02-03',
  });
  return { id: user.id, phone };
}

async function issueInvite(student: Person): Promise<string> {
  const r = await request('POST', '/api/family/invite', { who: student, json: {} });
  expect(r.status, r.text).toBe(200);
  return (r.json as { token: string }).token;
}

async function confirmAs(parent: Person | null, token: string, child: Person): Promise<Answer> {
  const [surname, name] = child.name.split(' ');
  return request('POST', '/api/family/invite/confirm', {
    who: parent,
    json: { token, child: { surname, name, patronymic: '', birthDate: '2014-02-03' } },
  });
}

/** A new student of the child's class, signed in, and their invite token. */
async function freshChild(surname = 'Новиков'): Promise<{ child: Person; token: string }> {
  const s = await studentIn(school.className, surname);
  const child = await signIn(s.phone);
  return { child, token: await issueInvite(child) };
}

async function parentsOf(childId: string): Promise<string[]> {
  const rows = await ts.server.context.family.tables.parentsOf(childId);
  return rows.map((r) => r.parentId).sort();
}

function isDocumentsRow(url: string, mutation: string | undefined): boolean {
  if (mutation) return mutation !== 'profile.update';
  return url.startsWith('/api/documents') || url.startsWith('/api/uploads');
}

function whoFor(caller: Caller, target: Target): Person | null {
  if (caller === 'anonymous') return null;
  return target.as?.[caller] ?? cast[caller];
}

const docSecrets = (): string[] => [doc.id, doc.name, doc.sha, docContent.toString('utf8').slice(0, 20)];

/** The same drivers answer GET and HEAD rows; a HEAD answer has no body to look into. */
function head(driver: Driver, fixedMethod = 'HEAD'): Driver {
  return {
    ...driver,
    call: async (caller, who, target) => {
      const answer = await driver.call(caller, who, { ...target, method: fixedMethod });
      expect(answer.text).toBe('');
      return answer;
    },
    carries: () => [],
    ownCheck: undefined,
  };
}

const DRIVERS: Record<string, Driver> = {};

DRIVERS.health = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/health', { who }),
  carries: (t) => (t.method === 'HEAD' ? [] : ['sferum-family']),
  secrets: () => [],
};
DRIVERS['health.head'] = head(DRIVERS.health);
DRIVERS.info = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/info', { who }),
  carries: () => ['"demo":false'],
  // Not in demo mode: no accounts are listed.
  secrets: () => Object.values(cast).map((p) => p.phone),
};
DRIVERS['info.head'] = head(DRIVERS.info);

DRIVERS.me = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/me', { who }),
  carries: () => [cast.owner.id, cast.owner.phone],
  secrets: () => [cast.owner.id, cast.owner.phone],
  ownCheck: (a, who) => expect((a.json as { id: string }).id).toBe(who.id),
};
DRIVERS['me.head'] = head(DRIVERS.me);

// ---- sign-in and sessions ----

DRIVERS['otp.request'] = {
  call: (_c, who) =>
    request('POST', '/api/auth/otp/request', {
      who,
      json: { channel: 'phone', phone: cast.owner.phone, deviceId: who?.deviceId ?? testDeviceId('anon') },
    }),
  carries: () => ['requestId'],
  secrets: () => [],
  after: async (_t, _c, _e, answer) => {
    // The code went to the owner's phone, and is nowhere in the answer.
    const code = ts.sender.lastCode(cast.owner.phone)!;
    expect(code).toBeTruthy();
    expect(answer.text).not.toContain(code);
  },
};

/**
 * The owner on a browser of their own that has no session yet (signing in again on the
 * owner's usual device would end that device's session, which the other rows use).
 */
function ownerElsewhere(): Person {
  return { ...cast.owner, deviceId: testDeviceId('owner-new') };
}

DRIVERS['otp.verify'] = {
  prepare: async () => {
    const owner = ownerElsewhere();
    const r = await postJson<OtpRequestResponse>(`${base}/api/auth/otp/request`, {
      channel: 'phone',
      phone: owner.phone,
      deviceId: owner.deviceId,
    });
    expect(r.status).toBe(200);
    return { requestId: r.body.requestId, code: ts.sender.lastCode(owner.phone)!, as: { owner } };
  },
  call: (_c, who, t) =>
    request('POST', '/api/auth/otp/verify', {
      json: {
        requestId: t.requestId,
        code: t.code,
        deviceId: who?.deviceId ?? testDeviceId('anon'),
        deviceName: 'Чужое устройство',
      },
    }),
  carries: () => [cast.owner.id, 'accessToken'],
  secrets: () => [cast.owner.id, cast.owner.phone, 'accessToken'],
  after: async (t, _c, e) => {
    if (e.outcome === 'allowed') return;
    // The owner can still use the code: a try from elsewhere did not burn it.
    const r = await postJson<OtpVerifyResponse>(`${base}/api/auth/otp/verify`, {
      requestId: t.requestId,
      code: t.code,
      deviceId: (t.as as { owner: Person }).owner.deviceId,
      deviceName: 'Ноутбук владельца',
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('signed_in');
  },
};

DRIVERS.register = {
  prepare: async () => {
    const phone = freshPhone('935');
    const owner = ownerElsewhere();
    const requested = await postJson<OtpRequestResponse>(`${base}/api/auth/otp/request`, {
      channel: 'phone',
      phone,
      deviceId: owner.deviceId,
    });
    const verified = await postJson<OtpVerifyResponse>(`${base}/api/auth/otp/verify`, {
      requestId: requested.body.requestId,
      code: ts.sender.lastCode(phone),
      deviceId: owner.deviceId,
      deviceName: 'Ноутбук владельца',
    });
    expect(verified.body.status).toBe('registration_required');
    const token = (verified.body as { registrationToken: string }).registrationToken;
    return { phone, token, as: { owner } };
  },
  call: (_c, who, t) =>
    request('POST', '/api/auth/register', {
      json: {
        surname: 'Новенькая',
        name: 'Ольга',
        patronymic: '',
        registrationToken: t.token,
        deviceId: who?.deviceId ?? testDeviceId('anon'),
        deviceName: 'Устройство',
      },
    }),
  carries: (t) => [t.phone as string],
  secrets: (t) => [t.phone as string, 'accessToken'],
  after: async (t, _c, e) => {
    const exists = await ts.server.context.store.accounts.findUserByPhone(t.phone as string);
    expect(exists !== null).toBe(e.outcome === 'allowed');
  },
};

// ---- VK ID (against the stand-in provider) ----

const vkPhone = freshPhone('937');

async function vkFlow(deviceId: string) {
  const started = await postJson<{ authorizeUrl: string }>(`${base}/api/auth/vkid/start`, { deviceId });
  expect(started.status).toBe(200);
  return signInAtStandIn(started.body.authorizeUrl, 'matrix');
}

/** A VK sign-in waiting on the owner's device (`userId` null: for a name). */
async function vkPending(userId: string | null, phone: string) {
  const owner = ownerElsewhere();
  const token = randomBytes(32).toString('base64url');
  const at = new Date().toISOString();
  await ts.server.context.store.vkid.insertPending({
    tokenHash: createHash('sha256').update(token).digest('hex'),
    deviceId: owner.deviceId,
    vkUserId: `matrix-${randomBytes(6).toString('hex')}`,
    phone,
    firstName: 'Вера',
    lastName: 'Новикова',
    userId,
    vk: { vkDeviceId: 'vk-device', accessToken: 'vk-at', refreshToken: null, accessExpiresAt: at },
    createdAt: at,
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
    usedAt: null,
  });
  return { owner, token };
}

DRIVERS['vkid.start'] = {
  call: (_c, who) =>
    request('POST', '/api/auth/vkid/start', { json: { deviceId: who?.deviceId ?? testDeviceId('anon') } }),
  carries: () => ['authorizeUrl'],
  secrets: () => [],
};

DRIVERS['vkid.complete'] = {
  prepare: async () => {
    const owner = ownerElsewhere();
    return { back: (await vkFlow(owner.deviceId)).toString(), as: { owner } };
  },
  call: (_c, who, t) => {
    const back = new URL(t.back as string);
    return request('POST', '/api/auth/vkid/complete', {
      json: {
        state: back.searchParams.get('state'),
        code: back.searchParams.get('code'),
        vkDeviceId: back.searchParams.get('device_id'),
        deviceId: who?.deviceId ?? testDeviceId('anon'),
        deviceName: 'Устройство',
      },
    });
  },
  carries: () => ['registration_required'],
  secrets: () => ['pendingToken', vkPhone.slice(-4)],
};

DRIVERS['vkid.link'] = {
  prepare: async () => {
    await ts.server.context.store.vkid.deleteIdentity(cast.owner.id);
    const { owner, token } = await vkPending(cast.owner.id, cast.owner.phone);
    const requested = await postJson<OtpRequestResponse>(`${base}/api/auth/otp/request`, {
      channel: 'phone',
      phone: owner.phone,
      deviceId: owner.deviceId,
    });
    return {
      token,
      requestId: requested.body.requestId,
      code: ts.sender.lastCode(owner.phone),
      as: { owner },
    };
  },
  call: (_c, who, t) =>
    request('POST', '/api/auth/vkid/link', {
      json: {
        pendingToken: t.token,
        requestId: t.requestId,
        code: t.code,
        deviceId: who?.deviceId ?? testDeviceId('anon'),
        deviceName: 'Устройство',
      },
    }),
  carries: () => [cast.owner.id, 'accessToken'],
  secrets: () => [cast.owner.id, 'accessToken'],
  after: async (_t, _c, e) => {
    const linked = await ts.server.context.store.vkid.getIdentityOfUser(cast.owner.id);
    expect(linked !== null).toBe(e.outcome === 'allowed');
    await ts.server.context.store.vkid.deleteIdentity(cast.owner.id);
  },
};

DRIVERS['vkid.register'] = {
  prepare: async () => {
    const phone = freshPhone('938');
    const { owner, token } = await vkPending(null, phone);
    return { phone, token, as: { owner } };
  },
  call: (_c, who, t) =>
    request('POST', '/api/auth/vkid/register', {
      json: {
        surname: 'Новикова',
        name: 'Вера',
        patronymic: '',
        pendingToken: t.token,
        deviceId: who?.deviceId ?? testDeviceId('anon'),
        deviceName: 'Устройство',
      },
    }),
  carries: (t) => [t.phone as string],
  secrets: (t) => [t.phone as string, 'accessToken'],
  after: async (t, _c, e) => {
    const exists = await ts.server.context.store.accounts.findUserByPhone(t.phone as string);
    expect(exists !== null).toBe(e.outcome === 'allowed');
  },
};

DRIVERS['vkid.status'] = {
  prepare: async () => {
    await ts.server.context.store.vkid.deleteIdentity(cast.owner.id);
    await ts.server.context.store.vkid.insertIdentity({
      userId: cast.owner.id,
      vkUserId: `owner-${randomBytes(6).toString('hex')}`,
      vkDeviceId: 'vk-device',
      accessToken: 'vk-at',
      refreshToken: null,
      accessExpiresAt: new Date().toISOString(),
      linkedAt: '2026-01-02T03:04:05.000Z',
    });
    return {};
  },
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/auth/vkid', { who }),
  carries: () => ['2026-01-02T03:04:05.000Z'],
  secrets: () => ['2026-01-02T03:04:05.000Z'],
  after: async () => {
    await ts.server.context.store.vkid.deleteIdentity(cast.owner.id);
  },
};

DRIVERS['vkid.status.head'] = head(DRIVERS['vkid.status']);

DRIVERS['vkid.unlink'] = {
  prepare: DRIVERS['vkid.status'].prepare!,
  call: (_c, who) => request('DELETE', '/api/auth/vkid', { who }),
  carries: () => ['ok'],
  secrets: () => [],
  after: async (_t, _c, e) => {
    const linked = await ts.server.context.store.vkid.getIdentityOfUser(cast.owner.id);
    expect(linked === null).toBe(e.outcome === 'allowed');
    await ts.server.context.store.vkid.deleteIdentity(cast.owner.id);
  },
};

DRIVERS['vkid.callback'] = {
  call: (_c, who, t) =>
    request((t.method as string) ?? 'GET', '/vkid/callback?state=unknown&code=abc', { who }),
  secrets: () => [],
};
DRIVERS['vkid.callback.head'] = head(DRIVERS['vkid.callback']);

DRIVERS['refresh.own'] = {
  prepare: async (caller) => (caller === 'anonymous' ? {} : { fresh: await secondSession(cast[caller]) }),
  call: (_c, _who, t) => {
    const fresh = t.fresh as Person | undefined;
    return request('POST', '/api/auth/refresh', {
      json: fresh
        ? { refreshToken: fresh.session.tokens.refreshToken, deviceId: fresh.deviceId }
        : { deviceId: testDeviceId('anon') },
    });
  },
  carries: () => ['accessToken'],
  secrets: () => ['accessToken'],
};

DRIVERS['refresh.owners'] = {
  prepare: async () => ({ fresh: await secondSession(cast.owner) }),
  call: (caller, who, t) => {
    const fresh = t.fresh as Person;
    return request('POST', '/api/auth/refresh', {
      json: {
        refreshToken: fresh.session.tokens.refreshToken,
        deviceId: caller === 'owner' ? fresh.deviceId : (who?.deviceId ?? testDeviceId('anon')),
      },
    });
  },
  carries: () => ['accessToken'],
  secrets: () => ['accessToken', 'refreshToken'],
  after: async (t, _c, e) => {
    if (e.outcome === 'allowed') return;
    const fresh = t.fresh as Person;
    const r = await postJson(`${base}/api/auth/refresh`, {
      refreshToken: fresh.session.tokens.refreshToken,
      deviceId: fresh.deviceId,
    });
    expect(r.status, 'the owner’s session survives').toBe(200);
  },
};

DRIVERS.signout = {
  prepare: async (caller) => (caller === 'anonymous' ? {} : { fresh: await secondSession(cast[caller]) }),
  call: (_c, _who, t) => request('POST', '/api/auth/signout', { who: (t.fresh as Person) ?? null, json: {} }),
  carries: () => ['"ok":true'],
  secrets: () => [],
  after: async (t) => {
    const fresh = t.fresh as Person | undefined;
    if (fresh) expect((await request('GET', '/api/me', { who: fresh })).status).toBe(401);
    expect((await request('GET', '/api/me', { who: cast.owner })).status).toBe(200);
  },
};

DRIVERS.sessions = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/auth/sessions', { who }),
  carries: () => [cast.owner.session.tokens.sessionId],
  secrets: () => [cast.owner.session.tokens.sessionId],
};
DRIVERS['sessions.head'] = head(DRIVERS.sessions);

DRIVERS['sessions.delete'] = {
  prepare: async () => ({ fresh: await secondSession(cast.owner) }),
  call: (_c, who, t) =>
    request('DELETE', `/api/auth/sessions/${(t.fresh as Person).session.tokens.sessionId}`, { who }),
  carries: () => ['"ok":true'],
  secrets: (t) => [(t.fresh as Person).session.tokens.sessionId, cast.owner.id],
  after: async (t, _c, e) => {
    const status = (await request('GET', '/api/me', { who: t.fresh as Person })).status;
    expect(status).toBe(e.outcome === 'allowed' ? 401 : 200);
  },
};

// ---- sync ----

DRIVERS.changes = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/sync/changes?limit=5000', { who }),
  carries: () => [doc.id, doc.name, folder.id, cast.owner.phone],
  secrets: () => [doc.id, doc.name, folder.id, folder.name],
};
DRIVERS['changes.head'] = head(DRIVERS.changes);

DRIVERS.events = {
  call: async (_c, who, t) => {
    const method = (t.method as string) ?? 'GET';
    const controller = new AbortController();
    const response = await fetch(`${base}/api/sync/events`, {
      method,
      headers: bearer(who),
      signal: controller.signal,
    });
    const headers = Object.fromEntries(response.headers);
    let text = '';
    if (response.status === 200 && method === 'GET') {
      // The first bytes say the subscription is in place; then hang up.
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
      controller.abort();
    } else {
      text = await response.text();
    }
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: response.status, text, headers, json };
  },
  carries: (t) => (t.method === 'HEAD' ? [] : [': connected']),
  secrets: () => [],
  ownCheck: (a) => expect(a.headers['content-type']).toContain('text/event-stream'),
};
DRIVERS['events.head'] = {
  ...head(DRIVERS.events),
  ownCheck: (a) => expect(a.headers['content-type']).toContain('text/event-stream'),
};

DRIVERS['m.profile.update'] = {
  call: (caller, who) => {
    const [surname, name] = (who?.name ?? 'Кто Угодно').split(' ');
    // The owner really changes their name (and the next cell restores it); others send
    // their own name, which must land on their own profile only.
    return mutate(who, 'profile.update', {
      surname: caller === 'owner' ? 'Переименованная' : surname,
      name,
      patronymic: '',
    });
  },
  carries: () => [],
  secrets: () => [],
  after: async (_t, caller, e) => {
    const owner = (await ts.server.context.store.accounts.getUser(cast.owner.id))!;
    if (e.outcome === 'allowed') {
      expect(owner.surname).toBe('Переименованная');
      const [surname, name] = cast.owner.name.split(' ');
      expect((await mutate(cast.owner, 'profile.update', { surname, name, patronymic: '' })).status).toBe(
        200,
      );
    } else {
      expect(`${owner.surname} ${owner.name}`).toBe(cast.owner.name);
    }
    if (e.outcome === 'own') {
      const self = (await ts.server.context.store.accounts.getUser(cast[caller as Signed].id))!;
      expect(`${self.surname} ${self.name}`).toBe(cast[caller as Signed].name);
    }
  },
};

DRIVERS['m.folder.create.inside'] = {
  prepare: async () => ({ id: fid() }),
  call: (_c, who, t) =>
    mutate(who, 'folder.create', { id: t.id, parentId: folder.id, name: 'Подброшенная папка' }),
  carries: () => [],
  secrets: () => [folder.id, folder.name, cast.owner.id],
  after: async (t, caller, e) => {
    const owners = await documentsOf(cast.owner);
    const inside = owners.folders.filter((f) => f.parentId === folder.id).map((f) => f.id);
    expect(inside.includes(t.id as string)).toBe(e.outcome === 'allowed');
    if (e.outcome === 'allowed') {
      expect((await mutate(cast.owner, 'documents.trash', { kind: 'folder', id: t.id })).status).toBe(200);
    } else if (caller !== 'anonymous') {
      // Nothing was created anywhere under that id.
      expect((await documentsOf(cast[caller as Signed])).folders.some((f) => f.id === t.id)).toBe(false);
    }
  },
};

DRIVERS['m.folder.create.sameId'] = {
  call: (_c, who) => mutate(who, 'folder.create', { id: folder.id, parentId: null, name: 'Моя папка' }),
  carries: () => [],
  secrets: () => [folder.name, cast.owner.id],
  after: async (_t, caller) => {
    const owners = await documentsOf(cast.owner);
    expect(owners.folders.find((f) => f.id === folder.id)?.name).toBe(folder.name);
    if (caller !== 'anonymous' && caller !== 'owner') {
      expect((await documentsOf(cast[caller])).folders.some((f) => f.id === folder.id)).toBe(false);
    }
  },
};

DRIVERS['m.replay'] = {
  prepare: async () => {
    // The owner's folder.create under this id was applied; its stored result answers a retry.
    const mutationId = mid();
    const id = fid();
    const name = `Повтор ${fid()}`;
    const r = await mutateWithId(cast.owner, mutationId, 'folder.create', { id, parentId: null, name });
    expect(r.status, r.text).toBe(200);
    return { mutationId, id, name };
  },
  call: (_c, who, t) =>
    mutateWithId(who, t.mutationId as string, 'documents.rename', {
      kind: 'folder',
      id: t.id,
      name: 'Чужое имя',
    }),
  carries: () => [],
  secrets: (t) => [t.id as string, t.name as string, cast.owner.id],
  after: async (t) => {
    const owners = await documentsOf(cast.owner);
    expect(owners.folders.find((f) => f.id === t.id)?.name).toBe(t.name);
    expect((await mutate(cast.owner, 'documents.trash', { kind: 'folder', id: t.id })).status).toBe(200);
  },
};

DRIVERS['m.documents.rename'] = {
  // The owner renames to the same name (a no-op that applies); others try a new one.
  call: (caller, who) =>
    mutate(who, 'documents.rename', {
      kind: 'document',
      id: doc.id,
      name: caller === 'owner' ? doc.name : 'Украдено.txt',
    }),
  carries: () => [],
  secrets: docSecrets,
  after: async () => {
    const owners = await documentsOf(cast.owner);
    expect(owners.documents.find((d) => d.id === doc.id)?.name).toBe(doc.name);
  },
};

DRIVERS['m.documents.move'] = {
  prepare: async () => ({ id: await newFolder(cast.owner, `Перемещаемая ${fid()}`) }),
  call: (_c, who, t) => mutate(who, 'documents.move', { kind: 'folder', id: t.id, folderId: folder.id }),
  carries: () => [],
  secrets: () => [folder.id, folder.name, cast.owner.id],
  after: async (t, _c, e) => {
    const owners = await documentsOf(cast.owner);
    const moved = owners.folders.find((f) => f.id === t.id)!;
    expect(moved.parentId).toBe(e.outcome === 'allowed' ? folder.id : null);
    expect((await mutate(cast.owner, 'documents.trash', { kind: 'folder', id: t.id })).status).toBe(200);
  },
};

DRIVERS['m.documents.move.into'] = {
  prepare: async (caller) =>
    caller === 'anonymous' ? { id: fid() } : { id: await newFolder(cast[caller], `Своя ${fid()}`) },
  call: (_c, who, t) => mutate(who, 'documents.move', { kind: 'folder', id: t.id, folderId: folder.id }),
  carries: () => [],
  secrets: () => [folder.id, folder.name, cast.owner.id],
  after: async (t, caller, e) => {
    const owners = await documentsOf(cast.owner);
    expect(owners.folders.some((f) => f.id === t.id && f.parentId === folder.id)).toBe(
      e.outcome === 'allowed',
    );
    if (caller === 'anonymous') return;
    const mine = await documentsOf(cast[caller]);
    if (e.outcome !== 'allowed') expect(mine.folders.find((f) => f.id === t.id)?.parentId).toBeNull();
    expect((await mutate(cast[caller], 'documents.trash', { kind: 'folder', id: t.id })).status).toBe(200);
  },
};

DRIVERS['m.documents.trash'] = {
  prepare: async () => ({ id: await newFolder(cast.owner, `В корзину ${fid()}`) }),
  call: (_c, who, t) => mutate(who, 'documents.trash', { kind: 'folder', id: t.id }),
  carries: () => [],
  secrets: () => [cast.owner.id],
  after: async (t, _c, e) => {
    const f = (await documentsOf(cast.owner)).folders.find((x) => x.id === t.id)!;
    expect(f.trashedAt !== null).toBe(e.outcome === 'allowed');
  },
};

DRIVERS['m.documents.restore'] = {
  prepare: async () => {
    const id = await newFolder(cast.owner, `Из корзины ${fid()}`);
    expect((await mutate(cast.owner, 'documents.trash', { kind: 'folder', id })).status).toBe(200);
    return { id };
  },
  call: (_c, who, t) => mutate(who, 'documents.restore', { kind: 'folder', id: t.id }),
  carries: () => [],
  secrets: () => [cast.owner.id],
  after: async (t, _c, e) => {
    const f = (await documentsOf(cast.owner)).folders.find((x) => x.id === t.id)!;
    expect(f.trashedAt === null).toBe(e.outcome === 'allowed');
  },
};

DRIVERS['m.documents.emptyTrash'] = {
  prepare: async () => {
    const id = await newFolder(cast.owner, `Корзина владельца ${fid()}`);
    expect((await mutate(cast.owner, 'documents.trash', { kind: 'folder', id })).status).toBe(200);
    return { id };
  },
  call: (_c, who) => mutate(who, 'documents.emptyTrash', {}),
  carries: () => [],
  secrets: () => [],
  after: async (t, _c, e) => {
    const f = (await documentsOf(cast.owner)).folders.find((x) => x.id === t.id);
    expect(f === undefined).toBe(e.outcome === 'allowed');
  },
};

// ---- chats ----

/** The class chat of 5 А with a message of the owner's, and the class teacher's announcement. */
let chatWorldPromise: Promise<{ chatId: string; annId: string; seq: number; annSeq: number }> | null = null;
const chatSecret = 'Секрет-переписки-Петровых: ключ от квартиры под ковриком';
const announcementText = 'Объявление: собрание в четверг в 18:00';

async function sendAs(who: Person, chatId: string, text: string): Promise<number> {
  const r = await request('POST', `/api/chats/${chatId}/messages`, { who, json: { clientId: fid(), text } });
  expect(r.status, r.text).toBe(201);
  return (r.json as { message: { seq: number } }).message.seq;
}

function chatWorld() {
  chatWorldPromise ??= (async () => {
    const list = await request('GET', '/api/chats', { who: cast.owner });
    const chats = (list.json as { chats: { id: string; kind: string }[] }).chats;
    const chatId = chats.find((c) => c.kind === 'class')!.id;
    const annId = chats.find((c) => c.kind === 'announcements')!.id;
    const seq = await sendAs(cast.owner, chatId, chatSecret);
    const annSeq = await sendAs(cast.teacher, annId, announcementText);
    return { chatId, annId, seq, annSeq };
  })();
  return chatWorldPromise;
}

async function messagesOf(
  chatId: string,
): Promise<{ seq: number; text: string; deletedBy: string | null }[]> {
  const r = await request('GET', `/api/chats/${chatId}/messages?limit=100`, { who: cast.owner });
  expect(r.status, r.text).toBe(200);
  return (r.json as { messages: { seq: number; text: string; deletedBy: string | null }[] }).messages;
}

DRIVERS['chats.list'] = {
  prepare: async () => ({ ...(await chatWorld()) }),
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/chats', { who }),
  carries: (t) => [t.chatId as string],
  secrets: (t) => [t.chatId as string, chatSecret],
};
DRIVERS['chats.list.head'] = head(DRIVERS['chats.list']);

DRIVERS['chats.direct'] = {
  call: (_c, who) => request('POST', '/api/chats/direct', { who, json: { userId: cast.teacher.id } }),
  carries: () => ['"kind":"direct"', 'Смирнова Ольга'],
  secrets: () => ['"kind":"direct"'],
};

DRIVERS['chats.messages'] = {
  prepare: async () => ({ ...(await chatWorld()) }),
  call: (_c, who, t) =>
    request((t.method as string) ?? 'GET', `/api/chats/${t.chatId as string}/messages`, { who }),
  carries: () => [chatSecret],
  secrets: () => [chatSecret],
};
DRIVERS['chats.messages.head'] = head(DRIVERS['chats.messages']);

DRIVERS['chats.send'] = {
  prepare: async () => ({ ...(await chatWorld()), text: `Сообщение ${fid()}` }),
  call: (_c, who, t) =>
    request('POST', `/api/chats/${t.chatId as string}/messages`, {
      who,
      json: { clientId: fid(), text: t.text },
    }),
  carries: (t) => [t.text as string],
  secrets: () => [chatSecret],
  after: async (t, _c, e) => {
    const texts = (await messagesOf(t.chatId as string)).map((m) => m.text);
    expect(texts.includes(t.text as string)).toBe(e.outcome === 'allowed');
  },
};

DRIVERS['chats.edit'] = {
  prepare: async () => {
    const { chatId } = await chatWorld();
    const text = `Черновик ${fid()}`;
    return { chatId, seq: await sendAs(cast.owner, chatId, text), text };
  },
  call: (_c, who, t) =>
    request('PATCH', `/api/chats/${t.chatId as string}/messages/${t.seq as number}`, {
      who,
      json: { text: `${t.text as string} (исправлено)` },
    }),
  carries: (t) => [`${t.text as string} (исправлено)`],
  secrets: (t) => [t.text as string],
  after: async (t, _c, e) => {
    const m = (await messagesOf(t.chatId as string)).find((x) => x.seq === t.seq)!;
    expect(m.text.endsWith('(исправлено)')).toBe(e.outcome === 'allowed');
  },
};

DRIVERS['chats.delete'] = {
  prepare: async () => {
    const { chatId } = await chatWorld();
    const text = `Удаляемое ${fid()}`;
    return { chatId, seq: await sendAs(cast.owner, chatId, text), text };
  },
  call: (_c, who, t) =>
    request('DELETE', `/api/chats/${t.chatId as string}/messages/${t.seq as number}`, { who }),
  carries: (_t, caller) => [caller === 'admin' ? '"deletedBy":"admin"' : '"deletedBy":"sender"'],
  secrets: (t) => [t.text as string],
  after: async (t, caller, e) => {
    const m = (await messagesOf(t.chatId as string)).find((x) => x.seq === t.seq)!;
    expect(m.deletedBy).toBe(e.outcome === 'allowed' ? (caller === 'admin' ? 'admin' : 'sender') : null);
  },
};

DRIVERS['chats.report'] = {
  prepare: async () => ({ ...(await chatWorld()) }),
  call: (_c, who, t) =>
    request('POST', `/api/chats/${t.chatId as string}/messages/${t.seq as number}/report`, {
      who,
      json: { reason: 'Личные данные в общем чате' },
    }),
  carries: () => ['"ok":true'],
  secrets: () => [chatSecret],
};

DRIVERS['chats.ack'] = {
  prepare: async () => ({ ...(await chatWorld()) }),
  call: (_c, who, t) =>
    request('POST', `/api/chats/${t.annId as string}/messages/${t.annSeq as number}/ack`, { who }),
  carries: () => ['"ok":true'],
  secrets: () => [announcementText],
};

DRIVERS['chats.acks'] = {
  prepare: async () => ({ ...(await chatWorld()) }),
  call: (_c, who, t) =>
    request(
      (t.method as string) ?? 'GET',
      `/api/chats/${t.annId as string}/messages/${t.annSeq as number}/acks`,
      { who },
    ),
  carries: () => ['"pending"'],
  secrets: () => ['"pending"', 'Петрова Мария'],
};
DRIVERS['chats.acks.head'] = head(DRIVERS['chats.acks']);

DRIVERS['chats.read'] = {
  prepare: async () => ({ ...(await chatWorld()) }),
  call: (_c, who, t) =>
    request('POST', `/api/chats/${t.chatId as string}/read`, { who, json: { seq: t.seq } }),
  carries: () => ['"readSeq"'],
  secrets: () => ['"readSeq"'],
};

DRIVERS['chats.members'] = {
  prepare: async () => ({ ...(await chatWorld()) }),
  call: (_c, who, t) =>
    request((t.method as string) ?? 'GET', `/api/chats/${t.chatId as string}/members`, { who }),
  carries: () => ['Петрова Мария', 'Смирнова Ольга'],
  secrets: () => ['Петрова Мария'],
};
DRIVERS['chats.members.head'] = head(DRIVERS['chats.members']);

DRIVERS['chats.contacts'] = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/chats/contacts', { who }),
  carries: (_t, caller) =>
    caller === 'teacher'
      ? ['Петрова Мария', 'Родитель ученика 5 А']
      : ['Смирнова Ольга', 'Классный руководитель 5 А'],
  secrets: () => ['Смирнова Ольга', 'Петрова Мария'],
  ownCheck: (a) => expect(a.json).toEqual({ contacts: [] }),
};
DRIVERS['chats.contacts.head'] = head(DRIVERS['chats.contacts']);

DRIVERS['chats.search'] = {
  prepare: async () => ({ ...(await chatWorld()) }),
  call: (_c, who, t) =>
    request((t.method as string) ?? 'GET', `/api/chats/search?q=${encodeURIComponent('КОВРИК')}`, { who }),
  carries: (t) => [t.chatId as string, 'ковриком'],
  secrets: (t) => [t.chatId as string, 'ковриком'],
  ownCheck: (a) => expect(a.json).toEqual({ hits: [] }),
};
DRIVERS['chats.search.head'] = head(DRIVERS['chats.search']);

/** The same reason as the report row's, so whichever runs first, the other parent has reported it. */
const reportReason = 'Личные данные в общем чате';
DRIVERS['chats.reports'] = {
  prepare: async () => {
    const world = await chatWorld();
    const r = await request('POST', `/api/chats/${world.chatId}/messages/${world.seq}/report`, {
      who: cast.otherParent,
      json: { reason: reportReason },
    });
    expect(r.status, r.text).toBe(201);
    return { ...world };
  },
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/chats/reports', { who }),
  carries: () => [reportReason, chatSecret, 'Петров Сергей', 'Чат родителей 5 А'],
  secrets: () => [reportReason, chatSecret],
};
DRIVERS['chats.reports.head'] = head(DRIVERS['chats.reports']);

DRIVERS['chats.mute'] = {
  prepare: async () => ({ ...(await chatWorld()) }),
  call: (_c, who, t) =>
    request('PUT', `/api/chats/${t.chatId as string}/mute`, { who, json: { muted: true } }),
  carries: () => ['"muted":true'],
  secrets: () => ['"muted"'],
  after: async (t, caller, e) => {
    if (caller === 'anonymous') return;
    const who = cast[caller];
    const list = await request('GET', '/api/chats', { who });
    const chat = (list.json as { chats: { id: string; muted: boolean }[] }).chats.find(
      (c) => c.id === t.chatId,
    );
    if (e.outcome !== 'allowed') {
      expect(chat).toBeUndefined();
      return;
    }
    expect(chat!.muted).toBe(true);
    const back = await request('PUT', `/api/chats/${t.chatId as string}/mute`, {
      who,
      json: { muted: false },
    });
    expect(back.json).toEqual({ muted: false });
  },
};

/** The owner's document attached to a message of the class chat. */
let attachmentPromise: Promise<{ chatId: string; attachmentId: string }> | null = null;
function attachmentWorld() {
  attachmentPromise ??= (async () => {
    const { chatId } = await chatWorld();
    const r = await request('POST', `/api/chats/${chatId}/messages`, {
      who: cast.owner,
      json: { clientId: fid(), text: 'Договор во вложении', documentIds: [doc.id] },
    });
    expect(r.status, r.text).toBe(201);
    const attachments = (r.json as { message: { attachments: { id: string }[] } }).message.attachments;
    return { chatId, attachmentId: attachments[0]!.id };
  })();
  return attachmentPromise;
}

DRIVERS['chats.attachment'] = {
  prepare: async () => ({ ...(await attachmentWorld()) }),
  call: (_c, who, t) =>
    request(
      (t.method as string) ?? 'GET',
      `/api/chats/${t.chatId as string}/attachments/${t.attachmentId as string}`,
      { who },
    ),
  carries: () => [docContent.toString('utf8')],
  secrets: docSecrets,
};
DRIVERS['chats.attachment.head'] = head(DRIVERS['chats.attachment']);

DRIVERS['chats.attachment.link'] = {
  prepare: async () => ({ ...(await attachmentWorld()) }),
  call: (_c, who, t) =>
    request(
      (t.method as string) ?? 'GET',
      `/api/chats/${t.chatId as string}/attachments/${t.attachmentId as string}/link`,
      { who },
    ),
  carries: (t) => [`/api/chats/${t.chatId as string}/attachments/${t.attachmentId as string}?u=`],
  secrets: () => ['?u='],
  after: async (_t, _c, e, answer) => {
    if (e.outcome !== 'allowed' || !answer.json) return;
    // The link opens without an Authorization header.
    const opened = await request('GET', (answer.json as { url: string }).url);
    expect(opened.text).toBe(docContent.toString('utf8'));
  },
};
DRIVERS['chats.attachment.link.head'] = head(DRIVERS['chats.attachment.link']);

// ---- support ----

DRIVERS.support = {
  call: (_c, who) =>
    request('POST', '/api/support', { who, json: { text: 'Не открывается документ.', diagnostics: null } }),
  carries: () => ['ticketId'],
  secrets: () => [],
};

// ---- family ----

DRIVERS['invite.page'] = {
  prepare: async () => ({ token: await issueInvite(cast.child) }),
  call: (_c, who, t) => request((t.method as string) ?? 'GET', `/invite/${t.token as string}`, { who }),
  carries: (t) => [`/?invite=${t.token as string}`],
  secrets: () => [],
};
DRIVERS['invite.page.head'] = head(DRIVERS['invite.page']);
DRIVERS['invite.page.head'].carries = (t) => [`/?invite=${t.token as string}`];
DRIVERS['register.page'] = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/register/some-token_123', { who }),
  carries: () => ['/?register=some-token_123'],
  secrets: () => [],
};
DRIVERS['register.page.head'] = head(DRIVERS['register.page']);
DRIVERS['register.page.head'].carries = () => ['/?register=some-token_123'];

DRIVERS.family = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/family', { who }),
  carries: (_t, caller) =>
    [cast.child.id, cast.owner.id, cast.otherParent.id].filter((id) => id !== cast[caller as Signed].id),
  secrets: () => [cast.child.id, cast.owner.id, cast.otherParent.id, cast.child.name.split(' ')[0]!],
};
DRIVERS['family.head'] = head(DRIVERS.family);

DRIVERS['invite.issue'] = {
  prepare: async () => {
    // The child's current link, to see whether it is replaced.
    return { token: await issueInvite(cast.child) };
  },
  call: (_c, who) => request('POST', '/api/family/invite', { who, json: {} }),
  carries: () => ['token', '/invite/'],
  secrets: (t) => [t.token as string],
  after: async (t, caller, e) => {
    // Only the child's own call replaces the child's link.
    const r = await request('POST', '/api/family/invite/preview', {
      who: cast.unrelatedParent,
      json: { token: t.token },
    });
    if (caller === 'child' && e.outcome === 'allowed')
      expect((r.json as { code: string }).code).toBe('INVITE_REVOKED');
    else expect((r.json as { code: string }).code).toBe('INVITE_PARENT_LIMIT');
  },
};

const fullFamily = async () => ({ token: await issueInvite(cast.child) });
DRIVERS['invite.preview.full'] = {
  prepare: fullFamily,
  call: (_c, who, t) => request('POST', '/api/family/invite/preview', { who, json: { token: t.token } }),
  carries: () => [],
  secrets: () => [cast.child.id, cast.child.name.split(' ')[0]!, cast.owner.name, cast.otherParent.name],
};

DRIVERS['invite.preview.free'] = {
  prepare: async () => {
    const { child, token } = await freshChild('Свободный');
    return { token, child, as: { child } };
  },
  call: (_c, who, t) => request('POST', '/api/family/invite/preview', { who, json: { token: t.token } }),
  carries: (t) => [(t.child as Person).id, 'Свободный'],
  secrets: (t) => [(t.child as Person).id, 'Свободный'],
};

DRIVERS['invite.confirm.full'] = {
  prepare: fullFamily,
  call: (_c, who, t) =>
    request('POST', '/api/family/invite/confirm', {
      who,
      json: {
        token: t.token,
        child: { surname: 'Подменов', name: 'Подменыш', patronymic: '', birthDate: '2000-01-01' },
      },
    }),
  carries: () => [],
  secrets: () => [cast.child.id, cast.child.name.split(' ')[0]!, cast.owner.name, cast.otherParent.name],
  after: async () => {
    expect(await parentsOf(cast.child.id)).toEqual([cast.owner.id, cast.otherParent.id].sort());
    const child = (await ts.server.context.store.accounts.getUser(cast.child.id))!;
    expect(`${child.surname} ${child.name}`).toBe(cast.child.name);
    expect(child.birthDate).toBe('2014-02-03');
  },
};

DRIVERS['invite.confirm.free'] = {
  prepare: async () => {
    const { child, token } = await freshChild('Свободная');
    return { token, child, as: { child } };
  },
  call: (_c, who, t) => confirmAs(who, t.token as string, t.child as Person),
  carries: (t) => [(t.child as Person).id],
  secrets: (t) => [(t.child as Person).id, 'Свободная'],
  after: async (t, caller, e) => {
    const parents = await parentsOf((t.child as Person).id);
    expect(parents).toEqual(e.outcome === 'allowed' ? [cast[caller as Signed].id] : []);
  },
};

DRIVERS.leave = {
  prepare: async () => {
    const { child, token } = await freshChild('Уходящий');
    expect((await confirmAs(cast.owner, token, child)).status).toBe(200);
    expect((await confirmAs(cast.otherParent, token, child)).status).toBe(200);
    return { child, as: { child } };
  },
  call: (_c, who, t) =>
    request('POST', '/api/family/leave', { who, json: { childId: (t.child as Person).id } }),
  carries: () => ['"ok":true'],
  secrets: (t) => [cast.owner.id, cast.otherParent.id, cast.owner.name, (t.child as Person).name],
  after: async (t, caller, e) => {
    const expected = [cast.owner.id, cast.otherParent.id].filter(
      (id) => e.outcome !== 'allowed' || id !== cast[caller as Signed].id,
    );
    expect(await parentsOf((t.child as Person).id)).toEqual(expected.sort());
    if (e.outcome === 'allowed') {
      // The parent who left no longer sees the child.
      const view = await request('GET', '/api/family', { who: cast[caller as Signed] });
      expect(view.text).not.toContain((t.child as Person).id);
    }
  },
};

DRIVERS['email.registration'] = {
  prepare: async () => {
    emailSeq += 1;
    const email = `authz-${process.pid}-${emailSeq}@school31.example`;
    const invited = await inviteStudentByEmail(schoolContextOf(ts.server.context), {
      surname: 'Письменная',
      name: 'Ева',
      patronymic: '',
      school: school.name,
      className: school.className,
      email,
    });
    return { token: invited.token, studentId: invited.user.id };
  },
  call: (_c, who, t) =>
    request('POST', '/api/family/email-registration', {
      who,
      // Another browser of the caller's: a session opened on a device ends the one it had.
      json: { token: t.token, deviceId: testDeviceId('email-link'), deviceName: 'Планшет' },
    }),
  carries: (t) => [t.studentId as string],
  secrets: () => [],
  ownCheck: undefined,
};

// ---- documents: tus ----

DRIVERS['uploads.create'] = {
  call: async (_c, who) => {
    const data = Buffer.from('a file someone tries to put into the owner’s folder');
    const meta = { filename: 'Подброшенный.txt', sha256: sha(data), folderId: folder.id };
    const created = await request('POST', '/api/uploads', {
      who,
      headers: {
        ...TUS,
        'upload-length': String(data.length),
        'upload-metadata': encodeUploadMetadata(meta),
      },
    });
    if (created.status === 201) {
      const done = await patchUpload(who, created.headers.location!, 0, data);
      expect(done.status, done.text).toBe(204);
      return {
        ...created,
        headers: { ...created.headers, [DOCUMENT_ID_HEADER]: done.headers[DOCUMENT_ID_HEADER]! },
      };
    }
    return created;
  },
  carries: () => [],
  secrets: () => [folder.name, cast.owner.id],
  after: async (_t, caller, e, answer) => {
    if (e.outcome === 'refused') return;
    const id = answer.headers[DOCUMENT_ID_HEADER]!;
    const mine = await documentsOf(cast[caller as Signed]);
    const placed = mine.documents.find((d) => d.id === id)!;
    expect(placed.folderId).toBe(e.outcome === 'allowed' ? folder.id : null);
    const owners = await documentsOf(cast.owner);
    expect(owners.documents.some((d) => d.id === id)).toBe(e.outcome === 'allowed');
    expect((await mutate(cast[caller as Signed], 'documents.trash', { kind: 'document', id })).status).toBe(
      200,
    );
  },
};

DRIVERS['uploads.options'] = {
  call: (_c, who) => request('OPTIONS', '/api/uploads', { who, headers: TUS }),
  carries: () => [],
  secrets: () => [],
};

DRIVERS['uploads.head'] = {
  call: (_c, who) => request('HEAD', unfinished.location, { who, headers: TUS }),
  carries: () => [],
  secrets: () => [],
  after: async (_t, _c, e, answer) => {
    if (e.outcome === 'allowed') expect(answer.headers['upload-offset']).toBe('10');
    else expect(answer.headers['upload-offset']).toBeUndefined();
  },
};

async function offsetOf(location: string): Promise<string | undefined> {
  const r = await request('HEAD', location, { who: cast.owner, headers: TUS });
  return r.status === 200 ? r.headers['upload-offset'] : `status ${r.status}`;
}

DRIVERS['uploads.patch'] = {
  prepare: async () => halfUpload(cast.owner),
  call: (_c, who, t) => patchUpload(who, t.location as string, 10, Buffer.from('0123456789')),
  carries: () => [],
  secrets: () => [],
  after: async (t, _c, e) => {
    expect(await offsetOf(t.location as string)).toBe(e.outcome === 'allowed' ? '20' : '10');
  },
};

DRIVERS['uploads.delete'] = {
  prepare: async () => halfUpload(cast.owner),
  call: (_c, who, t) => request('DELETE', t.location as string, { who, headers: TUS }),
  carries: () => [],
  secrets: () => [],
  after: async (t, _c, e) => {
    expect(await offsetOf(t.location as string)).toBe(e.outcome === 'allowed' ? 'status 404' : '10');
  },
};

DRIVERS['uploads.options.id'] = {
  call: (_c, who) => request('OPTIONS', unfinished.location, { who, headers: TUS }),
  carries: () => [],
  secrets: () => [],
  after: async (_t, _c, _e, answer) => expect(answer.headers['upload-offset']).toBeUndefined(),
};

DRIVERS['uploads.finish'] = {
  prepare: async () => {
    const data = Buffer.from(`finished ${fid()}`);
    const name = `Готовый-${fid()}.txt`;
    const created = await createUpload(cast.owner, data.length, { filename: name, sha256: sha(data) });
    const done = await patchUpload(cast.owner, created.headers.location!, 0, data);
    expect(done.status).toBe(204);
    return { location: created.headers.location!, documentId: done.headers[DOCUMENT_ID_HEADER]!, name };
  },
  call: (_c, who, t) => request('POST', `${t.location as string}/finish`, { who, json: {} }),
  carries: (t) => [t.documentId as string, t.name as string],
  secrets: (t) => [t.documentId as string, t.name as string],
};

// ---- documents ----

DRIVERS.documents = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/documents', { who }),
  carries: () => [doc.id, doc.name, folder.id, folder.name],
  secrets: () => [doc.id, doc.name, folder.id, folder.name],
};
DRIVERS['documents.head'] = head(DRIVERS.documents);

DRIVERS.quota = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/api/documents/quota', { who }),
  carries: () => ['usedBytes'],
  secrets: () => [],
  after: async (_t, caller, e, answer) => {
    if (e.outcome === 'refused' || !answer.json) return;
    const used = (await documentsOf(cast[caller as Signed])).quota.usedBytes;
    expect((answer.json as { usedBytes: number }).usedBytes).toBe(used);
  },
};
DRIVERS['quota.head'] = head(DRIVERS.quota);

DRIVERS.link = {
  call: (_c, who) => request('POST', `/api/documents/${doc.id}/link`, { who, json: {} }),
  carries: () => [`/api/documents/${doc.id}/content?`],
  secrets: docSecrets,
};

DRIVERS['content.range'] = {
  call: (_c, who) =>
    request('GET', `/api/documents/${doc.id}/content`, { who, headers: { range: 'bytes=0-15' } }),
  carries: () => [docContent.subarray(0, 16).toString('utf8'), `bytes 0-15/${docContent.length}`],
  secrets: docSecrets,
};

DRIVERS['content.signed'] = {
  prepare: async () => {
    const r = await request('POST', `/api/documents/${doc.id}/link`, { who: cast.owner, json: {} });
    return { url: (r.json as { url: string }).url };
  },
  call: (_c, who, t) => request('GET', t.url as string, { who }),
  carries: () => [docContent.toString('utf8')],
  secrets: docSecrets,
};

DRIVERS['content.active'] = {
  prepare: async () => {
    const id = await uploadDocument(
      cast.owner,
      `Страница-${fid()}.html`,
      Buffer.from(activePage),
      undefined,
      'text/html',
    );
    const r = await request('POST', `/api/documents/${id}/link`, { who: cast.owner, json: {} });
    return { url: `${(r.json as { url: string }).url}&inline=1` };
  },
  call: (_c, who, t) => request('GET', t.url as string, { who }),
  carries: () => [activePage],
  secrets: () => [],
  after: async (_t, _c, _e, answer) => {
    // Whoever opens it, its script never runs as the site (where the session is).
    expect(answer.headers['content-disposition']).toMatch(/^attachment;/);
    expect(answer.headers['content-security-policy']).toMatch(/^sandbox;/);
  },
};

DRIVERS['content.forged'] = {
  prepare: async (caller) => {
    if (caller === 'anonymous') {
      return { url: `/api/documents/${doc.id}/content?u=${cast.owner.id}&e=9999999999&s=${fid()}${fid()}` };
    }
    const who = cast[caller];
    const own =
      caller === 'owner' ? doc.id : await uploadDocument(who, `Своё ${fid()}.txt`, Buffer.from(fid()));
    const r = await request('POST', `/api/documents/${own}/link`, { who, json: {} });
    expect(r.status).toBe(200);
    return { url: (r.json as { url: string }).url.replace(own, doc.id) };
  },
  call: (_c, who, t) => request('GET', t.url as string, { who }),
  carries: () => [docContent.toString('utf8')],
  secrets: docSecrets,
};

DRIVERS['content.head'] = {
  call: (_c, who) => request('HEAD', `/api/documents/${doc.id}/content`, { who }),
  carries: () => [],
  secrets: docSecrets,
  after: async (_t, _c, e, answer) => {
    if (e.outcome === 'allowed') expect(answer.headers.etag).toBe(`"${doc.sha}"`);
  },
};

// ---- web ----

DRIVERS.static = {
  call: (_c, who, t) => request((t.method as string) ?? 'GET', '/assets/app.js', { who }),
  carries: () => ['authz-web-marker'],
  secrets: () => [],
};
DRIVERS['static.head'] = head(DRIVERS.static);

// ---- the world ----

beforeAll(async () => {
  fs.mkdirSync(path.join(web.path, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(web.path, 'index.html'), '<!doctype html><title>authz</title>');
  fs.writeFileSync(path.join(web.path, 'assets', 'app.js'), 'console.log("authz-web-marker");\n');
  ts = await startTestServer({ config: { demo: false, webDir: web.path } });
  base = ts.url;
  vk = await attachVkIdStandIn(ts, {
    matrix: { firstName: 'Вера', lastName: 'Новикова', phone: vkPhone.slice(1) },
  });
  const sc = schoolContextOf(ts.server.context);
  await createSchool(sc, school.name);
  await createSchool(sc, school.other);
  await createClass(sc, school.name, school.className, 'Смирнова Ольга Викторовна');
  await createClass(sc, school.other, '3 В', 'Лебедева Анна Ивановна');
  const child = await studentIn(school.className, 'Петров');
  const otherChild = await studentIn(school.className, 'Сидоров');
  const teacherPhone = freshPhone('936');
  await createTeacher(sc, {
    surname: 'Смирнова',
    name: 'Ольга',
    patronymic: 'Викторовна',
    school: school.name,
    className: school.className,
    phone: teacherPhone,
  });
  const otherTeacherPhone = freshPhone('936');
  await createTeacher(sc, {
    surname: 'Лебедева',
    name: 'Анна',
    patronymic: '',
    school: school.other,
    className: '3 В',
    phone: otherTeacherPhone,
  });
  const adminPhone = freshPhone('937');
  await createSchoolAdmin(sc, {
    surname: 'Орлова',
    name: 'Вера',
    patronymic: '',
    school: school.name,
    phone: adminPhone,
  });

  cast.owner = await signIn(freshPhone('938'), { surname: 'Петрова', name: 'Мария' });
  cast.otherParent = await signIn(freshPhone('938'), { surname: 'Петров', name: 'Сергей' });
  cast.unrelatedParent = await signIn(freshPhone('938'), { surname: 'Кузнецова', name: 'Дарья' });
  cast.child = await signIn(child.phone);
  cast.otherChild = await signIn(otherChild.phone);
  cast.teacher = await signIn(teacherPhone);
  cast.otherTeacher = await signIn(otherTeacherPhone);
  cast.admin = await signIn(adminPhone);
  expect(cast.teacher.session.profile.role).toBe('teacher');
  expect(cast.admin.session.profile.role).toBe('admin');

  for (const parent of [cast.owner, cast.otherParent]) {
    const r = await confirmAs(parent, await issueInvite(cast.child), cast.child);
    expect(r.status, r.text).toBe(200);
  }
  doc.id = await uploadDocument(cast.owner, doc.name, docContent);
  expect(
    (await mutate(cast.owner, 'folder.create', { id: folder.id, parentId: null, name: folder.name })).status,
  ).toBe(200);
  unfinished = await halfUpload(cast.owner);
});

afterAll(async () => {
  await vk?.close();
  await ts?.close();
  web.remove();
});

describe('the authorization matrix', () => {
  it('has a row for every route the server registers, and every row a cell for every caller', () => {
    const registered = new Set(ts.server.routes.map(routeKey));
    const covered = new Set(MATRIX.map(routeKey));
    expect(
      [...registered].filter((r) => !covered.has(r)),
      'routes without a row',
    ).toEqual([]);
    expect(
      [...covered].filter((r) => !registered.has(r)),
      'rows for routes that do not exist',
    ).toEqual([]);
    for (const row of MATRIX) {
      expect(Object.keys(row.cells).sort(), `${row.id}: cells`).toEqual([...CALLERS].sort());
      expect(DRIVERS[row.id], `${row.id}: a driver`).toBeDefined();
    }
    expect(new Set(MATRIX.map((r) => r.id)).size).toBe(MATRIX.length);
    expect(Object.keys(DRIVERS).filter((id) => !MATRIX.some((r) => r.id === id))).toEqual([]);
  });

  it('counts every mutation type of the sync contract as a row', async () => {
    const { MUTATION_PAYLOADS } = await import('../../src/shared/sync/index.js');
    const rows = new Set(MATRIX.flatMap((r) => (r.mutation ? [r.mutation] : [])));
    expect(Object.keys(MUTATION_PAYLOADS).filter((t) => !rows.has(t))).toEqual([]);
  });

  it('renders as a Markdown table', () => {
    const md = matrixMarkdown();
    expect(md.split('\n')).toHaveLength(MATRIX.length + 2);
    if (process.env.AUTHZ_MATRIX_MD) {
      const title =
        '# Authorization matrix\n\nEvery route the server registers × nine callers, as `tests/integration/authorization-matrix.ts` holds it; each cell is called against a real server by `authorization-matrix.test.ts`. Written by that test with `AUTHZ_MATRIX_MD=docs/authorization-matrix.md`.\n\n';
      fs.writeFileSync(process.env.AUTHZ_MATRIX_MD, `${title}${md}\n`);
    }
  });
});

for (const row of MATRIX) {
  describe(`${row.method} ${row.url}${row.mutation ? ` ${row.mutation}` : ''}: ${row.what}`, () => {
    for (const caller of CALLERS) {
      const expected = row.cells[caller];
      const label =
        expected.outcome === 'refused'
          ? `refused ${expected.status}${expected.code ? ` ${expected.code}` : ''}`
          : `${expected.outcome} ${expected.status}`;
      it(`${caller}: ${label}`, async () => {
        const driver = DRIVERS[row.id]!;
        const target = (await driver.prepare?.(caller)) ?? {};
        const who = whoFor(caller, target);
        const answer = await driver.call(caller, who, {
          ...target,
          method: row.method === 'HEAD' ? 'HEAD' : undefined,
        });
        const seen = `${answer.text}\n${JSON.stringify(answer.headers)}`;
        expect(answer.status, `${row.id} as ${caller}: ${answer.text.slice(0, 300)}`).toBe(expected.status);
        expect(answer.status).not.toBe(500);
        if (expected.outcome === 'refused') {
          if (expected.code && row.method !== 'HEAD')
            expect((answer.json as { code?: string }).code).toBe(expected.code);
          // Somebody else's document, folder or upload gets the answer a missing one gets.
          if (expected.code === 'NOT_FOUND' && isDocumentsRow(row.url, row.mutation))
            expect(answer.json).toEqual({ code: 'NOT_FOUND', message: 'Not found.' });
        } else if (expected.outcome === 'allowed') {
          for (const s of driver.carries?.(target, caller) ?? []) expect(seen, `carries ${s}`).toContain(s);
        }
        if (expected.outcome !== 'allowed') {
          for (const s of driver.secrets(target, caller)) expect(seen, `leaks ${s}`).not.toContain(s);
        }
        if (expected.outcome === 'own' && who) driver.ownCheck?.(answer, who, target);
        // Nobody's answer ever carries another person's phone number or a one-time code.
        for (const [name, person] of Object.entries(cast)) {
          if (person.id !== who?.id) expect(seen, `${name}'s phone`).not.toContain(person.phone);
        }
        for (const code of sentCodes()) expect(answer.text).not.toContain(`"${code}"`);
        await driver.after?.(target, caller, expected, answer);
      });
    }
  });
}
