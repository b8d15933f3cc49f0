import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { postJson, signInByPhone, startTestServer, type TestServer } from '../../src/server/testing.js';
import { randomPhone } from '../helpers/core.js';
import { openServices } from '../helpers/server.js';

/** POST /api/support: what reaches the school's support, and what is refused. */
describe('support requests', () => {
  let server: TestServer;
  let parent: SignedIn;
  const auth = () => ({ authorization: `Bearer ${parent.tokens.accessToken}` });

  beforeAll(async () => {
    server = await startTestServer();
    parent = await signInByPhone(server, randomPhone());
  });
  afterAll(async () => server?.close());

  it('files a ticket with the text and, when the parent agreed, the diagnostics', async () => {
    const diagnostics = { appVersion: '0.1.0', os: 'Linux 6.1 x64', logTail: 'sync: offline\nsync: online' };
    const answer = await postJson<{ ticketId: string; number: number }>(
      `${server.url}/api/support`,
      { text: 'Не могу добавить второго ребёнка', diagnostics },
      auth(),
    );
    expect(answer.status).toBe(201);
    expect(answer.body.number).toBeGreaterThan(0);

    const none = await postJson(
      `${server.url}/api/support`,
      { text: 'Без журнала', diagnostics: null },
      auth(),
    );
    expect(none.status).toBe(201);
  });

  it('refuses an empty request with a field message', async () => {
    const answer = await postJson<{ code: string; fields: Record<string, string> }>(
      `${server.url}/api/support`,
      { text: '   ', diagnostics: null },
      auth(),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(answer.body.fields.text).toBeTruthy();
  });

  it('refuses a 10 MB paste as too large, before reading it all', async () => {
    const answer = await postJson<{ code: string }>(
      `${server.url}/api/support`,
      { text: 'я'.repeat(10 * 1024 * 1024), diagnostics: null },
      auth(),
    );
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses text over the limit that still fits the body', async () => {
    const answer = await postJson<{ code: string }>(
      `${server.url}/api/support`,
      { text: 'a'.repeat(5001), diagnostics: null },
      auth(),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
  });

  it('needs a signed-in person', async () => {
    const answer = await postJson<{ code: string }>(`${server.url}/api/support`, {
      text: 'Привет',
      diagnostics: null,
    });
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('UNAUTHENTICATED');
  });

  it('limits a person to a few requests in ten minutes', async () => {
    const someone = await signInByPhone(server, randomPhone());
    const headers = { authorization: `Bearer ${someone.tokens.accessToken}` };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await postJson(`${server.url}/api/support`, { text: `№${i}`, diagnostics: null }, headers)).status,
      );
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it('lists the tickets for the admin tool with who wrote them', async () => {
    const services = openServices(server.dataDir);
    const list = await services.support.list();
    services.close();
    expect(list.map((t) => t.text)).toContain('Не могу добавить второго ребёнка');
    const withLog = list.find((t) => t.text === 'Не могу добавить второго ребёнка');
    expect(withLog?.diagnostics?.logTail).toContain('sync: online');
    expect(list.find((t) => t.text === 'Без журнала')?.diagnostics).toBeNull();
  });
});
