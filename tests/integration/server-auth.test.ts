import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IssuedTokensSchema,
  OtpRequestResponseSchema,
  SessionListSchema,
  SessionTokensSchema,
  SignedInSchema,
  type OtpRequestResponse,
} from '../../src/shared/api.js';
import { ProfileSchema } from '../../src/shared/domain.js';
import { ErrorBodySchema } from '../../src/shared/errors.js';
import { hashToken } from '../../src/server/auth/tokens.js';
import {
  postJson,
  signInByPhone,
  startTestServer,
  TestClock,
  testDeviceId,
  type TestServer,
} from '../../src/server/testing.js';

const servers: TestServer[] = [];
async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const ts = await startTestServer(options);
  servers.push(ts);
  return ts;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

let phoneCounter = 0;
/** A fresh, valid, never-registered mobile number per call. */
function newPhone(): string {
  phoneCounter += 1;
  return `+7911${String(phoneCounter).padStart(7, '0')}`;
}

async function requestCode(ts: TestServer, phone: string, deviceId: string) {
  const r = await postJson<OtpRequestResponse>(`${ts.url}/api/auth/otp/request`, {
    channel: 'phone',
    phone,
    deviceId,
  });
  return r;
}

async function verify(ts: TestServer, requestId: string, code: string, deviceId: string, headers = {}) {
  return postJson<Record<string, unknown>>(
    `${ts.url}/api/auth/otp/verify`,
    { requestId, code, deviceId, deviceName: 'Ноутбук' },
    headers,
  );
}

