/**
 * Server load benchmark: the real platform server (its own process, on loopback) under
 * autocannon and under a crowd of simulated parents, against a bare Fastify hello-world
 * route (its own process of the same kind) measured in the same run.
 *
 *   npm run bench:server
 *   npm run bench:server -- --quick       (3 s runs, 100 parents for 15 s: a smoke run)
 *   npm run bench:server -- --only feed   (or crowd; BENCH_NODE_ARGS=--cpu-prof profiles the children)
 *
 * - feed: GET /api/sync/changes answering 100 changes to a signed-in parent (seeded
 *   through the real API), 100 connections, against GET / of the bare app: requests/s
 *   ratio feed/bare (target ≥ 0.5) and the feed's p99 latency over every answer (target
 *   ≤ 50 ms). After a warm-up, each runs 10 s in 2 s slices taking turns, so the other
 *   loads of a shared machine weigh on both alike. Also measured, for the record: the
 *   same answer's bytes served from memory by the bare app (what moving them costs),
 *   and each server's CPU time per request (less sensitive to a busy machine);
 * - crowd: 1,000 parents signed in through the real flow (demo mode gives the code
 *   back), each with its own kept-alive connection, pulling its changes, pushing a
 *   mutation and uploading a small file over tus (create with the SHA-256 in the
 *   metadata, PATCH with it in the header, then finish, checking the stored SHA-256), a
 *   short pause, again, for 60 s after a warm-up (15 s at least, and until the parents
 *   have been through two cycles each on average): every non-2xx answer or network error
 *   counts (target 0); the server's resident memory, the median of the first third of the
 *   60 s against the median of the last third (target ≤ 64 MiB growth).
 *
 * The crowd comes from one loopback address, so the server is started with
 * SFERUM_RATE_LIMIT_EXEMPT_IPS=127.0.0.1: its per-IP limits on sign-in do not apply to
 * that one address (per phone number and per account they still do). The access token
 * lifetime is raised to 2 h (SFERUM_ACCESS_TTL_SECONDS) so that no refresh falls inside.
 *
 * Last line: `feed/bare ratio: R; p99 ms: P; 1000-parent errors: E; rss growth MiB: M`.
 * Exits 1 when a target is missed.
 */
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import autocannon from 'autocannon';
import { freePort, rssOf, serverEnv, waitFor } from './proc.js';

const MiB = 1024 * 1024;
const quick = process.argv.includes('--quick');
/** `--only feed` or `--only crowd`: one phase (to profile it: BENCH_NODE_ARGS=--cpu-prof). */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const CONNECTIONS = 100;
const WARMUP_S = quick ? 1 : 3;
const RUN_S = quick ? 3 : 10;
const PARENTS = quick ? 100 : 1000;
const CROWD_WARMUP_S = quick ? 5 : 15;
/** `--crowd-seconds N`: a longer crowd, to see whether memory levels off. */
const CROWD_S = process.argv.includes('--crowd-seconds')
  ? Number(process.argv[process.argv.indexOf('--crowd-seconds') + 1])
  : quick
    ? 15
    : 60;
const FEED_CHANGES = 100;
const TARGET = { ratio: 0.5, p99Ms: 50, errors: 0, rssMiB: 64 };

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function load(): string {
  return execSync('uptime').toString().trim();
}

// ---------------------------------------------------------------------------------------
// The baseline: a bare Fastify app, run as `bench/server.ts --bare <port>` in a child.

async function bareChild(port: number, copyOf: string): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  // The feed's answer, byte for byte, from memory: what moving those bytes costs alone.
  const copy = fs.readFileSync(copyOf);
  app.get('/copy', async (_request, reply) => reply.type('application/json; charset=utf-8').send(copy));
  await app.listen({ host: '127.0.0.1', port });
  process.stdout.write('listening\n');
}

// ---------------------------------------------------------------------------------------

const children = new Set<ChildProcess>();
let tmp = '';
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

