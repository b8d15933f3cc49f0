/**
 * The server trusts an access token it has just looked up for a moment without reading
 * the database again (every API request authenticates). These tests hold it to what a
 * person notices: a session ended here is refused on the very next request, one ended by
 * another process on the same database within a second, an expired token at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { openDatabase } from '../../src/server/store/db.js';
import { createSqliteStore } from '../../src/server/store/sqlite/index.js';
import type { Store } from '../../src/server/store/types.js';
import { signInByPhone } from '../../src/server/testing.js';
import { bearer, freshPhone } from '../helpers/family.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';

const servers: TestServer[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function me(ts: TestServer, who: SignedIn): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${ts.url}/api/me`, { headers: bearer(who) });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, ...(body.code ? { code: body.code } : {}) };
}

describe('authentication: recently checked tokens', () => {
  it('a session ended on this server is refused on the very next request', async () => {
    const clock = new TestClock();
    const ts = await startTestServer({ clock });
    servers.push(ts);
    const phone = freshPhone('974');
    const laptop = await signInByPhone(ts, phone, { deviceId: 'device-laptop-0001' });
    const tablet = await signInByPhone(ts, phone, { deviceId: 'device-tablet-0001' });
    expect(await me(ts, tablet)).toEqual({ status: 200 });
    expect(await me(ts, tablet)).toEqual({ status: 200 });

    const revoke = await fetch(`${ts.url}/api/auth/sessions/${tablet.tokens.sessionId}`, {
      method: 'DELETE',
      headers: bearer(laptop),
    });
    expect(revoke.status).toBe(200);
    expect(await me(ts, tablet)).toEqual({ status: 401, code: 'SESSION_REVOKED' });
    expect(await me(ts, laptop)).toEqual({ status: 200 });

    const signOut = await fetch(`${ts.url}/api/auth/signout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(laptop) },
      body: '{}',
    });
    expect(signOut.status).toBe(200);
    expect((await me(ts, laptop)).status).toBe(401);
  });

  it('a session ended by another process on the same database is refused within a second', async () => {
    const clock = new TestClock();
    const ts = await startTestServer({ clock });
    servers.push(ts);
    const who = await signInByPhone(ts, freshPhone('975'));
    expect(await me(ts, who)).toEqual({ status: 200 });

    const elsewhere = createSqliteStore(openDatabase(ts.dataDir));
    stores.push(elsewhere);
    await elsewhere.sessions.revokeSession(
      who.tokens.sessionId,
      new Date(clock.ms).toISOString(),
      'revoked_by_user',
    );
    clock.advance(1000);
    expect(await me(ts, who)).toEqual({ status: 401, code: 'SESSION_REVOKED' });
  });

  it('an access token that has just been accepted is refused once it expires', async () => {
    const clock = new TestClock();
    const ts = await startTestServer({ clock });
    servers.push(ts);
    const who = await signInByPhone(ts, freshPhone('976'));
    expect(await me(ts, who)).toEqual({ status: 200 });
    clock.advance(ts.server.context.config.accessTtlSeconds * 1000 - 500);
    expect(await me(ts, who)).toEqual({ status: 200 });
    clock.advance(600);
    expect(await me(ts, who)).toEqual({ status: 401, code: 'SESSION_EXPIRED' });
  });
});
