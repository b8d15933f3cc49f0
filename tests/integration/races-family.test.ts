import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { signInByPhone, type TestServer } from '../../src/server/testing.js';
import { startTestServer } from '../helpers/server.js';
import { freshPhone, issueInvite, newStudent } from '../helpers/family.js';

/**
 * Rule 2 of the memo under a real race: a child has at most two parents even when fifty
 * confirm at the same moment. The confirmations go to two server processes sharing one
 * database file (the in-process test server and the CLI server in a child process), so
 * the check and the insert really run in parallel on two SQLite connections, and every
 * request is held at its last byte until all fifty are on the wire, then released at once.
 */

const TSX = path.resolve('node_modules/tsx/dist/cli.mjs');
const LETTERS = 'абвгдежзик';

let ts: TestServer;
let second: { url: string; child: ChildProcess };

/** A second server process on the same data directory. */
async function startSecondServer(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [TSX, 'src/server/cli.ts'], {
    env: {
      ...process.env,
      SFERUM_DATA_DIR: dataDir,
      SFERUM_PORT: '0',
      SFERUM_LOG_LEVEL: 'warn',
      SFERUM_WEB_DIR: path.join(dataDir, 'no-web-version'),
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
  return { url, child };
}

beforeAll(async () => {
  ts = await startTestServer();
  second = await startSecondServer(ts.dataDir);
}, 60_000);

afterAll(async () => {
  if (second?.child.exitCode === null) {
    const exited = new Promise((resolve) => second.child.once('exit', resolve));
    second.child.kill('SIGTERM');
    await exited;
  }
  await ts?.close();
});

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

describe('races: 50 parents confirming one child at once', () => {
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
    // Every other parent goes to the second process: both connections race for the link.
    const requests = await Promise.all(
      parents.map((p, i) =>
        held(`${i % 2 === 0 ? ts.url : second.url}/api/family/invite/confirm`, p.tokens.accessToken, {
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

    const db = new Database(path.join(ts.dataDir, 'sferum.db'), { readonly: true });
    const links = db.prepare('SELECT parent_id AS id FROM parent_links WHERE child_id = ?').all(kid.id) as {
      id: string;
    }[];
    const joined = db
      .prepare("SELECT parent_id AS id FROM family_history WHERE child_id = ? AND action = 'joined'")
      .all(kid.id) as { id: string }[];
    db.close();
    const winnerIds = winners.map((w) => w.profile.id).sort();
    // The links, and the history lines, are the two parents who were told yes.
    expect(links.map((l) => l.id).sort()).toEqual(winnerIds);
    expect(joined.map((l) => l.id).sort()).toEqual(winnerIds);
  });
});
