import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { createApiClient } from '../../src/shared/apiClient.js';
import type { ChatsBridge } from '../../src/client/chats/remote.js';
import { createEmitter } from '../../src/renderer/src/backend/emitter.js';
import { createWebLive, type WebLive } from '../../src/renderer/src/backend/webLive.js';
import { createWebChats } from '../../src/renderer/src/chats/webChats.js';
import {
  createClass,
  createSchool,
  createStudent,
  createTeacher,
  schoolContextOf,
} from '../../src/server/family/school.js';
import { signInByPhone } from '../../src/server/testing.js';
import { waitFor } from '../helpers/core.js';
import { freshPhone } from '../helpers/family.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';

/**
 * The web version's chats (src/renderer/src/chats/webChats.ts) against a real server on
 * loopback: a parent's page and the class teacher over HTTP. Seeded once.
 */

const SCHOOL = 'Школа № 21';
const BIRTH = '2014-02-03';
let ts: TestServer;
/** The server's clock: moved on between bursts of the teacher's messages (the send rate limit). */
const clock = new TestClock();
let parentUser: SignedIn;
let teacherUser: SignedIn;
let chatId: string;
let chats: ChatsBridge;
let live: WebLive;
const changedIds: string[][] = [];
/** The page's network: `lose` answers (the request reached the server, the answer did not). */
let lose = 0;

/** A page's localStorage. */
class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

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

async function serverTexts(): Promise<string[]> {
  const texts: string[] = [];
  let after = 0;
  for (;;) {
    const r = await call<{ messages: { seq: number; text: string }[]; hasMore: boolean }>(
      teacherUser,
      'GET',
      `/api/chats/${chatId}/messages?after=${after}&limit=100`,
    );
    texts.push(...r.body.messages.map((m) => m.text));
    if (!r.body.hasMore) return texts;
    after = r.body.messages.at(-1)!.seq;
  }
}

async function until<T>(check: () => Promise<T | null | undefined | false>, label: string): Promise<T> {
  return (await waitFor(check, 10_000, label)) as T;
}

const latest = async () =>
  (await chats.chatsHistory({ chatId, anchor: { at: 'latest' }, limit: 100 })).messages;

beforeAll(async () => {
  ts = await startTestServer({ clock });
  const sc = schoolContextOf(ts.server.context);
  await createSchool(sc, SCHOOL);
  await createClass(sc, SCHOOL, '5 А', null);
  const teacherPhone = freshPhone('961');
  await createTeacher(sc, {
    surname: 'Смирнова',
    name: 'Ольга',
    patronymic: '',
    school: SCHOOL,
    className: '5 А',
    phone: teacherPhone,
  });
  const kidPhone = freshPhone('962');
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
  parentUser = await signInByPhone(ts, freshPhone('963'), { name: { surname: 'Петрова', name: 'Мария' } });
  teacherUser = await signInByPhone(ts, teacherPhone);
  const invite = await call<{ token: string }>(kid, 'POST', '/api/family/invite', {});
  const linked = await call(parentUser, 'POST', '/api/family/invite/confirm', {
    token: invite.body.token,
    child: { surname: 'Петров', name: 'Илья', patronymic: '', birthDate: BIRTH },
  });
  expect(linked.status).toBe(200);

  const pageFetch: typeof fetch = async (input, init) => {
    const answer = await fetch(input, init);
    const isSend = init?.method === 'POST' && String(input).endsWith('/messages');
    if (isSend && lose > 0) {
      lose -= 1;
      await answer.body?.cancel();
      throw new TypeError('fetch failed');
    }
    return answer;
  };
  let tokens = parentUser.tokens;
  const api = createApiClient({
    baseUrl: ts.url,
    deviceId: 'web-page-1',
    fetch: pageFetch,
    tokens: { get: () => tokens, set: (next) => void (next && (tokens = next)) },
  });
  const emitter = createEmitter();
  emitter.on('chats.changed', ({ chatIds }) => void changedIds.push(chatIds));
  chats = createWebChats({
    api,
    emitter,
    storage: new MemoryStorage(),
    me: () => ({ userId: parentUser.profile.id, name: 'Петрова Мария' }),
    backoff: { baseMs: 20, maxMs: 100, random: () => 0.5 },
  });
  live = createWebLive({ api, emitter, onSessionEnded: () => undefined });
  live.start();
  const list = await chats.chatsList();
  chatId = list.chats.find((c) => c.kind === 'class')!.id;
}, 60_000);

afterAll(async () => {
  live?.stop();
  await ts?.close();
});

