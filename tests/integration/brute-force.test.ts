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
import { InviteTokenSchema } from '../../src/shared/family/index.js';
import { DEFAULT_OTP_LIMITS, loadConfig, type OtpLimits } from '../../src/server/config.js';
import { INVITE_GUESS_LIMIT, INVITE_GUESS_WINDOW_SECONDS } from '../../src/server/family/service.js';
import { OTP_MAX_ATTEMPTS, OTP_TTL_MS } from '../../src/server/auth/otp.js';
import { clientNetwork, RateLimiter } from '../../src/server/rateLimit.js';
import { SqliteRateLimitStore } from '../../src/server/store/sqlite/rateLimits.js';
import { signInByPhone, testDeviceId } from '../../src/server/testing.js';
import { newOtpCode, newToken } from '../../src/server/auth/tokens.js';
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

/**
 * The wait before the next hit when `count` hits are in the window, as OtpLimits documents
 * it: `min` after every hit; once `free` hits are in, `first`, doubling with each further
 * hit, up to `max`. Written out here, not imported, so the server is checked against it.
 */
interface Pacing {
  min: number;
  free: number;
  first: number;
  max: number;
  window: number;
}
function documentedWait(p: Pacing, count: number): number {
  if (count === 0) return 0;
  return Math.max(p.min, count < p.free ? 0 : Math.min(p.max, p.first * 2 ** (count - p.free)));
}
const codePacing = (l: OtpLimits): Pacing => ({
  min: l.resendCooldownSeconds,
  free: l.codesBeforeDelay,
  first: l.firstCodeDelaySeconds,
  max: l.maxCodeDelaySeconds,
  window: l.codesWindowSeconds,
});
const wrongCodePacing = (l: OtpLimits): Pacing => ({
  min: 0,
  free: l.wrongCodesBeforeDelay,
  first: l.firstWrongCodeDelaySeconds,
  max: l.maxWrongCodeDelaySeconds,
  window: l.wrongCodesWindowSeconds,
});

/**
 * The most hits any schedule gets into `seconds` under `p`: hitting as soon as allowed from
 * an empty history. (Any schedule's k-th hit comes no earlier than the greedy one's: with
 * earlier hits, fewer are still in the window, so the wait is no longer. And hits before
 * the span only lengthen the waits inside it.) One-second steps: every wait is whole seconds.
 */
function mostHitsWithin(seconds: number, p: Pacing): number {
  let live: number[] = [];
  let total = 0;
  for (let t = 0; t <= seconds; t++) {
    for (;;) {
      live = live.filter((hit) => hit > t - p.window);
      const last = live[live.length - 1];
      if (last !== undefined && t - last < documentedWait(p, live.length)) break;
      live.push(t);
      total += 1;
    }
  }
  return total;
}

let guesses = 0;
/** A well-formed 256-bit token nobody was issued (derived from a counter, so runs repeat). */
function randomToken(): string {
  guesses += 1;
  return crypto.createHash('sha256').update(`guess ${guesses}`).digest('base64url');
}

