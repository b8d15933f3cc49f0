import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { encodeUploadMetadata } from '../../src/shared/documents/index.js';
import {
  openEventStream,
  signInByPhone,
  type EventStream,
  type TestServer,
} from '../../src/server/testing.js';
import { POSTGRES, type Place } from '../helpers/backends.js';
import { startRealS3, type RealS3 } from '../helpers/s3.js';
import { startTestServer } from '../helpers/server.js';
import { tusPatch, TUS } from '../helpers/tus.js';

/**
 * Three server instances on one PostgreSQL and one S3 bucket, as behind a load balancer:
 * A and B in this process (each with its own pool and its own LISTEN connection), C the
 * CLI server in a child process, switched by SFERUM_DATABASE_URL and SFERUM_S3_*, so it can
 * be killed like a crashed machine. A change committed through one instance reaches the
 * live streams held by the others (NOTIFY on sferum_feed); a listener PostgreSQL drops
 * comes back and the next change still arrives; an upload whose instance dies mid-PATCH
 * continues through another.
 */

const TSX = path.resolve('node_modules/tsx/dist/cli.mjs');
const MiB = 1024 * 1024;
let place: Place;
let s3: RealS3;
let a: TestServer;
let b: TestServer;
let c: { url: string; child: ChildProcess };
let counter = 0;
const phone = (): string => `+7936${String(++counter).padStart(7, '0')}`;
const auth = (user: SignedIn) => ({ authorization: `Bearer ${user.tokens.accessToken}` });
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const seqOf = (cursor: string): number => Number(cursor.split('.')[1]);

async function startCli(): Promise<{ url: string; child: ChildProcess }> {
  const cfg = s3.config;
  const child = spawn(process.execPath, [TSX, 'src/server/cli.ts'], {
    env: {
      ...process.env,
      SFERUM_DATA_DIR: place.dataDir,
      SFERUM_PORT: '0',
      SFERUM_LOG_LEVEL: 'warn',
      SFERUM_DEMO: '1',
      SFERUM_WEB_DIR: path.join(place.dataDir, 'no-web-version'),
      SFERUM_DATABASE_URL: place.databaseUrl!,
      SFERUM_S3_BUCKET: cfg.bucket,
      SFERUM_S3_ENDPOINT: cfg.endpoint!,
      SFERUM_S3_REGION: cfg.region,
      SFERUM_S3_ACCESS_KEY_ID: cfg.accessKeyId!,
      SFERUM_S3_SECRET_ACCESS_KEY: cfg.secretAccessKey!,
      SFERUM_S3_FORCE_PATH_STYLE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 60 s:\n${output}`)), 60_000);
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
      reject(new Error(`instance C exited:\n${output}`));
    });
  });
  expect(output).toContain('database: PostgreSQL postgres://');
  return { url, child };
}

async function push(base: string, user: SignedIn, type: string, payload: unknown): Promise<void> {
  const response = await fetch(`${base}/api/sync/mutations`, {
    method: 'POST',
    headers: { ...auth(user), 'content-type': 'application/json' },
    body: JSON.stringify({ mutations: [{ id: randomUUID(), type, payload }] }),
  });
  const body = (await response.json()) as { results: { status: string }[] };
  expect(body.results[0]!.status).toBe('applied');
}

/** The user's whole feed as one instance serves it: the folder names in it. */
async function folderNames(base: string, user: SignedIn): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const q = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const page = (await (await fetch(`${base}/api/sync/changes${q}`, { headers: auth(user) })).json()) as {
      changes: { entity: string; op: string; data: { name?: string } | null }[];
      cursor: string;
      hasMore: boolean;
    };
    for (const ch of page.changes) if (ch.entity === 'folder' && ch.data?.name) names.push(ch.data.name);
    cursor = page.cursor;
    if (!page.hasMore) return names;
  }
}

beforeAll(async () => {
  [place, s3] = await Promise.all([POSTGRES.place(), startRealS3()]);
  const config = { s3: s3.config };
  a = await startTestServer({ dataDir: place.dataDir, store: await place.open(), config });
  b = await startTestServer({ dataDir: place.dataDir, store: await place.open(), config });
  c = await startCli();
}, 240_000);

afterAll(async () => {
  if (c?.child.exitCode === null && c.child.signalCode === null) {
    const exited = new Promise((resolve) => c.child.once('exit', resolve));
    c.child.kill('SIGTERM');
    await exited;
  }
  await a?.close();
  await b?.close();
  await place?.remove();
  await s3?.stop();
}, 60_000);

describe('live events across three instances on one PostgreSQL', () => {
  let user: SignedIn;
  let onB: EventStream;
  let onC: EventStream;

  beforeAll(async () => {
    user = await signInByPhone(a, phone());
    onB = await openEventStream(b.url, user.tokens.accessToken);
    onC = await openEventStream(c.url, user.tokens.accessToken);
  });
  afterAll(() => {
    onB?.close();
    onC?.close();
  });

  it('a folder created through A wakes the streams held by B and C, which then serve it', async () => {
    await push(a.url, user, 'folder.create', { id: randomUUID(), parentId: null, name: 'Справки' });
    await onB.next('changed', 20_000);
    await onC.next('changed', 20_000);
    expect(await folderNames(b.url, user)).toContain('Справки');
    expect(await folderNames(c.url, user)).toContain('Справки');
  });

  it('a change through C (another process) reaches the stream on B', async () => {
    await push(c.url, user, 'folder.create', { id: randomUUID(), parentId: null, name: 'Грамоты' });
    await onB.next('changed', 20_000);
    expect(await folderNames(b.url, user)).toContain('Грамоты');
  });

  it('a LISTEN connection PostgreSQL terminates comes back: its streams pull once, and the next change still arrives', async () => {
    const killed = await place.query<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE application_name = 'sferum-live' AND datname = current_database()`,
    );
    expect(killed.length).toBe(3);
    // Back listening, B wakes its streams once (news may have been missed in between).
    const wake = await onB.next('changed', 20_000);
    await expect
      .poll(
        async () =>
          (
            await place.query(
              `SELECT 1 FROM pg_stat_activity WHERE application_name = 'sferum-live' AND datname = current_database()`,
            )
          ).length,
        { timeout: 20_000 },
      )
      .toBe(3);
    await push(a.url, user, 'folder.create', { id: randomUUID(), parentId: null, name: 'Медкарта' });
    const news = await onB.next('changed', 20_000);
    if (news.type !== 'changed' || wake.type !== 'changed') throw new Error('not a changed event');
    expect(seqOf(news.cursor)).toBeGreaterThan(seqOf(wake.cursor));
    expect(await folderNames(b.url, user)).toContain('Медкарта');
  });

  it('signing out through A ends the session’s stream on B', async () => {
    const device = await signInByPhone(a, user.profile.phone!);
    const stream = await openEventStream(b.url, device.tokens.accessToken);
    const out = await fetch(`${a.url}/api/auth/signout`, {
      method: 'POST',
      headers: auth(device),
    });
    expect(out.status).toBeLessThan(300);
    await stream.next('revoked', 20_000);
    await stream.ended;
  });
});

