import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import type { ChatMessage, ChatRecord, MessagesPage } from '../../src/shared/chats/index.js';
import { ru } from '../../src/shared/messages/ru.js';
import {
  createClass,
  createSchool,
  createSchoolAdmin,
  createStudent,
  createTeacher,
  schoolContextOf,
} from '../../src/server/family/school.js';
import { openEventStream, signInByPhone, type EventStream } from '../../src/server/testing.js';
import { freshPhone } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Chats with the school on a real server: one school with a class of two members (5 А:
 * its teacher and one parent), a class of thirty (6 Б: its teacher and 29 parents), and a
 * class whose parent has two children in it (7 В). Seeded once.
 */

const SCHOOL = 'Школа № 7';
const BIRTH = '2014-02-03';
const LETTERS = 'абвгдежзиклмнопрстуфхцчшщэюяё';
let ts: TestServer;
const people = {} as {
  teacherA: SignedIn;
  teacherB: SignedIn;
  admin: SignedIn;
  parentA: SignedIn;
  /** The 29 parents of 6 Б. */
  big: SignedIn[];
  kidA: SignedIn;
  bigKids: SignedIn[];
  twoKidsParent: SignedIn;
  twoKids: SignedIn[];
};

type Answer<T = unknown> = { status: number; body: T };

