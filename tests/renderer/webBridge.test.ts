import { describe, expect, it } from 'vitest';
import { createWebBridge } from '../../src/renderer/src/backend/web.js';

const profile = {
  id: 'u1',
  role: 'parent',
  surname: 'Иванова',
  name: 'Мария',
  patronymic: '',
  phone: '+79123456789',
  email: null,
  birthDate: null,
  school: null,
  class: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const tokens = {
  accessToken: 'access-1',
  accessExpiresAt: '2030-01-01T00:00:00.000Z',
  refreshToken: 'never-kept',
  refreshExpiresAt: '2030-01-01T00:00:00.000Z',
  sessionId: 's1',
};
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fake server answering by path; records what the page sent. */
function fakeServer(routes: Record<string, (init: RequestInit) => Response>) {
  const sent: { path: string; init: RequestInit }[] = [];
  const fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const path = new URL(String(input)).pathname;
    sent.push({ path, init });
    const route = routes[path];
    if (route) return route(init);
    // The live stream: never opens in these tests.
    return json(503, { code: 'INTERNAL', message: 'no stream here' });
  }) as typeof globalThis.fetch;
  return { fetch, sent };
}

function bridgeOver(server: ReturnType<typeof fakeServer>) {
  return createWebBridge({
    origin: 'http://school.test',
    fetch: server.fetch,
    storage: localStorage,
    userAgent: 'Chrome/1 Linux',
  });
}

describe('web bridge', () => {
  it('restores a session from the refresh cookie on load, sending no token in the body', async () => {
    const server = fakeServer({
      '/api/auth/refresh': () => json(200, tokens),
      '/api/me': () => json(200, profile),
    });
    const bridge = bridgeOver(server);
    expect(await bridge.profileGet()).toMatchObject({ name: 'Мария' });

    const refresh = server.sent.find((r) => r.path === '/api/auth/refresh')!;
    expect(JSON.parse(String(refresh.init.body))).toEqual({
      deviceId: expect.stringMatching(/^[\w-]{16,64}$/),
    });
    expect(refresh.init.credentials).toBe('same-origin');
    const me = server.sent.find((r) => r.path === '/api/me')!;
    expect((me.init.headers as Record<string, string>).authorization).toBe('Bearer access-1');
  });

  it('treats a refused refresh on load as quietly signed out', async () => {
    const server = fakeServer({
      '/api/auth/refresh': () => json(401, { code: 'UNAUTHENTICATED', message: 'no cookie' }),
    });
    const bridge = bridgeOver(server);
    const signedOut: unknown[] = [];
    bridge.on('auth.signedOut', (reason) => signedOut.push(reason));
    expect(await bridge.profileGet()).toBeNull();
    expect(signedOut).toEqual([]);
  });

  it('keeps one device id per browser and opens only https and mailto links', async () => {
    const opened: string[] = [];
    const server = fakeServer({
      '/api/auth/refresh': () => json(401, { code: 'UNAUTHENTICATED', message: '' }),
    });
    const first = createWebBridge({
      origin: 'http://school.test',
      fetch: server.fetch,
      openWindow: (u) => opened.push(u),
    });
    createWebBridge({ origin: 'http://school.test', fetch: server.fetch });
    await first.profileGet();
    const ids = new Set(
      server.sent
        .filter((r) => r.path === '/api/auth/refresh')
        .map((r) => (JSON.parse(String(r.init.body)) as { deviceId: string }).deviceId),
    );
    expect(ids.size).toBe(1);

    await first.shellOpenExternal({ url: 'mailto:info@sferum.ru' });
    expect(opened).toEqual(['mailto:info@sferum.ru']);
    await expect(first.shellOpenExternal({ url: 'javascript:alert(1)' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(first.shellOpenExternal({ url: 'http://example.com' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
