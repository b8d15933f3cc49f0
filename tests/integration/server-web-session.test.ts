/**
 * The web version's session and the browser-facing headers: the refresh token stays in its
 * HttpOnly cookie (never in a JSON answer to the web version), the routes that use that
 * cookie refuse another site's requests, HSTS is sent when the public URL is https, and no
 * route (tus's included) grants cross-origin access.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedInSchema, type OtpRequestResponse } from '../../src/shared/api.js';
import { UPLOADS_PATH } from '../../src/shared/documents/index.js';
import { DEMO_SCHOOL } from '../../src/server/demo.js';
import { inviteStudentByEmail, schoolContextOf } from '../../src/server/family/school.js';
import { isOwnOrigin } from '../../src/server/http/webSession.js';
import { signInByPhone, testDeviceId, type TestServer } from '../../src/server/testing.js';
import { freshPhone } from '../helpers/family.js';
import { startTestServer } from '../helpers/server.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A raw request, so Origin and Host are exactly what a test says (fetch would fill them in). */
function send(
  ts: TestServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  const { port } = new URL(ts.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: false,
        headers: {
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = { text };
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const servers: TestServer[] = [];
async function server(config: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const ts = await startTestServer(config);
  servers.push(ts);
  return ts;
}
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

let ts: TestServer;
beforeAll(async () => {
  ts = await server();
});

/** A code for `phone` asked for by `deviceId` (the phone registered first if it is new). */
async function codeFor(phone: string, deviceId: string): Promise<{ requestId: string; code: string }> {
  const r = await send(ts, 'POST', '/api/auth/otp/request', {}, { channel: 'phone', phone, deviceId });
  const { requestId } = r.body as unknown as OtpRequestResponse;
  return { requestId, code: ts.sender.lastCode(phone)! };
}

/** Signs a parent in as the web version does; returns the answer and its cookie pair. */
async function webSignIn(headers: Record<string, string> = {}) {
  const phone = freshPhone('930');
  await signInByPhone(ts, phone);
  const deviceId = testDeviceId('web');
  const { requestId, code } = await codeFor(phone, deviceId);
  const answer = await send(
    ts,
    'POST',
    '/api/auth/otp/verify',
    { 'x-client': 'web', ...headers },
    { requestId, code, deviceId, deviceName: 'Браузер' },
  );
  const cookie = [answer.headers['set-cookie'] ?? []].flat()[0]?.split(';')[0] ?? '';
  return { answer, cookie, deviceId };
}

describe('web session: the refresh token stays in its cookie', () => {
  it('sign-in, refresh and the school’s e-mail link answer the web version without a refresh token; the cookie works', async () => {
    const { answer, cookie, deviceId } = await webSignIn();
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).not.toMatch(/refreshToken/);
    expect(cookie).toMatch(/^sf_refresh=[A-Za-z0-9_-]{16,}$/);
    // The shared schema reads such an answer (the web adapter's client parses it).
    expect(SignedInSchema.parse(answer.body).tokens.refreshToken).toBe('');

    const refreshed = await send(
      ts,
      'POST',
      '/api/auth/refresh',
      { 'x-client': 'web', cookie },
      { deviceId },
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toHaveProperty('accessToken');
    expect(refreshed.body).not.toHaveProperty('refreshToken');
    const rotated = [refreshed.headers['set-cookie'] ?? []].flat()[0]!.split(';')[0]!;
    expect(rotated).toMatch(/^sf_refresh=[A-Za-z0-9_-]{16,}$/);
    expect(rotated).not.toBe(cookie);
    const me = await send(ts, 'GET', '/api/me', {
      authorization: `Bearer ${String(refreshed.body.accessToken)}`,
    });
    expect(me.status).toBe(200);

    // Registration of a new phone, the web way.
    const phone = freshPhone('931');
    const newDevice = testDeviceId('web');
    const { requestId, code } = await codeFor(phone, newDevice);
    const verified = await send(
      ts,
      'POST',
      '/api/auth/otp/verify',
      { 'x-client': 'web' },
      { requestId, code, deviceId: newDevice, deviceName: 'Браузер' },
    );
    expect(verified.body.status).toBe('registration_required');
    const registered = await send(
      ts,
      'POST',
      '/api/auth/register',
      { 'x-client': 'web' },
      {
        surname: 'Орлова',
        name: 'Анна',
        registrationToken: verified.body.registrationToken,
        deviceId: newDevice,
        deviceName: 'Браузер',
      },
    );
    expect(registered.status).toBe(200);
    expect(JSON.stringify(registered.body)).not.toMatch(/refreshToken/);
    expect([registered.headers['set-cookie'] ?? []].flat()[0]).toMatch(/^sf_refresh=/);

    // The school's e-mail link, opened in the browser.
    const { token } = await inviteStudentByEmail(schoolContextOf(ts.server.context), {
      surname: 'Кузнецова',
      name: 'Вера',
      patronymic: '',
      school: DEMO_SCHOOL,
      className: '2 Б',
      email: `pupil.${Date.now()}@example.ru`,
      birthDate: '2018-01-02',
    });
    const linked = await send(
      ts,
      'POST',
      '/api/family/email-registration',
      { 'x-client': 'web' },
      { token, deviceId: testDeviceId('tablet'), deviceName: 'Планшет' },
    );
    expect(linked.status).toBe(200);
    expect(JSON.stringify(linked.body)).not.toMatch(/refreshToken/);
    expect([linked.headers['set-cookie'] ?? []].flat()[0]).toMatch(/^sf_refresh=/);
  });

  it('the desktop app (no X-Client, or X-Client: desktop) gets its refresh token in the JSON and no cookie', async () => {
    for (const client of [{}, { 'x-client': 'desktop' }] as Record<string, string>[]) {
      const phone = freshPhone('932');
      await signInByPhone(ts, phone);
      const deviceId = testDeviceId('desktop');
      const { requestId, code } = await codeFor(phone, deviceId);
      const answer = await send(ts, 'POST', '/api/auth/otp/verify', client, {
        requestId,
        code,
        deviceId,
        deviceName: 'Ноутбук',
      });
      const tokens = SignedInSchema.parse(answer.body).tokens;
      expect(tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(answer.headers['set-cookie']).toBeUndefined();
      const refreshed = await send(ts, 'POST', '/api/auth/refresh', client, {
        refreshToken: tokens.refreshToken,
        deviceId,
      });
      expect(refreshed.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    }
  });
});

describe('web session: the cookie routes refuse other sites', () => {
  const EVIL = 'https://evil.example';

  it('a cross-site Origin is refused with FORBIDDEN on every route that sets, reads or clears the cookie', async () => {
    const { cookie, deviceId } = await webSignIn();
    const refused = (answer: Answer) => {
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('FORBIDDEN');
      expect(answer.headers['set-cookie']).toBeUndefined();
    };
    for (const origin of [EVIL, 'null', `http://127.0.0.1.evil.example:${new URL(ts.url).port}`, 'garbage']) {
      const headers = { 'x-client': 'web', origin, cookie };
      refused(await send(ts, 'POST', '/api/auth/refresh', headers, { deviceId }));
      refused(await send(ts, 'POST', '/api/auth/signout', headers));
      refused(
        await send(ts, 'POST', '/api/auth/otp/verify', headers, {
          requestId: 'x',
          code: '12345678',
          deviceId,
          deviceName: 'Браузер',
        }),
      );
      refused(await send(ts, 'POST', '/api/auth/register', headers, {}));
      refused(await send(ts, 'POST', '/api/family/email-registration', headers, {}));
    }
    // The cookie was not used by any of that: it still refreshes, same-origin.
    const same = await send(
      ts,
      'POST',
      '/api/auth/refresh',
      { 'x-client': 'web', origin: ts.url, cookie },
      { deviceId },
    );
    expect(same.status).toBe(200);
  });

  it('same-origin requests (by the public URL or by the host they were sent to) and requests without Origin pass', async () => {
    const port = new URL(ts.url).port;
    for (const [origin, host] of [
      [ts.url, undefined],
      [`http://localhost:${port}`, `localhost:${port}`],
      [`http://school.example`, 'school.example'],
    ] as const) {
      const { answer, cookie, deviceId } = await webSignIn({ origin, ...(host ? { host } : {}) });
      expect(answer.status).toBe(200);
      const headers = { 'x-client': 'web', origin, cookie, ...(host ? { host } : {}) };
      const refreshed = await send(ts, 'POST', '/api/auth/refresh', headers, { deviceId });
      expect(refreshed.status).toBe(200);
      const out = await send(ts, 'POST', '/api/auth/signout', {
        ...headers,
        authorization: `Bearer ${String(refreshed.body.accessToken)}`,
      });
      expect(out.status).toBe(200);
    }
    // The desktop app sends no Origin.
    const deviceId = testDeviceId('desktop');
    const desktop = await signInByPhone(ts, freshPhone('933'), { deviceId });
    const refreshed = await send(
      ts,
      'POST',
      '/api/auth/refresh',
      {},
      {
        refreshToken: desktop.tokens.refreshToken,
        deviceId,
      },
    );
    expect(refreshed.status).toBe(200);
  });

  it('with an https public URL, only an https Origin counts as the same host', () => {
    expect(isOwnOrigin('https://school.example', 'school.example', 'https://school.example')).toBe(true);
    expect(isOwnOrigin('https://mirror.example', 'mirror.example', 'https://school.example')).toBe(true);
    expect(isOwnOrigin('http://mirror.example', 'mirror.example', 'https://school.example')).toBe(false);
    expect(isOwnOrigin('https://evil.example', 'school.example', 'https://school.example')).toBe(false);
    expect(isOwnOrigin('https://school.example:443', 'school.example', 'https://school.example')).toBe(true);
    expect(isOwnOrigin('file://', 'school.example', 'https://school.example')).toBe(false);
  });
});

describe('browser headers: HSTS and CORS', () => {
  it('HSTS is sent exactly when the public URL is https', async () => {
    const https = await server({ config: { publicUrl: 'https://school.example' } });
    for (const path of ['/api/health', '/api/nothing-here', '/']) {
      expect((await send(https, 'GET', path, {})).headers['strict-transport-security']).toBe(
        'max-age=31536000',
      );
      expect((await send(ts, 'GET', path, {})).headers['strict-transport-security']).toBeUndefined();
    }
    const plain = await server({ config: { publicUrl: 'http://school.example' } });
    expect(
      (await send(plain, 'GET', '/api/health', {})).headers['strict-transport-security'],
    ).toBeUndefined();
    // And the cookie is Secure there.
    const phone = freshPhone('934');
    await signInByPhone(https, phone);
    const deviceId = testDeviceId('web');
    const r = await send(https, 'POST', '/api/auth/otp/request', {}, { channel: 'phone', phone, deviceId });
    const verified = await send(
      https,
      'POST',
      '/api/auth/otp/verify',
      { 'x-client': 'web', origin: 'https://school.example' },
      { requestId: r.body.requestId, code: https.sender.lastCode(phone), deviceId, deviceName: 'Браузер' },
    );
    expect(verified.status).toBe(200);
    expect([verified.headers['set-cookie']].flat()[0]).toMatch(/; Secure/);
  });

  it('tus routes answer like the rest of the API: no Access-Control-Allow-Origin, never *', async () => {
    const parent = await signInByPhone(ts, freshPhone('935'));
    const auth = { authorization: `Bearer ${parent.tokens.accessToken}` };
    const tus = { 'tus-resumable': '1.0.0' };
    const metadata = `filename ${Buffer.from('Справка.pdf').toString('base64')}`;
    const answers: Answer[] = [];
    for (const origin of [{}, { origin: 'https://evil.example' }, { origin: ts.url }] as Record<
      string,
      string
    >[]) {
      const preflight = { 'access-control-request-method': 'POST', ...origin };
      answers.push(await send(ts, 'OPTIONS', UPLOADS_PATH, preflight));
      const created = await send(ts, 'POST', UPLOADS_PATH, {
        ...auth,
        ...tus,
        ...origin,
        'upload-length': '3',
        'upload-metadata': metadata,
      });
      expect(created.status).toBe(201);
      answers.push(created);
      const location = String(created.headers.location);
      const id = location.slice(location.lastIndexOf('/') + 1);
      answers.push(await send(ts, 'OPTIONS', `${UPLOADS_PATH}/${id}`, preflight));
      answers.push(await send(ts, 'HEAD', `${UPLOADS_PATH}/${id}`, { ...auth, ...tus, ...origin }));
      // A refusal too (no token).
      answers.push(await send(ts, 'POST', UPLOADS_PATH, { ...tus, ...origin, 'upload-length': '3' }));
      // And an ordinary API route, for comparison.
      answers.push(await send(ts, 'GET', '/api/me', { ...auth, ...origin }));
    }
    expect(answers.some((a) => a.status === 204)).toBe(true);
    for (const a of answers) {
      const granted = Object.keys(a.headers).filter((h) => h.startsWith('access-control-allow-'));
      expect(granted).toEqual([]);
      expect(JSON.stringify(a.headers)).not.toMatch(/"\*"/);
    }
  });
});