async function call<T = unknown>(
  who: SignedIn | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  const headers: Record<string, string> = who ? { authorization: `Bearer ${who.tokens.accessToken}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${ts.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const clientId = () => randomBytes(12).toString('base64url');

async function chatsOf(who: SignedIn): Promise<ChatRecord[]> {
  const r = await call<{ chats: ChatRecord[] }>(who, 'GET', '/api/chats');
  expect(r.status).toBe(200);
  return r.body.chats;
}

async function chatOf(who: SignedIn, kind: ChatRecord['kind'], title?: string): Promise<ChatRecord> {
  const chat = (await chatsOf(who)).find((c) => c.kind === kind && (!title || c.title === title));
  expect(chat, `${kind} ${title ?? ''}`).toBeDefined();
  return chat!;
}

async function send(who: SignedIn, chatId: string, text: string, id = clientId()) {
  return call<{ message: ChatMessage; code?: string }>(who, 'POST', `/api/chats/${chatId}/messages`, {
    clientId: id,
    text,
  });
}

async function page(
  who: SignedIn,
  chatId: string,
  query = '',
): Promise<Answer<MessagesPage & { code?: string }>> {
  return call(who, 'GET', `/api/chats/${chatId}/messages${query ? `?${query}` : ''}`);
}

/** The newest `chat` record of that chat in the person's change feed. */
async function feedChat(who: SignedIn, chatId: string): Promise<ChatRecord | null> {
  let cursor: string | undefined;
  let found: ChatRecord | null = null;
  for (;;) {
    const q = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
    const r = await call<{
      changes: { entity: string; id: string; data: ChatRecord | null }[];
      cursor: string;
      hasMore: boolean;
    }>(who, 'GET', `/api/sync/changes?${q}`);
    expect(r.status).toBe(200);
    for (const c of r.body.changes) if (c.entity === 'chat' && c.id === chatId) found = c.data;
    cursor = r.body.cursor;
    if (!r.body.hasMore) return found;
  }
}

async function student(className: string, surname: string) {
  const phone = freshPhone('941');
  await createStudent(schoolContextOf(ts.server.context), {
    surname,
    name: 'Илья',
    patronymic: '',
    school: SCHOOL,
    className,
    phone,
    birthDate: BIRTH,
  });
  return signInByPhone(ts, phone);
}

async function link(parent: SignedIn, kid: SignedIn): Promise<void> {
  const invite = await call<{ token: string }>(kid, 'POST', '/api/family/invite', {});
  expect(invite.status).toBe(200);
  const r = await call(parent, 'POST', '/api/family/invite/confirm', {
    token: invite.body.token,
    child: { surname: kid.profile.surname, name: kid.profile.name, patronymic: '', birthDate: BIRTH },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

async function teacher(className: string, surname: string): Promise<SignedIn> {
  const phone = freshPhone('942');
  await createTeacher(schoolContextOf(ts.server.context), {
    surname,
    name: 'Ольга',
    patronymic: 'Викторовна',
    school: SCHOOL,
    className,
    phone,
  });
  return signInByPhone(ts, phone);
}

beforeAll(async () => {
  ts = await startTestServer();
  const sc = schoolContextOf(ts.server.context);
  await createSchool(sc, SCHOOL);
  for (const name of ['5 А', '6 Б', '7 В']) await createClass(sc, SCHOOL, name, null);
  people.teacherA = await teacher('5 А', 'Смирнова');
  people.teacherB = await teacher('6 Б', 'Лебедева');
  const adminPhone = freshPhone('943');
  await createSchoolAdmin(sc, {
    surname: 'Орлова',
    name: 'Вера',
    patronymic: '',
    school: SCHOOL,
    phone: adminPhone,
  });
  people.admin = await signInByPhone(ts, adminPhone);

  people.kidA = await student('5 А', 'Петров');
  people.parentA = await signInByPhone(ts, freshPhone('944'), {
    name: { surname: 'Петрова', name: 'Мария' },
  });
  await link(people.parentA, people.kidA);

  // 6 Б: 15 children, 29 parents (two each, the last child one), and the class teacher: 30 members.
  people.bigKids = [];
  people.big = [];
  for (let i = 0; i < 15; i++) people.bigKids.push(await student('6 Б', `Ученик-${LETTERS[i]!}`));
  for (let i = 0; i < 29; i++) {
    const parent = await signInByPhone(ts, freshPhone('945'), {
      name: { surname: `Родитель-${LETTERS[i]!}`, name: 'Анна' },
    });
    await link(parent, people.bigKids[Math.floor(i / 2)]!);
    people.big.push(parent);
  }

  people.twoKids = [await student('7 В', 'Орлов'), await student('7 В', 'Орлова')];
  people.twoKidsParent = await signInByPhone(ts, freshPhone('946'), {
    name: { surname: 'Орлов', name: 'Олег' },
  });
  for (const kid of people.twoKids) await link(people.twoKidsParent, kid);
}, 120_000);

afterAll(async () => {
  await ts?.close();
});

describe('a class chat of two', () => {
  it('delivers a message to both members’ feeds and live streams and counts «Прочитали N из M»', async () => {
    const { parentA, teacherA } = people;
    const chat = await chatOf(parentA, 'class');
    expect(chat.title).toBe('Чат родителей 5 А');
    expect((await chatOf(teacherA, 'class')).id).toBe(chat.id);
    const stream = await openEventStream(ts.url, teacherA.tokens.accessToken);
    try {
      const sent = await send(parentA, chat.id, 'Здравствуйте! Во сколько завтра экскурсия?');
      expect(sent.status).toBe(201);
      await stream.next('changed', 5000);
      const seq = sent.body.message.seq;
      const theirs = await feedChat(teacherA, chat.id);
      expect(theirs).toMatchObject({ lastSeq: seq, unread: 1, readSeq: seq - 1 });
      expect(theirs!.lastMessage).toMatchObject({ seq, senderName: 'Петрова Мария' });
      expect(await feedChat(parentA, chat.id)).toMatchObject({ lastSeq: seq, unread: 0 });

      const readers = async () => {
        const r = await call<{ members: { userId: string; readSeq: number }[] }>(
          parentA,
          'GET',
          `/api/chats/${chat.id}/members`,
        );
        return { read: r.body.members.filter((m) => m.readSeq >= seq).length, of: r.body.members.length };
      };
      expect(await readers()).toEqual({ read: 1, of: 2 });
      expect((await call(teacherA, 'POST', `/api/chats/${chat.id}/read`, { seq })).body).toEqual({
        readSeq: seq,
      });
      expect(await readers()).toEqual({ read: 2, of: 2 });
      // The pointer never moves back.
      expect((await call(teacherA, 'POST', `/api/chats/${chat.id}/read`, { seq: 0 })).body).toEqual({
        readSeq: seq,
      });
      expect(await feedChat(teacherA, chat.id)).toMatchObject({ unread: 0 });
    } finally {
      stream.close();
    }
  });

  it('pages history by anchor, at most 100 a page', async () => {
    const { parentA, teacherA } = people;
    const chat = await chatOf(parentA, 'class');
    for (let i = 0; i < 120; i++)
      expect((await send(i % 2 ? teacherA : parentA, chat.id, `№ ${i}`)).status).toBe(201);
    const last = (await page(parentA, chat.id)).body;
    expect(last.messages).toHaveLength(50);
    expect(last.messages.at(-1)!.seq).toBe(last.lastSeq);
    expect(last.messages.at(-1)!.text).toBe('№ 119');
    expect(last.hasMore).toBe(true);
    const older = (await page(parentA, chat.id, `before=${last.messages[0]!.seq}&limit=100`)).body;
    expect(older.messages.at(-1)!.seq).toBe(last.messages[0]!.seq - 1);
    expect(older.messages.map((m) => m.seq)).toEqual(
      Array.from({ length: older.messages.length }, (_, i) => older.messages[0]!.seq + i),
    );
    const after = (await page(parentA, chat.id, `after=${last.lastSeq - 3}`)).body;
    expect(after.messages.map((m) => m.text)).toEqual(['№ 117', '№ 118', '№ 119']);
    expect(after.hasMore).toBe(false);
    expect((await page(parentA, chat.id, 'limit=101')).status).toBe(400);
  });

  it('stores a retried send once and answers the retry with the first message', async () => {
    const { parentA } = people;
    const chat = await chatOf(parentA, 'class');
    const id = clientId();
    const before = (await page(parentA, chat.id, 'limit=1')).body.lastSeq;
    const [a, b] = await Promise.all([
      send(parentA, chat.id, 'Спасибо!', id),
      send(parentA, chat.id, 'Спасибо!', id),
    ]);
    const again = await send(parentA, chat.id, 'Спасибо!', id);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(again.status).toBe(200);
    expect(new Set([a.body.message.id, b.body.message.id, again.body.message.id]).size).toBe(1);
    expect((await page(parentA, chat.id, 'limit=1')).body.lastSeq).toBe(before + 1);
  });

  it('refuses empty, blank and 4,001-character messages with their codes', async () => {
    const { parentA } = people;
    const chat = await chatOf(parentA, 'class');
    for (const text of ['', '   \n\t  ']) {
      const r = await send(parentA, chat.id, text);
      expect([r.status, r.body.code]).toEqual([400, 'CHAT_MESSAGE_EMPTY']);
    }
    const long = await send(parentA, chat.id, 'я'.repeat(4001));
    expect([long.status, long.body.code]).toEqual([400, 'CHAT_MESSAGE_TOO_LONG']);
    expect(ru.errors.CHAT_MESSAGE_TOO_LONG).toContain('4000');
    expect((await send(parentA, chat.id, 'я'.repeat(4000))).status).toBe(201);
  });

  it('brings an edit and a deletion of an older message to the other member by revision', async () => {
    const { parentA, teacherA } = people;
    const chat = await chatOf(parentA, 'class');
    const old = (await send(parentA, chat.id, 'Собрание в среду')).body.message;
    await send(teacherA, chat.id, 'Хорошо, спасибо');
    const held = (await feedChat(teacherA, chat.id))!.lastRev;
    const edited = await call(parentA, 'PATCH', `/api/chats/${chat.id}/messages/${old.seq}`, {
      text: 'Собрание в четверг',
    });
    expect(edited.status).toBe(200);
    const record = (await feedChat(teacherA, chat.id))!;
    expect(record.lastRev).toBeGreaterThan(held);
    const changed = (await page(teacherA, chat.id, `changedAfter=${held}`)).body.messages;
    expect(changed).toEqual([expect.objectContaining({ seq: old.seq, text: 'Собрание в четверг' })]);
    expect(changed[0]!.editedAt).not.toBeNull();
    // Somebody else's message is not theirs to edit.
    const refused = await call<{ code: string }>(
      teacherA,
      'PATCH',
      `/api/chats/${chat.id}/messages/${old.seq}`,
      {
        text: 'Не моё',
      },
    );
    expect(refused.status).toBe(403);
    expect((await call(parentA, 'DELETE', `/api/chats/${chat.id}/messages/${old.seq}`)).status).toBe(200);
    const gone = (await page(teacherA, chat.id, `changedAfter=${record.lastRev}`)).body.messages;
    expect(gone).toEqual([expect.objectContaining({ seq: old.seq, text: '', deletedBy: 'sender' })]);
  });

  it('shows a message the administrator removed as removed by the administrator', async () => {
    const { parentA, teacherA, admin } = people;
    const chat = await chatOf(parentA, 'class');
    const sent = (await send(parentA, chat.id, 'Продаю учебники, пишите в личку')).body.message;
    const refused = await call<{ code: string }>(
      teacherA,
      'DELETE',
      `/api/chats/${chat.id}/messages/${sent.seq}`,
    );
    expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await call(admin, 'DELETE', `/api/chats/${chat.id}/messages/${sent.seq}`)).status).toBe(200);
    const seen = (await page(teacherA, chat.id, `after=${sent.seq - 1}&limit=1`)).body.messages[0]!;
    expect(seen).toMatchObject({ seq: sent.seq, text: '', deletedBy: 'admin' });
    expect((await feedChat(teacherA, chat.id))!.lastMessage).toMatchObject({ text: '', deletedBy: 'admin' });
  });
});

describe('a class chat of thirty', () => {
  it('delivers one message to all thirty feeds and live streams, and counts who read it', async () => {
    const members = [people.teacherB, ...people.big];
    const chat = await chatOf(people.teacherB, 'class');
    const streams: EventStream[] = [];
    try {
      for (const m of members) streams.push(await openEventStream(ts.url, m.tokens.accessToken));
      const sent = await send(people.big[0]!, chat.id, 'Собираем на подарок учителю?');
      expect(sent.status).toBe(201);
      await Promise.all(streams.map((s) => s.next('changed', 5000)));
      for (const m of members) {
        expect(await feedChat(m, chat.id)).toMatchObject({
          lastSeq: sent.body.message.seq,
          lastMessage: { text: 'Собираем на подарок учителю?' },
        });
      }
      // The sender has read their own message; ten others read it: «Прочитали 11 из 30».
      for (const m of members.slice(2, 12))
        await call(m, 'POST', `/api/chats/${chat.id}/read`, { seq: sent.body.message.seq });
      const r = await call<{ members: { readSeq: number }[] }>(
        people.teacherB,
        'GET',
        `/api/chats/${chat.id}/members`,
      );
      expect(r.body.members).toHaveLength(30);
      expect(r.body.members.filter((m) => m.readSeq >= sent.body.message.seq)).toHaveLength(11);
    } finally {
      for (const s of streams) s.close();
    }
  });

  it('a parent who leaves their child’s profile reads the class chat up to that moment and nothing after', async () => {
    const leaver = people.big[28]!; // the only parent of the last child
    const chat = await chatOf(leaver, 'class');
    const before = (await send(people.teacherB, chat.id, 'Собрание в четверг')).body.message;
    expect(
      (await call(leaver, 'POST', '/api/family/leave', { childId: people.bigKids[14]!.profile.id })).status,
    ).toBe(200);
    const afterLeave = (await send(people.teacherB, chat.id, 'Перенесли на пятницу')).body.message;
    const seen = (await page(leaver, chat.id)).body;
    expect(seen.lastSeq).toBe(before.seq);
    expect(seen.messages.map((m) => m.seq)).toContain(before.seq);
    expect(seen.messages.map((m) => m.seq)).not.toContain(afterLeave.seq);
    expect((await page(leaver, chat.id, `after=${before.seq}`)).body.messages).toEqual([]);
    expect(await chatOf(leaver, 'class')).toMatchObject({
      state: 'left',
      leftSeq: before.seq,
      canPost: false,
    });
    const refused = await send(leaver, chat.id, 'А я?');
    expect([refused.status, refused.body.code]).toEqual([404, 'CHAT_NOT_MEMBER']);
    const members = await call<{ members: { userId: string }[] }>(
      people.teacherB,
      'GET',
      `/api/chats/${chat.id}/members`,
    );
    expect(members.body.members.map((m) => m.userId)).not.toContain(leaver.profile.id);
    expect(members.body.members).toHaveLength(29);
  });

  it('keeps a parent in the class chat until the last of their children of the class is gone', async () => {
    const parent = people.twoKidsParent;
    const chat = await chatOf(parent, 'class', 'Чат родителей 7 В');
    await call(parent, 'POST', '/api/family/leave', { childId: people.twoKids[0]!.profile.id });
    expect((await chatOf(parent, 'class', 'Чат родителей 7 В')).state).toBe('member');
    expect((await send(parent, chat.id, 'Я остаюсь')).status).toBe(201);
    await call(parent, 'POST', '/api/family/leave', { childId: people.twoKids[1]!.profile.id });
    expect((await chatOf(parent, 'class', 'Чат родителей 7 В')).state).toBe('left');
  });
});

describe('class teachers', () => {
  it('shows the class teacher’s account once linked, and the typed name until then', async () => {
    const sc = schoolContextOf(ts.server.context);
    await createClass(sc, SCHOOL, '8 Г', 'Зайцева Нина Петровна');
    const find = async (name: string) =>
      (await ts.server.context.store.accounts.listClasses()).find((c) => c.name === name)!;
    expect((await find('8 Г')).teacher).toBe('Зайцева Нина Петровна');
    expect((await find('5 А')).teacher).toBe('Смирнова Ольга Викторовна');
    const linked = await teacher('8 Г', 'Кузнецова');
    expect((await find('8 Г')).teacher).toBe('Кузнецова Ольга Викторовна');
    // A second teacher account of the class does not replace the class teacher.
    await teacher('8 Г', 'Волкова');
    expect((await find('8 Г')).teacher).toBe('Кузнецова Ольга Викторовна');
    expect((await chatOf(linked, 'class')).title).toBe('Чат родителей 8 Г');
  });
});

describe('direct chats', () => {
  it('lets a parent write to the teacher of their child’s class, and teachers of one school to each other', async () => {
    const { parentA, teacherA, teacherB } = people;
    const opened = await call<{ chat: ChatRecord }>(parentA, 'POST', '/api/chats/direct', {
      userId: teacherA.profile.id,
    });
    expect(opened.status).toBe(200);
    expect(opened.body.chat).toMatchObject({ kind: 'direct', title: 'Смирнова Ольга', canPost: true });
    const back = await call<{ chat: ChatRecord }>(teacherA, 'POST', '/api/chats/direct', {
      userId: parentA.profile.id,
    });
    expect(back.body.chat.id).toBe(opened.body.chat.id);
    const sent = (await send(parentA, opened.body.chat.id, 'Ребёнок заболел, завтра не придёт')).body.message;
    await call(teacherA, 'POST', `/api/chats/${opened.body.chat.id}/read`, { seq: sent.seq });
    // «Прочитано»: the parent's record shows how far the teacher has read.
    expect((await feedChat(parentA, opened.body.chat.id))!.peerReadSeq).toBe(sent.seq);
    const colleagues = await call(teacherA, 'POST', '/api/chats/direct', { userId: teacherB.profile.id });
    expect(colleagues.status).toBe(200);
  });

  it('refuses a parent writing to another parent, a foreign student or a teacher of another class', async () => {
    const { parentA, big, bigKids, teacherB } = people;
    for (const other of [big[0]!, bigKids[0]!, teacherB]) {
      const r = await call<{ code: string }>(parentA, 'POST', '/api/chats/direct', {
        userId: other.profile.id,
      });
      expect([r.status, r.body.code]).toEqual([403, 'CHAT_DIRECT_NOT_ALLOWED']);
    }
  });
});

describe('announcements', () => {
  it('are posted by teachers and administrators only, and parents confirm them', async () => {
    const { parentA, teacherA, admin } = people;
    const channel = await chatOf(parentA, 'announcements');
    expect(channel).toMatchObject({ title: 'Объявления 5 А', canPost: false });
    const refused = await send(parentA, channel.id, 'Можно я тоже?');
    expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
    const posted = await send(teacherA, channel.id, 'Родительское собрание в четверг в 18:00');
    expect(posted.status).toBe(201);
    expect((await send(admin, channel.id, 'Школа закрыта на карантин до понедельника')).status).toBe(201);
    const seq = posted.body.message.seq;
    const acks = () =>
      call<{ acked: { userId: string }[]; pending: { userId: string }[] }>(
        teacherA,
        'GET',
        `/api/chats/${channel.id}/messages/${seq}/acks`,
      );
    expect((await acks()).body.pending.map((p) => p.userId)).toEqual([parentA.profile.id]);
    expect((await call(parentA, 'POST', `/api/chats/${channel.id}/messages/${seq}/ack`)).status).toBe(200);
    expect((await acks()).body).toMatchObject({ acked: [{ userId: parentA.profile.id }], pending: [] });
    expect((await call(parentA, 'GET', `/api/chats/${channel.id}/messages/${seq}/acks`)).status).toBe(403);
  });
});
