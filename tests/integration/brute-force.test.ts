/**
 * Guessing one-time codes and invite tokens, against a real server with the limits the
 * server really ships with. The server sees the socket's address (`trustProxy` is off),
 * so a test plays many clients by binding many loopback source addresses (127.0.0.x).
 * Set-up traffic (signing people in) comes from 127.0.0.1, exempted from the per-IP
 * limits through the configuration; the guessing comes from the other addresses.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { OTP_CODE_LENGTH, type OtpRequestResponse, type SignedIn } from '../../src/shared/api.js';
import { InviteTokenSchema } from '../../src/shared/family.js';
import { DEFAULT_OTP_LIMITS, loadConfig } from '../../src/server/config.js';
import { INVITE_GUESS_LIMIT, INVITE_GUESS_WINDOW_SECONDS } from '../../src/server/family/service.js';
import { OTP_MAX_ATTEMPTS, OTP_TTL_MS } from '../../src/server/otp.js';
import { clientNetwork, RateLimiter } from '../../src/server/rateLimit.js';
import { signInByPhone, testDeviceId } from '../../src/server/testing.js';
import { newOtpCode, newToken } from '../../src/server/tokens.js';
import { freshPhone, issueInvite, newStudent } from '../helpers/family.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

const LIMITS = DEFAULT_OTP_LIMITS;
const DAY_S = 86_400;

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server with the shipped limits; only 127.0.0.1 (the set-up traffic) is exempt from the per-IP ones. */
async function server(clock: TestClock): Promise<TestServer> {
  const ts = await startTestServer({
    clock,
    config: { otpLimits: DEFAULT_OTP_LIMITS, rateLimitExemptIps: ['127.0.0.1'] },
  });
  servers.push(ts);
  return ts;
}

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  retryAfter: number | null;
}