function wrong(code: string): string {
  return String((Number(code) + 1) % 100_000_000).padStart(8, '0');
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

async function getJson(url: string, token: string) {
  const response = await fetch(url, { headers: bearer(token) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('server: phone sign-in and registration', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await server({ config: { demo: true } });
  });

  it('a new phone registers as a parent; the same phone signs in next time', async () => {
    const phone = newPhone();
    const deviceId = testDeviceId();
    const requested = await requestCode(ts, '8 ' + phone.slice(2), deviceId);
    expect(requested.status).toBe(200);
    const body = OtpRequestResponseSchema.parse(requested.body);
    expect(body.resendAfter).toBeGreaterThanOrEqual(0);
    const code = ts.sender.lastCode(phone)!;
    expect(code).toMatch(/^\d{8}$/);
    // Demo mode shows the code, so a newcomer needs no SMS gateway.
    expect(body.devCode).toBe(code);

    const verified = await verify(ts, body.requestId, code, deviceId);
    expect(verified.status).toBe(200);
    expect(verified.body.status).toBe('registration_required');

    const badName = await postJson(`${ts.url}/api/auth/register`, {
      surname: '123',
      name: 'Мария',
      registrationToken: verified.body.registrationToken,
      deviceId,
      deviceName: 'Ноутбук',
    });
    expect(badName.status).toBe(400);

    const registered = await postJson(`${ts.url}/api/auth/register`, {
      surname: 'Иванова',
      name: 'Елена',
      patronymic: 'Павловна',
      registrationToken: verified.body.registrationToken,
      deviceId,
      deviceName: 'Ноутбук',
    });
    expect(registered.status).toBe(200);
    const signedIn = SignedInSchema.parse(registered.body);
    expect(signedIn.profile).toMatchObject({ role: 'parent', surname: 'Иванова', phone, school: null });

    // The registration token is single use.
    const again = await postJson(`${ts.url}/api/auth/register`, {
      surname: 'Иванова',
      name: 'Елена',
      registrationToken: verified.body.registrationToken,
      deviceId,
      deviceName: 'Ноутбук',
    });
    expect(ErrorBodySchema.parse(again.body).code).toBe('REGISTRATION_EXPIRED');

    const me = await getJson(`${ts.url}/api/me`, signedIn.tokens.accessToken);
    expect(ProfileSchema.parse(me.body).id).toBe(signedIn.profile.id);

    const second = await signInByPhone(ts, phone);
    expect(second.profile.id).toBe(signedIn.profile.id);
  });

  it('the demo student signs in by phone and sees school and class', async () => {
    const signedIn = await signInByPhone(ts, '+7 900 000-00-01');
    expect(signedIn.profile).toMatchObject({
      role: 'student',
      surname: 'Иванов',
      name: 'Пётр',
      patronymic: 'Сергеевич',
      birthDate: '2014-03-15',
      school: { name: 'Школа № 1 г. Москвы' },
      class: { name: '5 А' },
    });
  });

  it('the demo primary-school student signs in by e-mail', async () => {
    const deviceId = testDeviceId();
    const requested = await postJson<OtpRequestResponse>(`${ts.url}/api/auth/otp/request`, {
      channel: 'email',
      email: ' Anna.Ivanova@example.ru ',
      deviceId,
    });
    expect(requested.status).toBe(200);
    const code = ts.sender.lastCode('anna.ivanova@example.ru')!;
    const verified = await verify(ts, requested.body.requestId, code, deviceId);
    const signedIn = SignedInSchema.parse(verified.body);
    expect(signedIn.profile).toMatchObject({
      surname: 'Иванова',
      email: 'anna.ivanova@example.ru',
      class: { name: '2 Б' },
    });
  });

  it('an unknown e-mail gets the same answer as a known one, demo code included, and nothing is sent', async () => {
    const deviceId = testDeviceId();
    const ask = (email: string) =>
      postJson<OtpRequestResponse>(`${ts.url}/api/auth/otp/request`, { channel: 'email', email, deviceId });
    const known = await ask('anna.ivanova@example.ru');
    const before = ts.sender.sent.length;
    const unknown = await ask('nobody@example.ru');
    expect(ts.sender.sent.length).toBe(before);
    const shape = (answer: typeof known) => ({
      status: answer.status,
      keys: Object.keys(answer.body).sort(),
      types: Object.values(OtpRequestResponseSchema.parse(answer.body)).map((v) => typeof v),
      devCode: /^\d{8}$/.test(answer.body.devCode ?? ''),
    });
    expect(shape(unknown)).toEqual(shape(known));
    expect(shape(unknown)).toMatchObject({
      status: 200,
      keys: ['devCode', 'expiresAt', 'requestId', 'resendAfter'],
      devCode: true,
    });
    expect(unknown.body.resendAfter).toBe(known.body.resendAfter);
    // Its code opens nothing: the answer is that of a wrong code.
    const verified = await verify(ts, unknown.body.requestId, unknown.body.devCode!, deviceId);
    expect(verified.body.code).toBe('OTP_INVALID');
  });
});

describe('server: one-time codes', () => {
  let ts: TestServer;
  const clock = new TestClock();
  beforeAll(async () => {
    ts = await server({ deps: { now: clock.now } });
  });

  it('a code works once', async () => {
    const phone = newPhone();
    const deviceId = testDeviceId();
    const { body } = await requestCode(ts, phone, deviceId);
    const code = ts.sender.lastCode(phone)!;
    expect((await verify(ts, body.requestId, code, deviceId)).status).toBe(200);
    const second = await verify(ts, body.requestId, code, deviceId);
    expect(second.status).toBe(400);
    expect(second.body.code).toBe('OTP_EXPIRED');
  });

  it('a code expires after 10 minutes', async () => {
    const phone = newPhone();
    const deviceId = testDeviceId();
    const { body } = await requestCode(ts, phone, deviceId);
    const code = ts.sender.lastCode(phone)!;
    clock.advance(10 * 60_000 + 1000);
    const late = await verify(ts, body.requestId, code, deviceId);
    expect(late.body.code).toBe('OTP_EXPIRED');
  });

  it('a code is bound to its request and to the device that asked', async () => {
    const phone = newPhone();
    const deviceId = testDeviceId();
    const first = await requestCode(ts, phone, deviceId);
    const firstCode = ts.sender.lastCode(phone)!;
    const second = await requestCode(ts, phone, deviceId);
    const secondCode = ts.sender.lastCode(phone)!;
    if (firstCode !== secondCode) {
      expect((await verify(ts, second.body.requestId, firstCode, deviceId)).body.code).toBe('OTP_INVALID');
    }
    expect((await verify(ts, first.body.requestId, firstCode, testDeviceId('other'))).body.code).toBe(
      'OTP_INVALID',
    );
    expect((await verify(ts, 'no-such-request', firstCode, deviceId)).body.code).toBe('OTP_INVALID');
    expect((await verify(ts, first.body.requestId, firstCode, deviceId)).status).toBe(200);
  });

  it('five wrong tries kill the code', async () => {
    const phone = newPhone();
    const deviceId = testDeviceId();
    const { body } = await requestCode(ts, phone, deviceId);
    const code = ts.sender.lastCode(phone)!;
    const codes: unknown[] = [];
    for (let i = 0; i < 5; i++)
      codes.push((await verify(ts, body.requestId, wrong(code), deviceId)).body.code);
    expect(codes).toEqual([
      'OTP_INVALID',
      'OTP_INVALID',
      'OTP_INVALID',
      'OTP_INVALID',
      'OTP_TOO_MANY_ATTEMPTS',
    ]);
    const right = await verify(ts, body.requestId, code, deviceId);
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('OTP_TOO_MANY_ATTEMPTS');
  });

  it('a registration token expires', async () => {
    const phone = newPhone();
    const deviceId = testDeviceId();
    const { body } = await requestCode(ts, phone, deviceId);
    const verified = await verify(ts, body.requestId, ts.sender.lastCode(phone)!, deviceId);
    clock.advance(16 * 60_000);
    const late = await postJson<Record<string, unknown>>(`${ts.url}/api/auth/register`, {
      surname: 'Иванова',
      name: 'Елена',
      registrationToken: verified.body.registrationToken,
      deviceId,
      deviceName: 'Ноутбук',
    });
    expect(late.body.code).toBe('REGISTRATION_EXPIRED');
  });

  it('a failing SMS gateway answers 502 OTP_DELIVERY_FAILED and does not start the cooldown', async () => {
    const strict = await server({
      config: { otpLimits: { ...ts.server.context.config.otpLimits, resendCooldownSeconds: 60 } },
    });
    const phone = newPhone();
    strict.sender.failWith = new Error('gateway down');
    const failed = await requestCode(strict, phone, testDeviceId());
    expect(failed.status).toBe(502);
    expect((failed.body as unknown as { code: string }).code).toBe('OTP_DELIVERY_FAILED');
    strict.sender.failWith = null;
    expect((await requestCode(strict, phone, testDeviceId())).status).toBe(200);
  });
});

describe('server: rate limits', () => {
  it('per phone: a resend cooldown, then longer and longer waits', async () => {
    const clock = new TestClock();
    const ts = await server({
      deps: { now: clock.now },
      config: {
        otpLimits: {
          resendCooldownSeconds: 60,
          codesBeforeDelay: 3,
          firstCodeDelaySeconds: 300,
          maxCodeDelaySeconds: 1200,
          codesWindowSeconds: 86_400,
          requestsPerIp: 100,
          verifiesPerIp: 100,
          ipWindowSeconds: 600,
        },
      },
    });
    const phone = newPhone();
    const first = await requestCode(ts, phone, testDeviceId());
    expect(first.status).toBe(200);
    expect(first.body.resendAfter).toBe(60);
    const tooSoon = await requestCode(ts, phone, testDeviceId());
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 60 });
    expect(tooSoon.headers.get('retry-after')).toBe('60');
    // Another number is not affected.
    expect((await requestCode(ts, newPhone(), testDeviceId())).status).toBe(200);

    // Each answer says how long until the next code: 60, 60, then 300, 600, 1200, 1200.
    const waits = [60];
    for (let i = 0; i < 5; i++) {
      clock.advance(waits[waits.length - 1]! * 1000);
      const r = await requestCode(ts, phone, testDeviceId());
      expect(r.status).toBe(200);
      waits.push(r.body.resendAfter);
    }
    expect(waits).toEqual([60, 60, 300, 600, 1200, 1200]);
    clock.advance(1199_000);
    const early = await requestCode(ts, phone, testDeviceId());
    expect(early.body).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
    clock.advance(1000);
    expect((await requestCode(ts, phone, testDeviceId())).status).toBe(200);
  });

  it('per IP: code requests and verify attempts', async () => {
    const ts = await server({
      config: {
        otpLimits: {
          resendCooldownSeconds: 0,
          requestsPerIp: 3,
          verifiesPerIp: 4,
          ipWindowSeconds: 600,
        },
      },
    });
    const deviceId = testDeviceId();
    const statuses: number[] = [];
    let last: OtpRequestResponse | undefined;
    for (let i = 0; i < 4; i++) {
      const r = await requestCode(ts, newPhone(), deviceId);
      statuses.push(r.status);
      if (r.status === 200) last = r.body;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const verifies: number[] = [];
    for (let i = 0; i < 5; i++)
      verifies.push((await verify(ts, last!.requestId, '00000000', testDeviceId())).status);
    expect(verifies.slice(0, 4).every((s) => s === 400)).toBe(true);
    expect(verifies[4]).toBe(429);
  });
});

