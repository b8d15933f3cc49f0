import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import type { ChatSummary, TimelineMessage } from '../../src/shared/chats/ipc.js';
import {
  createClass,
  createSchool,
  createStudent,
  createTeacher,
  schoolContextOf,
} from '../../src/server/family/school.js';
import { signInByPhone } from '../../src/server/testing.js';
import type { Core } from '../../src/main/core/index.js';
import { createTestCore, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { freshPhone } from '../helpers/family.js';
import { startLyingServer, type LyingServer } from '../helpers/lyingServer.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

/**
 * Chats on two real desktop cores (a parent, and the class teacher behind a server that
 * lies in the feed) against a real server on loopback that the tests stop and start
 * again. One school, one class (5 А), seeded once.
 */

const SCHOOL = 'Школа № 12';
const BIRTH = '2014-02-03';
const serverDir = makeTempDir('sferum-chats-server-');
let ts: TestServer;

let liar: LyingServer;
let parent: TestCore;
let teacher: TestCore;
let parentHttp: SignedIn;
let teacherHttp: SignedIn;
let chatId: string;

async function call<T = unknown>(who: SignedIn, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${who.tokens.accessToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${ts.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Every message of the chat on the server, oldest first. */
async function serverMessages(): Promise<{ seq: number; text: string; senderId: string }[]> {
  const out: { seq: number; text: string; senderId: string }[] = [];
  let after = 0;
  for (;;) {
    const r = await call<{ messages: { seq: number; text: string; senderId: string }[]; hasMore: boolean }>(
      teacherHttp,
      'GET',
      `/api/chats/${chatId}/messages?after=${after}&limit=100`,
    );
    expect(r.status).toBe(200);
    out.push(...r.body.messages);
    if (!r.body.hasMore || r.body.messages.length === 0) return out;
    after = r.body.messages.at(-1)!.seq;
  }
}

async function latest(core: Core, id = chatId): Promise<TimelineMessage[]> {
  return (await core.chats.history({ chatId: id, anchor: { at: 'latest' }, limit: 100 })).messages;
}

async function classChat(core: Core): Promise<ChatSummary> {
  return waitFor(
    async () => (await core.chats.list()).chats.find((c) => c.kind === 'class') ?? null,
    10_000,
    'the class chat in the list',
  );
}

const text = (label: string) => `${label} ${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  ts = await startTestServer({ dataDir: serverDir.path });

  const sc = schoolContextOf(ts.server.context);
  await createSchool(sc, SCHOOL);
  await createClass(sc, SCHOOL, '5 А', null);
  const teacherPhone = freshPhone('951');
  await createTeacher(sc, {
    surname: 'Смирнова',
    name: 'Ольга',
    patronymic: 'Викторовна',
    school: SCHOOL,
    className: '5 А',
    phone: teacherPhone,
  });
  const kidPhone = freshPhone('952');
  await createStudent(sc, {
    surname: 'Петров',
    name: 'Илья',
    patronymic: '',
    school: SCHOOL,
    className: '5 А',
    phone: kidPhone,
    birthDate: BIRTH,
  });
  const kid = await signInByPhone(ts, kidPhone);
  const parentPhone = freshPhone('953');
  parentHttp = await signInByPhone(ts, parentPhone, { name: { surname: 'Петрова', name: 'Мария' } });
  teacherHttp = await signInByPhone(ts, teacherPhone);
  const invite = await call<{ token: string }>(kid, 'POST', '/api/family/invite', {});
  const linked = await call(parentHttp, 'POST', '/api/family/invite/confirm', {
    token: invite.body.token,
    child: { surname: 'Петров', name: 'Илья', patronymic: '', birthDate: BIRTH },
  });
  expect(linked.status, JSON.stringify(linked.body)).toBe(200);

  liar = await startLyingServer(ts.url);
  parent = await createTestCore({ serverUrl: ts.url });
  teacher = await createTestCore({ serverUrl: liar.url });
  await signInAs(parent.core, parentPhone);
  await signInAs(teacher.core, teacherPhone);
  chatId = (await classChat(parent.core)).id;
  expect((await classChat(teacher.core)).id).toBe(chatId);
}, 60_000);

afterAll(async () => {
  await parent?.dispose();
  await teacher?.dispose();
  await liar?.close();
  await ts?.close();
  serverDir.remove();
});

describe('chats on the desktop', () => {
  it('shows a sent message at once as «sending», then sent, and the other core gets it through the feed', async () => {
    const words = text('Здравствуйте! Во сколько завтра экскурсия?');
    const shown = await parent.core.chats.send({ chatId, text: words });
    expect(shown).toMatchObject({ status: 'sending', seq: null, mine: true, text: words });
    const sent = await waitFor(
      async () => (await latest(parent.core)).find((m) => m.key === shown.key && m.status === 'sent'),
      10_000,
      'the message sent',
    );
    expect(sent.seq).toBeGreaterThan(0);
    const theirs = await waitFor(
      async () => (await latest(teacher.core)).find((m) => m.seq === sent.seq),
      10_000,
      'the message on the teacher’s core',
    );
    expect(theirs).toMatchObject({ text: words, mine: false, senderName: 'Петрова Мария', status: 'sent' });
    const summary = (await teacher.core.chats.list()).chats.find((c) => c.id === chatId)!;
    expect(summary.lastMessage).toMatchObject({ text: words, mine: false });
    expect((await serverMessages()).filter((m) => m.text === words)).toHaveLength(1);
  });

  it('marks a refused message failed with its code, keeps its text, and gives it back on discard', async () => {
    const long = 'я'.repeat(4001);
    const shown = await parent.core.chats.send({ chatId, text: long });
    const failed = await waitFor(
      async () => (await latest(parent.core)).find((m) => m.key === shown.key && m.status === 'failed'),
      10_000,
      'the refusal',
    );
    expect(failed.error?.code).toBe('CHAT_MESSAGE_TOO_LONG');
    expect(failed.error?.message).toBeTruthy();
    expect(failed.text).toBe(long);
    expect(await parent.core.chats.discard({ chatId, key: shown.key })).toEqual({ text: long });
    expect((await latest(parent.core)).some((m) => m.key === shown.key)).toBe(false);
  });
});