/** POSTs JSON from a given loopback source address. */
function post<T = Record<string, unknown>>(
  ts: TestServer,
  from: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<Answer<T>> {
  const { port } = new URL(ts.url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text) as T,
            retryAfter: typeof retry === 'string' ? Number(retry) : null,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The n-th client address: 127.0.0.2, 127.0.0.3, … (127.0.0.1 is the exempt set-up address). */
function ip(n: number): string {
  return `127.0.${Math.floor((n + 2) / 250)}.${((n + 2) % 250) + 1}`;
}

function requestCode(ts: TestServer, from: string, phone: string, deviceId = testDeviceId()) {
  return post<OtpRequestResponse & { code?: string }>(ts, from, '/api/auth/otp/request', {
    channel: 'phone',
    phone,
    deviceId,
  });
}

function verify(ts: TestServer, from: string, requestId: string, code: string, deviceId: string) {
  return post(ts, from, '/api/auth/otp/verify', { requestId, code, deviceId, deviceName: 'Ноутбук' });
}

/** A code that is not `code`. */
function wrongCode(code: string, n = 1): string {
  return String((Number(code) + n) % 10 ** OTP_CODE_LENGTH).padStart(OTP_CODE_LENGTH, '0');
}

let guesses = 0;
/** A well-formed 256-bit token nobody was issued (derived from a counter, so runs repeat). */
function randomToken(): string {
  guesses += 1;
  return crypto.createHash('sha256').update(`guess ${guesses}`).digest('base64url');
}

describe('brute force: one-time codes', () => {
  it('a code locks after its tries even when every try comes from another IP, and so does the phone number', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const phone = freshPhone('951');
    const deviceId = testDeviceId();
    let client = 0;
    const wrongAnswers: unknown[] = [];

    // Code 1: five wrong tries, each from a new address, then the right code from another.
    const first = await requestCode(ts, ip(client++), phone, deviceId);
    expect(first.status).toBe(200);
    const firstCode = ts.sender.lastCode(phone)!;
    for (let i = 1; i <= OTP_MAX_ATTEMPTS; i++) {
      const r = await verify(ts, ip(client++), first.body.requestId, wrongCode(firstCode, i), deviceId);
      wrongAnswers.push(r.body.code);
    }
    expect(wrongAnswers).toEqual([
      ...Array<string>(OTP_MAX_ATTEMPTS - 1).fill('OTP_INVALID'),
      'OTP_TOO_MANY_ATTEMPTS',
    ]);
    const late = await verify(ts, ip(client++), first.body.requestId, firstCode, deviceId);
    expect(late).toMatchObject({ status: 429, body: { code: 'OTP_TOO_MANY_ATTEMPTS' } });

    // New codes bring new tries per code, but the phone number's count of wrong codes
    // goes on across them: past it, even the right code is refused, from any address.
    let wrongSoFar = OTP_MAX_ATTEMPTS;
    let locked: { requestId: string; code: string } | null = null;
    while (!locked) {
      clock.advance(LIMITS.resendCooldownSeconds * 1000);
      const next = await requestCode(ts, ip(client++), phone, deviceId);
      expect(next.status).toBe(200);
      const code = ts.sender.lastCode(phone)!;
      for (let i = 1; i <= OTP_MAX_ATTEMPTS; i++) {
        const r = await verify(ts, ip(client++), next.body.requestId, wrongCode(code, i), deviceId);
        if (r.status === 429 && r.body.code === 'RATE_LIMITED') {
          locked = { requestId: next.body.requestId, code };
          break;
        }
        expect(r.body.code).toMatch(/^OTP_(INVALID|TOO_MANY_ATTEMPTS)$/);
        wrongSoFar += 1;
      }
    }
    // Exactly the configured number of wrong codes got a hearing, each from its own address.
    expect(wrongSoFar).toBe(LIMITS.wrongCodesPerAddress);
    const right = await verify(ts, ip(client++), locked.requestId, locked.code, deviceId);
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('RATE_LIMITED');
    expect(right.retryAfter).toBeGreaterThan(0);
    // The exempt address is held by the phone number's count all the same.
    const exempt = await verify(ts, '127.0.0.1', locked.requestId, locked.code, deviceId);
    expect(exempt.body.code).toBe('RATE_LIMITED');
  });

  it('codes per phone number are capped per hour whatever the address asking', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const phone = freshPhone('952');
    const statuses: number[] = [];
    for (let i = 0; i < LIMITS.perAddressPerHour + 1; i++) {
      statuses.push((await requestCode(ts, ip(100 + i), phone)).status);
      clock.advance(LIMITS.resendCooldownSeconds * 1000);
    }
    expect(statuses).toEqual([...Array<number>(LIMITS.perAddressPerHour).fill(200), 429]);
  });

  it('the counts are shared by server processes on one data directory, and outlive a restart', async () => {
    const clock = new TestClock();
    const config = { otpLimits: DEFAULT_OTP_LIMITS, rateLimitExemptIps: ['127.0.0.1'] };
    const dir = makeTempDir('sferum-limits-');
    const first = await startTestServer({ clock, config, dataDir: dir.path });
    const second = await startTestServer({ clock, config, dataDir: dir.path });
    const phone = freshPhone('957');
    const statuses: number[] = [];
    try {
      // Asking each server in turn gives no more codes than asking one.
      for (let i = 0; i < LIMITS.perAddressPerHour + 1; i++) {
        statuses.push((await requestCode(i % 2 ? second : first, ip(150 + i), phone)).status);
        clock.advance(LIMITS.resendCooldownSeconds * 1000);
      }
    } finally {
      await second.close();
      await first.close();
    }
    expect(statuses).toEqual([...Array<number>(LIMITS.perAddressPerHour).fill(200), 429]);
    // Nor does a restart.
    const restarted = await startTestServer({ clock, config, dataDir: dir.path });
    try {
      expect((await requestCode(restarted, ip(170), phone)).status).toBe(429);
    } finally {
      await restarted.close();
      dir.remove();
    }
  });

  it('one address is limited across many phone numbers: code requests and verify attempts', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const attacker = ip(7);

    const asked: number[] = [];
    for (let i = 0; i < LIMITS.requestsPerIp + 1; i++)
      asked.push((await requestCode(ts, attacker, freshPhone('953'))).status);
    expect(asked).toEqual([...Array<number>(LIMITS.requestsPerIp).fill(200), 429]);
    // Per address, not for everyone: the next address is served.
    expect((await requestCode(ts, ip(8), freshPhone('953'))).status).toBe(200);

    // Verify attempts: wrong codes spread over many numbers, fewer per number than any
    // per-code or per-number limit, still stop at the address's own limit.
    const perPhone = Math.min(OTP_MAX_ATTEMPTS, LIMITS.wrongCodesPerAddress) - 1;
    const targets: { requestId: string; deviceId: string; code: string }[] = [];
    for (let i = 0; targets.length * perPhone < LIMITS.verifiesPerIp + perPhone; i++) {
      const phone = freshPhone('954');
      const deviceId = testDeviceId();
      const r = await requestCode(ts, '127.0.0.1', phone, deviceId);
      expect(r.status).toBe(200);
      targets.push({ requestId: r.body.requestId, deviceId, code: ts.sender.lastCode(phone)! });
    }
    const answers: string[] = [];
    for (const t of targets) {
      for (let k = 1; k <= perPhone && answers.length < LIMITS.verifiesPerIp; k++) {
        answers.push(
          String((await verify(ts, attacker, t.requestId, wrongCode(t.code, k), t.deviceId)).body.code),
        );
      }
    }
    expect(answers).toEqual(Array<string>(LIMITS.verifiesPerIp).fill('OTP_INVALID'));
    const spare = targets[targets.length - 1]!;
    const limited = await verify(ts, attacker, spare.requestId, spare.code, spare.deviceId);
    expect(limited).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    // The right code still works from elsewhere: the address is limited, not the person.
    expect((await verify(ts, ip(9), spare.requestId, spare.code, spare.deviceId)).status).toBe(200);
  });

  it('an IPv6 client is counted by its /64, an IPv4-mapped one by its IPv4 address', () => {
    expect(clientNetwork('2001:db8:1:2::5')).toBe(clientNetwork('2001:db8:1:2:ffff:ffff:ffff:1'));
    expect(clientNetwork('2001:db8:1:2::5')).not.toBe(clientNetwork('2001:db8:1:3::5'));
    expect(clientNetwork('2001:0db8:0001:0002:0000:0000:0000:0005')).toBe(clientNetwork('2001:db8:1:2::5'));
    expect(clientNetwork('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(clientNetwork('203.0.113.5')).toBe('203.0.113.5');
    const limiter = new RateLimiter(() => 0, { exemptIps: ['::ffff:127.0.0.1'] });
    expect(limiter.ipKey('otp', '127.0.0.1')).toBeNull();
    expect(limiter.ipKey('otp', '2001:db8::1')).toBe(limiter.ipKey('otp', '2001:db8::2'));
  });
});

describe('brute force: invite tokens', () => {
  async function family(ts: TestServer) {
    const s = newStudent(ts);
    const student = await signInByPhone(ts, s.phone);
    const invite = await issueInvite(ts, student);
    const mom = await signInByPhone(ts, freshPhone('955'));
    const dad = await signInByPhone(ts, freshPhone('956'));
    return { invite, mom, dad };
  }

  function preview(ts: TestServer, from: string, who: SignedIn, token: string) {
    return post(ts, from, '/api/family/invite/preview', { token }, who.tokens.accessToken);
  }

  function confirm(ts: TestServer, from: string, who: SignedIn, token: string) {
    return post(
      ts,
      from,
      '/api/family/invite/confirm',
      { token, child: { surname: 'Сидоров', name: 'Миша', patronymic: 'Олегович', birthDate: null } },
      who.tokens.accessToken,
    );
  }

  it('one account guessing from many addresses is stopped by its own count, preview and confirm alike', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const { invite, mom, dad } = await family(ts);
    const answers: string[] = [];
    for (let i = 0; i < INVITE_GUESS_LIMIT; i++) {
      const guess =
        i % 2 === 0 ? preview(ts, ip(i), mom, randomToken()) : confirm(ts, ip(i), mom, randomToken());
      answers.push(String((await guess).body.code));
    }
    expect(answers).toEqual(Array<string>(INVITE_GUESS_LIMIT).fill('INVITE_MALFORMED'));
    // A new address, the real token: the account is held, for both steps.
    for (const step of [preview, confirm]) {
      const r = await step(ts, ip(50), mom, invite.token);
      expect(r).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
      expect(r.retryAfter).toBeGreaterThan(0);
    }
    // Even from the exempt address.
    expect((await preview(ts, '127.0.0.1', mom, invite.token)).body.code).toBe('RATE_LIMITED');
    // Another account from that same new address is not.
    expect((await preview(ts, ip(50), dad, invite.token)).status).toBe(200);
  });

  it('one address guessing with many accounts is stopped by its own count', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const { invite } = await family(ts);
    const attacker = ip(60);
    const answers: string[] = [];
    for (let i = 0; i < INVITE_GUESS_LIMIT; i++) {
      const someone = await signInByPhone(ts, freshPhone('957'));
      answers.push(String((await preview(ts, attacker, someone, randomToken())).body.code));
    }
    expect(answers).toEqual(Array<string>(INVITE_GUESS_LIMIT).fill('INVITE_MALFORMED'));
    const fresh = await signInByPhone(ts, freshPhone('957'));
    expect((await preview(ts, attacker, fresh, invite.token)).body.code).toBe('RATE_LIMITED');
    expect((await preview(ts, ip(61), fresh, invite.token)).status).toBe(200);
  });

  it('the school’s e-mail registration links are limited per address', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const attacker = ip(70);
    const body = () => ({ token: randomToken(), deviceId: testDeviceId(), deviceName: 'Ноутбук' });
    const answers: string[] = [];
    for (let i = 0; i < INVITE_GUESS_LIMIT; i++)
      answers.push(String((await post(ts, attacker, '/api/family/email-registration', body())).body.code));
    expect(answers).toEqual(Array<string>(INVITE_GUESS_LIMIT).fill('REGISTRATION_EXPIRED'));
    const limited = await post(ts, attacker, '/api/family/email-registration', body());
    expect(limited).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
  });
});

