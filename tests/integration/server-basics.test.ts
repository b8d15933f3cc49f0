import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthResponseSchema, ServerInfoSchema } from '../../src/shared/api.js';
import { ErrorBodySchema } from '../../src/shared/errors.js';
import { startEmbeddedServer } from '../../src/server/app.js';
import { startTestServer, testDeviceId, type TestServer } from '../../src/server/testing.js';

let ts: TestServer;
let demo: TestServer;

beforeAll(async () => {
  ts = await startTestServer();
  demo = await startTestServer({ config: { demo: true } });
});
afterAll(async () => {
  await ts?.close();
  await demo?.close();
});

async function errorOf(
  response: Response,
): Promise<{ status: number; code: string; fields?: Record<string, string> }> {
  const body = ErrorBodySchema.parse(await response.json());
  return { status: response.status, code: body.code, ...(body.fields ? { fields: body.fields } : {}) };
}

describe('server: health and info', () => {
  it('GET /api/health answers ok', async () => {
    const response = await fetch(`${ts.url}/api/health`);
    expect(response.status).toBe(200);
    expect(HealthResponseSchema.parse(await response.json()).service).toBe('sferum-family');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('GET /api/info reports demo mode and the demo accounts', async () => {
    const plain = ServerInfoSchema.parse(await (await fetch(`${ts.url}/api/info`)).json());
    expect(plain.demo).toBe(false);
    expect(plain.demoAccounts).toBeUndefined();
    expect(plain.publicUrl).toBe(ts.url);

    const info = ServerInfoSchema.parse(await (await fetch(`${demo.url}/api/info`)).json());
    expect(info.demo).toBe(true);
    expect(info.demoAccounts?.map((a) => a.phone ?? a.email)).toEqual([
      '+79000000001',
      'anna.ivanova@example.ru',
      '+79000000002',
      '+79000000003',
    ]);
  });
});

describe('server: bad input', () => {
  const otpUrl = (): string => `${ts.url}/api/auth/otp/request`;

  it('answers 400 VALIDATION_FAILED with fields for a body that breaks the schema', async () => {
    const response = await fetch(otpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'phone', phone: '+79001112233', deviceId: 'short' }),
    });
    const error = await errorOf(response);
    expect(error.status).toBe(400);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(error.fields ?? {})).toContain('deviceId');
  });

  it('answers 400 for a missing body, malformed JSON and a JSON array', async () => {
    for (const body of [undefined, '{"channel": "phone",', '[1,2,3]', 'null']) {
      const response = await fetch(otpUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
      });
      expect(await errorOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('answers PHONE_INVALID and EMAIL_INVALID for addresses that do not normalize', async () => {
    const deviceId = testDeviceId();
    const phone = await fetch(otpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'phone', phone: '+1 555 123', deviceId }),
    });
    expect(await errorOf(phone)).toMatchObject({ status: 400, code: 'PHONE_INVALID' });
    const email = await fetch(otpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'email', email: 'not an email', deviceId }),
    });
    expect(await errorOf(email)).toMatchObject({ status: 400, code: 'EMAIL_INVALID' });
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a huge body', async () => {
    const response = await fetch(otpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'phone', phone: 'x'.repeat(200_000), deviceId: testDeviceId() }),
    });
    expect(await errorOf(response)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 415 for a body that is not JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
      const response = await fetch(otpUrl(), {
        method: 'POST',
        headers: { 'content-type': type },
        body: 'a=b',
      });
      expect(await errorOf(response)).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
  });

  it('answers 404 JSON for unknown API routes and wrong methods', async () => {
    for (const [method, url] of [
      ['GET', '/api/nope'],
      ['POST', '/api/nope'],
      ['DELETE', '/api/health'],
      ['PUT', '/api/auth/otp/request'],
      ['GET', '/api'],
    ] as const) {
      const response = await fetch(`${ts.url}${url}`, { method, headers: { accept: 'text/html' } });
      expect(await errorOf(response)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    }
  });

  it('never answers 500 for malformed URLs, queries or headers', async () => {
    const checks: [string, RequestInit][] = [
      ['/api/%E0%A4%A', {}],
      ['/api/sync/changes?limit=abc', { headers: { authorization: 'Bearer ' + 'a'.repeat(43) } }],
      ['/api/sync/changes?cursor=a&cursor=b', {}],
      ['/api/me', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }],
      ['/api/me', { headers: { authorization: 'Bearer ' + '%'.repeat(30) } }],
      ['/api/auth/sessions/not-a-uuid', { method: 'DELETE' }],
      ['/api/health', { headers: { 'x-client': 'spaceship' } }],
    ];
    for (const [url, init] of checks) {
      const response = await fetch(`${ts.url}${url}`, init);
      expect(response.status, url).toBeGreaterThanOrEqual(400);
      expect(response.status, url).toBeLessThan(500);
      expect(hasCode(await response.json()), url).toBe(true);
    }
  });

  it('rejects an unknown X-Client value on routes that read it', async () => {
    const response = await fetch(`${ts.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-client': 'spaceship' },
      body: JSON.stringify({ deviceId: testDeviceId() }),
    });
    expect(await errorOf(response)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });
});

function hasCode(body: unknown): boolean {
  return ErrorBodySchema.safeParse(body).success;
}

describe('server: web version', () => {
  it('without a build, / says how to build it', async () => {
    const response = await fetch(`${ts.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('npm run build');
  });

  it('serves the built renderer with a strict CSP and falls back to index.html for pages', async () => {
    const webDir = path.join(ts.dataDir, 'web');
    fs.mkdirSync(path.join(webDir, 'assets'), { recursive: true });
    fs.writeFileSync(
      path.join(webDir, 'index.html'),
      '<!doctype html><title>web</title><div id="root"></div>',
    );
    fs.writeFileSync(path.join(webDir, 'assets', 'app.js'), 'console.log(1)');
    const web = await startTestServer({ config: { webDir } });
    try {
      const root = await fetch(`${web.url}/`);
      expect(await root.text()).toContain('id="root"');
      const csp = root.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(root.headers.get('referrer-policy')).toBe('no-referrer');

      const asset = await fetch(`${web.url}/assets/app.js`);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);

      const invite = await fetch(`${web.url}/invite/abc123`, { headers: { accept: 'text/html' } });
      expect(invite.status).toBe(200);
      expect(await invite.text()).toContain('id="root"');

      const api = await fetch(`${web.url}/api/unknown`, { headers: { accept: 'text/html' } });
      expect(await errorOf(api)).toMatchObject({ status: 404, code: 'NOT_FOUND' });

      const missingAsset = await fetch(`${web.url}/assets/missing.js`);
      expect(missingAsset.status).toBe(404);
    } finally {
      await web.close();
    }
  });
});

describe('server: demo seed and embedded mode', () => {
  it('seeding twice adds nothing twice', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-demo-'));
    try {
      for (let run = 0; run < 2; run++) {
        const s = await startTestServer({ dataDir, config: { demo: true } });
        try {
          const student = (await s.server.context.store.accounts.findUserByPhone('+79000000001'))!;
          expect(student.surname).toBe('Иванов');
          // Still the school, the class and the profile: nothing was appended on the second start.
          expect(await s.server.context.store.feed.changesAfter(student.id, 0, 100)).toHaveLength(3);
        } finally {
          await s.close();
        }
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('startEmbeddedServer runs a demo server on a loopback port', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-embedded-'));
    try {
      const embedded = await startEmbeddedServer({ dataDir, demo: true });
      try {
        expect(embedded.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const info = ServerInfoSchema.parse(await (await fetch(`${embedded.url}/api/info`)).json());
        expect(info.demo).toBe(true);
      } finally {
        await embedded.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