describe('brute force: one-time codes', () => {
  it('the review’s attack: two codes and ten wrong guesses from a dozen addresses; the owner, from a new device and address, signs in', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const phone = freshPhone('950');
    const owner = await signInByPhone(ts, phone);
    // The owner signed up long ago: that code no longer counts.
    clock.advance(LIMITS.codesWindowSeconds * 1000);

    let client = 0;
    const answers: string[] = [];
    for (let round = 0; round < 2; round++) {
      if (round > 0) clock.advance(LIMITS.resendCooldownSeconds * 1000);
      const deviceId = testDeviceId('attacker');
      const asked = await requestCode(ts, ip(client++), phone, deviceId);
      expect(asked.status).toBe(200);
      const code = ts.sender.lastCode(phone)!;
      for (let k = 1; k <= 5; k++) {
        const r = await verify(ts, ip(client++), asked.body.requestId, wrongCode(code, k), deviceId);
        answers.push(String(r.body.code));
      }
    }
    expect(client).toBe(12);
    expect(answers).toEqual([
      ...['OTP_INVALID', 'OTP_INVALID', 'OTP_INVALID', 'OTP_INVALID', 'OTP_TOO_MANY_ATTEMPTS'],
      ...['OTP_INVALID', 'OTP_INVALID', 'OTP_INVALID', 'OTP_INVALID', 'OTP_TOO_MANY_ATTEMPTS'],
    ]);

    // A minute later the owner asks from a new device and address, and signs in.
    clock.advance(LIMITS.resendCooldownSeconds * 1000);
    const deviceId = testDeviceId('owner');
    const asked = await requestCode(ts, ip(client++), phone, deviceId);
    expect(asked.status).toBe(200);
    const signedIn = await verify(
      ts,
      ip(client++),
      asked.body.requestId,
      ts.sender.lastCode(phone)!,
      deviceId,
    );
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ status: 'signed_in', profile: { id: owner.profile.id } });
  });

  it('a code dies after its tries even when every try comes from another IP; the next code still works', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const phone = freshPhone('951');
    const deviceId = testDeviceId();
    let client = 0;
    const wrongAnswers: unknown[] = [];

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
    // Dead for good, the right code from another address included.
    const late = await verify(ts, ip(client++), first.body.requestId, firstCode, deviceId);
    expect(late).toMatchObject({ status: 429, body: { code: 'OTP_TOO_MANY_ATTEMPTS' } });
    const exempt = await verify(ts, '127.0.0.1', first.body.requestId, firstCode, deviceId);
    expect(exempt.body.code).toBe('OTP_TOO_MANY_ATTEMPTS');

    // A new code has tries of its own: the number itself is never locked.
    clock.advance(LIMITS.resendCooldownSeconds * 1000);
    const next = await requestCode(ts, ip(client++), phone, deviceId);
    expect(next.status).toBe(200);
    const right = await verify(ts, ip(client++), next.body.requestId, ts.sender.lastCode(phone)!, deviceId);
    expect(right.status).toBe(200);
  });

  it('a day of guessing at one number from a new address each time gets exactly the codes the pacing allows, and the owner still signs in', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const phone = freshPhone('952');
    const pacing = codePacing(LIMITS);
    const start = clock.ms;
    let client = 0;
    let codes = 0;
    let ownerWaited: number | null = null;
    // The attacker asks whenever allowed and spends every try; from any address.
    while (clock.ms - start <= DAY_S * 1000) {
      const deviceId = testDeviceId('attacker');
      const asked = await requestCode(ts, ip(client++), phone, deviceId);
      if (asked.status === 429) {
        expect(asked.body.code).toBe('RATE_LIMITED');
        expect(asked.retryAfter).toBeLessThanOrEqual(LIMITS.maxCodeDelaySeconds);
        clock.advance(asked.retryAfter! * 1000);
        continue;
      }
      expect(asked.status).toBe(200);
      codes += 1;
      // The answer says when the next code may be asked for, as documented.
      expect(asked.body.resendAfter).toBe(documentedWait(pacing, codes));
      const code = ts.sender.lastCode(phone)!;
      for (let k = 1; k <= OTP_MAX_ATTEMPTS; k++) {
        const r = await verify(ts, ip(client++), asked.body.requestId, wrongCode(code, k), deviceId);
        expect(r.body.code).toMatch(/^OTP_(INVALID|TOO_MANY_ATTEMPTS)$/);
      }
      // Half-way through the day, the owner wants in: a new device, a new address.
      if (ownerWaited === null && clock.ms - start >= (DAY_S / 2) * 1000) {
        const deviceId = testDeviceId('owner');
        let owned = await requestCode(ts, ip(client++), phone, deviceId);
        ownerWaited = 0;
        if (owned.status === 429) {
          // A wait, never a lockout: at most the longest delay.
          ownerWaited = owned.retryAfter!;
          expect(ownerWaited).toBeLessThanOrEqual(LIMITS.maxCodeDelaySeconds);
          clock.advance(ownerWaited * 1000);
          owned = await requestCode(ts, ip(client++), phone, deviceId);
        }
        expect(owned.status).toBe(200);
        codes += 1;
        const r = await verify(ts, ip(client++), owned.body.requestId, ts.sender.lastCode(phone)!, deviceId);
        expect(r.status).toBe(200);
      }
    }
    expect(ownerWaited).not.toBeNull();
    // The greedy attacker (with the owner's one code) got exactly the bound the odds below use.
    expect(codes).toBe(mostHitsWithin(DAY_S, pacing));
    expect(codes).toBeGreaterThan(LIMITS.codesBeforeDelay);
  });

  it('codes per phone number wait longer and longer whatever the address asking, and exactly as long as documented', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const phone = freshPhone('953');
    const pacing = codePacing(LIMITS);
    for (let n = 1; n <= LIMITS.codesBeforeDelay + 6; n++) {
      const asked = await requestCode(ts, ip(100 + 2 * n), phone);
      expect(asked.status).toBe(200);
      const wait = documentedWait(pacing, n);
      expect(asked.body.resendAfter).toBe(wait);
      // One second early is refused from any address, saying how long is left; then served.
      clock.advance((wait - 1) * 1000);
      const early = await requestCode(ts, ip(101 + 2 * n), phone);
      expect(early).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' }, retryAfter: 1 });
      clock.advance(1000);
    }
    // The waits grew from the cooldown to well beyond it.
    expect(documentedWait(pacing, LIMITS.codesBeforeDelay + 6)).toBeGreaterThan(
      16 * LIMITS.resendCooldownSeconds,
    );
  });

  it('the counts are shared by server processes on one data directory, and outlive a restart', async () => {
    const clock = new TestClock();
    const config = { otpLimits: DEFAULT_OTP_LIMITS, rateLimitExemptIps: ['127.0.0.1'] };
    const dir = makeTempDir('sferum-limits-');
    const first = await startTestServer({ clock, config, dataDir: dir.path });
    const second = await startTestServer({ clock, config, dataDir: dir.path });
    const phone = freshPhone('957');
    const pacing = codePacing(LIMITS);
    const waits: number[] = [];
    const n = LIMITS.codesBeforeDelay + 2;
    try {
      // Asking each server in turn makes the waits grow as asking one does.
      for (let i = 0; i < n; i++) {
        if (i > 0) clock.advance(waits[i - 1]! * 1000);
        const asked = await requestCode(i % 2 ? second : first, ip(150 + i), phone);
        expect(asked.status).toBe(200);
        waits.push(asked.body.resendAfter);
      }
      // Wrong codes at one device through both servers, each from its own address: counted together.
      const deviceId = testDeviceId('shared');
      let wrongs = 0;
      while (wrongs < LIMITS.wrongCodesBeforeDelay) {
        const target = freshPhone('957');
        const asked = await requestCode(first, '127.0.0.1', target, deviceId);
        const code = first.sender.lastCode(target)!;
        for (let k = 1; k < OTP_MAX_ATTEMPTS && wrongs < LIMITS.wrongCodesBeforeDelay; k++, wrongs++) {
          const via = wrongs % 2 ? second : first;
          const r = await verify(via, ip(170 + wrongs), asked.body.requestId, wrongCode(code, k), deviceId);
          expect(r.body.code).toBe('OTP_INVALID');
        }
      }
      const target = freshPhone('957');
      const asked = await requestCode(second, '127.0.0.1', target, deviceId);
      const right = await verify(
        first,
        ip(199),
        asked.body.requestId,
        second.sender.lastCode(target)!,
        deviceId,
      );
      expect(right.body.code).toBe('RATE_LIMITED');
    } finally {
      await second.close();
      await first.close();
    }
    expect(waits).toEqual(Array.from({ length: n }, (_, i) => documentedWait(pacing, i + 1)));
    // Nor does a restart reset them: the last wait has not passed yet.
    const restarted = await startTestServer({ clock, config, dataDir: dir.path });
    try {
      const early = await requestCode(restarted, ip(180), phone);
      expect(early).toMatchObject({ status: 429, retryAfter: waits[n - 1] });
    } finally {
      await restarted.close();
      dir.remove();
    }
  });

  it('one address is limited across many phone numbers: code requests, and wrong codes wait longer and longer', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const attacker = ip(7);

    const asked: number[] = [];
    for (let i = 0; i < LIMITS.requestsPerIp + 1; i++)
      asked.push((await requestCode(ts, attacker, freshPhone('954'))).status);
    expect(asked).toEqual([...Array<number>(LIMITS.requestsPerIp).fill(200), 429]);
    // Per address, not for everyone: the next address is served.
    expect((await requestCode(ts, ip(8), freshPhone('954'))).status).toBe(200);

    // Wrong codes spread over many numbers (fewer per code than its tries), each code
    // asked for by its own device: only the address's own count can slow this down.
    const perPhone = OTP_MAX_ATTEMPTS - 1;
    const targets: { requestId: string; deviceId: string; code: string }[] = [];
    const wanted = LIMITS.wrongCodesBeforeDelay + 4;
    while (targets.length * perPhone < wanted + perPhone) {
      const phone = freshPhone('955');
      const deviceId = testDeviceId();
      const r = await requestCode(ts, '127.0.0.1', phone, deviceId);
      expect(r.status).toBe(200);
      targets.push({ requestId: r.body.requestId, deviceId, code: ts.sender.lastCode(phone)! });
    }
    const pacing = wrongCodePacing(LIMITS);
    let wrong = 0;
    for (const t of targets) {
      for (let k = 1; k <= perPhone && wrong < wanted; k++) {
        const guess = () => verify(ts, attacker, t.requestId, wrongCode(t.code, k), t.deviceId);
        let r = await guess();
        const wait = documentedWait(pacing, wrong);
        if (wait > 0) {
          // Past the free ones, each wrong code must wait, twice as long as the one before.
          expect(r).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' }, retryAfter: wait });
          clock.advance(wait * 1000);
          r = await guess();
        }
        expect(r.body.code).toBe('OTP_INVALID');
        wrong += 1;
      }
    }
    const spare = targets[targets.length - 1]!;
    const limited = await verify(ts, attacker, spare.requestId, spare.code, spare.deviceId);
    expect(limited).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    // The right code still works from elsewhere: the address waits, not the person.
    expect((await verify(ts, ip(9), spare.requestId, spare.code, spare.deviceId)).status).toBe(200);
  });

  it('wrong codes at one device wait longer and longer from any address; another device of the same number does not', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const phone = freshPhone('956');
    const deviceId = testDeviceId('guesser');
    let client = 300;
    let wrong = 0;
    let resendAfter = 0;
    let held: Answer | null = null;
    while (!held) {
      clock.advance(resendAfter * 1000);
      const asked = await requestCode(ts, ip(client++), phone, deviceId);
      expect(asked.status).toBe(200);
      resendAfter = asked.body.resendAfter;
      const code = ts.sender.lastCode(phone)!;
      for (let k = 1; k < OTP_MAX_ATTEMPTS && !held; k++) {
        const r = await verify(ts, ip(client++), asked.body.requestId, wrongCode(code, k), deviceId);
        if (r.status === 429) held = r;
        else wrong += 1;
      }
    }
    expect(wrong).toBe(LIMITS.wrongCodesBeforeDelay);
    expect(held).toMatchObject({
      body: { code: 'RATE_LIMITED' },
      retryAfter: LIMITS.firstWrongCodeDelaySeconds,
    });
    // Even from the exempt address: the device's count is not an address's.
    const elsewhere = freshPhone('956');
    const asked = await requestCode(ts, '127.0.0.1', elsewhere, deviceId);
    const exempt = await verify(
      ts,
      '127.0.0.1',
      asked.body.requestId,
      ts.sender.lastCode(elsewhere)!,
      deviceId,
    );
    expect(exempt.body.code).toBe('RATE_LIMITED');
    // The owner's own device, from a fresh address, signs in as soon as a code may be sent.
    clock.advance(resendAfter * 1000);
    const own = testDeviceId('owner');
    const mine = await requestCode(ts, ip(client++), phone, own);
    expect(mine.status).toBe(200);
    const signedIn = await verify(ts, ip(client++), mine.body.requestId, ts.sender.lastCode(phone)!, own);
    expect(signedIn.status).toBe(200);
  });

  it('an IPv6 client is counted by its /64, an IPv4-mapped one by its IPv4 address', () => {
    expect(clientNetwork('2001:db8:1:2::5')).toBe(clientNetwork('2001:db8:1:2:ffff:ffff:ffff:1'));
    expect(clientNetwork('2001:db8:1:2::5')).not.toBe(clientNetwork('2001:db8:1:3::5'));
    expect(clientNetwork('2001:0db8:0001:0002:0000:0000:0000:0005')).toBe(clientNetwork('2001:db8:1:2::5'));
    expect(clientNetwork('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(clientNetwork('203.0.113.5')).toBe('203.0.113.5');
    const limiter = new RateLimiter(() => 0, new SqliteRateLimitStore(), { exemptIps: ['::ffff:127.0.0.1'] });
    expect(limiter.ipKey('otp', '127.0.0.1')).toBeNull();
    expect(limiter.ipKey('otp', '2001:db8::1')).toBe(limiter.ipKey('otp', '2001:db8::2'));
  });
});