describe('brute force: the odds', () => {
  it('with the shipped limits, guessing a code or a token within a day succeeds with probability below 1e-6', () => {
    const config = loadConfig({});
    const otp = config.otpLimits;
    // The alphabet and length the server really draws from.
    const samples = Array.from({ length: 2000 }, () => newOtpCode());
    expect(samples.every((c) => c.length === OTP_CODE_LENGTH && /^[0-9]+$/.test(c))).toBe(true);
    const codeSpace = 10 ** OTP_CODE_LENGTH;

    // Within one code: its tries, each ruling out one value at best.
    const oneCode = OTP_MAX_ATTEMPTS / (codeSpace - OTP_MAX_ATTEMPTS);
    // Within a day, for one phone number, from any number of addresses: the wrong codes the
    // number may collect, and (independently) the codes it may be sent times their tries.
    const codesPerDay = Math.min(
      otp.perAddressPerHour * (DAY_S / 3600),
      Math.ceil(DAY_S / Math.max(1, otp.resendCooldownSeconds)),
    );
    const guessesPerDay = Math.min(
      otp.wrongCodesPerAddress * Math.ceil(DAY_S / otp.wrongCodesWindowSeconds),
      codesPerDay * OTP_MAX_ATTEMPTS,
    );
    const onePhoneADay = guessesPerDay / (codeSpace - OTP_MAX_ATTEMPTS);
    expect(oneCode).toBeLessThan(1e-6);
    expect(onePhoneADay).toBeLessThan(1e-6);
    // A code lives shorter than any of those windows, so nothing is counted twice.
    expect(OTP_TTL_MS).toBeLessThanOrEqual(otp.wrongCodesWindowSeconds * 1000);

    // Invite and e-mail registration tokens: 256 bits; per account or address a day, against
    // as many live invites as there could ever be (a billion), the union bound.
    const token = newToken();
    expect(InviteTokenSchema.safeParse(token).success).toBe(true);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const tokenGuessesPerDay = INVITE_GUESS_LIMIT * Math.ceil(DAY_S / INVITE_GUESS_WINDOW_SECONDS);
    const anyTokenADay = (tokenGuessesPerDay * 1e9) / 2 ** 256;
    expect(anyTokenADay).toBeLessThan(1e-6);
  });
});

