import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { encodeUploadMetadata } from '../../src/shared/documents/index.js';
import { inviteStudentByEmail, schoolContextOf } from '../../src/server/family/school.js';
import { DEMO_SCHOOL } from '../../src/server/demo.js';
import {
  signInByPhone,
  startTestServer,
  testDeviceId,
  TestClock,
  type TestServer,
} from '../../src/server/testing.js';
import { confirm, freshPhone, issueInvite, newStudent } from '../helpers/family.js';
import {
  anyString,
  answerProblem,
  applyBodyPlan,
  badSegment,
  bodyPlan,
  contentTypes,
  describeRequest,
  fuzzSeed,
  headerValue,
  nastyString,
  oddNumber,
  parseRawResponse,
  pathSegment,
  failureReport,
  reproduceLine,
  sendRaw,
  sendSocket,
  wire,
  type BodyPlan,
  type RawAnswer,
  type RawRequest,
} from '../helpers/fuzz.js';

/**
 * Every route the server registered gets malformed, oversized and out-of-order requests
 * over real HTTP on loopback: never a 5xx, never a crash, and every refusal a JSON error
 * body (ErrorBody: `{ code, message }`) with a code from ERROR_CODES. A route the server
 * registers without a generator in specs() fails the suite.
 *
 * FUZZ_SEED=<n> picks the seed (default fixed); a failure prints it with the request.
 * FUZZ_SCALE=0.1 runs a tenth of the requests; FUZZ_SURVEY=1 lists every wrong answer
 * instead of stopping at the first; FUZZ_VERBOSE=1 prints the statuses seen per route.
 */

const FILE = 'tests/integration/fuzz-http.test.ts';
const SEED = fuzzSeed();
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
/** Requests of the route-by-route property; the sequences and raw sockets add the rest. */
const ROUTE_RUNS = Math.ceil(7_400 * SCALE);
const SEQUENCE_RUNS = Math.ceil(260 * SCALE);
const SOCKET_RUNS = Math.ceil(250 * SCALE);
const BURST_RUNS = Math.ceil(1_500 * SCALE);
const BURST_PARALLEL = 16;
const MIN_REQUESTS = Math.floor(10_000 * SCALE);
/** Access tokens live a day here, so the clock can move past rate-limit windows meanwhile. */
const ACCESS_TTL_SECONDS = 86_400;

let ts: TestServer;
const clock = new TestClock();
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const loggedErrors: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

interface Fixtures {
  parentA: SignedIn;
  parentB: SignedIn;
  parentC: SignedIn;
  student: SignedIn;
  studentId: string;
  /** The student's current invite token (re-issued by the fuzz now and then). */
  invite: string;
  revoked: string;
  expired: string;
  docId: string;
  docSize: number;
  otherDocId: string;
  folderId: string;
  scratchFolders: string[];
  openUploadId: string;
  otherUploadId: string;
  cursor: string;
  /** parentA's class chat and announcements channel, and a message of parentA's there. */
  chatId: string;
  announcementsId: string;
  messageSeq: number;
}
let fx: Fixtures;

const tokenOf = (user: SignedIn) => user.tokens.accessToken;
const bearer = (token: string) => `Bearer ${token}`;
const newMutationId = () => randomBytes(12).toString('base64url');
const e164 = (phone: string) => `+7${phone.replace(/\D/g, '').slice(-10)}`;

/** A raw tus creation over fetch-free HTTP; returns the upload id. */
async function createUpload(user: SignedIn, bytes: Buffer, name = 'справка.pdf'): Promise<string> {
  const answer = await sendRaw(
    ts.url,
    {
      method: 'POST',
      path: '/api/uploads',
      headers: {
        authorization: bearer(tokenOf(user)),
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': encodeUploadMetadata({
          filename: name,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        }),
      },
    },
    agent,
  );
  const location = answer.headers.location;
  if (answer.status !== 201 || !location) throw new Error(`tus POST: ${answer.status} ${answer.body}`);
  return location.split('/').pop()!;
}

async function patchUpload(user: SignedIn, id: string, offset: number, bytes: Buffer): Promise<RawAnswer> {
  return sendRaw(
    ts.url,
    {
      method: 'PATCH',
      path: `/api/uploads/${id}`,
      headers: {
        authorization: bearer(tokenOf(user)),
        'tus-resumable': '1.0.0',
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(offset),
      },
      body: bytes,
    },
    agent,
  );
}

async function upload(user: SignedIn, bytes: Buffer, name?: string): Promise<string> {
  const id = await createUpload(user, bytes, name);
  const answer = await patchUpload(user, id, 0, bytes);
  const doc = answer.headers['sferum-document-id'];
  if (answer.status !== 204 || typeof doc !== 'string')
    throw new Error(`tus PATCH: ${answer.status} ${answer.body}`);
  return doc;
}

