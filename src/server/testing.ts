import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OtpRequestResponse, OtpVerifyResponse, SignedIn } from '../shared/api.js';
import { createServer, type SferumServer, type ServerDeps } from './app.js';
import type { Now } from './clock.js';
import { DEFAULT_OTP_LIMITS, defaultConfig, type OtpLimits, type ServerConfig } from './config.js';
import type { OtpAddress, OtpSender } from './auth/otpSender.js';
import { LiveEventSchema, type LiveEvent } from '../shared/sync/index.js';

/**
 * Helpers for tests that need a real platform server on loopback (server, core and
 * end-to-end suites). Not used by the server itself.
 */

/** Keeps every code it is asked to send, so a test can read it back. */
export class CapturingOtpSender implements OtpSender {
  readonly sent: { to: OtpAddress; code: string }[] = [];
  /** Set to make the next sends fail, as a broken gateway would. */
  failWith: Error | null = null;

  async send(to: OtpAddress, code: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push({ to, code });
  }

  /** The latest code sent to a phone (E.164) or e-mail address. */
  lastCode(address: string): string | undefined {
    for (let i = this.sent.length - 1; i >= 0; i--) {
      const entry = this.sent[i]!;
      const to = 'phone' in entry.to ? entry.to.phone : entry.to.email;
      if (to === address) return entry.code;
    }
    return undefined;
  }
}

/** A clock a test can move: `clock.advance(11 * 60_000)`. */
export class TestClock {
  constructor(public ms = Date.now()) {}
  readonly now: Now = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestServer {
  url: string;
  server: SferumServer;
  dataDir: string;
  sender: CapturingOtpSender;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Overrides; `otpLimits` may name only the limits a test is about. */
  config?: Partial<Omit<ServerConfig, 'otpLimits'>> & { otpLimits?: Partial<OtpLimits> };
  deps?: Omit<ServerDeps, 'otpSender'>;
  /** Reuse a data directory (e.g. to restart a server); otherwise a fresh temp dir. */
  dataDir?: string;
}

/**
 * A real server on 127.0.0.1, port 0, with a temp data dir, codes captured instead of
 * sent, and rate limits loose enough for a test suite on one IP.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-server-'));
  const ownsDir = options.dataDir === undefined;
  const sender = new CapturingOtpSender();
  const config = defaultConfig({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    webDir: path.join(dataDir, 'no-web-version'),
    logLevel: 'silent',
    ...options.config,
    otpLimits: {
      ...DEFAULT_OTP_LIMITS,
      resendCooldownSeconds: 0,
      codesBeforeDelay: 10_000,
      requestsPerIp: 10_000,
      verifiesPerIp: 10_000,
      wrongCodesBeforeDelay: 10_000,
      ...options.config?.otpLimits,
    },
  });
  const server = createServer(config, { ...options.deps, otpSender: sender });
  const url = await server.listen();
  return {
    url,
    server,
    dataDir,
    sender,
    async close() {
      await server.close();
      if (ownsDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** POSTs JSON and returns status and parsed body. */
export async function postJson<T = unknown>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

/** A device id that satisfies DeviceIdSchema. */
export function testDeviceId(label = 'device'): string {
  return `${label}-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`
    .slice(0, 64)
    .padEnd(16, 'x');
}

/**
 * Signs in by phone through the real endpoints, registering a parent if the phone is
 * new. Returns the signed-in answer (tokens and profile).
 */
export async function signInByPhone(
  ts: TestServer,
  phone: string,
  options: {
    deviceId?: string;
    deviceName?: string;
    name?: { surname: string; name: string; patronymic?: string };
  } = {},
): Promise<SignedIn> {
  const deviceId = options.deviceId ?? testDeviceId();
  const deviceName = options.deviceName ?? 'Test device';
  const requested = await postJson<OtpRequestResponse>(`${ts.url}/api/auth/otp/request`, {
    channel: 'phone',
    phone,
    deviceId,
  });
  if (requested.status !== 200)
    throw new Error(`otp/request: ${requested.status} ${JSON.stringify(requested.body)}`);
  const e164 = `+7${phone.replace(/\D/g, '').slice(-10)}`;
  const code = ts.sender.lastCode(e164);
  if (!code) throw new Error(`no code was sent to ${e164}`);
  const verified = await postJson<OtpVerifyResponse>(`${ts.url}/api/auth/otp/verify`, {
    requestId: requested.body.requestId,
    code,
    deviceId,
    deviceName,
  });
  if (verified.status !== 200)
    throw new Error(`otp/verify: ${verified.status} ${JSON.stringify(verified.body)}`);
  if (verified.body.status === 'signed_in') return verified.body;
  const name = options.name ?? { surname: 'Петрова', name: 'Мария', patronymic: 'Ивановна' };
  const registered = await postJson<SignedIn>(`${ts.url}/api/auth/register`, {
    ...name,
    registrationToken: verified.body.registrationToken,
    deviceId,
    deviceName,
  });
  if (registered.status !== 200)
    throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  return registered.body;
}

export interface EventStream {
  /** Every event received so far. */
  readonly events: LiveEvent[];
  /** Resolves with the next event of that type (or one already received after `from`). */
  next(type: LiveEvent['type'], timeoutMs?: number): Promise<LiveEvent>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/**
 * Opens GET /api/sync/events the way clients do (fetch streaming with a bearer token)
 * and resolves once the server has subscribed it, so events sent afterwards are not missed.
 */
export async function openEventStream(baseUrl: string, accessToken: string): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/sync/events`, {
    headers: { authorization: `Bearer ${accessToken}` },
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`events: ${response.status} ${await response.text()}`);
  }
  const events: LiveEvent[] = [];
  const waiters: (() => void)[] = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let connected: () => void = () => {};
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          if (block.startsWith(': connected')) connected();
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) {
            events.push(LiveEventSchema.parse(JSON.parse(data.slice('data: '.length))));
            for (const wake of waiters.splice(0)) wake();
          }
        }
      }
    } catch {
      // Aborted by close(): the stream simply ends.
    } finally {
      connected();
      for (const wake of waiters.splice(0)) wake();
    }
  })();
  let done = false;
  void ended.then(() => (done = true));
  await ready;
  let consumed = 0;
  return {
    events,
    ended,
    close: () => controller.abort(),
    async next(type, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = events.findIndex((e, i) => i >= consumed && e.type === type);
        if (index >= 0) {
          consumed = index + 1;
          return events[index]!;
        }
        if (done) throw new Error(`the event stream ended before a "${type}" event`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no "${type}" event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}