describe('brute force: limits reset when their window ends, not before', () => {
  /** Waits out `retryAfter` less a second (still refused), then the last second (served). */
  async function resetsExactlyAfter(
    clock: TestClock,
    limited: Answer,
    attempt: () => Promise<Answer>,
  ): Promise<void> {
    expect(limited.status).toBe(429);
    const wait = limited.retryAfter!;
    expect(wait).toBeGreaterThan(1);
    clock.advance((wait - 1) * 1000);
    const early = await attempt();
    expect(early.status).toBe(429);
    expect(early.retryAfter).toBe(1);
    clock.advance(1000);
    expect((await attempt()).status).toBe(200);
  }

  it('code requests per address', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const from = ip(80);
    let last: Answer = { status: 200, body: {}, retryAfter: null };
    for (let i = 0; i <= LIMITS.requestsPerIp; i++) {
      if (i > 0) clock.advance(1000);
      last = await requestCode(ts, from, freshPhone('958'));
    }
    expect(last.retryAfter).toBe(LIMITS.ipWindowSeconds - LIMITS.requestsPerIp);
    await resetsExactlyAfter(clock, last, () => requestCode(ts, from, freshPhone('958')));
  });

  it('verify attempts per address', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const from = ip(81);
    const deviceId = testDeviceId();
    // Unknown request ids: wrong answers that touch no code's tries.
    for (let i = 0; i < LIMITS.verifiesPerIp; i++) {
      expect((await verify(ts, from, `no-such-${i}`, '0'.repeat(OTP_CODE_LENGTH), deviceId)).body.code).toBe(
        'OTP_INVALID',
      );
    }
    clock.advance(300_000);
    const phone = freshPhone('959');
    const requested = await requestCode(ts, '127.0.0.1', phone, deviceId);
    const attempt = () => verify(ts, from, requested.body.requestId, ts.sender.lastCode(phone)!, deviceId);
    const limited = await attempt();
    expect(limited.retryAfter).toBe(LIMITS.ipWindowSeconds - 300);
    await resetsExactlyAfter(clock, limited, attempt);
  });

  it('wrong codes per phone number', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const phone = freshPhone('960');
    const deviceId = testDeviceId();
    let wrong = 0;
    let client = 0;
    let limited: Answer | null = null;
    while (!limited) {
      if (client > 0) clock.advance(LIMITS.resendCooldownSeconds * 1000);
      const r = await requestCode(ts, ip(200 + client++), phone, deviceId);
      expect(r.status).toBe(200);
      const code = ts.sender.lastCode(phone)!;
      // Fewer than a code's own tries each time, so only the number's count can stop this.
      for (let k = 1; k < OTP_MAX_ATTEMPTS && !limited; k++) {
        const v = await verify(ts, ip(200 + client++), r.body.requestId, wrongCode(code, k), deviceId);
        if (v.status === 429) limited = v;
        else wrong += 1;
      }
    }
    expect(wrong).toBe(LIMITS.wrongCodesPerAddress);
    expect(limited.body.code).toBe('RATE_LIMITED');
    let requestId: string | null = null;
    await resetsExactlyAfter(clock, limited, async () => {
      if (!requestId) {
        const again = await requestCode(ts, ip(200 + client++), phone, deviceId);
        expect(again.status).toBe(200);
        requestId = again.body.requestId;
      }
      return verify(ts, ip(200 + client++), requestId, ts.sender.lastCode(phone)!, deviceId);
    });
  });

  it('codes per phone number per hour', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const phone = freshPhone('962');
    let capped: Answer | null = null;
    for (let i = 0; !capped; i++) {
      if (i > 0) clock.advance(LIMITS.resendCooldownSeconds * 1000);
      const r = await requestCode(ts, ip(330 + i), phone);
      if (r.status === 429) capped = r;
    }
    expect(capped.retryAfter).toBe(3600 - LIMITS.perAddressPerHour * LIMITS.resendCooldownSeconds);
    await resetsExactlyAfter(clock, capped, () => requestCode(ts, ip(340), phone));
  });

  it('invite guesses per account', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const s = newStudent(ts);
    const student = await signInByPhone(ts, s.phone);
    const invite = await issueInvite(ts, student);
    const mom = await signInByPhone(ts, freshPhone('961'));
    for (let i = 0; i < INVITE_GUESS_LIMIT; i++) {
      await post(
        ts,
        ip(300 + i),
        '/api/family/invite/preview',
        { token: randomToken() },
        mom.tokens.accessToken,
      );
    }
    const attempt = () =>
      post(ts, ip(320), '/api/family/invite/preview', { token: invite.token }, mom.tokens.accessToken);
    const limited = await attempt();
    expect(limited.retryAfter).toBe(INVITE_GUESS_WINDOW_SECONDS);
    await resetsExactlyAfter(clock, limited, attempt);
  });

  it('invite guesses per address', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const s = newStudent(ts);
    const invite = await issueInvite(ts, await signInByPhone(ts, s.phone));
    const from = ip(350);
    for (let i = 0; i < INVITE_GUESS_LIMIT; i++) {
      const someone = await signInByPhone(ts, freshPhone('963'));
      await post(
        ts,
        from,
        '/api/family/invite/preview',
        { token: randomToken() },
        someone.tokens.accessToken,
      );
    }
    const dad = await signInByPhone(ts, freshPhone('964'));
    const attempt = () =>
      post(ts, from, '/api/family/invite/preview', { token: invite.token }, dad.tokens.accessToken);
    const limited = await attempt();
    expect(limited.retryAfter).toBe(INVITE_GUESS_WINDOW_SECONDS);
    await resetsExactlyAfter(clock, limited, attempt);
  });
});