function node(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_NODE_ARGS?.split(' ') ?? []), '--import', 'tsx', ...args],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.add(child);
  child.on('exit', () => children.delete(child));
  child.stdout?.resume();
  return child;
}

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const dataDir = path.join(tmp, 'server');
  const child = node(['src/server/cli.ts'], {
    ...serverEnv(port, dataDir),
    // The crowd signs in from this one address; see the header comment.
    SFERUM_RATE_LIMIT_EXEMPT_IPS: '127.0.0.1',
    // The run outlasts the default 15-minute access token; refreshing is not what is measured.
    SFERUM_ACCESS_TTL_SECONDS: '7200',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/api/health`);
  return { url, child };
}

async function startBare(copyOf: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = node([path.relative(root, self), '--bare', String(port), copyOf]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(url);
  return { url, child };
}

// ---------------------------------------------------------------------------------------
// A parent, through the real HTTP API.

class HttpError extends Error {
  constructor(
    readonly what: string,
    readonly status: number,
    body: string,
  ) {
    super(`${what}: ${status} ${body.slice(0, 200)}`);
  }
}

/** Set-up requests (and the one pull of the feed phase). */
const setupAgent = new http.Agent({ keepAlive: true });

async function call(
  what: string,
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    agent?: http.Agent;
  } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>(
    (resolve, reject) => {
      const agent = init.agent ?? setupAgent;
      const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      });
      req.setTimeout(60_000, () => req.destroy(new Error(`${what}: no answer within 60 s`)));
      req.on('error', reject);
      req.end(init.body);
    },
  );
  if (answer.status < 200 || answer.status > 299) throw new HttpError(what, answer.status, answer.text);
  return answer;
}

function json(body: unknown, token?: string): { headers: Record<string, string>; body: string } {
  return {
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  };
}

let phoneSeq = 0;
function nextPhone(): string {
  phoneSeq += 1;
  return `+7950${String(process.pid % 1000).padStart(3, '0')}${String(phoneSeq).padStart(4, '0')}`;
}

function uid(): string {
  return randomUUID().replace(/-/g, '');
}

class Parent {
  /** Its own kept-alive connection, as each desktop app has. */
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  token = '';
  cursor: string | undefined;
  uploads = 0;
  private folders = 0;

  constructor(
    private readonly url: string,
    readonly phone = nextPhone(),
    readonly deviceId = `bench-${uid()}`.slice(0, 40),
  ) {}

  /** The real sign-in: a code (demo mode answers with it), verify, register a new parent. */
  async signIn(): Promise<void> {
    const requested = JSON.parse(
      (
        await call('otp/request', `${this.url}/api/auth/otp/request`, {
          agent: this.agent,
          method: 'POST',
          ...json({ channel: 'phone', phone: this.phone, deviceId: this.deviceId }),
        })
      ).text,
    ) as { requestId: string; devCode?: string };
    if (!requested.devCode) throw new Error('no devCode: is the server in demo mode?');
    const verified = JSON.parse(
      (
        await call('otp/verify', `${this.url}/api/auth/otp/verify`, {
          agent: this.agent,
          method: 'POST',
          ...json({
            requestId: requested.requestId,
            code: requested.devCode,
            deviceId: this.deviceId,
            deviceName: 'Bench',
          }),
        })
      ).text,
    ) as { status: string; registrationToken?: string; tokens?: { accessToken: string } };
    if (verified.status === 'signed_in') {
      this.token = verified.tokens!.accessToken;
      return;
    }
    const registered = JSON.parse(
      (
        await call('register', `${this.url}/api/auth/register`, {
          agent: this.agent,
          method: 'POST',
          ...json({
            registrationToken: verified.registrationToken,
            surname: 'Нагрузкина',
            name: 'Мария',
            patronymic: 'Тестовна',
            deviceId: this.deviceId,
            deviceName: 'Bench',
          }),
        })
      ).text,
    ) as { tokens: { accessToken: string } };
    this.token = registered.tokens.accessToken;
  }

  /** Pulls every page after the cursor. */
  async pull(): Promise<number> {
    let count = 0;
    for (;;) {
      const query = this.cursor ? `?cursor=${encodeURIComponent(this.cursor)}` : '';
      const page = JSON.parse(
        (
          await call('pull', `${this.url}/api/sync/changes${query}`, {
            agent: this.agent,
            headers: { authorization: `Bearer ${this.token}` },
          })
        ).text,
      ) as { changes: unknown[]; cursor: string; hasMore: boolean };
      count += page.changes.length;
      this.cursor = page.cursor;
      if (!page.hasMore) return count;
    }
  }

  /** Pushes `n` folder creations in one request; each must be applied. */
  async push(n = 1): Promise<void> {
    const mutations = Array.from({ length: n }, () => ({
      id: uid(),
      type: 'folder.create',
      payload: { id: uid(), parentId: null, name: `Папка ${++this.folders}` },
    }));
    const answer = JSON.parse(
      (
        await call('push', `${this.url}/api/sync/mutations`, {
          agent: this.agent,
          method: 'POST',
          ...json({ mutations }, this.token),
        })
      ).text,
    ) as { results: { status: string; error?: unknown }[] };
    const rejected = answer.results.find((r) => r.status !== 'applied');
    if (rejected) throw new Error(`push: a mutation was rejected: ${JSON.stringify(rejected)}`);
  }

  /** One small file over tus, as the desktop client sends it: create, PATCH, then finish. */
  async upload(): Promise<void> {
    const bytes = randomBytes(2048 + Math.floor(Math.random() * 6144));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const name = `Справка ${++this.uploads}.pdf`;
    const auth = { authorization: `Bearer ${this.token}`, 'tus-resumable': '1.0.0' };
    const meta = (k: string, v: string) => `${k} ${Buffer.from(v).toString('base64')}`;
    const created = await call('tus create', `${this.url}/api/uploads`, {
      agent: this.agent,
      method: 'POST',
      headers: {
        ...auth,
        'upload-length': String(bytes.length),
        'upload-metadata': [
          meta('filename', name),
          meta('mime', 'application/pdf'),
          meta('sha256', sha),
        ].join(','),
      },
    });
    const location = created.headers.location;
    if (created.status !== 201 || !location) throw new Error(`tus create: ${created.status}, no Location`);
    const uploadUrl = new URL(location, this.url).toString();
    const patched = await call('tus patch', uploadUrl, {
      agent: this.agent,
      method: 'PATCH',
      headers: {
        ...auth,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'sferum-sha256': sha,
      },
      body: bytes,
    });
    const documentId = patched.headers['sferum-document-id'];
    if (patched.headers['upload-offset'] !== String(bytes.length) || !documentId)
      throw new Error('tus patch: the upload did not complete');
    const finished = JSON.parse(
      (
        await call('finish', `${uploadUrl}/finish`, {
          agent: this.agent,
          method: 'POST',
          headers: { authorization: `Bearer ${this.token}`, 'sferum-sha256': sha },
        })
      ).text,
    ) as { document: { id: string; sha256: string; size: number } };
    if (
      finished.document.id !== documentId ||
      finished.document.sha256 !== sha ||
      finished.document.size !== bytes.length
    ) {
      throw new Error(`finish: the stored document differs: ${JSON.stringify(finished.document)}`);
    }
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

// ---------------------------------------------------------------------------------------
// Phase 1: the change feed against the bare route.

/** CPU time (user + system) a process has used, in ms. */
function cpuMsOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
}

interface Tally {
  requests: number;
  seconds: number;
  bytes: number;
  cpuMs: number;
  latencies: number[];
  bad: number;
}

function tally(): Tally {
  return { requests: 0, seconds: 0, bytes: 0, cpuMs: 0, latencies: [], bad: 0 };
}

/** One autocannon run; every answer's latency is kept, so percentiles span all runs of a target. */
async function cannon(
  target: { url: string; headers?: Record<string, string>; pid: number },
  seconds: number,
  into: Tally,
): Promise<void> {
  const cpu = cpuMsOf(target.pid);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: target.url, connections: CONNECTIONS, duration: seconds, headers: target.headers ?? {} },
      (error, done) => (error ? reject(error as Error) : resolve(done)),
    );
    instance.on('response', (_client, status, bytes, ms) => {
      into.latencies.push(ms);
      into.bytes += bytes;
      if (status < 200 || status > 299) into.bad += 1;
    });
  });
  into.requests += result.requests.total;
  into.seconds += result.duration;
  into.bad += result.errors;
  into.cpuMs += cpuMsOf(target.pid) - cpu;
}

function percentile(xs: number[], p: number): number {
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function measureFeed(server: { url: string; child: ChildProcess }) {
  const parent = new Parent(server.url);
  await parent.signIn();
  // The parent's own profile is the first change; folders make the rest.
  await parent.push(FEED_CHANGES - 1);
  const first = await parent.pull();
  if (first !== FEED_CHANGES) throw new Error(`the feed has ${first} changes, not ${FEED_CHANGES}`);
  const feedUrl = `${server.url}/api/sync/changes`;
  const headers = { authorization: `Bearer ${parent.token}` };
  const answer = path.join(tmp, 'feed-answer.json');
  fs.writeFileSync(answer, (await call('pull', feedUrl, { headers })).text);
  const bare = await startBare(answer);

  const targets = {
    bare: { url: bare.url, pid: bare.child.pid! },
    // As the desktop core's fetch and every browser ask: the feed comes gzipped.
    feed: {
      url: feedUrl,
      headers: { ...headers, 'accept-encoding': 'gzip, deflate, br' },
      pid: server.child.pid!,
    },
    copy: { url: `${bare.url}/copy`, pid: bare.child.pid! },
  };
  const tallies = { bare: tally(), feed: tally(), copy: tally() };
  log(`warm-up: ${WARMUP_S} s each`);
  for (const target of Object.values(targets)) await cannon(target, WARMUP_S, tally());
  // The machine is shared: the targets take turns in short slices, so that whatever else
  // runs meanwhile weighs on each of them alike.
  const slices = Math.max(1, Math.round(RUN_S / 2));
  for (let i = 0; i < slices; i++) {
    for (const name of ['bare', 'feed', 'copy'] as const) {
      await cannon(targets[name], RUN_S / slices, tallies[name]);
    }
  }
  bare.child.kill('SIGTERM');
  const rate = (t: Tally) => t.requests / t.seconds;
  for (const [name, t] of Object.entries(tallies)) {
    log(
      `${name}: ${Math.round(rate(t))} req/s over ${t.seconds} s, latency p50 ${percentile(t.latencies, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(t.latencies, 99).toFixed(1)} ms, ${(t.bytes / t.seconds / MiB).toFixed(1)} MiB/s, ` +
        `server CPU ${((t.cpuMs * 1000) / t.requests).toFixed(0)} µs/request, errors ${t.bad}`,
    );
    if (t.bad > 0) throw new Error(`${name}: ${t.bad} answers were errors`);
  }
  log(
    `feed/copy ratio: ${(rate(tallies.feed) / rate(tallies.copy)).toFixed(2)} ` +
      `(the same ${(fs.statSync(answer).size / 1024).toFixed(1)} KiB answer from memory in the bare app)`,
  );
  return {
    ratio: rate(tallies.feed) / rate(tallies.bare),
    p99: Math.round(percentile(tallies.feed.latencies, 99) * 10) / 10,
  };
}

// ---------------------------------------------------------------------------------------
// Phase 2: the crowd.

async function crowd(serverUrl: string, serverPid: number) {
  const parents = Array.from({ length: PARENTS }, () => new Parent(serverUrl));
  let started = performance.now();
  await pool(parents, 50, (p) => p.signIn());
  log(
    `${PARENTS} parents signed in through the real flow in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  let errors = 0;
  const kinds = new Map<string, number>();
  let cycles = 0;
  let stop = false;
  const samples: { t: number; rss: number }[] = [];
  started = performance.now();
  const sampler = setInterval(
    () => samples.push({ t: (performance.now() - started) / 1000, rss: rssOf(serverPid) }),
    250,
  );

  // A parent's day, compressed: sync, change something, sync, add a file, wait a little.
  const life = async (p: Parent) => {
    await new Promise((r) => setTimeout(r, Math.random() * 1000));
    while (!stop) {
      try {
        await p.pull();
        await p.push();
        await p.pull();
        await p.upload();
        cycles += 1;
      } catch (error) {
        errors += 1;
        const kind =
          error instanceof HttpError ? `${error.what} ${error.status}` : String(error).slice(0, 120);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 250 + Math.random() * 500));
    }
  };
  const running = Promise.all(parents.map(life));
  const elapsed = () => (performance.now() - started) / 1000;
  const progress = setInterval(
    () =>
      log(
        `  ${Math.round(elapsed())} s: ${cycles} cycles, ${errors} errors, server rss ${(rssOf(serverPid) / MiB).toFixed(0)} MiB`,
      ),
    10_000,
  );
  // Warm-up: at least CROWD_WARMUP_S, and until every parent has been through two cycles
  // on average (the server's heap has then seen the whole crowd), at most 2 minutes.
  while (elapsed() < 120 && (elapsed() < CROWD_WARMUP_S || cycles < 2 * PARENTS)) {
    await new Promise((r) => setTimeout(r, 250));
  }
  const warm = elapsed();
  const cyclesAtWarm = cycles;
  log(`  warm after ${warm.toFixed(0)} s (${cycles} cycles); measuring ${CROWD_S} s`);
  await new Promise((r) => setTimeout(r, CROWD_S * 1000));
  stop = true;
  await running;
  clearInterval(progress);
  clearInterval(sampler);
  for (const p of parents) p.agent.destroy();
  const total = warm + CROWD_S;

  // Growth: the median of the last third against the median of the first third after the
  // warm-up (medians over many samples: the garbage collector's sawtooth does not count).
  const median = (from: number, to: number) => {
    const xs = samples
      .filter((x) => x.t >= from && x.t < to)
      .map((x) => x.rss)
      .sort((p, q) => p - q);
    return xs[Math.floor(xs.length / 2)] ?? NaN;
  };
  const window = CROWD_S / 3;
  const base = median(warm, warm + window);
  const end = median(total - window, total);
  const peak = Math.max(...samples.map((s) => s.rss));
  const measured = samples.filter((s) => s.t >= warm);
  log(
    `crowd: ${PARENTS} parents, ${CROWD_S} s after a ${warm.toFixed(0)} s warm-up: ${cycles - cyclesAtWarm} cycles ` +
      `(${Math.round(((cycles - cyclesAtWarm) * 6) / CROWD_S)} requests/s), ` +
      `${parents.reduce((n, p) => n + p.uploads, 0)} uploads in all, ${errors} errors`,
  );
  for (const [kind, n] of kinds) log(`  ${n} × ${kind}`);
  log(
    `server rss (medians of ${window.toFixed(0)} s): ${(base / MiB).toFixed(0)} MiB after the warm-up, ` +
      `${(end / MiB).toFixed(0)} MiB at the end, peak ${(peak / MiB).toFixed(0)} MiB (${measured.length} samples)`,
  );
  return { errors, growth: (end - base) / MiB };
}

async function main(): Promise<void> {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-bench-server-'));
  log(`load at start: ${load()} (${os.cpus().length} CPUs)`);
  const server = await startServer();
  const feed = only === 'crowd' ? { ratio: NaN, p99: NaN } : await measureFeed(server);
  log(`load after the feed runs: ${load()}`);
  const result = only === 'feed' ? { errors: NaN, growth: NaN } : await crowd(server.url, server.child.pid!);
  log(`load at the end: ${load()}`);
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  setupAgent.destroy();

  const missed = [
    feed.ratio < TARGET.ratio && `ratio ${feed.ratio.toFixed(2)} < ${TARGET.ratio}`,
    feed.p99 > TARGET.p99Ms && `p99 ${feed.p99} ms > ${TARGET.p99Ms} ms`,
    result.errors > TARGET.errors && `${result.errors} errors`,
    result.growth > TARGET.rssMiB && `rss growth ${result.growth.toFixed(1)} MiB > ${TARGET.rssMiB} MiB`,
  ].filter(Boolean);
  if (missed.length > 0) log(`missed: ${missed.join('; ')}`);
  console.log(
    `feed/bare ratio: ${feed.ratio.toFixed(2)}; p99 ms: ${feed.p99}; ${PARENTS}-parent errors: ${result.errors}; ` +
      `rss growth MiB: ${result.growth.toFixed(1)}`,
  );
  process.exit(missed.length > 0 ? 1 : 0);
}

const bareAt = process.argv.indexOf('--bare');
if (bareAt >= 0) {
  await bareChild(Number(process.argv[bareAt + 1]), process.argv[bareAt + 2]!);
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