describe('brute force: invite tokens', () => {
  async function family(ts: TestServer) {
    const s = await newStudent(ts);
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
    // Within a day, for one phone number, from any number of addresses and devices: every
    // code that can still be guessed that day (asked for within it, or up to a code's
    // lifetime before), each with its tries. Nothing else bounds this, and nothing needs to.
    const codesPerDay = mostHitsWithin(DAY_S + OTP_TTL_MS / 1000, codePacing(otp));
    const onePhoneADay = (codesPerDay * OTP_MAX_ATTEMPTS) / (codeSpace - OTP_MAX_ATTEMPTS);
    expect(oneCode).toBeLessThan(1e-6);
    expect(onePhoneADay).toBeLessThan(1e-6);
    // Someone who holds the number is never kept out longer than the longest delay.
    expect(otp.maxCodeDelaySeconds).toBeLessThanOrEqual(4 * 3600);
    // One address guessing at everyone's codes at once: each wrong code rules out one value
    // of one code, so a day's wrong codes from it find any code at all with at most this chance.
    const oneAddressADay = mostHitsWithin(DAY_S, wrongCodePacing(otp)) / (codeSpace - OTP_MAX_ATTEMPTS);
    expect(oneAddressADay).toBeLessThan(1e-5);

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

  it('wrong codes per address', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const from = ip(210);
    // Wrong codes at many numbers, each code asked for by its own device, fewer than a code's tries.
    let wrong = 0;
    let target: { requestId: string; deviceId: string; code: string } | null = null;
    while (wrong < LIMITS.wrongCodesBeforeDelay) {
      const phone = freshPhone('960');
      const deviceId = testDeviceId();
      const r = await requestCode(ts, '127.0.0.1', phone, deviceId);
      const code = ts.sender.lastCode(phone)!;
      for (let k = 1; k < OTP_MAX_ATTEMPTS && wrong < LIMITS.wrongCodesBeforeDelay; k++, wrong++) {
        expect((await verify(ts, from, r.body.requestId, wrongCode(code, k), deviceId)).body.code).toBe(
          'OTP_INVALID',
        );
      }
      target = { requestId: r.body.requestId, deviceId, code };
    }
    const attempt = () => verify(ts, from, target!.requestId, target!.code, target!.deviceId);
    const limited = await attempt();
    expect(limited.retryAfter).toBe(LIMITS.firstWrongCodeDelaySeconds);
    await resetsExactlyAfter(clock, limited, attempt);
  });

  it('codes per phone number', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const phone = freshPhone('962');
    let waited = 0;
    for (let i = 0; i < LIMITS.codesBeforeDelay; i++) {
      clock.advance(waited * 1000);
      const r = await requestCode(ts, ip(330 + i), phone);
      expect(r.status).toBe(200);
      waited = r.body.resendAfter;
    }
    expect(waited).toBe(LIMITS.firstCodeDelaySeconds);
    const limited = await requestCode(ts, ip(340), phone);
    expect(limited.retryAfter).toBe(LIMITS.firstCodeDelaySeconds);
    await resetsExactlyAfter(clock, limited, () => requestCode(ts, ip(341), phone));
  });

  it('invite guesses per account', async () => {
    const clock = new TestClock();
    const ts = await server(clock);
    const s = await newStudent(ts);
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
    const s = await newStudent(ts);
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
  it('a flood of new keys never wipes a key that still counts; new keys wait for room instead', async () => {
    const clock = new TestClock();
    const limiter = new RateLimiter(clock.now, new SqliteRateLimitStore(), { maxKeys: 100 });
    const victim = 'otp-wrong:+79001234567';
    for (let i = 0; i < 3; i++) await limiter.hit(victim, 3, 3600);
    expect(await limiter.waitSeconds(victim, 3, 3600)).toBeGreaterThan(0);

    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      try {
        await limiter.hit(`otp-request-ip:10.0.${i >> 8}.${i & 255}`, 30, 600);
      } catch {
        refused += 1;
      }
    }
    expect(refused).toBe(1000 - 99);
    expect(await limiter.waitSeconds(victim, 3, 3600)).toBeGreaterThan(0);

    // Once the flood's window has passed, its keys are swept and new ones fit again;
    // the victim's key, whose window is longer, still counts.
    clock.advance(601_000);
    await expect(limiter.hit('otp-request-ip:192.0.2.1', 30, 600)).resolves.toBeUndefined();
    expect(await limiter.waitSeconds(victim, 3, 3600)).toBeGreaterThan(0);
    clock.advance(3600_000);
    expect(await limiter.waitSeconds(victim, 3, 3600)).toBe(0);
  });
});
