import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn, VkIdCompleteResponse } from '../../src/shared/api.js';
import { parseVkIdCallback, VKID_DEEP_LINK } from '../../src/shared/auth/vkid.js';
import { DEMO_STUDENT_PHONE } from '../../src/server/demo.js';
import { postJson, signInByPhone, TestClock, testDeviceId } from '../../src/server/testing.js';
import { closedPortUrl, startTestServer, type TestServer } from '../helpers/server.js';
import { attachVkIdStandIn, signInAtStandIn, type VkIdStandIn } from '../helpers/vkid.js';

/**
 * Sign-in with VK ID against a real OAuth 2.1 server on loopback: oidc-provider with the
 * shims that make it speak VK's dialect (device_id, /oauth2/auth, {user:{…}}, s256).
 */

const clock = new TestClock();
let ts: TestServer;
let vk: VkIdStandIn;

const NEW_PHONE = '79005550101';
const LINK_PHONE = '+79005550202';

beforeAll(async () => {
  ts = await startTestServer({ clock, config: { demo: true } });
  vk = await attachVkIdStandIn(ts, {
    newcomer: { firstName: 'Иван', lastName: 'Соколов', phone: NEW_PHONE },
    existing: { firstName: 'Ольга', lastName: 'Орлова', phone: LINK_PHONE.slice(1) },
    student: { firstName: 'Пётр', lastName: 'Иванов', phone: DEMO_STUDENT_PHONE.slice(1) },
    nophone: { firstName: 'Без', lastName: 'Телефона', phone: null },
  });
});
afterAll(async () => {
  await vk?.close();
  await ts?.close();
});

type Answer<T> = { status: number; body: T };
const web = { 'x-client': 'web' };

async function start(deviceId: string, headers: Record<string, string> = {}, returnTo?: string) {
  const r = await postJson<{ authorizeUrl: string; state: string }>(
    `${ts.url}/api/auth/vkid/start`,
    { deviceId, ...(returnTo ? { returnTo } : {}) },
    headers,
  );
  expect(r.status).toBe(200);
  return r.body;
}

function complete(
  back: URL,
  deviceId: string,
  headers: Record<string, string> = {},
): Promise<Answer<VkIdCompleteResponse & { code?: string }>> {
  const callback = parseVkIdCallback(back.toString())!;
  return postJson(
    `${ts.url}/api/auth/vkid/complete`,
    { ...callback, deviceId, deviceName: 'Ноутбук' },
    headers,
  );
}

/** One whole round: start, sign in at VK as `login`, come back; answers complete's reply. */
async function round(login: string, deviceId = testDeviceId('vk')) {
  const started = await start(deviceId);
  const back = await signInAtStandIn(started.authorizeUrl, login);
  return { deviceId, back, answer: await complete(back, deviceId) };
}