describe('server: sessions', () => {
  let ts: TestServer;
  const clock = new TestClock();
  beforeAll(async () => {
    ts = await server({ deps: { now: clock.now }, config: { accessTtlSeconds: 900 } });
  });

  async function refresh(
    refreshToken: string | undefined,
    deviceId: string,
    headers: Record<string, string> = {},
  ) {
    return postJson<Record<string, unknown>>(
      `${ts.url}/api/auth/refresh`,
      refreshToken === undefined ? { deviceId } : { refreshToken, deviceId },
      headers,
    );
  }

  it('refresh rotates the pair; reusing an old refresh token revokes the session', async () => {
    const deviceId = testDeviceId();
    const first = await signInByPhone(ts, newPhone(), { deviceId });
    const r1 = await refresh(first.tokens.refreshToken, deviceId);
    expect(r1.status).toBe(200);
    const pair = SessionTokensSchema.parse(r1.body);
    expect(pair.refreshToken).not.toBe(first.tokens.refreshToken);
    expect(pair.sessionId).toBe(first.tokens.sessionId);
    expect((await getJson(`${ts.url}/api/me`, pair.accessToken)).status).toBe(200);

    // The old token again: someone copied it. The whole session ends.
    const reused = await refresh(first.tokens.refreshToken, deviceId);
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await getJson(`${ts.url}/api/me`, pair.accessToken)).body.code).toBe('SESSION_REVOKED');
    expect((await refresh(pair.refreshToken, deviceId)).body.code).toBe('SESSION_REVOKED');
  });

  it('a refresh whose answer was lost: the same token again gets a new pair while the lost one is unused', async () => {
    const deviceId = testDeviceId();
    const first = await signInByPhone(ts, newPhone(), { deviceId });
    // The server committed this refresh, but the answer never reached the client.
    const lost = SessionTokensSchema.parse((await refresh(first.tokens.refreshToken, deviceId)).body);
    const again = await refresh(first.tokens.refreshToken, deviceId);
    expect(again.status).toBe(200);
    const pair = SessionTokensSchema.parse(again.body);
    expect(pair.sessionId).toBe(first.tokens.sessionId);
    expect((await getJson(`${ts.url}/api/me`, pair.accessToken)).status).toBe(200);
    // The lost pair is retired: its access token is gone, its refresh token is a copy's.
    expect((await getJson(`${ts.url}/api/me`, lost.accessToken)).body.code).toBe('UNAUTHENTICATED');
    expect((await refresh(lost.refreshToken, deviceId)).body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await getJson(`${ts.url}/api/me`, pair.accessToken)).body.code).toBe('SESSION_REVOKED');
  });

  it('a copied refresh token used after the rightful client used its new pair ends the session', async () => {
    const deviceId = testDeviceId();
    const first = await signInByPhone(ts, newPhone(), { deviceId });
    const pair = SessionTokensSchema.parse((await refresh(first.tokens.refreshToken, deviceId)).body);
    // Refreshing again counts as using the pair too.
    const next = SessionTokensSchema.parse((await refresh(pair.refreshToken, deviceId)).body);
    expect((await refresh(first.tokens.refreshToken, deviceId)).body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await getJson(`${ts.url}/api/me`, next.accessToken)).body.code).toBe('SESSION_REVOKED');
  });

  it('tokens of sessions that ended a refresh lifetime ago are pruned', async () => {
    const deviceId = testDeviceId();
    const first = await signInByPhone(ts, newPhone(), { deviceId });
    await ts.server.context.sessions.revoke(first.tokens.sessionId, 'signout');
    clock.advance(31 * 86_400_000);
    await ts.server.context.sessions.prune();
    expect(
      await ts.server.context.store.sessions.findRefreshToken(hashToken(first.tokens.refreshToken)),
    ).toBeNull();
    expect(
      await ts.server.context.store.sessions.findAccessToken(hashToken(first.tokens.accessToken)),
    ).toBeNull();
    clock.advance(-31 * 86_400_000);
  });

  it('a refresh token only works for its device', async () => {
    const deviceId = testDeviceId();
    const signedIn = await signInByPhone(ts, newPhone(), { deviceId });
    expect((await refresh(signedIn.tokens.refreshToken, testDeviceId('other'))).body.code).toBe(
      'UNAUTHENTICATED',
    );
    expect((await refresh('garbage-token', deviceId)).body.code).toBe('UNAUTHENTICATED');
    expect((await refresh(signedIn.tokens.refreshToken, deviceId)).status).toBe(200);
  });

  it('an expired access token is SESSION_EXPIRED; missing or garbage is UNAUTHENTICATED', async () => {
    const deviceId = testDeviceId();
    const signedIn = await signInByPhone(ts, newPhone(), { deviceId });
    expect((await fetch(`${ts.url}/api/me`)).status).toBe(401);
    expect((await getJson(`${ts.url}/api/me`, 'x'.repeat(43))).body.code).toBe('UNAUTHENTICATED');
    clock.advance(901_000);
    const expired = await getJson(`${ts.url}/api/me`, signedIn.tokens.accessToken);
    expect(expired).toMatchObject({ status: 401, body: { code: 'SESSION_EXPIRED' } });
    const fresh = SessionTokensSchema.parse((await refresh(signedIn.tokens.refreshToken, deviceId)).body);
    expect((await getJson(`${ts.url}/api/me`, fresh.accessToken)).status).toBe(200);
  });

  it('one session per device: signing in again on the device ends the previous session', async () => {
    const deviceId = testDeviceId();
    const phone = newPhone();
    const first = await signInByPhone(ts, phone, { deviceId });
    const second = await signInByPhone(ts, phone, { deviceId });
    expect(second.tokens.sessionId).not.toBe(first.tokens.sessionId);
    expect((await getJson(`${ts.url}/api/me`, first.tokens.accessToken)).body.code).toBe('SESSION_REVOKED');
    // Another person signing in on that device id also replaces it.
    const other = await signInByPhone(ts, newPhone(), { deviceId });
    expect((await getJson(`${ts.url}/api/me`, second.tokens.accessToken)).body.code).toBe('SESSION_REVOKED');
    expect((await getJson(`${ts.url}/api/me`, other.tokens.accessToken)).status).toBe(200);
  });

  it("lists live sessions, revokes one of them, refuses another user's", async () => {
    const phone = newPhone();
    const laptop = await signInByPhone(ts, phone, { deviceName: 'Ноутбук' });
    const tablet = await signInByPhone(ts, phone, { deviceName: 'Планшет' });
    const stranger = await signInByPhone(ts, newPhone());

    const listed = SessionListSchema.parse(
      (await getJson(`${ts.url}/api/auth/sessions`, laptop.tokens.accessToken)).body,
    );
    expect(listed.sessions.map((s) => [s.deviceName, s.current]).sort()).toEqual([
      ['Ноутбук', true],
      ['Планшет', false],
    ]);

    const foreign = await fetch(`${ts.url}/api/auth/sessions/${stranger.tokens.sessionId}`, {
      method: 'DELETE',
      headers: bearer(laptop.tokens.accessToken),
    });
    expect(foreign.status).toBe(404);
    expect((await getJson(`${ts.url}/api/me`, stranger.tokens.accessToken)).status).toBe(200);

    const revoked = await fetch(`${ts.url}/api/auth/sessions/${tablet.tokens.sessionId}`, {
      method: 'DELETE',
      headers: bearer(laptop.tokens.accessToken),
    });
    expect(revoked.status).toBe(200);
    expect((await getJson(`${ts.url}/api/me`, tablet.tokens.accessToken)).body.code).toBe('SESSION_REVOKED');
    const after = SessionListSchema.parse(
      (await getJson(`${ts.url}/api/auth/sessions`, laptop.tokens.accessToken)).body,
    );
    expect(after.sessions.map((s) => s.deviceName)).toEqual(['Ноутбук']);
  });

  it('sign-out revokes the current session', async () => {
    const signedIn = await signInByPhone(ts, newPhone());
    const out = await fetch(`${ts.url}/api/auth/signout`, {
      method: 'POST',
      headers: { ...bearer(signedIn.tokens.accessToken), 'content-type': 'application/json' },
    });
    expect(out.status).toBe(200);
    expect((await getJson(`${ts.url}/api/me`, signedIn.tokens.accessToken)).body.code).toBe(
      'SESSION_REVOKED',
    );
  });

  it('the web version keeps its refresh token in an httpOnly cookie, never in the JSON', async () => {
    const phone = newPhone();
    const deviceId = testDeviceId('web');
    await signInByPhone(ts, phone);
    const { body } = await requestCode(ts, phone, deviceId);
    const verified = await verify(ts, body.requestId, ts.sender.lastCode(phone)!, deviceId, {
      'x-client': 'web',
    });
    expect(verified.status).toBe(200);
    const signedIn = verified.body as { tokens: Record<string, unknown> };
    expect(Object.keys(signedIn.tokens).sort()).toEqual([
      'accessExpiresAt',
      'accessToken',
      'refreshExpiresAt',
      'sessionId',
    ]);
    const cookie = verified.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^sf_refresh=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/api\/auth/);
    expect(cookie).not.toMatch(/Secure/);
    const pair = cookie.split(';')[0]!;

    // Without X-Client: web, the cookie alone is not enough.
    expect((await refresh(undefined, deviceId, { cookie: pair })).status).toBe(401);
    const refreshed = await refresh(undefined, deviceId, { cookie: pair, 'x-client': 'web' });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).not.toHaveProperty('refreshToken');
    const next = IssuedTokensSchema.parse(refreshed.body);
    expect(next.refreshToken).toBe('');
    const rotated = (refreshed.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(rotated).toMatch(/^sf_refresh=[A-Za-z0-9_-]{16,}$/);
    expect(rotated).not.toBe(pair);
    // The rotated cookie is the one that works now; the old one was used.
    expect((await refresh(undefined, deviceId, { cookie: rotated, 'x-client': 'web' })).status).toBe(200);

    const out = await fetch(`${ts.url}/api/auth/signout`, {
      method: 'POST',
      headers: { ...bearer(next.accessToken), 'x-client': 'web' },
    });
    expect(out.headers.get('set-cookie')).toMatch(/sf_refresh=;/);
  });

  it('the desktop app still gets its refresh token in the JSON', async () => {
    const phone = newPhone();
    const deviceId = testDeviceId('desktop');
    await signInByPhone(ts, phone);
    const { body } = await requestCode(ts, phone, deviceId);
    const verified = await verify(ts, body.requestId, ts.sender.lastCode(phone)!, deviceId, {
      'x-client': 'desktop',
    });
    const signedIn = SignedInSchema.parse(verified.body);
    expect(signedIn.tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(verified.headers.get('set-cookie')).toBeNull();
    const refreshed = await refresh(signedIn.tokens.refreshToken, deviceId, { 'x-client': 'desktop' });
    expect(SessionTokensSchema.parse(refreshed.body).refreshToken).toMatch(/^[A-Za-z0-9_-]{16,}$/);
  });
});
