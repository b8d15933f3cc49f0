import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import type { ChatMessage, ChatRecord, ChatReport, MessagesPage } from '../../src/shared/chats/index.js';
import type { Contact, SearchHit } from '../../src/shared/chats/ipc.js';
import { DOCUMENT_ID_HEADER, encodeUploadMetadata } from '../../src/shared/documents/index.js';
import { en } from '../../src/shared/messages/en.js';
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
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';

/**
 * Chats with the school on a real server: one school with a class of two members (5 А:
 * its teacher and one parent; a second teacher of the class without the chats), a class
 * of thirty (6 Б: its teacher and 29 parents), a class whose parent has two children in
 * it (7 В), a class whose parent leaves (9 Д), and a teacher of another school. Seeded
 * once. The server's clock moves 400 ms with every message sent through `send`, so no
 * sender passes the send rate limit (30 in 10 s) unless a test means to.
 */

const SCHOOL = 'Школа № 7';
const BIRTH = '2014-02-03';
const LETTERS = 'абвгдежзиклмнопрстуфхцчшщэюяё';
let ts: TestServer;
const clock = new TestClock();
const people = {} as {
  teacherA2: SignedIn;
  foreignTeacher: SignedIn;
  leaver: SignedIn;
  leaverKid: SignedIn;
  teacherD: SignedIn;
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
  clock.advance(400);
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

async function teacher(className: string, surname: string, school = SCHOOL): Promise<SignedIn> {
  const phone = freshPhone('942');
  await createTeacher(schoolContextOf(ts.server.context), {
    surname,
    name: 'Ольга',
    patronymic: 'Викторовна',
    school,
    className,
    phone,
  });
  return signInByPhone(ts, phone);
}

beforeAll(async () => {
  ts = await startTestServer({ clock });
  const sc = schoolContextOf(ts.server.context);
  await createSchool(sc, SCHOOL);
  await createSchool(sc, 'Гимназия № 2');
  await createClass(sc, 'Гимназия № 2', '1 А', null);
  for (const name of ['5 А', '6 Б', '7 В', '9 Д']) await createClass(sc, SCHOOL, name, null);
  people.teacherA = await teacher('5 А', 'Смирнова');
  people.teacherA2 = await teacher('5 А', 'Алексеева');
  people.foreignTeacher = await teacher('1 А', 'Чужая', 'Гимназия № 2');
  people.teacherD = await teacher('9 Д', 'Долгова');
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

  people.leaverKid = await student('9 Д', 'Уходов');
  people.leaver = await signInByPhone(ts, freshPhone('947'), { name: { surname: 'Уходова', name: 'Нина' } });
  await link(people.leaver, people.leaverKid);
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

describe('contacts', () => {
  it('a parent of 9 Д sees its class teacher while their child is there', async () => {
    const r = await call<{ contacts: Contact[] }>(people.leaver, 'GET', '/api/chats/contacts');
    expect(r.body.contacts.map((c) => c.role)).toEqual(['Классный руководитель 9 Д']);
  });

  const contactsOf = async (who: SignedIn) => {
    const r = await call<{ contacts: Contact[] }>(who, 'GET', '/api/chats/contacts');
    expect(r.status).toBe(200);
    return r.body.contacts;
  };

  it('gives a parent the teachers of their child’s class, the class teacher first', async () => {
    expect(await contactsOf(people.parentA)).toEqual([
      { userId: people.teacherA.profile.id, name: 'Смирнова Ольга', role: 'Классный руководитель 5 А' },
      { userId: people.teacherA2.profile.id, name: 'Алексеева Ольга', role: 'Учитель 5 А' },
    ]);
  });

  it('gives a teacher the school’s teachers and the parents of their class, never another school’s', async () => {
    const contacts = await contactsOf(people.teacherA);
    const ids = contacts.map((c) => c.userId);
    expect(contacts).toContainEqual({
      userId: people.teacherB.profile.id,
      name: 'Лебедева Ольга',
      role: 'Классный руководитель 6 Б',
    });
    expect(contacts).toContainEqual({
      userId: people.parentA.profile.id,
      name: 'Петрова Мария',
      role: 'Родитель ученика 5 А',
    });
    expect(ids).not.toContain(people.teacherA.profile.id);
    expect(ids).not.toContain(people.foreignTeacher.profile.id);
    expect(ids).not.toContain(people.big[0]!.profile.id);
    // Class teachers come first; every contact can be written to.
    const firstOther = contacts.findIndex((c) => !c.role.startsWith('Классный руководитель'));
    expect(contacts.slice(firstOther).some((c) => c.role.startsWith('Классный руководитель'))).toBe(false);
    const opened = await call(people.teacherA, 'POST', '/api/chats/direct', {
      userId: contacts.at(-1)!.userId,
    });
    expect(opened.status).toBe(200);
    expect((await contactsOf(people.foreignTeacher)).map((c) => c.userId)).toEqual([]);
  });

  it('gives a student and a parent without a child in a class no one, and nobody unsigned', async () => {
    expect(await contactsOf(people.kidA)).toEqual([]);
    const lone = await signInByPhone(ts, freshPhone('948'), { name: { surname: 'Одинокова', name: 'Анна' } });
    expect(await contactsOf(lone)).toEqual([]);
    expect((await call(null, 'GET', '/api/chats/contacts')).status).toBe(401);
  });
});

describe('mute', () => {
  it('is the member’s own flag, shown in their chat list and feed record only', async () => {
    const { parentA, teacherA } = people;
    const chat = await chatOf(parentA, 'class');
    const r = await call(parentA, 'PUT', `/api/chats/${chat.id}/mute`, { muted: true });
    expect([r.status, r.body]).toEqual([200, { muted: true }]);
    expect((await chatOf(parentA, 'class')).muted).toBe(true);
    expect((await feedChat(parentA, chat.id))!.muted).toBe(true);
    expect((await chatOf(teacherA, 'class')).muted).toBe(false);
    expect((await call(parentA, 'PUT', `/api/chats/${chat.id}/mute`, { muted: false })).body).toEqual({
      muted: false,
    });
    expect((await feedChat(parentA, chat.id))!.muted).toBe(false);
  });

  it('refuses someone outside the chat and a body that is not a flag', async () => {
    const chat = await chatOf(people.parentA, 'class');
    for (const who of [people.big[0]!, people.kidA, people.foreignTeacher]) {
      const r = await call<{ code: string }>(who, 'PUT', `/api/chats/${chat.id}/mute`, { muted: true });
      expect([r.status, r.body.code]).toEqual([404, 'CHAT_NOT_MEMBER']);
    }
    const bad = await call<{ code: string }>(people.parentA, 'PUT', `/api/chats/${chat.id}/mute`, {
      muted: 'yes',
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('search', () => {
  const search = (who: SignedIn, q: string, limit?: number) =>
    call<{ hits: SearchHit[]; code?: string }>(
      who,
      'GET',
      `/api/chats/search?${new URLSearchParams({ q, ...(limit ? { limit: String(limit) } : {}) })}`,
    );

  it('finds word starts in any case with ё as е, newest first, with the matches marked', async () => {
    const { parentA, teacherA, big } = people;
    const chat = await chatOf(parentA, 'class');
    const older = (await send(teacherA, chat.id, 'Ёлка в школе в пятницу, олимпиада в субботу')).body.message;
    const newer = (await send(parentA, chat.id, 'Спасибо! Про ОЛИМПИАДУ понятно, а ёлка во сколько?')).body
      .message;
    const hits = (await search(parentA, 'олимп')).body.hits;
    expect(hits.map((h) => h.seq).slice(0, 2)).toEqual([newer.seq, older.seq]);
    expect(hits[0]).toMatchObject({
      chatId: chat.id,
      chatTitle: 'Чат родителей 5 А',
      senderName: 'Петрова Мария',
      createdAt: newer.createdAt,
    });
    expect(hits[0]!.snippet).toContain('Про \uE000ОЛИМПИАДУ\uE001 понятно');
    for (const q of ['елка', 'ЁЛКА', 'Елк']) {
      const found = (await search(teacherA, q)).body.hits.map((h) => h.seq);
      expect(found, q).toEqual(expect.arrayContaining([older.seq, newer.seq]));
    }
    expect((await search(parentA, 'елка суббот')).body.hits.map((h) => h.seq)).toEqual([older.seq]);
    expect((await search(parentA, 'ёлка', 1)).body.hits).toHaveLength(1);
    // Not the middle of a word, and nothing from a chat one is not in.
    expect((await search(parentA, 'лимпиад')).body.hits).toEqual([]);
    expect((await search(big[0]!, 'олимпиада')).body.hits.map((h) => h.chatId)).not.toContain(chat.id);
    expect((await search(people.foreignTeacher, 'олимпиада')).body.hits).toEqual([]);
    expect((await search(people.kidA, 'олимпиада')).body.hits).toEqual([]);
    // The school's administrator reads the class chats and finds it too.
    expect((await search(people.admin, 'олимпиада')).body.hits.map((h) => h.seq)).toContain(older.seq);
  });

  it('follows edits and deletions', async () => {
    const { parentA } = people;
    const chat = await chatOf(parentA, 'class');
    const m = (await send(parentA, chat.id, 'Забыли сменку')).body.message;
    expect((await search(parentA, 'сменку')).body.hits.map((h) => h.seq)).toContain(m.seq);
    await call(parentA, 'PATCH', `/api/chats/${chat.id}/messages/${m.seq}`, { text: 'Забыли форму' });
    expect((await search(parentA, 'сменку')).body.hits.map((h) => h.seq)).not.toContain(m.seq);
    expect((await search(parentA, 'форму')).body.hits.map((h) => h.seq)).toContain(m.seq);
    await call(parentA, 'DELETE', `/api/chats/${chat.id}/messages/${m.seq}`);
    expect((await search(parentA, 'форму')).body.hits.map((h) => h.seq)).not.toContain(m.seq);
  });

  it('gives a member who left only what was written before they left', async () => {
    const { leaver, leaverKid, teacherD } = people;
    const chat = await chatOf(leaver, 'class', 'Чат родителей 9 Д');
    const before = (await send(teacherD, chat.id, 'Экскурсия в планетарий в среду')).body.message;
    expect((await call(leaver, 'POST', '/api/family/leave', { childId: leaverKid.profile.id })).status).toBe(
      200,
    );
    const after = (await send(teacherD, chat.id, 'Экскурсия в планетарий переносится')).body.message;
    const seen = (await search(leaver, 'планетарий')).body.hits.map((h) => h.seq);
    expect(seen).toEqual([before.seq]);
    // With no child in the class, the class's teacher is no longer among their contacts.
    const contacts = await call<{ contacts: Contact[] }>(leaver, 'GET', '/api/chats/contacts');
    expect(contacts.body.contacts).toEqual([]);
    expect((await search(teacherD, 'планетарий')).body.hits.map((h) => h.seq)).toEqual([
      after.seq,
      before.seq,
    ]);
  });

  it('refuses an empty or over-long query and a limit out of range', async () => {
    for (const q of ['', '   ', 'я'.repeat(201)]) {
      const r = await search(people.parentA, q);
      expect([r.status, r.body.code], JSON.stringify(q)).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await search(people.parentA, 'я', 101)).status).toBe(400);
    expect((await search(people.parentA, '!!!')).body).toEqual({ hits: [] });
    expect((await call(null, 'GET', '/api/chats/search?q=a')).status).toBe(401);
  });
});

describe('announcement acknowledgements per caller', () => {
  it('shows each member whether they confirmed, and no flag outside announcements', async () => {
    const { parentA, teacherA } = people;
    const channel = await chatOf(parentA, 'announcements');
    const posted = (await send(teacherA, channel.id, 'Завтра сокращённые уроки')).body.message;
    expect(posted.acked).toBe(true);
    const mine = async () =>
      (await page(parentA, channel.id, `after=${posted.seq - 1}&limit=1`)).body.messages[0]!.acked;
    expect(await mine()).toBe(false);
    await call(parentA, 'POST', `/api/chats/${channel.id}/messages/${posted.seq}/ack`);
    expect(await mine()).toBe(true);
    const chat = await chatOf(parentA, 'class');
    expect((await page(parentA, chat.id, 'limit=3')).body.messages.map((m) => m.acked)).toEqual([
      null,
      null,
      null,
    ]);
  });
});

async function uploadDocument(who: SignedIn, name: string, data: Buffer): Promise<string> {
  const auth = { authorization: `Bearer ${who.tokens.accessToken}`, 'tus-resumable': '1.0.0' };
  const created = await fetch(`${ts.url}/api/uploads`, {
    method: 'POST',
    headers: {
      ...auth,
      'upload-length': String(data.length),
      'upload-metadata': encodeUploadMetadata({
        filename: name,
        sha256: createHash('sha256').update(data).digest('hex'),
      }),
    },
  });
  expect(created.status).toBe(201);
  const done = await fetch(new URL(created.headers.get('location')!, ts.url), {
    method: 'PATCH',
    headers: { ...auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
    body: new Uint8Array(data),
  });
  expect(done.status).toBe(204);
  return done.headers.get(DOCUMENT_ID_HEADER)!;
}

async function mutate(who: SignedIn, type: string, payload: unknown) {
  const r = await call<{ results: { status: string }[] }>(who, 'POST', '/api/sync/mutations', {
    mutations: [{ id: `m-${clientId()}`, type, payload }],
  });
  expect(r.body.results[0]!.status).toBe('applied');
}

describe('attachments', () => {
  const bytes = Buffer.from('Справка для бассейна: Петров Илья, 5 А — допущен к занятиям.\n');
  const download = (who: SignedIn | null, path: string, headers: Record<string, string> = {}) =>
    fetch(`${ts.url}${path}`, {
      headers: { ...(who ? { authorization: `Bearer ${who.tokens.accessToken}` } : {}), ...headers },
    });

  it('sends a copy of the sender’s document that the chat’s readers download, with Range and by a signed link', async () => {
    const { parentA, teacherA, big, admin } = people;
    const chat = await chatOf(parentA, 'class');
    const docId = await uploadDocument(parentA, 'Справка для бассейна.txt', bytes);
    const sent = await call<{ message: ChatMessage }>(parentA, 'POST', `/api/chats/${chat.id}/messages`, {
      clientId: clientId(),
      text: '',
      documentIds: [docId],
    });
    expect(sent.status).toBe(201);
    const [file] = sent.body.message.attachments;
    expect(file).toMatchObject({ name: 'Справка для бассейна.txt', size: bytes.length });
    const path = `/api/chats/${chat.id}/attachments/${file!.id}`;
    const seen = (await page(teacherA, chat.id, `after=${sent.body.message.seq - 1}`)).body.messages[0]!;
    expect(seen.attachments).toEqual([file]);

    for (const who of [teacherA, admin]) {
      const r = await download(who, path);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-disposition')).toContain(encodeURIComponent('Справка для бассейна.txt'));
      expect(Buffer.from(await r.arrayBuffer())).toEqual(bytes);
    }
    const part = await download(teacherA, path, { range: 'bytes=4-11' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 4-11/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(4, 12));
    expect((await download(teacherA, path, { range: `bytes=${bytes.length}-` })).status).toBe(416);

    for (const who of [big[0]!, people.kidA, people.foreignTeacher]) {
      expect((await download(who, path)).status).toBe(404);
      expect((await call(who, 'GET', `${path}/link`)).status).toBe(404);
    }
    expect((await download(null, path)).status).toBe(401);

    const link = await call<{ url: string }>(teacherA, 'GET', `${path}/link`);
    expect(link.body.url).toMatch(/\?u=.+&e=\d+&s=/);
    const opened = await download(null, link.body.url);
    expect(Buffer.from(await opened.arrayBuffer())).toEqual(bytes);
    expect((await download(null, `${link.body.url.slice(0, -3)}xyz`)).status).toBe(404);

    // The document goes for good: the message keeps its copy.
    await mutate(parentA, 'documents.trash', { kind: 'document', id: docId });
    await mutate(parentA, 'documents.emptyTrash', {});
    const kept = await download(teacherA, path);
    expect(Buffer.from(await kept.arrayBuffer())).toEqual(bytes);

    // A deleted message's files go with it.
    await call(parentA, 'DELETE', `/api/chats/${chat.id}/messages/${sent.body.message.seq}`);
    expect((await download(teacherA, path)).status).toBe(404);
  });

  it('refuses someone else’s document, one in the trash and more than ten, each with its sentence', async () => {
    const { parentA, teacherA } = people;
    const chat = await chatOf(parentA, 'class');
    const theirs = await uploadDocument(teacherA, 'План урока.txt', Buffer.from('план'));
    const trashed = await uploadDocument(parentA, 'Старое.txt', Buffer.from('старое'));
    await mutate(parentA, 'documents.trash', { kind: 'document', id: trashed });
    const cases: [string[], number, string][] = [
      [[theirs], 403, 'CHAT_ATTACHMENT_NOT_YOURS'],
      [['no-such-document'], 403, 'CHAT_ATTACHMENT_NOT_YOURS'],
      [[trashed], 409, 'CHAT_ATTACHMENT_IN_TRASH'],
      [Array.from({ length: 11 }, (_, i) => `doc-${i}`), 400, 'CHAT_TOO_MANY_ATTACHMENTS'],
    ];
    for (const [documentIds, status, code] of cases) {
      const r = await call<{ code: string; message: string }>(
        parentA,
        'POST',
        `/api/chats/${chat.id}/messages`,
        {
          clientId: clientId(),
          text: 'Во вложении',
          documentIds,
        },
      );
      expect([r.status, r.body.code]).toEqual([status, code]);
      expect(ru.errors[code as keyof typeof ru.errors]).toBeTruthy();
      expect(en.errors[code as keyof typeof en.errors]).toBeTruthy();
    }
    expect(ru.errors.CHAT_TOO_MANY_ATTACHMENTS).toContain('10');
  });
});

describe('send rate limit', () => {
  it('refuses a sender’s 31st message within ten seconds with CHAT_RATE_LIMITED, and lets a retry through', async () => {
    const { teacherB } = people;
    const chat = await chatOf(teacherB, 'class');
    clock.advance(11_000);
    const burst = (id = clientId()) =>
      call<{ code: string; retryAfter?: number; message: ChatMessage }>(
        teacherB,
        'POST',
        `/api/chats/${chat.id}/messages`,
        {
          clientId: id,
          text: 'Напоминание',
        },
      );
    let first = '';
    for (let i = 0; i < 30; i++) {
      const id = clientId();
      first ||= id;
      expect((await burst(id)).status).toBe(201);
    }
    const refused = await burst();
    expect([refused.status, refused.body.code]).toEqual([429, 'CHAT_RATE_LIMITED']);
    expect(refused.body.retryAfter).toBeGreaterThan(0);
    expect(ru.errors.CHAT_RATE_LIMITED).toContain('Подождите');
    // A retry of a message already sent is answered, not counted.
    expect((await burst(first)).status).toBe(200);
    clock.advance(11_000);
    expect((await burst()).status).toBe(201);
  });
});

describe('reports for the school’s administrators', () => {
  it('lists the school’s reports to its administrators only', async () => {
    const { parentA, teacherA, admin } = people;
    const chat = await chatOf(parentA, 'class');
    const m = (await send(teacherA, chat.id, 'Сдаём по 500 рублей наличными')).body.message;
    await call(parentA, 'POST', `/api/chats/${chat.id}/messages/${m.seq}/report`, { reason: 'Поборы' });
    const r = await call<{ reports: ChatReport[] }>(admin, 'GET', '/api/chats/reports');
    expect(r.status).toBe(200);
    expect(r.body.reports[0]).toMatchObject({
      chatId: chat.id,
      chatTitle: 'Чат родителей 5 А',
      seq: m.seq,
      senderName: 'Смирнова Ольга',
      text: 'Сдаём по 500 рублей наличными',
      reporterName: 'Петрова Мария',
      reason: 'Поборы',
    });
    for (const who of [parentA, teacherA, people.kidA, people.foreignTeacher]) {
      const refused = await call<{ code: string }>(who, 'GET', '/api/chats/reports');
      expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
    }
  });
});