describe('an instance killed mid-upload', () => {
  it('the upload continues through another instance, on the shared bucket', async () => {
    // Signed in through A: a token serves on every instance.
    const user = await signInByPhone(a, phone());
    const data = randomBytes(13 * MiB);
    const created = await fetch(`${c.url}/api/uploads`, {
      method: 'POST',
      headers: {
        ...auth(user),
        ...TUS,
        'upload-length': String(data.length),
        'upload-metadata': encodeUploadMetadata({ filename: 'Выписка.pdf', sha256: sha(data) }),
      },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect((await tusPatch(c.url, auth(user), location, 0, data.subarray(0, 6 * MiB))).status).toBe(204);

    // C dies between two PATCHes of the upload (a crashed machine: no graceful stop).
    const exited = new Promise((resolve) => c.child.once('exit', resolve));
    c.child.kill('SIGKILL');
    await exited;

    // A knows the offset from the bucket alone and takes the rest.
    const head = await fetch(new URL(location, a.url), {
      method: 'HEAD',
      headers: { ...auth(user), ...TUS },
    });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBe(6 * MiB);
    const last = await tusPatch(a.url, auth(user), location, offset, data.subarray(offset));
    expect(last.status, `${offset} ${last.offset} ${last.body}`).toBe(204);
    const id = last.documentId!;
    expect(id).toBeTruthy();
    const got = await fetch(`${b.url}/api/documents/${id}/content`, { headers: auth(user) });
    expect(got.status).toBe(200);
    expect(sha(Buffer.from(await got.arrayBuffer()))).toBe(sha(data));
  }, 120_000);
});
