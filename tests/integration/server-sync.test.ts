import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullResponseSchema, PushResponseSchema, type PullResponse } from '../../src/shared/api.js';
import type { SignedIn } from '../../src/shared/api.js';
import {
  openEventStream,
  signInByPhone,
  startTestServer,
  testDeviceId,
  type TestServer,
} from '../../src/server/testing.js';

let ts: TestServer;
let other: TestServer;
let counter = 0;
function newPhone(): string {
  counter += 1;
  return `+7922${String(counter).padStart(7, '0')}`;
}
function mutationId(): string {
  counter += 1;
  return `m-${counter}-${Math.random().toString(36).slice(2, 10)}`;
}

beforeAll(async () => {
  ts = await startTestServer({ config: { demo: true } });
  other = await startTestServer();
});
afterAll(async () => {
  await ts?.close();
  await other?.close();
});

function auth(user: SignedIn): Record<string, string> {
  return { authorization: `Bearer ${user.tokens.accessToken}` };
}

async function pull(base: string, user: SignedIn, query: Record<string, string> = {}) {
  const response = await fetch(`${base}/api/sync/changes?${new URLSearchParams(query)}`, {
    headers: auth(user),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function pullAll(user: SignedIn, limit = 1000): Promise<{ pages: PullResponse[]; cursor: string }> {
  const pages: PullResponse[] = [];
  let cursor: string | undefined;
  for (;;) {
    const r = await pull(ts.url, user, { limit: String(limit), ...(cursor ? { cursor } : {}) });
    expect(r.status).toBe(200);
    const page = PullResponseSchema.parse(r.body);
    pages.push(page);
    cursor = page.cursor;
    if (!page.hasMore) return { pages, cursor };
  }
}

async function push(user: SignedIn, mutations: { id: string; type: string; payload: unknown }[]) {
  const response = await fetch(`${ts.url}/api/sync/mutations`, {
    method: 'POST',
    headers: { ...auth(user), 'content-type': 'application/json' },
    body: JSON.stringify({ mutations }),
  });
  expect(response.status).toBe(200);
  return PushResponseSchema.parse(await response.json()).results;
}

const rename = (name: string) => ({
  type: 'profile.update',
  payload: { surname: 'Иванов', name, patronymic: 'Сергеевич' },
});

describe('server: change feed', () => {
  it("the demo student's first pull has their school, class and profile", async () => {
    const student = await signInByPhone(ts, '+79000000001');
    const { pages } = await pullAll(student);
    const changes = pages.flatMap((p) => p.changes);
    expect(changes.map((c) => c.entity).sort()).toEqual(['class', 'profile', 'school']);
    const profile = changes.find((c) => c.entity === 'profile')!;
    expect(profile.data).toMatchObject({ id: student.profile.id, school: { name: 'Школа № 1 г. Москвы' } });
  });

  it("pages by cursor and ends with hasMore=false; other users' changes are not in the feed", async () => {
    const a = await signInByPhone(ts, newPhone());
    const b = await signInByPhone(ts, newPhone());
    for (let i = 0; i < 5; i++) await push(a, [{ id: mutationId(), ...rename(`Имя${'а'.repeat(i + 1)}`) }]);
    await push(b, [{ id: mutationId(), ...rename('Борис') }]);

    const { pages, cursor } = await pullAll(a, 2);
    expect(pages.map((p) => p.changes.length)).toEqual([2, 2, 2]);
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
    const all = pages.flatMap((p) => p.changes);
    expect(all.every((c) => c.id === a.profile.id)).toBe(true);
    expect(all.at(-1)?.data).toMatchObject({ name: 'Имяааааа' });

    // Nothing new: an empty page at the same position.
    const empty = PullResponseSchema.parse((await pull(ts.url, a, { cursor })).body);
    expect(empty).toEqual({ changes: [], cursor, hasMore: false });
  });

  it('answers 409 SYNC_RESYNC_REQUIRED for malformed, foreign and future cursors', async () => {
    const a = await signInByPhone(ts, newPhone());
    const { cursor } = await pullAll(a);
    const [epoch, seq] = cursor.split('.');
    const foreignUser = await signInByPhone(other, newPhone());
    const foreign = PullResponseSchema.parse((await pull(other.url, foreignUser)).body).cursor;
    for (const bad of [
      'garbage',
      `${epoch}.`,
      `${epoch}.-1`,
      `${epoch}.${Number(seq) + 1000}`,
      foreign,
      '.5',
    ]) {
      const r = await pull(ts.url, a, { cursor: bad });
      expect(r.status, bad).toBe(409);
      expect(r.body.code, bad).toBe('SYNC_RESYNC_REQUIRED');
    }
    expect((await pull(ts.url, a, { limit: '0' })).status).toBe(400);
  });
});

describe('server: mutations', () => {
  it('applies a mutation id at most once and returns the stored result on retry', async () => {
    const a = await signInByPhone(ts, newPhone());
    const before = (await pullAll(a)).pages.flatMap((p) => p.changes).length;
    const id = mutationId();
    const first = await push(a, [{ id, ...rename('Пётр') }]);
    const again = await push(a, [{ id, ...rename('Павел') }]);
    expect(first).toEqual([{ id, status: 'applied' }]);
    expect(again).toEqual(first);
    const changes = (await pullAll(a)).pages.flatMap((p) => p.changes);
    expect(changes.length).toBe(before + 1);
    const me = (await (await fetch(`${ts.url}/api/me`, { headers: auth(a) })).json()) as { name: string };
    expect(me.name).toBe('Пётр');
  });

  it('rejects unknown types and invalid payloads, in order, without stopping the batch', async () => {
    const a = await signInByPhone(ts, newPhone());
    const ids = [mutationId(), mutationId(), mutationId()];
    const results = await push(a, [
      { id: ids[0]!, type: 'school.delete', payload: {} },
      { id: ids[1]!, type: 'profile.update', payload: { surname: '', name: 42 } },
      { id: ids[2]!, ...rename('Вера') },
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? r.error.code : r.status))).toEqual([
      'MUTATION_UNKNOWN',
      'VALIDATION_FAILED',
      'applied',
    ]);
    // A retried rejection answers the same.
    const retry = await push(a, [{ id: ids[0]!, type: 'school.delete', payload: {} }]);
    expect(retry[0]).toEqual(results[0]);
  });

  it('validates the batch itself', async () => {
    const a = await signInByPhone(ts, newPhone());
    const response = await fetch(`${ts.url}/api/sync/mutations`, {
      method: 'POST',
      headers: { ...auth(a), 'content-type': 'application/json' },
      body: JSON.stringify({ mutations: [{ id: 'x', type: 'profile.update' }] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { fields: Record<string, string> }).fields).toHaveProperty(
      'mutations.0.id',
    );
  });
});

describe('server: live events', () => {
  it('tells another session of the same user about a change, with a cursor to pull to', async () => {
    const phone = newPhone();
    const laptop = await signInByPhone(ts, phone, { deviceId: testDeviceId('laptop') });
    const tablet = await signInByPhone(ts, phone, { deviceId: testDeviceId('tablet') });
    const stranger = await signInByPhone(ts, newPhone());
    const stream = await openEventStream(ts.url, tablet.tokens.accessToken);
    const strangerStream = await openEventStream(ts.url, stranger.tokens.accessToken);
    try {
      const { cursor: start } = await pullAll(tablet);
      await push(laptop, [{ id: mutationId(), ...rename('Олег') }]);
      const event = await stream.next('changed', 1000);
      expect(event.type === 'changed' && event.cursor).not.toBe(start);
      const page = PullResponseSchema.parse((await pull(ts.url, tablet, { cursor: start })).body);
      expect(page.changes.map((c) => c.data?.name)).toEqual(['Олег']);
      expect(strangerStream.events).toEqual([]);
    } finally {
      stream.close();
      strangerStream.close();
    }
  });

  it('sends `revoked` and ends the stream when the session is revoked', async () => {
    const phone = newPhone();
    const laptop = await signInByPhone(ts, phone, { deviceId: testDeviceId('laptop') });
    const tablet = await signInByPhone(ts, phone, { deviceId: testDeviceId('tablet') });
    const stream = await openEventStream(ts.url, tablet.tokens.accessToken);
    const revoke = await fetch(`${ts.url}/api/auth/sessions/${tablet.tokens.sessionId}`, {
      method: 'DELETE',
      headers: auth(laptop),
    });
    expect(revoke.status).toBe(200);
    expect(await stream.next('revoked', 2000)).toEqual({ type: 'revoked' });
    await stream.ended;
  });

  it('sends `revoked` when a reused refresh token ends the session', async () => {
    const deviceId = testDeviceId('phone');
    const user = await signInByPhone(ts, newPhone(), { deviceId });
    const stream = await openEventStream(ts.url, user.tokens.accessToken);
    const refresh = (refreshToken: string) =>
      fetch(`${ts.url}/api/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken, deviceId }),
      });
    const first = await refresh(user.tokens.refreshToken);
    expect(first.status).toBe(200);
    // The new pair is used, so the old token coming back is a stolen copy, not a lost answer.
    const { refreshToken: next } = (await first.json()) as { refreshToken: string };
    expect((await refresh(next)).status).toBe(200);
    expect((await refresh(user.tokens.refreshToken)).status).toBe(401);
    expect(await stream.next('revoked', 2000)).toEqual({ type: 'revoked' });
    await stream.ended;
  });

  it('refuses a stream without a valid token, as JSON', async () => {
    const response = await fetch(`${ts.url}/api/sync/events`, { headers: { authorization: 'Bearer nope' } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
  });

  it('closing the server ends open streams promptly', async () => {
    const own = await startTestServer();
    const user = await signInByPhone(own, newPhone());
    const stream = await openEventStream(own.url, user.tokens.accessToken);
    await own.close();
    await stream.ended;
    expect(own.server.context.hub.size).toBe(0);
  });
});
