import { describe, expect, it } from 'vitest';
import { createAuthorised } from '../../src/client/http/authorised.js';
import { AppError } from '../../src/shared/errors.js';

/**
 * The authorised request both targets use: an expired token is refreshed once and the
 * request sent again; requests refused at the same time share that one refresh.
 */

function account() {
  /** The token the client holds, and the one the server takes. */
  const tokens = { client: 1, server: 1 };
  const state = { refreshes: 0, fail: null as AppError | null, hold: false, release: () => {} };
  const auth = createAuthorised<{ status: number; token: string }>({
    headers: () => ({ authorization: `Bearer t${tokens.client}` }),
    refresh: async () => {
      state.refreshes += 1;
      if (state.hold) await new Promise<void>((resolve) => (state.release = resolve));
      else await Promise.resolve();
      if (state.fail) throw state.fail;
      tokens.client = tokens.server;
    },
  });
  const server = async (headers: Record<string, string>) => {
    const token = headers.authorization!.replace('Bearer ', '');
    return { status: token === `t${tokens.server}` ? 200 : 401, token };
  };
  /** The access token expires: the server takes only a new one. */
  const expire = () => (tokens.server += 1);
  return { auth, state, server, expire };
}

describe('authorised request', () => {
  it('sends once with a good token, without refreshing', async () => {
    const { auth, state, server } = account();
    expect(await auth.send(server)).toEqual({ status: 200, token: 't1' });
    expect(state.refreshes).toBe(0);
  });

  it('after a 401 refreshes once and sends again with the new token', async () => {
    const { auth, state, server, expire } = account();
    expire();
    const sent: string[] = [];
    const answer = await auth.send((headers) => {
      sent.push(headers.authorization!);
      return server(headers);
    });
    expect(answer).toEqual({ status: 200, token: 't2' });
    expect(sent).toEqual(['Bearer t1', 'Bearer t2']);
    expect(state.refreshes).toBe(1);
  });

  it('gives the second 401 back as it is instead of refreshing again', async () => {
    const { auth, state } = account();
    let calls = 0;
    const answer = await auth.send(async (headers) => {
      calls += 1;
      return { status: 401, token: headers.authorization! };
    });
    expect(answer.status).toBe(401);
    expect(calls).toBe(2);
    expect(state.refreshes).toBe(1);
  });

  it('requests refused at the same time share one refresh', async () => {
    const { auth, state, server, expire } = account();
    expire();
    state.hold = true;
    const all = Promise.all([auth.send(server), auth.send(server), auth.send(server)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.refreshes).toBe(1);
    state.release();
    const answers = await all;
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(state.refreshes).toBe(1);
  });

  it('a request sent before a refresh finished is sent again with the new token, not refreshed twice', async () => {
    const { auth, state, server, expire } = account();
    expire();
    let late: (() => void) | null = null;
    // The slow request's 401 arrives only after the fast one's refresh is over.
    const slow = auth.send(async (headers) => {
      if (headers.authorization === 'Bearer t1') await new Promise<void>((resolve) => (late = resolve));
      return server(headers);
    });
    expect(await auth.send(server)).toEqual({ status: 200, token: 't2' });
    (late as (() => void) | null)?.();
    expect(await slow).toEqual({ status: 200, token: 't2' });
    expect(state.refreshes).toBe(1);
  });

  it('a refresh that fails ends the request with its error, and the next 401 tries again', async () => {
    const { auth, state, server, expire } = account();
    expire();
    state.fail = new AppError('SESSION_REVOKED', 'The session was revoked.');
    await expect(auth.send(server)).rejects.toMatchObject({ code: 'SESSION_REVOKED' });
    state.fail = null;
    expect((await auth.send(server)).status).toBe(200);
    expect(state.refreshes).toBe(2);
  });

  it('refreshes on whatever answer the caller says needs it', async () => {
    let refreshed = 0;
    const auth = createAuthorised<{ status: number; code: string }>({
      headers: () => ({}),
      refresh: async () => void (refreshed += 1),
      needsRefresh: (answer) => answer.status === 401 && answer.code === 'SESSION_EXPIRED',
    });
    expect((await auth.send(async () => ({ status: 401, code: 'SESSION_REVOKED' }))).code).toBe(
      'SESSION_REVOKED',
    );
    expect(refreshed).toBe(0);
  });
});