describe('VK ID sign-in', () => {
  it('is offered only when configured: server info tells the client, start refuses otherwise', async () => {
    const config = ts.server.context.config.vkid;
    ts.server.context.config.vkid = null;
    const info = await (await fetch(`${ts.url}/api/info`)).json();
    expect(info.vkid).toBe(false);
    const refused = await postJson<{ code: string }>(`${ts.url}/api/auth/vkid/start`, {
      deviceId: testDeviceId(),
    });
    expect([refused.status, refused.body.code]).toEqual([404, 'VKID_NOT_CONFIGURED']);
    ts.server.context.config.vkid = config;
    expect((await (await fetch(`${ts.url}/api/info`)).json()).vkid).toBe(true);
  });

  it('registers a new parent with the name VK gives (editable), then finds them by VK user id', async () => {
    const deviceId = testDeviceId('new');
    const started = await start(deviceId);
    const authorize = new URL(started.authorizeUrl);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('s256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toBe(started.state);

    const back = await signInAtStandIn(started.authorizeUrl, 'newcomer');
    expect(back.searchParams.get('device_id')).toBeTruthy();
    expect(back.searchParams.has('iss')).toBe(false);

    // The desktop's callback page hands the answer to the app, without using it up.
    const page = await fetch(back);
    const html = await page.text();
    expect(html).toContain(`${VKID_DEEP_LINK}?`);
    expect(html).toContain(`state=${started.state}`);

    const answer = await complete(back, deviceId);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'registration_required',
      suggestedName: { surname: 'Соколов', name: 'Иван', patronymic: '' },
    });
    // The VK tokens stay on the server.
    expect(JSON.stringify(answer.body)).not.toMatch(/access_token|refresh_token|accessToken/);
    const pendingToken = (answer.body as { pendingToken: string }).pendingToken;
    const registered = await postJson<SignedIn>(`${ts.url}/api/auth/vkid/register`, {
      pendingToken,
      surname: 'Соколов',
      name: 'Иван',
      patronymic: 'Андреевич',
      deviceId,
      deviceName: 'Ноутбук',
    });
    expect(registered.status).toBe(200);
    expect(registered.body.profile).toMatchObject({
      role: 'parent',
      patronymic: 'Андреевич',
      phone: `+${NEW_PHONE}`,
    });
    expect(registered.body.tokens.refreshToken).toBeTruthy();

    const again = await round('newcomer');
    expect(again.answer.body.status).toBe('signed_in');
    expect((again.answer.body as SignedIn).profile.id).toBe(registered.body.profile.id);

    const status = await fetch(`${ts.url}/api/auth/vkid`, {
      headers: { authorization: `Bearer ${(again.answer.body as SignedIn).tokens.accessToken}` },
    });
    expect(await status.json()).toMatchObject({ available: true, linked: true, canUnlink: true });
  });

  it('refreshes VK’s expired token with its device_id and logs out at VK when the person unlinks', async () => {
    const first = await round('newcomer');
    expect(first.answer.body.status).toBe('signed_in');
    clock.advance(2 * 3_600_000); // VK's access token (1 h) has expired by our clock
    const session = await signInByPhone(ts, `+${NEW_PHONE}`);
    const auth = { authorization: `Bearer ${session.tokens.accessToken}` };
    const unlinked = await fetch(`${ts.url}/api/auth/vkid`, { method: 'DELETE', headers: auth });
    expect(unlinked.status).toBe(200);
    expect(vk.loggedOut).toContain(String(vk.accounts.get('newcomer')!.id));
    const status = await (await fetch(`${ts.url}/api/auth/vkid`, { headers: auth })).json();
    expect(status).toMatchObject({ linked: false });
    const twice = await fetch(`${ts.url}/api/auth/vkid`, { method: 'DELETE', headers: auth });
    expect(twice.status).toBe(404);
  });

  it('links an existing account by VK’s phone only after our own code to that phone confirms it', async () => {
    const existing = await signInByPhone(ts, LINK_PHONE);
    const { deviceId, answer } = await round('existing');
    expect(answer.body).toMatchObject({ status: 'link_required', phone: '+7 900 ***-**-02' });
    const link = answer.body as Extract<VkIdCompleteResponse, { status: 'link_required' }>;
    const body = {
      pendingToken: link.pendingToken,
      requestId: link.requestId,
      deviceId,
      deviceName: 'Ноутбук',
    };
    // Not linked yet: the same VK account still asks for the code.
    const wrong = await postJson<{ code: string }>(`${ts.url}/api/auth/vkid/link`, {
      ...body,
      code: '00000000',
    });
    expect(wrong.body.code).toBe('OTP_INVALID');
    const otherDevice = await postJson<{ code: string }>(`${ts.url}/api/auth/vkid/link`, {
      ...body,
      deviceId: testDeviceId('thief'),
      code: ts.sender.lastCode(LINK_PHONE),
    });
    expect(otherDevice.body.code).toBe('VKID_LINK_EXPIRED');
    const linked = await postJson<SignedIn>(`${ts.url}/api/auth/vkid/link`, {
      ...body,
      code: ts.sender.lastCode(LINK_PHONE),
    });
    expect(linked.status).toBe(200);
    expect(linked.body.profile.id).toBe(existing.profile.id);
    const next = await round('existing');
    expect((next.answer.body as SignedIn).profile.id).toBe(existing.profile.id);
  });

  it('gives each failure its code: cancelled, no phone, a student’s phone, VK unreachable', async () => {
    const deviceId = testDeviceId('cancel');
    const started = await start(deviceId);
    const cancelled = await complete(await signInAtStandIn(started.authorizeUrl, 'cancel'), deviceId);
    expect(cancelled.body.code).toBe('VKID_CANCELLED');

    expect((await round('nophone')).answer.body.code).toBe('VKID_NO_PHONE');
    const student = await round('student');
    expect([student.answer.status, student.answer.body.code]).toEqual([403, 'VKID_PHONE_IS_STUDENT']);

    const config = ts.server.context.config.vkid!;
    const unreachableDevice = testDeviceId('down');
    const flow = await start(unreachableDevice);
    const back = await signInAtStandIn(flow.authorizeUrl, 'newcomer');
    ts.server.context.config.vkid = { ...config, host: await closedPortUrl() };
    try {
      const down = await complete(back, unreachableDevice);
      expect([down.status, down.body.code]).toEqual([502, 'VKID_UNAVAILABLE']);
    } finally {
      ts.server.context.config.vkid = config;
    }
  });

  it('refuses a state from another client, a replayed callback, an unknown or stale state', async () => {
    const deviceId = testDeviceId('bound');
    const started = await start(deviceId);
    const back = await signInAtStandIn(started.authorizeUrl, 'existing');
    expect((await complete(back, testDeviceId('other'))).body.code).toBe('VKID_STATE_MISMATCH');
    expect((await complete(back, deviceId, web)).body.code).toBe('VKID_STATE_MISMATCH');
    expect((await complete(back, deviceId)).body.status).toBe('signed_in');
    // The same callback again: the code was used; the state with another code: not ours any more.
    expect((await complete(back, deviceId)).body.code).toBe('VKID_CODE_USED');
    const forged = new URL(back);
    forged.searchParams.set('code', 'forged-code');
    expect((await complete(forged, deviceId)).body.code).toBe('VKID_STATE_MISMATCH');
    const unknown = new URL(back);
    unknown.searchParams.set('state', 'never-issued-state');
    expect((await complete(unknown, deviceId)).body.code).toBe('VKID_STATE_MISMATCH');

    const slowDevice = testDeviceId('slow');
    const slow = await start(slowDevice);
    const late = await signInAtStandIn(slow.authorizeUrl, 'newcomer');
    clock.advance(11 * 60_000);
    expect((await complete(late, slowDevice)).body.code).toBe('VKID_STATE_MISMATCH');
  });

  it('refuses PKCE downgrades: no challenge, `plain`, or the code without its verifier', async () => {
    const started = await start(testDeviceId('pkce'));
    const plain = new URL(started.authorizeUrl);
    plain.searchParams.set('code_challenge_method', 'plain');
    plain.searchParams.set('code_challenge', 'a'.repeat(43));
    const none = new URL(started.authorizeUrl);
    none.searchParams.delete('code_challenge');
    none.searchParams.delete('code_challenge_method');
    for (const url of [plain, none]) {
      const refused = await signInAtStandIn(url.toString(), 'newcomer').catch((e: Error) => e);
      // Either refused outright or sent back with an error: never a code.
      if (refused instanceof URL) {
        expect(refused.searchParams.get('error')).toBe('invalid_request');
        expect(refused.searchParams.has('code')).toBe(false);
      } else {
        expect(refused.message).toMatch(/invalid_request|code_challenge/);
      }
    }
    // A code taken off the redirect is useless without the verifier our server holds.
    const back = await signInAtStandIn(started.authorizeUrl, 'newcomer');
    const stolen = await fetch(`${vk.url}/oauth2/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        code_verifier: 'b'.repeat(43),
        client_id: vk.clientId,
        device_id: back.searchParams.get('device_id')!,
        redirect_uri: `${ts.url}/vkid/callback`,
      }).toString(),
    });
    expect(stolen.status).toBe(400);
    expect((await stolen.json()).error).toBe('invalid_grant');
  });

  it('returns the web version to the invite it started from and keeps its refresh token in the cookie', async () => {
    const deviceId = testDeviceId('web');
    const returnTo = '/invite/AbCdEfGhIjKlMnOp';
    const started = await start(deviceId, web, returnTo);
    const back = await signInAtStandIn(started.authorizeUrl, 'existing');
    const page = await fetch(back, { redirect: 'manual' });
    expect(page.status).toBe(303);
    const to = new URL(page.headers.get('location')!, ts.url);
    expect([to.pathname, to.searchParams.get('invite')]).toEqual(['/', returnTo.slice('/invite/'.length)]);
    expect(to.searchParams.get('vkid_state')).toBe(started.state);
    const answer = await postJson<SignedIn>(
      `${ts.url}/api/auth/vkid/complete`,
      {
        state: to.searchParams.get('vkid_state'),
        code: to.searchParams.get('vkid_code'),
        vkDeviceId: to.searchParams.get('vkid_device_id'),
        deviceId,
        deviceName: 'Браузер',
      },
      { ...web, origin: ts.url },
    );
    expect(answer.body.status).toBe('signed_in');
    expect(answer.body.tokens.refreshToken).toBeUndefined();
    expect(answer.headers.get('set-cookie')).toMatch(/sf_refresh=/);
  });
});