describe('brute force: the limiter’s memory', () => {
  it('a flood of new keys never wipes a key that still counts; new keys wait for room instead', () => {
    const clock = new TestClock();
    const limiter = new RateLimiter(clock.now, { maxKeys: 100 });
    const victim = 'otp-wrong:+79001234567';
    for (let i = 0; i < 3; i++) limiter.hit(victim, 3, 3600);
    expect(limiter.waitSeconds(victim, 3, 3600)).toBeGreaterThan(0);

    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      try {
        limiter.hit(`otp-request-ip:10.0.${i >> 8}.${i & 255}`, 30, 600);
      } catch {
        refused += 1;
      }
    }
    expect(refused).toBe(1000 - 99);
    expect(limiter.waitSeconds(victim, 3, 3600)).toBeGreaterThan(0);

    // Once the flood's window has passed, its keys are swept and new ones fit again;
    // the victim's key, whose window is longer, still counts.
    clock.advance(601_000);
    expect(() => limiter.hit('otp-request-ip:192.0.2.1', 30, 600)).not.toThrow();
    expect(limiter.waitSeconds(victim, 3, 3600)).toBeGreaterThan(0);
    clock.advance(3600_000);
    expect(limiter.waitSeconds(victim, 3, 3600)).toBe(0);
  });
});