describe('chats in the web version', () => {
  it('shows a message at once as «sending», sends it once, and tells the screens when the teacher answers', async () => {
    const shown = await chats.chatsSend({ chatId, text: 'Добрый день! Когда родительское собрание?' });
    expect(shown).toMatchObject({ status: 'sending', seq: null, mine: true });
    const sent = await until(
      async () => (await latest()).find((m) => m.key === shown.key && m.status === 'sent'),
      'sent',
    );
    expect(sent.seq).toBeGreaterThan(0);
    expect(
      (await serverTexts()).filter((t) => t === 'Добрый день! Когда родительское собрание?'),
    ).toHaveLength(1);

    changedIds.length = 0;
    const answer = await call<{ message: { seq: number } }>(
      teacherUser,
      'POST',
      `/api/chats/${chatId}/messages`,
      {
        clientId: 'teacher-answer-0001',
        text: 'В четверг в 18:00',
      },
    );
    expect(answer.status).toBe(201);
    await until(
      async () => changedIds.some((ids) => ids.includes(chatId)),
      'chats.changed from the live stream',
    );
    const summary = (await chats.chatsList()).chats.find((c) => c.id === chatId)!;
    expect(summary).toMatchObject({ unread: 1, lastMessage: { text: 'В четверг в 18:00', mine: false } });
    await chats.chatsMarkRead({ chatId, seq: answer.body.message.seq });
    expect((await chats.chatsList()).chats.find((c) => c.id === chatId)!.unread).toBe(0);
  });

  it('sends exactly once when the answer to a send is lost and the outbox tries again', async () => {
    lose = 1;
    const words = 'Спасибо, будем обязательно';
    const shown = await chats.chatsSend({ chatId, text: words });
    await until(async () => (await latest()).some((m) => m.key === shown.key && m.status === 'sent'), 'sent');
    expect(lose).toBe(0);
    expect((await serverTexts()).filter((t) => t === words)).toHaveLength(1);
  });

  it('marks a refused message failed with its code, keeps its text through «Повторить», and gives it back', async () => {
    const long = 'ю'.repeat(4001);
    const shown = await chats.chatsSend({ chatId, text: long });
    const failed = await until(
      async () => (await latest()).find((m) => m.key === shown.key && m.status === 'failed'),
      'the refusal',
    );
    expect(failed).toMatchObject({ text: long, error: { code: 'CHAT_MESSAGE_TOO_LONG' } });
    await chats.chatsRetry({ chatId, key: shown.key });
    await until(
      async () => (await latest()).find((m) => m.key === shown.key && m.status === 'failed'),
      'refused again',
    );
    expect(await chats.chatsDiscard({ chatId, key: shown.key })).toEqual({ text: long });
    expect((await latest()).some((m) => m.key === shown.key)).toBe(false);
    await expect(chats.chatsSend({ chatId, text: '   ' })).rejects.toMatchObject({
      code: 'CHAT_MESSAGE_EMPTY',
    });
  });

  it('pages the history by anchor: the newest, before and after a message', async () => {
    for (let i = 1; i <= 70; i++) {
      if (i % 20 === 0) clock.advance(11_000);
      const r = await call(teacherUser, 'POST', `/api/chats/${chatId}/messages`, {
        clientId: `teacher-page-${String(i).padStart(4, '0')}`,
        text: `Сообщение ${i}`,
      });
      expect(r.status).toBe(201);
    }
    const newest = await chats.chatsHistory({ chatId, anchor: { at: 'latest' }, limit: 30 });
    expect(newest.messages).toHaveLength(30);
    expect(newest.messages.map((m) => m.text).slice(-2)).toEqual(['Сообщение 69', 'Сообщение 70']);
    expect(newest).toMatchObject({ hasOlder: true, hasNewer: false, offline: false, otherMembers: 1 });
    const oldest = newest.messages[0]!.seq!;
    const older = await chats.chatsHistory({ chatId, anchor: { at: 'before', seq: oldest }, limit: 30 });
    expect(older.messages).toHaveLength(30);
    expect(older.messages.at(-1)!.seq).toBe(oldest - 1);
    expect(older.hasNewer).toBe(true);
    const newer = await chats.chatsHistory({
      chatId,
      anchor: { at: 'after', seq: older.messages[0]!.seq! },
      limit: 10,
    });
    expect(newer.messages.map((m) => m.seq)).toEqual(older.messages.slice(1, 11).map((m) => m.seq));
    expect(newer.hasNewer).toBe(true);
    const unread = await chats.chatsHistory({ chatId, anchor: { at: 'unread' }, limit: 50 });
    expect(unread.firstUnreadSeq).not.toBeNull();
    expect(unread.messages.some((m) => m.seq === unread.firstUnreadSeq)).toBe(true);
  });

  it('searches through the server route: ё is е and words match by their beginning', async () => {
    clock.advance(11_000);
    await call(teacherUser, 'POST', `/api/chats/${chatId}/messages`, {
      clientId: 'teacher-search-0001',
      text: 'Ёлка и Олимпиаде по математике — в субботу',
    });
    const { hits } = await chats.chatsSearch({ query: 'елка олимп', limit: 30 });
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ chatId, chatTitle: 'Чат родителей 5 А', senderName: 'Смирнова Ольга' });
    expect(hits[0]!.snippet).toContain('\uE000');
    expect((await chats.chatsSearch({ query: '   ', limit: 30 })).hits).toEqual([]);
  });

  it('keeps drafts per chat', async () => {
    await chats.chatsSetDraft({ chatId, text: 'Хотела уточнить…' });
    expect(await chats.chatsGetDraft({ chatId })).toEqual({ text: 'Хотела уточнить…' });
    await chats.chatsSend({ chatId, text: 'Хотела уточнить про форму' });
    expect(await chats.chatsGetDraft({ chatId })).toEqual({ text: '' });
  });
});
