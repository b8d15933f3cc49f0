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
import { createTestCore, createTestLogger, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { freshPhone } from '../helpers/family.js';
import { startLyingServer, type LyingServer } from '../helpers/lyingServer.js';
import { portOf, startTestServer, type TestServer } from '../helpers/server.js';
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
let port: number;
const teacherLog = createTestLogger();
/** The parent's native notifications, and whether the parent's window has the focus. */
const shown: { title: string; body: string; screen: string }[] = [];
let focused = false;
/** Answers to the parent's sends to lose on the way back (the request reached the server). */
let lose = 0;

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
  return until(
    async () => (await core.chats.list()).chats.find((c) => c.kind === 'class') ?? null,
    10_000,
    'the class chat in the list',
  );
}

/** Polls until `check` gives something (a liveness bound, not a timing assertion). */
async function until<T>(
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs: number,
  label: string,
): Promise<T> {
  return (await waitFor(check, timeoutMs, label)) as T;
}

const text = (label: string) => `${label} ${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  ts = await startTestServer({ dataDir: serverDir.path });
  port = portOf(ts.url);

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
  parent = await createTestCore({
    serverUrl: ts.url,
    fetch: async (input, init) => {
      const answer = await fetch(input, init);
      if (lose > 0 && init?.method === 'POST' && String(input).endsWith('/messages')) {
        lose -= 1;
        await answer.body?.cancel();
        throw new TypeError('fetch failed');
      }
      return answer;
    },
    notifications: { show: (n) => void shown.push(n), windowFocused: () => focused },
  });
  teacher = await createTestCore({ serverUrl: liar.url, logger: teacherLog });
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
    const sent = await until(
      async () => (await latest(parent.core)).find((m) => m.key === shown.key && m.status === 'sent'),
      10_000,
      'the message sent',
    );
    expect(sent.seq).toBeGreaterThan(0);
    const theirs = await until(
      async () => (await latest(teacher.core)).find((m) => m.seq === sent.seq),
      10_000,
      'the message on the teacher’s core',
    );
    expect(theirs).toMatchObject({ text: words, mine: false, senderName: 'Петрова Мария', status: 'sent' });
    const summary = (await teacher.core.chats.list()).chats.find((c) => c.id === chatId)!;
    expect(summary.lastMessage).toMatchObject({ text: words, mine: false });
    expect((await serverMessages()).filter((m) => m.text === words)).toHaveLength(1);
  });

  it('sends exactly once when the answer to a send is lost and the outbox tries again', async () => {
    lose = 1;
    const words = text('Ответ потерялся по дороге');
    const shown = await parent.core.chats.send({ chatId, text: words });
    await until(
      async () => (await latest(parent.core)).find((m) => m.key === shown.key && m.status === 'sent'),
      10_000,
      'the message sent',
    );
    expect(lose).toBe(0);
    expect((await serverMessages()).filter((m) => m.text === words)).toHaveLength(1);
  });

  it('marks a refused message failed with its code, keeps its text, and gives it back on discard', async () => {
    const long = 'я'.repeat(4001);
    const shown = await parent.core.chats.send({ chatId, text: long });
    const failed = await until(
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

  it('keeps the read pointer moving forward only, and counts «read by» from the members’ pointers', async () => {
    const words = text('Спасибо, получила');
    const shown = await parent.core.chats.send({ chatId, text: words });
    const sent = await until(
      async () => (await latest(parent.core)).find((m) => m.key === shown.key && m.status === 'sent'),
      10_000,
      'the message sent',
    );
    expect(sent.readBy).toBe(0);
    await until(async () => (await latest(teacher.core)).some((m) => m.seq === sent.seq), 10_000, 'delivery');
    await teacher.core.chats.markRead({ chatId, seq: sent.seq! });
    await teacher.core.chats.markRead({ chatId, seq: 1 });
    const members = await call<{ members: { userId: string; readSeq: number }[] }>(
      parentHttp,
      'GET',
      `/api/chats/${chatId}/members`,
    );
    expect(members.body.members.find((m) => m.userId === teacherHttp.profile.id)?.readSeq).toBe(sent.seq);
    const mine = (await latest(parent.core)).find((m) => m.seq === sent.seq)!;
    expect(mine).toMatchObject({ readBy: 1, key: shown.key });
    await until(
      async () => (await teacher.core.chats.list()).chats.find((c) => c.id === chatId)?.unread === 0,
      10_000,
      'no unread on the teacher’s list',
    );
  });

  it('brings an edit and a deletion of a held message to the other core', async () => {
    const shown = await parent.core.chats.send({ chatId, text: text('Собрание в 18:00') });
    const sent = await until(
      async () => (await latest(parent.core)).find((m) => m.key === shown.key && m.status === 'sent'),
      10_000,
      'the message sent',
    );
    await until(async () => (await latest(teacher.core)).some((m) => m.seq === sent.seq), 10_000, 'delivery');
    const edited = await parent.core.chats.edit({ chatId, seq: sent.seq!, text: 'Собрание в 19:00' });
    expect(edited).toMatchObject({ text: 'Собрание в 19:00', seq: sent.seq });
    expect(edited.editedAt).not.toBeNull();
    await until(
      async () => (await latest(teacher.core)).find((m) => m.seq === sent.seq)?.text === 'Собрание в 19:00',
      10_000,
      'the edit on the teacher’s core',
    );
    const deleted = await parent.core.chats.remove({ chatId, seq: sent.seq! });
    expect(deleted).toMatchObject({ deletedBy: 'sender', text: '' });
    const gone = await until(
      async () => (await latest(teacher.core)).find((m) => m.seq === sent.seq && m.deletedBy === 'sender'),
      10_000,
      'the deletion on the teacher’s core',
    );
    expect(gone.text).toBe('');
  });

  it('finds cached messages with FTS5: ё is е, any case, words by their beginning, newest first', async () => {
    const first = await parent.core.chats.send({
      chatId,
      text: 'Напоминаю об Олимпиаде по математике в субботу',
    });
    const second = await parent.core.chats.send({
      chatId,
      text: 'Ёлка в школе 28 декабря, олимпиада — итоги',
    });
    for (const key of [first.key, second.key])
      await until(
        async () => (await latest(parent.core)).some((m) => m.key === key && m.status === 'sent'),
        10_000,
        'sent',
      );
    const hits = await until(
      async () => {
        const { hits } = await teacher.core.chats.search({ query: 'олимп', limit: 30 });
        return hits.length >= 2 ? hits : null;
      },
      10_000,
      'the teacher’s core to find both',
    );
    expect(hits[0]!.snippet).toContain('\uE000олимпиада\uE001');
    expect(hits[1]!.snippet).toContain('\uE000Олимпиаде\uE001');
    expect(hits[0]).toMatchObject({ chatId, chatTitle: 'Чат родителей 5 А', senderName: 'Петрова Мария' });
    expect(hits[0]!.seq).toBeGreaterThan(hits[1]!.seq);
    for (const query of ['елка', 'ЁЛК', 'Елк декаб']) {
      const found = await teacher.core.chats.search({ query, limit: 30 });
      expect(
        found.hits.map((h) => h.snippet),
        query,
      ).toEqual([expect.stringContaining('\uE000Ёлка\uE001')]);
    }
    expect((await teacher.core.chats.search({ query: 'олимп итог', limit: 30 })).hits).toHaveLength(1);
    expect((await teacher.core.chats.search({ query: '"*) OR', limit: 30 })).hits).toEqual([]);
  });

  it('queues messages while the server is away, reads the history held, and sends them in order exactly once', async () => {
    const before = await parent.core.chats.history({ chatId, anchor: { at: 'latest' }, limit: 100 });
    expect(before.offline).toBe(false);
    await ts.close();
    const held = await parent.core.chats.history({ chatId, anchor: { at: 'latest' }, limit: 100 });
    expect(held.offline).toBe(true);
    expect(held.messages.map((m) => m.seq)).toEqual(before.messages.map((m) => m.seq));
    expect((await parent.core.chats.list()).chats.some((c) => c.id === chatId)).toBe(true);
    const words = [text('Первое'), text('Второе'), text('Третье')];
    const keys: string[] = [];
    for (const w of words) keys.push((await parent.core.chats.send({ chatId, text: w })).key);
    const queued = await parent.core.chats.history({ chatId, anchor: { at: 'latest' }, limit: 100 });
    expect(queued.messages.slice(-3).map((m) => [m.text, m.status])).toEqual(
      words.map((w) => [w, 'sending']),
    );

    ts = await startTestServer({ dataDir: serverDir.path, port });
    parent.core.chats.kick();
    await until(
      async () => {
        const { messages } = await parent.core.chats.history({
          chatId,
          anchor: { at: 'latest' },
          limit: 100,
        });
        return keys.every((k) => messages.some((m) => m.key === k && m.status === 'sent'));
      },
      20_000,
      'the queue sent',
    );
    // Each once, in the order they were written (the retries after the outage made no second copy).
    const onServer = (await serverMessages()).filter((m) => words.includes(m.text));
    expect(onServer.map((m) => m.text)).toEqual(words);
    expect(new Set(onServer.map((m) => m.seq)).size).toBe(3);
  });

  it('shows a message read offline as read at once and tells the server once it is back', async () => {
    const unread = await call<{ message: { seq: number } }>(
      teacherHttp,
      'POST',
      `/api/chats/${chatId}/messages`,
      {
        clientId: `teacher-${randomBytes(8).toString('hex')}`,
        text: text('Прочитайте, пожалуйста'),
      },
    );
    const seq = unread.body.message.seq;
    await until(
      async () => (await parent.core.chats.list()).chats.find((c) => c.id === chatId)?.unread === 1,
      10_000,
      'one unread',
    );
    await ts.close();
    await parent.core.chats.markRead({ chatId, seq });
    expect((await parent.core.chats.list()).chats.find((c) => c.id === chatId)?.unread).toBe(0);
    ts = await startTestServer({ dataDir: serverDir.path, port });
    const pointer = async () =>
      (
        await call<{ members: { userId: string; readSeq: number }[] }>(
          teacherHttp,
          'GET',
          `/api/chats/${chatId}/members`,
        )
      ).body.members.find((m) => m.userId === parentHttp.profile.id)?.readSeq;
    await until(async () => (await pointer()) === seq, 20_000, 'the read pointer on the server');
  });

  it('keeps a queued message across a restart of the app and sends it once the server is back', async () => {
    await ts.close();
    const words = text('Написано без связи, перед выходом из приложения');
    const shownMessage = await parent.core.chats.send({ chatId, text: words });
    parent = await parent.restart();
    await until(() => parent.core.getProfile() !== null, 10_000, 'the session restored');
    const queued = await parent.core.chats.history({ chatId, anchor: { at: 'latest' }, limit: 100 });
    expect(queued.messages.at(-1)).toMatchObject({ key: shownMessage.key, status: 'sending', text: words });
    ts = await startTestServer({ dataDir: serverDir.path, port });
    await until(
      async () => (await latest(parent.core)).find((m) => m.key === shownMessage.key && m.status === 'sent'),
      20_000,
      'the message sent after the restart',
    );
    expect((await serverMessages()).filter((m) => m.text === words)).toHaveLength(1);
  });

  it('skips a hostile chat record from the feed with a log line and keeps the good ones', async () => {
    liar.inject([
      { entity: 'chat', id: 'evil-1', op: 'put', data: { id: 'evil-1', kind: 'class', title: 42 } },
      {
        entity: 'chat',
        id: 'evil-2',
        op: 'put',
        data: { id: '../../etc', kind: 'secret', title: 'x'.repeat(10_000), lastSeq: -1 },
      },
    ]);
    await teacher.core.syncNow();
    await until(() => liar.injectedPages() > 0, 10_000, 'the lie told');
    await teacher.core.syncNow();
    const { chats } = await teacher.core.chats.list();
    expect(chats.map((c) => c.id)).toContain(chatId);
    expect(chats.some((c) => c.id.startsWith('evil') || c.id.includes('..'))).toBe(false);
    expect(teacherLog.lines.some((l) => l.includes('Skipped a chat "evil-1"'))).toBe(true);
    expect(teacherLog.lines.some((l) => l.includes('Skipped a chat "evil-2"'))).toBe(true);
  });

  it('raises a native notification for a message from someone else, not for the chat the focused window shows', async () => {
    const arrived = async (words: string) =>
      until(
        async () =>
          (await parent.core.chats.list()).chats.find((c) => c.id === chatId)?.lastMessage?.text === words,
        10_000,
        'the message in the parent’s list',
      );
    const first = text('Завтра экскурсия в музей');
    await teacher.core.chats.send({ chatId, text: first });
    await arrived(first);
    expect(shown.filter((n) => n.body.includes(first))).toEqual([
      { title: 'Чат родителей 5 А', body: `Смирнова Ольга: ${first}`, screen: 'chats' },
    ]);

    // The parent looks at this chat in the focused window: nothing is raised about it.
    parent.core.setScreen('chats');
    await parent.core.chats.history({ chatId, anchor: { at: 'latest' } });
    focused = true;
    const second = text('Сбор в 9:00 у школы');
    await teacher.core.chats.send({ chatId, text: second });
    await arrived(second);
    expect(shown.some((n) => n.body.includes(second))).toBe(false);

    // The window loses the focus: the next one is raised again.
    focused = false;
    const third = text('Возьмите сменную обувь');
    await teacher.core.chats.send({ chatId, text: third });
    await arrived(third);
    expect(shown.some((n) => n.body.includes(third))).toBe(true);
    // The parent's own messages never raise one.
    expect(shown.some((n) => n.body.includes('Первое'))).toBe(false);
  });

  it('raises nothing for a muted chat and leaves it out of the unread badge', async () => {
    await parent.core.chats.mute({ chatId, muted: true });
    expect((await parent.core.chats.list()).chats.find((c) => c.id === chatId)?.muted).toBe(true);
    const words = text('Родительский чат без звука');
    await teacher.core.chats.send({ chatId, text: words });
    const list = await until(
      async () => {
        const now = await parent.core.chats.list();
        return now.chats.find((c) => c.id === chatId)?.lastMessage?.text === words ? now : null;
      },
      10_000,
      'the message in the parent’s list',
    );
    expect(list.chats.find((c) => c.id === chatId)!.unread).toBeGreaterThan(0);
    expect(list.unreadTotal).toBe(list.chats.filter((c) => !c.muted).reduce((sum, c) => sum + c.unread, 0));
    expect(shown.some((n) => n.body.includes(words))).toBe(false);
    await parent.core.chats.mute({ chatId, muted: false });
    await until(
      async () => (await parent.core.chats.list()).chats.find((c) => c.id === chatId)?.muted === false,
      10_000,
      'unmuted',
    );
  });

  it('lists contacts class teacher first, opens a direct chat and shows «Прочитано» from the peer’s pointer', async () => {
    const { contacts } = await parent.core.chats.contacts();
    expect(contacts[0]).toMatchObject({ userId: teacherHttp.profile.id, name: 'Смирнова Ольга' });
    expect(contacts[0]!.role).toContain('5 А');
    const direct = await parent.core.chats.openDirect({ userId: teacherHttp.profile.id });
    expect(direct).toMatchObject({ kind: 'direct', title: 'Смирнова Ольга', canPost: true });
    const shownMessage = await parent.core.chats.send({ chatId: direct.id, text: 'Можно вопрос лично?' });
    const sent = await until(
      async () =>
        (await latest(parent.core, direct.id)).find((m) => m.key === shownMessage.key && m.status === 'sent'),
      10_000,
      'sent',
    );
    expect(sent.readBy).toBe(0);
    // The teacher's live stream crossed the lying server while the real one restarted: pull too.
    await until(
      async () => {
        await teacher.core.syncNow();
        return (await teacher.core.chats.list()).chats.some((c) => c.id === direct.id);
      },
      10_000,
      'the direct chat on the teacher’s core',
    );
    await teacher.core.chats.markRead({ chatId: direct.id, seq: sent.seq! });
    await until(
      async () => (await latest(parent.core, direct.id)).find((m) => m.seq === sent.seq)?.readBy === 1,
      10_000,
      '«Прочитано» on the parent’s core',
    );
  });

  it('keeps a draft per chat across a restart of the app', async () => {
    await parent.core.chats.setDraft({ chatId, text: 'Черновик: не забыть спросить про форму' });
    parent = await parent.restart();
    await signInIfNeeded();
    expect(await parent.core.chats.getDraft({ chatId })).toEqual({
      text: 'Черновик: не забыть спросить про форму',
    });
  });
});

async function signInIfNeeded(): Promise<void> {
  await until(() => parent.core.getProfile() !== null, 10_000, 'the session restored');
}
