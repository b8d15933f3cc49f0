import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { signInByPhone, type TestServer } from '../../src/server/testing.js';
import { BACKENDS, type Place } from '../helpers/backends.js';
import { startTestServer } from '../helpers/server.js';
import { freshPhone, issueInvite, newStudent } from '../helpers/family.js';

/**
 * Rule 2 of the memo under a real race: a child has at most two parents even when fifty
 * confirm at the same moment. The confirmations go to several server instances on the
 * same records, every request held at its last byte until all fifty are on the wire, then
 * released at once. On SQLite: the in-process test server and the CLI server in a child
 * process on one database file (the check and the insert really run in parallel on two
 * connections). On PostgreSQL: three instances (the in-process server, the CLI server
 * switched to it by SFERUM_DATABASE_URL, and one more in-process server with its own pool).
 */

const TSX = path.resolve('node_modules/tsx/dist/cli.mjs');
const LETTERS = 'абвгдежзик';

/** The CLI server in a child process on the same records. */
async function startCliServer(place: Place): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [TSX, 'src/server/cli.ts'], {
    env: {
      ...process.env,
      SFERUM_DATA_DIR: place.dataDir,
      SFERUM_PORT: '0',
      SFERUM_LOG_LEVEL: 'warn',
      SFERUM_WEB_DIR: path.join(place.dataDir, 'no-web-version'),
      ...(place.databaseUrl ? { SFERUM_DATABASE_URL: place.databaseUrl } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 30 s:\n${output}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the second server exited:\n${output}`));
    });
  });
  // The banner says which database it serves from.
  expect(output).toContain(place.databaseUrl ? 'database: PostgreSQL postgres://' : 'database: SQLite ');
  return { url, child };
}

interface Held {
  /** Sends the last byte of the body. */
  release(): void;
  answer: Promise<{ status: number; body: { code?: string } }>;
}

/**
 * A POST whose headers and body, all but the last byte, are already on the wire: the
 * server cannot start handling it until release().
 */
function held(url: string, token: string, body: unknown): Promise<Held> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolveHeld, rejectHeld) => {
    let resolveAnswer!: Held['answer'] extends Promise<infer T> ? (value: T) => void : never;
    let rejectAnswer!: (error: unknown) => void;
    const answer = new Promise<{ status: number; body: { code?: string } }>((resolve, reject) => {
      resolveAnswer = resolve;
      rejectAnswer = reject;
    });
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': String(payload.length),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolveAnswer({ status: res.statusCode ?? 0, body: JSON.parse(text) as { code?: string } }),
      );
    });
    req.on('error', (error) => {
      rejectHeld(error);
      rejectAnswer(error);
    });
    req.write(payload.subarray(0, payload.length - 1), () =>
      resolveHeld({ release: () => req.end(payload.subarray(payload.length - 1)), answer }),
    );
  });
}

describe.each(BACKENDS)('races: 50 parents confirming one child at once ($name)', (backend) => {
  let place: Place;
  let ts: TestServer;
  let third: TestServer | null = null;
  let second: { url: string; child: ChildProcess };

  beforeAll(async () => {
    place = await backend.place();
    ts = await startTestServer({ dataDir: place.dataDir, store: await place.open() });
    second = await startCliServer(place);
    if (place.databaseUrl)
      third = await startTestServer({ dataDir: place.dataDir, store: await place.open() });
  }, 60_000);

  afterAll(async () => {
    if (second?.child.exitCode === null) {
      const exited = new Promise((resolve) => second.child.once('exit', resolve));
      second.child.kill('SIGTERM');
      await exited;
    }
    await third?.close();
    await ts?.close();
    await place?.remove();
  });

  it('end with exactly two links; the 48 others are refused with INVITE_PARENT_LIMIT', async () => {
    const kid = await newStudent(ts);
    const student = await signInByPhone(ts, kid.phone);
    const invite = await issueInvite(ts, student);
    const parents: SignedIn[] = [];
    for (let i = 0; i < 50; i += 10) {
      parents.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            signInByPhone(ts, freshPhone('945'), {
              name: {
                surname: `Родитель${LETTERS[i / 10]}${LETTERS[j]}`,
                name: 'Мария',
                patronymic: 'Ивановна',
              },
            }),
          ),
        )),
      );
    }
    const card = { surname: 'Сидоров', name: 'Миша', patronymic: 'Олегович', birthDate: '2013-05-06' };
    // The parents take turns over the instances: every connection races for the link.
    const urls = [ts.url, second.url, ...(third ? [third.url] : [])];
    const requests = await Promise.all(
      parents.map((p, i) =>
        held(`${urls[i % urls.length]}/api/family/invite/confirm`, p.tokens.accessToken, {
          token: invite.token,
          child: card,
        }),
      ),
    );
    for (const r of requests) r.release();
    const answers = await Promise.all(requests.map((r) => r.answer));

    const winners = parents.filter((_, i) => answers[i]!.status === 200);
    expect(winners).toHaveLength(2);
    const losers = answers.filter((a) => a.status !== 200);
    expect(losers).toHaveLength(48);
    for (const a of losers)
      expect(a).toEqual({ status: 409, body: expect.objectContaining({ code: 'INVITE_PARENT_LIMIT' }) });

    const links = await place.query<{ id: string }>(
      'SELECT parent_id AS id FROM parent_links WHERE child_id = $1',
      [kid.id],
    );
    const joined = await place.query<{ id: string }>(
      "SELECT parent_id AS id FROM family_history WHERE child_id = $1 AND action = 'joined'",
      [kid.id],
    );
    const winnerIds = winners.map((w) => w.profile.id).sort();
    // The links, and the history lines, are the two parents who were told yes.
    expect(links.map((l) => l.id).sort()).toEqual(winnerIds);
    expect(joined.map((l) => l.id).sort()).toEqual(winnerIds);
  });
});