async function mutate(user: SignedIn, type: string, payload: unknown): Promise<void> {
  const response = await fetch(`${ts.url}/api/sync/mutations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: bearer(tokenOf(user)) },
    body: JSON.stringify({ mutations: [{ id: newMutationId(), type, payload }] }),
  });
  const body = (await response.json()) as { results: { status: string }[] };
  if (body.results[0]?.status !== 'applied') throw new Error(`${type}: ${JSON.stringify(body)}`);
}

/** A fresh session of `user` on a new device, made in-process: for requests that end it. */
async function throwaway(user: SignedIn): Promise<{
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  deviceId: string;
}> {
  const deviceId = testDeviceId('fuzz');
  const tokens = await ts.server.context.sessions.create(user.profile.id, deviceId, 'Fuzz device');
  return { ...tokens, deviceId };
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      loggedErrors.push(chunk.toString('utf8'));
      done();
    },
  });
  ts = await startTestServer({
    config: { demo: true, sseHeartbeatSeconds: 1, accessTtlSeconds: ACCESS_TTL_SECONDS },
    deps: { now: clock.now, logger: pino({ level: 'error' }, sink) },
  });

  // A session that expires: made a day and a second before everything else.
  const old = await signInByPhone(ts, freshPhone('934'));
  clock.advance(ACCESS_TTL_SECONDS * 1000 + 1000);

  const [parentA, parentB, parentC] = [
    await signInByPhone(ts, freshPhone('935')),
    await signInByPhone(ts, freshPhone('935'), { name: { surname: 'Орлов', name: 'Пётр' } }),
    await signInByPhone(ts, freshPhone('935'), { name: { surname: 'Лебедева', name: 'Анна' } }),
  ];
  const child = await newStudent(ts);
  const student = await signInByPhone(ts, child.phone);
  const first = await issueInvite(ts, student);
  const confirmed = await confirm(ts, parentA, first.token, { surname: 'Сидоров', name: 'Миша' });
  if (confirmed.status !== 200) throw new Error(`confirm: ${confirmed.status}`);
  const invite = (await issueInvite(ts, student)).token;

  const signedOut = await signInByPhone(ts, e164(parentA.profile.phone!));
  await fetch(`${ts.url}/api/auth/signout`, {
    method: 'POST',
    headers: { authorization: bearer(tokenOf(signedOut)) },
  });

  const folderId = newMutationId();
  await mutate(parentA, 'folder.create', { id: folderId, parentId: null, name: 'Школа' });
  const scratchFolders = Array.from({ length: 4 }, () => newMutationId());
  for (const [i, id] of scratchFolders.entries()) {
    await mutate(parentA, 'folder.create', { id, parentId: i % 2 ? folderId : null, name: `Черновик ${i}` });
  }
  const docBytes = Buffer.from('%PDF-1.4 fuzz '.repeat(100));
  const docId = await upload(parentA, docBytes);
  const otherDocId = await upload(parentB, Buffer.from('чужой документ'));
  const openUploadId = await createUpload(parentA, Buffer.alloc(4096, 1), 'большой.bin');
  await patchUpload(parentA, openUploadId, 0, Buffer.alloc(1000, 1));
  const otherUploadId = await createUpload(parentB, Buffer.alloc(100, 2));

  const pull = await fetch(`${ts.url}/api/sync/changes?limit=5`, {
    headers: { authorization: bearer(tokenOf(parentA)) },
  });
  const cursor = ((await pull.json()) as { cursor: string }).cursor;
  const chatList = await fetch(`${ts.url}/api/chats`, {
    headers: { authorization: bearer(tokenOf(parentA)) },
  });
  const { chats } = (await chatList.json()) as { chats: { id: string; kind: string }[] };
  const chatId = chats.find((c) => c.kind === 'class')!.id;
  const announcementsId = chats.find((c) => c.kind === 'announcements')!.id;
  const sent = await fetch(`${ts.url}/api/chats/${chatId}/messages`, {
    method: 'POST',
    headers: { authorization: bearer(tokenOf(parentA)), 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: newMutationId(), text: 'Здравствуйте! Завтра экскурсия?' }),
  });
  const messageSeq = ((await sent.json()) as { message: { seq: number } }).message.seq;

  fx = {
    parentA,
    parentB,
    parentC,
    student,
    studentId: child.id,
    invite,
    revoked: tokenOf(signedOut),
    expired: tokenOf(old),
    docId,
    docSize: docBytes.length,
    otherDocId,
    folderId,
    scratchFolders,
    openUploadId,
    otherUploadId,
    cursor,
    chatId,
    announcementsId,
    messageSeq,
  };
  wire.requests = 0;
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await ts?.close();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

// ---------------------------------------------------------------------------------------
// Route specs: for each registered route, how a valid request looks (made at send time,
// so tokens and ids are current) and which extra headers it cares about.

interface Valid {
  /** The access token of a caller who may use the route (absent: no auth needed). */
  token?: string;
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  raw?: Buffer;
  contentType?: string | null;
  headers?: Record<string, string>;
  stream?: boolean;
}

/** A seeded choice among a few options, so valid requests vary with the seed alone. */
type Pick = <T>(options: readonly T[]) => T;

interface RouteSpec {
  valid(pick: Pick): Valid | Promise<Valid>;
  /** Header overrides this route's handler reads (null removes the header). */
  headers?: fc.Arbitrary<Record<string, string | null>>;
  /** Learns from a successful answer (a re-issued invite). */
  after?(answer: RawAnswer): void;
}

const tusVersion = fc.oneof(
  { weight: 5, arbitrary: fc.constant('1.0.0') },
  { weight: 2, arbitrary: fc.constantFrom(null, '0.2.2', '1.0', '1.0.0 ', '2.0.0', '') },
  { weight: 1, arbitrary: nastyString },
);
const numberHeader = fc.oneof(
  fc.constantFrom(
    '-1',
    'NaN',
    '1e3',
    '0x10',
    '9'.repeat(40),
    '1.5',
    ' 1',
    '+1',
    '',
    '00',
    '9007199254740993',
    'Infinity',
  ),
  fc.nat().map(String),
  nastyString,
);
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const metadataHeader = fc.oneof(
  fc.constantFrom(
    'filename',
    'filename !!!notbase64',
    'filename ' + b64(''),
    `filename ${b64('../../etc/passwd')}`,
    `filename ${b64('a')},filename ${b64('b')}`,
    `filename ${b64('a')}, ,`,
    `,,,`,
    `filename ${b64('CON')},sha256 ${b64('zz')}`,
    `filename ${b64('x')},sha256 ${b64('0'.repeat(64))},folderId ${b64('../..')}`,
    `filename ${b64('x')},mime ${b64('text/html\r\nx: y')}`,
    `filename ${b64('\u0000\ud800')}`,
    `filename ${b64('x'.repeat(5000))}`,
    `${'k'.repeat(300)} ${b64('v')}`,
  ),
  fc
    .array(
      fc.tuple(fc.oneof(fc.constantFrom('filename', 'sha256', 'folderId', 'mime'), nastyString), nastyString),
      {
        maxLength: 4,
      },
    )
    .map((pairs) => pairs.map(([k, v]) => `${k} ${b64(v)}`).join(',')),
  nastyString,
);
const sha256Header = fc.oneof(fc.constantFrom(null, '0'.repeat(64), 'Z'.repeat(64), 'abc', ''), nastyString);
const tusHeaders = (extra: Record<string, fc.Arbitrary<string | null>>) =>
  fc.record(
    {
      'tus-resumable': tusVersion,
      'upload-length': fc.oneof(fc.constant(null), numberHeader),
      'upload-defer-length': fc.oneof(fc.constant(null), fc.constantFrom('1', '0', 'yes')),
      'upload-concat': fc.oneof(
        fc.constant(null),
        fc.constantFrom('partial', 'final;/api/uploads/x', 'junk'),
      ),
      'x-http-method-override': fc.constantFrom('PATCH', 'DELETE', 'GET', 'POST'),
      ...extra,
    },
    { requiredKeys: ['tus-resumable'] },
  );
const rangeHeader = fc.oneof(
  fc.constantFrom(
    'bytes=0-0',
    'bytes=0-',
    'bytes=-1',
    'bytes=-0',
    'bytes=5-2',
    'bytes=0-99999999999999999999',
    'bytes=99999999-',
    'bytes=-99999999999',
    'bytes=0-1,2-3',
    'bytes=',
    'bytes=a-b',
    'items=0-1',
    'bytes = 0-1',
    'bytes=1e3-',
    'bytes=-',
    '',
  ),
  fc
    .tuple(fc.integer({ min: -5, max: 3000 }), fc.integer({ min: -5, max: 3000 }))
    .map(([a, b]) => `bytes=${a}-${b}`),
  nastyString,
);
const xClient = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.constantFrom('web', 'desktop') },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('WEB', 'web, desktop', ''), nastyString) },
);
const cookieHeader = fc.oneof(
  fc.constant(null),
  fc.constantFrom('sf_refresh=', 'sf_refresh=%', 'sf_refresh=a;sf_refresh=b', '=;=;', 'sf_refresh="'),
  nastyString.map((s) => `sf_refresh=${s}`),
);

function specs(): Record<string, RouteSpec> {
  const parentToken = () => tokenOf(fx.parentA);
  const anyUser = (pick: Pick) => tokenOf(pick([fx.parentA, fx.student, fx.parentB]));
  const name = { surname: 'Иванова', name: 'Ольга', patronymic: 'Петровна' };
  const plain = (token?: (pick: Pick) => string): RouteSpec => ({
    valid: (pick) => (token ? { token: token(pick) } : {}),
  });
  return {
    'GET /api/health': plain(),
    'GET /api/info': plain(),
    'GET /api/me': plain(anyUser),
    'POST /api/auth/otp/request': {
      valid: (pick) => ({
        body: pick([true, true, true, false])
          ? { channel: 'phone', phone: freshPhone('936'), deviceId: testDeviceId() }
          : { channel: 'email', email: `kid${Date.now()}@school.example`, deviceId: testDeviceId() },
      }),
    },
    'POST /api/auth/otp/verify': {
      headers: fc.record({ 'x-client': xClient }),
      valid: async () => {
        const phone = freshPhone('937');
        const deviceId = testDeviceId();
        const { requestId } = await ts.server.context.otp.request(
          { channel: 'phone', phone, deviceId },
          '127.0.0.1',
        );
        const code = ts.sender.lastCode(e164(phone))!;
        return { body: { requestId, code, deviceId, deviceName: 'Ноутбук' } };
      },
    },
    'POST /api/auth/register': {
      headers: fc.record({ 'x-client': xClient }),
      valid: async () => {
        const deviceId = testDeviceId();
        const { registrationToken } = await ts.server.context.registration.issue(
          e164(freshPhone('938')),
          deviceId,
        );
        return { body: { ...name, registrationToken, deviceId, deviceName: 'Ноутбук' } };
      },
    },
    'POST /api/auth/refresh': {
      headers: fc.record({ 'x-client': xClient, cookie: cookieHeader }),
      valid: async () => {
        const s = await throwaway(fx.parentB);
        return { body: { refreshToken: s.refreshToken, deviceId: s.deviceId } };
      },
    },
    'POST /api/auth/signout': {
      headers: fc.record({ 'x-client': xClient }),
      valid: async () => ({ token: (await throwaway(fx.parentC)).accessToken, contentType: null }),
    },
    'GET /api/auth/sessions': plain(anyUser),
    'DELETE /api/auth/sessions/:id': {
      valid: async (pick) => {
        const own = await throwaway(fx.parentB);
        // Someone else's session is "not found" like a random id.
        const id = pick([
          own.sessionId,
          own.sessionId,
          (await throwaway(fx.parentC)).sessionId,
          fx.parentA.tokens.sessionId,
        ]);
        return { token: tokenOf(fx.parentB), params: { id } };
      },
    },
    'GET /api/sync/changes': {
      valid: (pick) => ({
        token: anyUser(pick),
        query: pick([true, false]) ? `cursor=${encodeURIComponent(fx.cursor)}&limit=10` : 'limit=2',
      }),
    },
    'POST /api/sync/mutations': {
      valid: (pick) => {
        const folder = pick(fx.scratchFolders);
        const options = [
          { type: 'profile.update', payload: name },
          { type: 'folder.create', payload: { id: newMutationId(), parentId: folder, name: 'Новая папка' } },
          { type: 'documents.rename', payload: { kind: 'folder', id: folder, name: 'Переименована' } },
          { type: 'documents.move', payload: { kind: 'folder', id: folder, folderId: null } },
          { type: 'documents.trash', payload: { kind: 'folder', id: folder } },
          { type: 'documents.restore', payload: { kind: 'folder', id: folder } },
          { type: 'documents.emptyTrash', payload: {} },
          { type: 'unknown.kind', payload: {} },
        ];
        return { token: parentToken(), body: { mutations: [{ id: newMutationId(), ...pick(options) }] } };
      },
    },
    'GET /api/sync/events': { valid: (pick) => ({ token: anyUser(pick), stream: true }) },
    'POST /api/support': {
      valid: (pick) => ({
        token: anyUser(pick),
        body: {
          text: 'Не открывается документ',
          diagnostics: pick([true, false]) ? null : { appVersion: '0.1.0', os: 'Linux', logTail: 'warn: x' },
        },
      }),
    },
    'GET /invite/:token': { valid: () => ({ params: { token: fx.invite } }) },
    'GET /register/:token': { valid: () => ({ params: { token: fx.invite } }) },
    // VK ID (not configured on this server: every call answers its coded refusal).
    'POST /api/auth/vkid/start': { valid: () => ({ body: { deviceId: testDeviceId('vk') } }) },
    'POST /api/auth/vkid/complete': {
      headers: fc.record({ 'x-client': xClient }),
      valid: () => ({
        body: {
          state: 's'.repeat(43),
          code: 'c0de',
          vkDeviceId: 'vk-device',
          deviceId: testDeviceId('vk'),
          deviceName: 'Ноутбук',
        },
      }),
    },
    'POST /api/auth/vkid/link': {
      valid: () => ({
        body: {
          pendingToken: 'p'.repeat(43),
          requestId: 'r',
          code: '12345678',
          deviceId: testDeviceId('vk'),
          deviceName: 'Ноутбук',
        },
      }),
    },
    'POST /api/auth/vkid/register': {
      valid: () => ({
        body: { ...name, pendingToken: 'p'.repeat(43), deviceId: testDeviceId('vk'), deviceName: 'Ноутбук' },
      }),
    },
    'GET /api/auth/vkid': plain(anyUser),
    'DELETE /api/auth/vkid': { valid: () => ({ token: tokenOf(fx.parentB), contentType: null }) },
    'GET /vkid/callback': {
      valid: (pick) => ({
        query: pick(['state=abc&code=def&device_id=ghi', 'error=access_denied&state=abc', '']),
      }),
    },
    'GET /api/family': plain(anyUser),
    'POST /api/family/invite': {
      valid: (pick) => ({
        token: pick([true, true, true, false]) ? tokenOf(fx.student) : parentToken(),
        contentType: null,
      }),
      after: (answer) => {
        const token = (JSON.parse(answer.body) as { token?: string }).token;
        if (token) fx.invite = token;
      },
    },
    'POST /api/family/invite/preview': {
      valid: (pick) => ({
        token: tokenOf(pick([fx.parentB, fx.parentC, fx.student])),
        body: { token: fx.invite },
      }),
    },
    'POST /api/family/invite/confirm': {
      valid: (pick) => ({
        token: tokenOf(pick([fx.parentB, fx.parentC, fx.parentA])),
        body: {
          token: fx.invite,
          child: { surname: 'Сидоров', name: 'Миша', patronymic: 'Олегович', birthDate: '2013-05-06' },
        },
      }),
    },
    'POST /api/family/leave': {
      valid: (pick) => ({ token: tokenOf(pick([fx.parentB, fx.parentC])), body: { childId: fx.studentId } }),
    },
    'POST /api/family/email-registration': {
      headers: fc.record({ 'x-client': xClient }),
      valid: async () => {
        const { token } = await inviteStudentByEmail(schoolContextOf(ts.server.context), {
          surname: 'Кузнецова',
          name: 'Ева',
          patronymic: '',
          school: DEMO_SCHOOL,
          className: '5 А',
          email: `eva.${newMutationId()}@school.example`,
        });
        return { body: { token, deviceId: testDeviceId(), deviceName: 'Планшет' } };
      },
    },
    'POST /api/uploads': {
      headers: tusHeaders({
        'upload-metadata': fc.oneof(fc.constant(null), metadataHeader),
        'upload-checksum': fc.oneof(
          fc.constant(null),
          fc.constantFrom('sha1 xxx', 'md5', 'sha1 ' + b64('x'), 'sha256 ' + 'A'.repeat(43) + '='),
        ),
      }),
      // Half of them creation-with-upload: the first bytes (some past the length) in the POST.
      valid: (pick) => ({
        token: parentToken(),
        ...(pick([true, false])
          ? { contentType: 'application/offset+octet-stream', raw: randomBytes(pick([4, 10, 16])) }
          : { contentType: null }),
        headers: {
          'tus-resumable': '1.0.0',
          'upload-length': '10',
          'upload-metadata': encodeUploadMetadata({ filename: 'a.txt', sha256: 'a'.repeat(64) }),
        },
      }),
    },
    'OPTIONS /api/uploads': {
      headers: tusHeaders({ 'access-control-request-method': fc.constantFrom(null, 'PATCH', 'TRACE') }),
      valid: () => ({ contentType: null }),
    },
    'HEAD /api/uploads/:id': {
      headers: tusHeaders({}),
      valid: (pick) => ({
        token: parentToken(),
        contentType: null,
        params: { id: pick([fx.openUploadId, fx.openUploadId, fx.otherUploadId]) },
        headers: { 'tus-resumable': '1.0.0' },
      }),
    },
    'DELETE /api/uploads/:id': {
      headers: tusHeaders({}),
      valid: async (pick) => ({
        token: parentToken(),
        contentType: null,
        params: {
          id: pick([true, true, true, false])
            ? await createUpload(fx.parentA, Buffer.alloc(10))
            : fx.otherUploadId,
        },
        headers: { 'tus-resumable': '1.0.0' },
      }),
    },
    'OPTIONS /api/uploads/:id': {
      headers: tusHeaders({}),
      valid: () => ({ contentType: null, params: { id: fx.openUploadId } }),
    },
    'PATCH /api/uploads/:id': {
      headers: tusHeaders({
        'upload-offset': fc.oneof({ weight: 3, arbitrary: fc.constant('0') }, numberHeader),
        'sferum-sha256': sha256Header,
        'upload-checksum': fc.oneof(
          fc.constant(null),
          fc.constantFrom('sha1 xxx', 'md5', 'sha1 ' + b64('x')),
        ),
      }),
      valid: async () => {
        const bytes = randomBytes(64);
        return {
          token: parentToken(),
          params: { id: await createUpload(fx.parentA, bytes) },
          raw: bytes,
          contentType: 'application/offset+octet-stream',
          headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0' },
        };
      },
    },
    'POST /api/uploads/:id/finish': {
      headers: fc.record({ 'sferum-sha256': sha256Header }),
      valid: async (pick) => {
        const bytes = randomBytes(32);
        const id = await createUpload(fx.parentA, bytes);
        if (pick([true, false])) await patchUpload(fx.parentA, id, 0, bytes);
        return { token: parentToken(), params: { id }, contentType: null };
      },
    },
    'GET /api/documents': plain(anyUser),
    'GET /api/documents/quota': plain(anyUser),
    'POST /api/documents/:id/link': {
      valid: (pick) => ({
        token: parentToken(),
        params: { id: pick([fx.docId, fx.docId, fx.docId, fx.otherDocId]) },
        contentType: null,
      }),
    },
    'GET /api/documents/:id/content': {
      headers: fc.record({ range: fc.oneof(fc.constant(null), rangeHeader) }),
      valid: async (pick) => {
        if (pick([true, false, false])) {
          const link = await ts.server.context.documents.links.signedLink(fx.parentA.profile.id, fx.docId);
          return { params: { id: fx.docId }, query: `${link.split('?')[1]!}&inline=1` };
        }
        return { token: parentToken(), params: { id: pick([fx.docId, fx.docId, fx.docId, fx.otherDocId]) } };
      },
    },
    'GET /api/chats': plain(anyUser),
    'POST /api/chats/direct': {
      valid: (pick) => ({
        token: parentToken(),
        body: { userId: pick([fx.studentId, fx.parentB.profile.id]) },
      }),
    },
    'GET /api/chats/:chatId/messages': {
      valid: (pick) => ({
        token: anyUser(pick),
        params: { chatId: pick([fx.chatId, fx.announcementsId]) },
        query: pick(['', 'limit=2', `before=${fx.messageSeq}`, 'after=0&limit=100', 'changedAfter=0']),
      }),
    },
    'POST /api/chats/:chatId/messages': {
      valid: (pick) => ({
        token: parentToken(),
        params: { chatId: pick([fx.chatId, fx.chatId, fx.announcementsId]) },
        body: { clientId: newMutationId(), text: pick(['Спасибо!', 'Когда родительское собрание?']) },
      }),
    },
    'PATCH /api/chats/:chatId/messages/:seq': {
      valid: () => ({
        token: parentToken(),
        params: { chatId: fx.chatId, seq: String(fx.messageSeq) },
        body: { text: 'Здравствуйте! Завтра экскурсия в музей?' },
      }),
    },
    'DELETE /api/chats/:chatId/messages/:seq': {
      valid: (pick) => ({
        token: tokenOf(pick([fx.parentB, fx.student])),
        params: { chatId: fx.chatId, seq: String(fx.messageSeq) },
        contentType: null,
      }),
    },
    'POST /api/chats/:chatId/messages/:seq/report': {
      valid: () => ({
        token: parentToken(),
        params: { chatId: fx.chatId, seq: String(fx.messageSeq) },
        body: { reason: 'Реклама' },
      }),
    },
    'POST /api/chats/:chatId/messages/:seq/ack': {
      valid: () => ({
        token: parentToken(),
        params: { chatId: fx.announcementsId, seq: '1' },
        contentType: null,
      }),
    },
    'GET /api/chats/:chatId/messages/:seq/acks': {
      valid: () => ({ token: parentToken(), params: { chatId: fx.announcementsId, seq: '1' } }),
    },
    'POST /api/chats/:chatId/read': {
      valid: (pick) => ({
        token: parentToken(),
        params: { chatId: fx.chatId },
        body: { seq: pick([0, fx.messageSeq, 10 ** 9]) },
      }),
    },
    'GET /api/chats/:chatId/members': {
      valid: (pick) => ({ token: anyUser(pick), params: { chatId: pick([fx.chatId, fx.announcementsId]) } }),
    },
    'GET /api/chats/contacts': plain(anyUser),
    'GET /api/chats/search': {
      valid: (pick) => ({
        token: anyUser(pick),
        query: pick(['q=%D0%BE%D0%BB%D0%B8%D0%BC%D0%BF', 'q=%D1%91%D0%BB%D0%BA%D0%B0&limit=5', 'q=a%20b']),
      }),
    },
    'GET /api/chats/reports': plain(anyUser),
    'PUT /api/chats/:chatId/mute': {
      valid: (pick) => ({
        token: parentToken(),
        params: { chatId: pick([fx.chatId, fx.announcementsId]) },
        body: { muted: pick([true, false]) },
      }),
    },
    'GET /api/chats/:chatId/attachments/:attachmentId': {
      headers: fc.record({ range: fc.oneof(fc.constant(null), rangeHeader) }),
      valid: (pick) => ({
        token: anyUser(pick),
        params: { chatId: fx.chatId, attachmentId: pick(['abcdefgh1234', 'no-such-file-00']) },
        query: pick(['', 'u=x&e=1&s=forged']),
      }),
    },
    'GET /api/chats/:chatId/attachments/:attachmentId/link': {
      valid: (pick) => ({
        token: anyUser(pick),
        params: { chatId: fx.chatId, attachmentId: pick(['abcdefgh1234', 'no-such-file-00']) },
      }),
    },
    'GET /': { valid: () => ({ headers: { accept: 'text/html' } }) },
  };
}

// ---------------------------------------------------------------------------------------
// The plan of one request: which route, and what is wrong with it.

type AuthPlan =
  'valid' | 'none' | 'other' | 'revoked' | 'expired' | 'forged' | 'refreshAsAccess' | { header: string };

interface Plan {
  target: number;
  /** Seeds the route's choices among valid requests. */
  choice: number;
  method: string | null;
  auth: AuthPlan;
  params: (string | null)[];
  query: { op: 'valid' } | { op: 'pairs'; pairs: [string, string][] } | { op: 'raw'; text: string };
  body: BodyPlan;
  contentType: string | null | 'route';
  headers: Record<string, string | null>;
  xClient: string | null;
}

const authPlan: fc.Arbitrary<AuthPlan> = fc.oneof(
  { weight: 14, arbitrary: fc.constant('valid' as const) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'none',
      'other',
      'revoked',
      'expired',
      'forged',
      'refreshAsAccess',
    ) as fc.Arbitrary<AuthPlan>,
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          'Bearer',
          'Bearer ',
          'bearer abcdefghijklmnopqrstuvwxyz',
          'Basic dXNlcjpwYXNz',
          'Bearer ' + 'a'.repeat(201),
          'Bearer ' + 'a'.repeat(8000),
        ),
        nastyString.map((s) => `Bearer ${s}`),
        anyString,
      )
      .map((header) => ({ header })),
  },
);

const queryPlan: fc.Arbitrary<Plan['query']> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ op: 'valid' as const }) },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom('cursor', 'limit', 'u', 'e', 's', 'inline', '__proto__', 'constructor'),
            nastyString,
          ),
          fc.oneof(oddNumber.map(String), anyString, fc.constantFrom('-1', '0', '5001', '1e309', 'NaN', '')),
        ),
        { maxLength: 4 },
      )
      .map((pairs) => ({ op: 'pairs' as const, pairs })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          'limit=1&limit=2',
          'cursor[]=a',
          'cursor[a]=b',
          '%',
          '&&&',
          '=',
          'limit=%00',
          'a=%ED%A0%80',
        ),
        nastyString.map((s) => pathSegment(s, true)),
      )
      .map((text) => ({ op: 'raw' as const, text })),
  },
);

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH'];

function planFor(
  targetCount: number,
  headerArbs: (fc.Arbitrary<Record<string, string | null>> | undefined)[],
): fc.Arbitrary<Plan> {
  return fc.nat({ max: targetCount - 1 }).chain((target) =>
    fc.record({
      target: fc.constant(target),
      choice: fc.nat(),
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
      ),
      auth: authPlan,
      params: fc.array(
        fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: badSegment }),
        {
          minLength: 2,
          maxLength: 2,
        },
      ),
      query: queryPlan,
      body: bodyPlan,
      contentType: fc.oneof(
        { weight: 5, arbitrary: fc.constant('route' as const) },
        { weight: 1, arbitrary: contentTypes },
      ),
      headers: fc.oneof(
        { weight: 1, arbitrary: fc.constant({}) },
        { weight: 2, arbitrary: headerArbs[target] ?? fc.constant({}) },
      ),
      xClient,
    }),
  );
}

interface Target {
  key: string;
  method: string;
  url: string;
  spec: RouteSpec;
}

/** The concrete request a plan makes of a route's valid request. */
async function build(target: Target, plan: Plan): Promise<RawRequest> {
  let state = plan.choice;
  const pick: Pick = (options) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return options[(state >>> 8) % options.length]!;
  };
  const valid = await target.spec.valid(pick);
  const method = plan.method ?? target.method;
  const headers: Record<string, string> = {};
  let i = 0;
  const path = target.url.replace(/:(\w+)/g, (_m, name: string) => {
    const bad = plan.params[i++] ?? null;
    return bad ?? pathSegment(valid.params?.[name] ?? 'x');
  });
  let query = '';
  if (plan.query.op === 'valid') query = valid.query ?? '';
  else if (plan.query.op === 'pairs')
    query = plan.query.pairs.map(([k, v]) => `${pathSegment(k)}=${pathSegment(v)}`).join('&');
  else query = plan.query.text;

  const otherToken = valid.token === tokenOf(fx.student) ? tokenOf(fx.parentB) : tokenOf(fx.student);
  const authValue = (() => {
    const a = plan.auth;
    if (typeof a === 'object') return a.header;
    switch (a) {
      case 'valid':
        return valid.token ? bearer(valid.token) : null;
      case 'none':
        return null;
      case 'other':
        return bearer(otherToken);
      case 'revoked':
        return bearer(fx.revoked);
      case 'expired':
        return bearer(fx.expired);
      case 'forged':
        return bearer(randomBytes(32).toString('base64url'));
      case 'refreshAsAccess':
        return bearer(fx.parentA.tokens.refreshToken);
    }
  })();
  if (authValue !== null) headers.authorization = headerValue(authValue);

  for (const [k, v] of Object.entries(valid.headers ?? {})) headers[k] = v;
  for (const [k, v] of Object.entries(plan.headers)) {
    if (v === null) delete headers[k];
    else headers[k] = headerValue(v);
  }
  if (plan.xClient !== null) headers['x-client'] = headerValue(plan.xClient);

  let body: string | Buffer | undefined;
  if (valid.raw && (plan.body.op === 'valid' || plan.body.op === 'none')) {
    body = plan.body.op === 'valid' ? valid.raw : undefined;
  } else if (valid.body === undefined && plan.body.op === 'valid') {
    body = undefined;
  } else {
    body = applyBodyPlan(valid.body, plan.body);
  }
  // A body for a route that takes none goes as JSON, so it meets the route rather than a 415.
  const routeType =
    valid.raw !== undefined && body === valid.raw
      ? (valid.contentType ?? null)
      : valid.body === undefined
        ? 'application/json'
        : (valid.contentType ?? 'application/json');
  const type = plan.contentType === 'route' ? (body === undefined ? null : routeType) : plan.contentType;
  if (type !== null) headers['content-type'] = headerValue(type);

  let target_ = `${path}${query ? `?${query}` : ''}`;
  // Node's parser refuses raw bytes above 0x7f in a request line and the server answers 400
  // with a body, which a HEAD client cannot read: for HEAD they go percent-encoded.
  if (method === 'HEAD')
    target_ = target_.replace(/[\u0080-\u00ff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return {
    method,
    path: target_,
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(valid.stream ? { stream: true } : {}),
  };
}

const survey: string[] = [];
afterAll(() => {
  if (survey.length) console.log(`SURVEY ${survey.length}\n` + survey.join('\n---\n'));
});
/** Sends one request and checks the answer; throws with the request when it is wrong. */
async function exchange(request: RawRequest, via: http.Agent = agent): Promise<RawAnswer> {
  let answer: RawAnswer;
  let method = request.method;
  try {
    answer = await sendRaw(ts.url, request, via);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!(request.method === 'HEAD' && code.startsWith('HPE_'))) {
      throw new Error(`no answer (${String(error)}) to\n${describeRequest(request)}`);
    }
    // A request the server's parser refused (headers too large) gets a 400 or 431 with a
    // body, which a HEAD client cannot read: read it off the socket instead.
    const head = `HEAD ${request.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${Object.entries(
      request.headers,
    )
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`;
    const raw = parseRawResponse(await sendSocket(ts.url, Buffer.from(head, 'latin1')));
    if (!raw) throw new Error(`no answer (${String(error)}) to\n${describeRequest(request)}`);
    answer = raw;
    // With a body it was the parser's refusal (it cannot know the method); without, a HEAD answer.
    if (raw.body !== '') method = 'GET';
  }
  const problem = answerProblem(method, answer);
  if (problem && process.env.FUZZ_SURVEY) {
    survey.push(`${problem} ${answer.body.slice(0, 120)} <- ${describeRequest(request).slice(0, 400)}`);
    return answer;
  }
  if (problem) {
    throw new Error(`${problem}: ${answer.body.slice(0, 300)}\nfor\n${describeRequest(request)}`);
  }
  return answer;
}

async function runProperty<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  runs: number,
  check: (value: T) => Promise<void>,
) {
  const result = await fc.check(fc.asyncProperty(arb, check), {
    seed: SEED,
    numRuns: runs,
    endOnFailure: true,
  });
  if (result.failed) {
    throw new Error(failureReport(name, SEED, FILE, result));
  }
}

function expectError(answer: RawAnswer, statuses: number[], codes: string[]): void {
  const code =
    answer.status >= 400 && answer.body ? (JSON.parse(answer.body) as { code: string }).code : null;
  if (!statuses.includes(answer.status) || (codes.length > 0 && code !== null && !codes.includes(code))) {
    throw new Error(
      `expected ${statuses.join('/')} ${codes.join('/')}, got ${answer.status} ${answer.body.slice(0, 200)}`,
    );
  }
}

describe(`HTTP fuzzing (seed ${SEED})`, () => {
  const seen = new Map<string, Map<number, number>>();
  let targets: Target[] = [];

  it('has a fuzz generator for every route the server registered', () => {
    const table = specs();
    targets = ts.server.routes.map((route) => {
      const key = `${route.method} ${route.url}`;
      const spec = table[key] ?? (route.method === 'HEAD' ? table[`GET ${route.url}`] : undefined);
      return { key, method: route.method, url: route.url, spec: spec! };
    });
    const missing = targets.filter((t) => !t.spec).map((t) => t.key);
    expect(missing, 'routes without a fuzz generator: add them to specs()').toEqual([]);
    const stale = Object.keys(table).filter((key) => !targets.some((t) => t.key === key));
    expect(stale, 'generators for routes the server no longer has').toEqual([]);
    expect(targets.length).toBeGreaterThan(40);
  });

  it('answers every malformed request on every route with a 4xx and a coded error, never a 5xx', async () => {
    expect(targets.length).toBeGreaterThan(0);
    const arb = planFor(
      targets.length,
      targets.map((t) => t.spec.headers),
    );
    let sent = 0;
    await runProperty('route fuzzing', arb, ROUTE_RUNS, async (plan) => {
      const target = targets[plan.target]!;
      // Rate-limit windows (invite guesses, support requests) reopen now and then, so
      // later requests reach the handlers rather than only the limiter.
      if (++sent % 150 === 0) clock.advance(11 * 60_000);
      const request = await build(target, plan);
      const answer = await exchange(request);
      const counts = seen.get(target.key) ?? new Map<number, number>();
      counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
      seen.set(target.key, counts);
      if (answer.status < 300 && request.method === target.method) target.spec.after?.(answer);
    });
    // Every route was reached past the auth guard and the validator at least once.
    const unreached = targets.filter((t) => {
      const counts = seen.get(t.key);
      return !counts || ![...counts.keys()].some((s) => s < 400 || (s !== 401 && s !== 400 && s !== 415));
    });
    expect(unreached.map((t) => t.key)).toEqual([]);
    const table = targets.map(
      (t) => `${t.key}: ${JSON.stringify(Object.fromEntries(seen.get(t.key) ?? []))}`,
    );
    if (process.env.FUZZ_VERBOSE) console.info(`route fuzzing: ${sent} requests\n${table.join('\n')}`);
  }, 240_000);

  it('keeps every rule with sixteen malformed requests in flight at once', async () => {
    const burst = new http.Agent({ keepAlive: true, maxSockets: BURST_PARALLEL });
    const plans = fc.sample(
      planFor(
        targets.length,
        targets.map((t) => t.spec.headers),
      ),
      { seed: SEED + 1, numRuns: BURST_RUNS },
    );
    let next = 0;
    const problems: string[] = [];
    const worker = async () => {
      while (next < plans.length) {
        const plan = plans[next++]!;
        const request = await build(targets[plan.target]!, plan);
        try {
          await exchange(request, burst);
        } catch (error) {
          problems.push(String(error).slice(0, 1500));
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: BURST_PARALLEL }, worker));
    } finally {
      burst.destroy();
    }
    expect(problems, reproduceLine(SEED, FILE)).toEqual([]);
  }, 120_000);

  it('keeps its rules when steps come out of order', async () => {
    const steps = fc.record({
      scenario: fc.nat({ max: 11 }),
      meta: fc.record({
        filename: anyString,
        mime: fc.oneof(
          fc.constantFrom('text/html', 'image/svg+xml', 'application/pdf', 'текст/простой', 'a/b; x="y"'),
          nastyString,
        ),
      }),
      offset: fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(-1, 2 ** 53)),
      size: fc.integer({ min: 1, max: 3000 }),
      garbage: nastyString,
    });
    await runProperty(
      'out-of-order sequences',
      steps,
      SEQUENCE_RUNS,
      async ({ scenario, offset, size, garbage, meta }) => {
        const A = fx.parentA;
        const auth = (token: string) => ({ authorization: bearer(token) });
        const tus = { 'tus-resumable': '1.0.0' };
        const send = (r: RawRequest) => exchange(r);
        const bytes = randomBytes(size);
        switch (scenario) {
          case 0: {
            // Finish before any byte arrived, then again after a wrong PATCH.
            const id = await createUpload(A, bytes);
            expectError(
              await send({ method: 'POST', path: `/api/uploads/${id}/finish`, headers: auth(tokenOf(A)) }),
              [409],
              ['UPLOAD_INCOMPLETE'],
            );
            const wrong = await send({
              method: 'PATCH',
              path: `/api/uploads/${id}`,
              headers: {
                ...auth(tokenOf(A)),
                ...tus,
                'content-type': 'application/offset+octet-stream',
                'upload-offset': String(offset),
              },
              body: bytes,
            });
            expectError(wrong, [400, 409], []);
            expectError(
              await send({ method: 'POST', path: `/api/uploads/${id}/finish`, headers: auth(tokenOf(A)) }),
              [409],
              ['UPLOAD_INCOMPLETE'],
            );
            break;
          }
          case 1: {
            // PATCH after the upload was terminated; HEAD and finish on it too.
            const id = await createUpload(A, bytes);
            const del = await send({
              method: 'DELETE',
              path: `/api/uploads/${id}`,
              headers: { ...auth(tokenOf(A)), ...tus },
            });
            if (del.status !== 204) throw new Error(`DELETE: ${del.status}`);
            expectError(await patchUpload(A, id, 0, bytes).then((a) => checked(a)), [404, 410], []);
            expectError(
              await send({
                method: 'HEAD',
                path: `/api/uploads/${id}`,
                headers: { ...auth(tokenOf(A)), ...tus },
              }),
              [404, 410],
              [],
            );
            expectError(
              await send({ method: 'POST', path: `/api/uploads/${id}/finish`, headers: auth(tokenOf(A)) }),
              [400, 404, 409, 410],
              [],
            );
            expectError(
              await send({
                method: 'DELETE',
                path: `/api/uploads/${id}`,
                headers: { ...auth(tokenOf(A)), ...tus },
              }),
              [404, 410],
              [],
            );
            break;
          }
          case 2: {
            // A complete upload finished twice, then patched again, then deleted.
            const id = await createUpload(A, bytes);
            const done = await patchUpload(A, id, 0, bytes);
            if (done.status !== 204) throw new Error(`PATCH: ${done.status} ${done.body}`);
            const a = await send({
              method: 'POST',
              path: `/api/uploads/${id}/finish`,
              headers: auth(tokenOf(A)),
            });
            const b = await send({
              method: 'POST',
              path: `/api/uploads/${id}/finish`,
              headers: auth(tokenOf(A)),
            });
            if (a.status !== 200 || b.body !== a.body)
              throw new Error(`finish twice: ${a.status} ${a.body} / ${b.body}`);
            checked(await patchUpload(A, id, size, Buffer.from('x')));
            checked(await patchUpload(A, id, 0, bytes));
            await send({
              method: 'DELETE',
              path: `/api/uploads/${id}`,
              headers: { ...auth(tokenOf(A)), ...tus },
            });
            break;
          }
          case 3: {
            // Someone else's upload: every step is "not found".
            const id = await createUpload(fx.parentB, bytes);
            expectError(checked(await patchUpload(A, id, 0, bytes)), [404], ['NOT_FOUND']);
            expectError(
              await send({ method: 'POST', path: `/api/uploads/${id}/finish`, headers: auth(tokenOf(A)) }),
              [404],
              ['NOT_FOUND'],
            );
            expectError(
              await send({
                method: 'DELETE',
                path: `/api/uploads/${id}`,
                headers: { ...auth(tokenOf(A)), ...tus },
              }),
              [404],
              ['NOT_FOUND'],
            );
            break;
          }
          case 4: {
            // Refresh with a used refresh token after its successor was used: the whole session ends.
            const s = await throwaway(fx.parentC);
            const refresh = (token: string) =>
              send({
                method: 'POST',
                path: '/api/auth/refresh',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ refreshToken: token, deviceId: s.deviceId }),
              });
            const first = await refresh(s.refreshToken);
            if (first.status !== 200) throw new Error(`refresh: ${first.status} ${first.body}`);
            const next = JSON.parse(first.body) as { accessToken: string; refreshToken: string };
            const me = await send({ method: 'GET', path: '/api/me', headers: auth(next.accessToken) });
            if (me.status !== 200) throw new Error(`me: ${me.status}`);
            expectError(await refresh(s.refreshToken), [401], ['REFRESH_TOKEN_REUSED']);
            expectError(
              await send({ method: 'GET', path: '/api/me', headers: auth(next.accessToken) }),
              [401],
              ['SESSION_REVOKED'],
            );
            expectError(await refresh(next.refreshToken), [401], ['SESSION_REVOKED']);
            break;
          }
          case 5: {
            // A session deleted twice, then its token used.
            const s = await throwaway(fx.parentC);
            const del = () =>
              send({
                method: 'DELETE',
                path: `/api/auth/sessions/${s.sessionId}`,
                headers: auth(tokenOf(fx.parentC)),
              });
            const first = await del();
            if (first.status !== 200) throw new Error(`delete session: ${first.status}`);
            expectError(await del(), [404], ['NOT_FOUND']);
            expectError(
              await send({ method: 'GET', path: '/api/family', headers: auth(s.accessToken) }),
              [401],
              ['SESSION_REVOKED'],
            );
            break;
          }
          case 6: {
            // Signed out, then the token used on every kind of route, then signed out again.
            const s = await throwaway(fx.parentB);
            const out = await send({
              method: 'POST',
              path: '/api/auth/signout',
              headers: auth(s.accessToken),
            });
            if (out.status !== 200) throw new Error(`signout: ${out.status}`);
            for (const [method, path] of [
              ['POST', '/api/auth/signout'],
              ['GET', '/api/documents'],
              ['POST', `/api/documents/${fx.docId}/link`],
              ['POST', '/api/family/invite'],
              ['GET', '/api/sync/events'],
            ] as const) {
              expectError(
                await send({ method, path, headers: auth(s.accessToken) }),
                [401],
                ['SESSION_REVOKED'],
              );
            }
            const tusPost = await send({
              method: 'POST',
              path: '/api/uploads',
              headers: {
                ...auth(s.accessToken),
                ...tus,
                'upload-length': '3',
                'upload-metadata': encodeUploadMetadata({ filename: 'a' }),
              },
            });
            expectError(tusPost, [401], ['SESSION_REVOKED']);
            break;
          }
          case 7: {
            // Confirm an invite without a preview, with a stale token, and after leaving.
            const parent = fx.parentC;
            const confirmBody = (token: string) =>
              JSON.stringify({
                token,
                child: { surname: 'Сидоров', name: 'Миша', patronymic: '', birthDate: null },
              });
            const post = (path: string, body: string) =>
              send({
                method: 'POST',
                path,
                headers: { ...auth(tokenOf(parent)), 'content-type': 'application/json' },
                body,
              });
            await post('/api/family/invite/confirm', confirmBody(fx.invite));
            await post('/api/family/leave', JSON.stringify({ childId: fx.studentId }));
            expectError(
              await post('/api/family/leave', JSON.stringify({ childId: fx.studentId })),
              [404],
              ['NOT_FOUND'],
            );
            const stale = fx.invite;
            const issued = await send({
              method: 'POST',
              path: '/api/family/invite',
              headers: auth(tokenOf(fx.student)),
            });
            if (issued.status === 200) fx.invite = (JSON.parse(issued.body) as { token: string }).token;
            if (stale !== fx.invite) {
              expectError(await post('/api/family/invite/confirm', confirmBody(stale)), [410, 429], []);
            }
            await post('/api/family/invite/confirm', confirmBody(`${garbage}`));
            break;
          }
          case 8: {
            // A registration token used twice, and an OTP verified after it was used.
            const deviceId = testDeviceId();
            const phone = freshPhone('939');
            const { requestId } = await ts.server.context.otp.request(
              { channel: 'phone', phone, deviceId },
              '127.0.0.1',
            );
            const code = ts.sender.lastCode(e164(phone))!;
            const verify = () =>
              send({
                method: 'POST',
                path: '/api/auth/otp/verify',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ requestId, code, deviceId, deviceName: 'Телефон' }),
              });
            const verified = await verify();
            const token = (JSON.parse(verified.body) as { registrationToken: string }).registrationToken;
            expectError(await verify(), [400], []);
            const register = () =>
              send({
                method: 'POST',
                path: '/api/auth/register',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({
                  surname: 'Ким',
                  name: 'Юлия',
                  patronymic: '',
                  registrationToken: token,
                  deviceId,
                  deviceName: 'Телефон',
                }),
              });
            if ((await register()).status !== 200) throw new Error('register');
            expectError(await register(), [400], ['REGISTRATION_EXPIRED']);
            break;
          }
          case 10: {
            // A document whose name and type were anything at all, then read back every way.
            const sha = createHash('sha256').update(bytes).digest('hex');
            let metadata: string;
            try {
              metadata = encodeUploadMetadata({ ...meta, sha256: sha });
            } catch {
              // Half a surrogate pair is refused before it is sent (the server's refusal of
              // such bytes is tested in names-server.test.ts).
              break;
            }
            const created = await send({
              method: 'POST',
              path: '/api/uploads',
              headers: {
                ...auth(tokenOf(A)),
                ...tus,
                'upload-length': String(size),
                'upload-metadata': metadata,
              },
            });
            if (created.status !== 201) break;
            const id = String(created.headers.location).split('/').pop()!;
            const done = checked(await patchUpload(A, id, 0, bytes));
            const docId = done.headers['sferum-document-id'];
            if (typeof docId !== 'string')
              throw new Error(`no document from a complete upload: ${done.status}`);
            await readBack(docId);
            break;
          }
          case 11: {
            // A document renamed to anything at all (JSON keeps lone surrogates), then read back.
            const docId = await upload(A, bytes);
            const renamed = await send({
              method: 'POST',
              path: '/api/sync/mutations',
              headers: { ...auth(tokenOf(A)), 'content-type': 'application/json' },
              body: JSON.stringify({
                mutations: [
                  {
                    id: newMutationId(),
                    type: 'documents.rename',
                    payload: { kind: 'document', id: docId, name: garbage + meta.filename.slice(0, 3000) },
                  },
                ],
              }),
            });
            if (renamed.status === 200) await readBack(docId);
            break;
          }
          case 9: {
            // Range requests at and past both ends of a document, and a signed link replayed with a changed id.
            const range = (value: string) =>
              send({
                method: 'GET',
                path: `/api/documents/${fx.docId}/content`,
                headers: { ...auth(tokenOf(A)), range: value },
              });
            const end = fx.docSize;
            expectError(await range(`bytes=${end}-`), [416], ['VALIDATION_FAILED']);
            const tail = await range(`bytes=${Math.max(0, Math.min(offset, end - 1))}-`);
            if (tail.status !== 206) throw new Error(`range: ${tail.status}`);
            const link = await ts.server.context.documents.links.signedLink(A.profile.id, fx.docId);
            const forged = link.replace(fx.docId, fx.otherDocId);
            expectError(await send({ method: 'GET', path: forged, headers: {} }), [401, 404], []);
            break;
          }
        }
      },
    );
  }, 120_000);

  it('answers requests that no HTTP client would form with a coded 400, or closes the connection', async () => {
    const pieces = fc.record({
      method: fc.oneof(fc.constantFrom('GET', 'POST', 'PATCH', 'G E T', '', 'GET\u0000', 'ÄÖÜ'), nastyString),
      path: fc.oneof(
        fc.constantFrom(
          '/api/health',
          '/api/me',
          '/api/uploads',
          '/api/documents/x/content',
          '*',
          'http://evil/',
          '//',
          '',
        ),
        nastyString.map((s) => `/api/${s}`),
      ),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'HTTP', ''),
      headers: fc.array(
        fc.oneof(
          fc.constantFrom(
            'Content-Length: -1',
            'Content-Length: abc',
            'Content-Length: 5\r\nContent-Length: 6',
            'Transfer-Encoding: chunked\r\nContent-Length: 3',
            'Transfer-Encoding: gzip',
            'Host:',
            'Bad Header: x',
            ': empty name',
            'X-Client: \u0000',
            'Authorization: Bearer \u0001\u0002',
            `X-Long: ${'a'.repeat(20_000)}`,
            'Tus-Resumable: 1.0.0\r\nUpload-Offset: \u00ff',
          ),
          fc.tuple(nastyString, nastyString).map(([k, v]) => `${k}: ${v}`),
        ),
        { maxLength: 3 },
      ),
      body: fc.oneof(fc.constant(''), nastyString, fc.constantFrom('0\r\n\r\n', 'zz\r\nabc\r\n0\r\n\r\n')),
    });
    await runProperty('raw socket fuzzing', pieces, SOCKET_RUNS, async (p) => {
      const head = `${p.method} ${p.path} ${p.version}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${p.headers.map((h) => `${h}\r\n`).join('')}\r\n`;
      const bytes = Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(p.body, 'utf8')]);
      const text = await sendSocket(ts.url, bytes);
      if (text === '') return; // the connection was closed without an answer: allowed for garbage
      const answer = parseRawResponse(text);
      if (!answer)
        throw new Error(
          `not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}\nfor ${JSON.stringify(head.slice(0, 300))}`,
        );
      const method = /^[A-Z]+$/.test(p.method) ? p.method : 'GET';
      const problem = answerProblem(method, answer);
      if (problem)
        throw new Error(
          `${problem}: ${answer.body.slice(0, 200)}\nfor ${JSON.stringify(head.slice(0, 300))}`,
        );
    });
  }, 60_000);

  it('still answers, logged no unexpected error, and saw no unhandled rejection', async () => {
    const health = await fetch(`${ts.url}/api/health`);
    expect(health.status).toBe(200);
    const me = await fetch(`${ts.url}/api/me`, { headers: { authorization: bearer(tokenOf(fx.parentA)) } });
    expect(me.status).toBe(200);
    expect(unhandled).toEqual([]);
    expect(loggedErrors).toEqual([]);
    console.info(`HTTP fuzzing: ${wire.requests} requests (seed ${SEED})`);
    expect(wire.requests).toBeGreaterThanOrEqual(MIN_REQUESTS);
  });
});

/** Reads a document back by every way a client can: list, link, content (inline, ranged), feed. */
async function readBack(docId: string): Promise<void> {
  const headers = { authorization: bearer(tokenOf(fx.parentA)) };
  await exchange({ method: 'GET', path: '/api/documents', headers });
  await exchange({ method: 'GET', path: `/api/documents/${docId}/content`, headers });
  await exchange({
    method: 'GET',
    path: `/api/documents/${docId}/content`,
    headers: { ...headers, range: 'bytes=0-0' },
  });
  const link = await exchange({ method: 'POST', path: `/api/documents/${docId}/link`, headers });
  const url = (JSON.parse(link.body) as { url: string }).url;
  await exchange({ method: 'GET', path: `${url}&inline=1`, headers: {} });
  await exchange({ method: 'GET', path: '/api/sync/changes?limit=5000', headers });
}

/** Checks an answer obtained outside exchange(). */
function checked(answer: RawAnswer): RawAnswer {
  const problem = answerProblem('PATCH', answer);
  if (problem) throw new Error(`${problem}: ${answer.body.slice(0, 300)}`);
  return answer;
}

/** Refusals the fuzzing found answered without a code (or never); each pinned here. */
describe('refusals found by fuzzing', () => {
  const json = (answer: RawAnswer) => ({
    status: answer.status,
    type: String(answer.headers['content-type']).split(';')[0],
    code: answer.body ? (JSON.parse(answer.body) as { code?: string }).code : undefined,
  });
  const as = (user: SignedIn) => ({ authorization: bearer(tokenOf(user)) });

  it('tus refusals are coded JSON: no Tus-Resumable, an unsupported extension, another person’s upload', async () => {
    const noVersion = await sendRaw(
      ts.url,
      { method: 'POST', path: '/api/uploads', headers: { ...as(fx.parentA), 'upload-length': '3' } },
      agent,
    );
    expect(json(noVersion)).toEqual({ status: 412, type: 'application/json', code: 'VALIDATION_FAILED' });
    const concat = await sendRaw(
      ts.url,
      {
        method: 'POST',
        path: '/api/uploads',
        headers: {
          ...as(fx.parentA),
          'tus-resumable': '1.0.0',
          'upload-concat': 'partial',
          'upload-length': '3',
        },
      },
      agent,
    );
    expect(json(concat)).toEqual({ status: 400, type: 'application/json', code: 'VALIDATION_FAILED' });
    const badLength = await sendRaw(
      ts.url,
      {
        method: 'POST',
        path: '/api/uploads',
        headers: { ...as(fx.parentA), 'tus-resumable': '1.0.0', 'upload-length': '-1' },
      },
      agent,
    );
    expect(json(badLength)).toEqual({ status: 400, type: 'application/json', code: 'VALIDATION_FAILED' });
    const foreign = await sendRaw(
      ts.url,
      {
        method: 'DELETE',
        path: `/api/uploads/${fx.otherUploadId}`,
        headers: { ...as(fx.parentA), 'tus-resumable': '1.0.0' },
      },
      agent,
    );
    expect(json(foreign)).toEqual({ status: 404, type: 'application/json', code: 'NOT_FOUND' });
    const patch = await sendRaw(
      ts.url,
      {
        method: 'PATCH',
        path: `/api/uploads/${fx.openUploadId}`,
        headers: {
          ...as(fx.parentA),
          'tus-resumable': '0.2.2',
          'content-type': 'application/offset+octet-stream',
          'upload-offset': '1000',
        },
        body: Buffer.from('x'),
      },
      agent,
    );
    expect(json(patch)).toEqual({ status: 412, type: 'application/json', code: 'VALIDATION_FAILED' });
    expect(patch.headers['tus-version']).toBe('1.0.0');
  });

  it('finishing a cancelled upload is NOT_FOUND, not the stored reason "CANCELLED"', async () => {
    const bytes = Buffer.from('отменённый');
    const id = await createUpload(fx.parentA, bytes);
    await patchUpload(fx.parentA, id, 0, bytes.subarray(0, 4));
    const del = await sendRaw(
      ts.url,
      {
        method: 'DELETE',
        path: `/api/uploads/${id}`,
        headers: { ...as(fx.parentA), 'tus-resumable': '1.0.0' },
      },
      agent,
    );
    expect(del.status).toBe(204);
    const finish = await sendRaw(
      ts.url,
      { method: 'POST', path: `/api/uploads/${id}/finish`, headers: as(fx.parentA) },
      agent,
    );
    expect(json(finish)).toEqual({ status: 404, type: 'application/json', code: 'NOT_FOUND' });
  });

  it('HEAD on the live event stream answers at once instead of hanging', async () => {
    const head = await sendRaw(
      ts.url,
      { method: 'HEAD', path: '/api/sync/events', headers: as(fx.parentA) },
      agent,
      5000,
    );
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/event-stream/);
  });

  it('a request the HTTP parser refuses still gets a coded JSON 400', async () => {
    const answer = parseRawResponse(
      await sendSocket(ts.url, Buffer.from('GET /api/health HTTP/1.1\r\nBad Header: x\r\n\r\n')),
    );
    expect(answer && json(answer)).toEqual({
      status: 400,
      type: 'application/json',
      code: 'VALIDATION_FAILED',
    });
    const huge = parseRawResponse(
      await sendSocket(
        ts.url,
        Buffer.from(`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Long: ${'a'.repeat(20_000)}\r\n\r\n`),
      ),
    );
    expect(huge && json(huge)).toEqual({ status: 431, type: 'application/json', code: 'PAYLOAD_TOO_LARGE' });
  });
});
