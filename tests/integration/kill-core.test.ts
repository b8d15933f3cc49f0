import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_MIGRATIONS, migrateCache } from '../../src/main/core/cache/migrations/index.js';
import { bundleChild } from '../helpers/kill/bundle.js';
import {
  checkDatabase,
  checkDocuments,
  serverSnapshot,
  withDb,
  type ServerSnapshot,
} from '../helpers/kill/checks.js';
import { Child, startChild } from '../helpers/kill/child.js';
import { Ledger } from '../helpers/kill/ledger.js';
import { RawDevice, sha256 } from '../helpers/kill/rawDevice.js';
import { createRng, suiteSeed, withSeed, word, type Rng } from '../helpers/kill/rng.js';
import { waitFor } from '../helpers/core.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

/**
 * SIGKILL the desktop core (a child process with a persistent cache) at seeded random
 * moments: while it queues and pushes its outbox, uploads files, applies pulled pages,
 * and migrates its cache. After each kill the cache's integrity check is "ok", the
 * typed documents view agrees with the records, every page is whole, and every write
 * the core accepted is still queued or on the server, never twice; the restarted core
 * gets everything to the server by itself. KILL_SEED replays a run; KILL_CYCLES /
 * KILL_MIGRATION_CYCLES change the number of kills.
 */

const CYCLES = Number(process.env.KILL_CYCLES ?? 38);
const MIGRATION_CYCLES = Number(process.env.KILL_MIGRATION_CYCLES ?? 12);
const PHONE = '+79167654321';

let childFile: string;
const children = new Set<Child>();
let server: TestServer;

beforeAll(async () => {
  childFile = await bundleChild('tests/helpers/kill/core-child.ts');
  server = await startTestServer({ config: { quotaBytes: 50 * 1024 ** 3 } });
});
afterAll(async () => {
  await Promise.all([...children].map((c) => c.kill()));
  await server?.close();
  fs.rmSync(childFile, { force: true });
});

async function startCore(dataDir: string, extra: Record<string, string> = {}) {
  const { child, ready } = await startChild(childFile, {
    KILL_DATA_DIR: dataDir,
    KILL_SERVER_URL: server.url,
    KILL_CHUNK_BYTES: String(64 * 1024),
    KILL_PAGE_SIZE: '25',
    ...extra,
  });
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return { child, ready };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cacheFileOf(dataDir: string): string {
  const accounts = path.join(dataDir, 'accounts');
  return path.join(accounts, fs.readdirSync(accounts)[0]!, 'cache.sqlite');
}

interface CacheState {
  outbox: { type: string; payload: Record<string, unknown> }[];
  uploads: { path: string; state: string }[];
  cursorSeq: number | null;
  folders: Map<string, string>;
  problems: string[];
}

/** The cache as the next start will find it: its outbox, upload queue, cursor, folders, and how consistent it is. */
function readCache(file: string): CacheState {
  return withDb(file, (db) => {
    const problems: string[] = [];
    const records = (
      db.prepare("SELECT count(*) AS n FROM records WHERE entity IN ('folder', 'document')").get() as {
        n: number;
      }
    ).n;
    const items = (db.prepare('SELECT count(*) AS n FROM doc_items').get() as { n: number }).n;
    if (records !== items) problems.push(`${records} folder and document records but ${items} doc_items`);
    const stray = db
      .prepare(
        'SELECT count(*) AS n FROM doc_items d WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = d.id AND r.entity = d.kind)',
      )
      .get() as { n: number };
    if (stray.n > 0) problems.push(`${stray.n} doc_items without their record`);
    try {
      db.exec("INSERT INTO doc_fts (doc_fts) VALUES ('integrity-check')");
    } catch (error) {
      problems.push(`the search index: ${(error as Error).message}`);
    }
    const cursor = (
      db.prepare("SELECT value FROM sync_state WHERE key = 'cursor'").get() as { value: string } | undefined
    )?.value;
    return {
      outbox: (
        db.prepare('SELECT type, payload FROM outbox ORDER BY seq').all() as {
          type: string;
          payload: string;
        }[]
      ).map((r) => ({ type: r.type, payload: JSON.parse(r.payload) as Record<string, unknown> })),
      uploads: db.prepare('SELECT path, state FROM upload_queue').all() as { path: string; state: string }[],
      cursorSeq: cursor ? Number(cursor.split('.')[1]) : null,
      folders: new Map(
        (
          db
            .prepare("SELECT id, json_extract(data, '$.name') AS name FROM records WHERE entity = 'folder'")
            .all() as {
            id: string;
            name: string;
          }[]
        ).map((r) => [r.id, r.name]),
      ),
      problems,
    };
  });
}

/** The server's folders of one user as of feed position `seq`, replayed from the feed. */
function foldersAsOf(dataDir: string, userId: string, seq: number): Map<string, string> {
  const folders = new Map<string, string>();
  withDb(path.join(dataDir, 'sferum.db'), (db) => {
    for (const row of db
      .prepare(
        "SELECT entity_id AS id, op, data FROM changes WHERE user_id = ? AND entity = 'folder' AND seq <= ? ORDER BY seq",
      )
      .iterate(userId, seq) as Iterable<{ id: string; op: string; data: string | null }>) {
      if (row.op === 'put') folders.set(row.id, (JSON.parse(row.data!) as { name: string }).name);
      else folders.delete(row.id);
    }
  });
  return folders;
}

/** A write the core was asked for: `acked` once the core's call returned. */
interface CoreWrite {
  kind: 'profile' | 'folder' | 'rename';
  /** Unique: the patronymic or the folder name it sets. */
  value: string;
  folderId?: string;
  acked: boolean;
}

describe('SIGKILL of the desktop core', () => {
  it('loses no queued write, applies none twice, shows no partial page, and resumes by itself', async () => {
    const seed = suiteSeed();
    await withSeed(seed, 'kill-core', async () => {
      const started = Date.now();
      const rng = createRng(seed);
      const dir = makeTempDir('sferum-kill-core-');
      const dataDir = path.join(dir.path, 'core');
      const filesDir = path.join(dir.path, 'files');
      fs.mkdirSync(filesDir);

      let { child } = await startCore(dataDir);
      const userId = await child.request<string>('signIn', { phone: PHONE });
      const cacheFile = cacheFileOf(dataDir);
      // Another device of the same person, writing what the core has to pull.
      const other = new RawDevice(server.url, `kill-other-${seed}`.padEnd(16, 'x'));
      await other.signIn(PHONE);
      const ledger = new Ledger(rng, () => userId, 'О');
      const otherFolders = new Set<string>();

      const writes: CoreWrite[] = [];
      const files: { path: string; sha256: string; size: number; acked: boolean }[] = [];
      const verified = new Set<string>();
      let counter = 0;
      let kills = 0;
      let checks = 0;
      const phases = { push: 0, upload: 0, pull: 0 };
      const landed: Record<string, number> = {};
      const land = (key: string) => (landed[key] = (landed[key] ?? 0) + 1);

      const nextWrite = (): CoreWrite => {
        const folders = writes.filter((w) => w.kind === 'folder' && w.acked && w.folderId);
        const roll = rng.next();
        const value = word(counter++, 'Я');
        if (roll < 0.3) return { kind: 'profile', value, acked: false };
        if (roll < 0.7 || folders.length === 0) return { kind: 'folder', value, acked: false };
        return { kind: 'rename', value, folderId: rng.pick(folders).folderId!, acked: false };
      };
      const send = async (w: CoreWrite) => {
        writes.push(w);
        if (w.kind === 'profile') await child.request('profile', { patronymic: w.value });
        else if (w.kind === 'folder') w.folderId = await child.request<string>('folder', { name: w.value });
        else await child.request('rename', { id: w.folderId, name: w.value });
        w.acked = true;
      };
      const markOf = (w: CoreWrite) =>
        w.kind === 'profile' ? `profile|${userId}|${w.value}` : `folder|*|${w.value}`;
      const queued = (cache: CacheState, w: CoreWrite) =>
        cache.outbox.some((m) =>
          w.kind === 'profile'
            ? m.type === 'profile.update' && m.payload.patronymic === w.value
            : m.type === (w.kind === 'folder' ? 'folder.create' : 'documents.rename') &&
              m.payload.name === w.value,
        );

      /** Invariants with the core down; `final`: everything acknowledged must be on the server. */
      const verify = (cache: CacheState, snapshot: ServerSnapshot, final: boolean): string[] => {
        const problems = [...cache.problems, ...checkDocuments(server.dataDir, snapshot, verified)];
        for (const w of writes) {
          const n = snapshot.feed.get(markOf(w)) ?? 0;
          if (n > 1) problems.push(`${w.kind} ${w.value} reached the server ${n} times`);
          if (w.acked && n === 0 && (final || !queued(cache, w))) {
            const rejected = [...snapshot.applied.values()].filter((r) => r.includes('rejected'));
            problems.push(
              `${w.kind} ${w.value} was accepted but is neither queued nor on the server ` +
                `(folder ${w.folderId ?? '-'} is "${snapshot.folders.get(w.folderId ?? '')}" there; ` +
                `rejections: ${rejected.join(' ')})`,
            );
          }
        }
        for (const f of files) {
          const n = snapshot.documents.filter((d) => d.sha256 === f.sha256).length;
          if (n > 1) problems.push(`${path.basename(f.path)} is stored ${n} times`);
          if (f.acked && n === 0 && (final || !cache.uploads.some((u) => u.path === f.path))) {
            problems.push(`${path.basename(f.path)} was accepted but is neither queued nor on the server`);
          }
        }
        if (cache.cursorSeq !== null) {
          const expected = foldersAsOf(server.dataDir, userId, cache.cursorSeq);
          for (const id of otherFolders) {
            if (cache.folders.get(id) !== expected.get(id)) {
              problems.push(
                `folder ${id} is "${cache.folders.get(id)}" in the cache, "${expected.get(id)}" at its cursor`,
              );
            }
          }
        }
        checks += writes.length + files.length + otherFolders.size + 4;
        return problems;
      };

      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const phase = (['push', 'upload', 'pull'] as const)[cycle % 3]!;
        phases[phase] += 1;
        const state = { killed: false };
        const kill = async (afterMs: number) => {
          await sleep(afterMs);
          state.killed = true;
          await child.kill();
        };
        const untilKilled = (work: () => Promise<void>) =>
          work().catch((error: unknown) => {
            if (!state.killed) throw error;
          });

        if (phase === 'push') {
          // Writes one after another; each is queued and pushed at once, the kill lands anywhere in that.
          const killing = kill(rng.int(0, 150));
          await untilKilled(async () => {
            while (!state.killed) await send(nextWrite());
          });
          await killing;
        } else if (phase === 'upload') {
          const size = rng.int(200_000, 3_000_000);
          const data = rng.bytes(size);
          const file = path.join(filesDir, `file-${files.length}.bin`);
          fs.writeFileSync(file, data);
          const entry = { path: file, sha256: sha256(data), size, acked: false };
          files.push(entry);
          // While the core adds the file, after it accepted it (hashing, starting), or once
          // its bytes go out (the first progress report, or done already).
          const when = rng.next();
          const early = when < 0.15;
          const onProgress = when >= 0.55;
          const delay = early ? rng.int(0, 20) : onProgress ? rng.int(0, 60) : rng.int(0, 150);
          const name = path.basename(file);
          const sending = onProgress
            ? child
                .waitFor('uploading', 10_000, (m) => (m.names as string[]).includes(name))
                .catch(() => null)
            : null;
          const killing = early ? kill(delay) : null;
          await untilKilled(async () => {
            await child.request('upload', { path: file });
            entry.acked = true;
          });
          if (sending) await sending;
          await (killing ?? kill(delay));
        } else {
          // The other device changes two hundred folders; the core pulls them 25 to a page.
          for (let i = 0; i < 2; i++) {
            const batch = ledger.batch(100);
            ledger.record(batch, await other.push(batch.map((w) => w.mutation)));
          }
          for (const w of ledger.writes) if (w.folder) otherFolders.add(w.folder.id);
          await kill(rng.int(0, 80));
        }
        kills += 1;

        const db = checkDatabase(cacheFile);
        expect(db.integrity, `cache integrity after kill ${kills} (${phase})`).toBe('ok');
        expect(db.version).toBe(CACHE_MIGRATIONS.length);
        const cache = readCache(cacheFile);
        const snapshot = serverSnapshot(server.dataDir, userId);
        expect(verify(cache, snapshot, false), `after kill ${kills} (${phase})`).toEqual([]);
        if (phase === 'pull') {
          land(
            cache.cursorSeq === null
              ? 'pull: no cursor'
              : [...otherFolders].every((id) => cache.folders.get(id) === snapshot.folders.get(id))
                ? 'pull: all pulled'
                : 'pull: part pulled',
          );
        } else if (phase === 'upload') {
          const f = files[files.length - 1]!;
          const row = cache.uploads.find((u) => u.path === f.path);
          const stored = snapshot.documents.some((d) => d.sha256 === f.sha256);
          land(`upload: ${row ? row.state : 'not queued'}${stored ? ', on the server' : ''}`);
        } else {
          land(`push: ${cache.outbox.length > 0 ? 'outbox not empty' : 'outbox empty'}`);
        }
        ({ child } = await startCore(dataDir));
      }

      // The last start: nothing is asked of the core; it must get everything out by itself.
      let last: unknown = null;
      await waitFor(
        async () => {
          const status = await child.request<{ sync: { pending: number }; uploads: { done: number } }>(
            'status',
          );
          last = status;
          const accepted = files.filter((f) => f.acked).length;
          return status.sync.pending === 0 && status.uploads.done >= accepted;
        },
        30_000,
        'the restarted core to push its outbox and finish its uploads',
      ).catch((error: Error) => {
        const stuck = withDb(cacheFile, (db) => ({
          outbox: db.prepare('SELECT type, attempts, last_error FROM outbox').all(),
          uploads: db
            .prepare(
              "SELECT name, state, offset, size, upload_url, error_code, error_message FROM upload_queue WHERE state <> 'done'",
            )
            .all(),
        }));
        throw new Error(
          `${error.message}\nstatus: ${JSON.stringify(last)}\ncache: ${JSON.stringify(stuck)}\ncore log: ${child.log.slice(-3000)}`,
        );
      });
      await waitFor(
        () => {
          const cache = readCache(cacheFile);
          const snapshot = serverSnapshot(server.dataDir, userId);
          return [...snapshot.folders].every(([id, name]) => cache.folders.get(id) === name) &&
            cache.folders.size === snapshot.folders.size
            ? true
            : null;
        },
        10_000,
        "the core's cache to equal the server",
      );
      await child.kill();
      expect(checkDatabase(cacheFile).integrity).toBe('ok');
      const cache = readCache(cacheFile);
      const snapshot = serverSnapshot(server.dataDir, userId);
      expect(verify(cache, snapshot, true), 'after the last restart').toEqual([]);
      for (const f of files.filter((x) => x.acked)) {
        const doc = snapshot.documents.find((d) => d.sha256 === f.sha256);
        expect(doc?.size, `${path.basename(f.path)} on the server`).toBe(f.size);
      }
      console.log(
        `kill-core: seed ${seed}, ${kills} kills (${JSON.stringify(phases)}), ${checks} invariant checks, ` +
          `${writes.length} core writes (${writes.filter((w) => w.acked).length} accepted), ${files.length} uploads, ` +
          `${ledger.writes.length} writes of the other device, ${Date.now() - started} ms; landed: ${JSON.stringify(landed)}`,
      );
      dir.remove();
    });
  }, 180_000);

  it('during its cache migration leaves the old or the new schema, intact, and the next start completes it and pushes the outbox once', async () => {
    const seed = suiteSeed();
    await withSeed(seed, 'kill-core-migration', async () => {
      const started = Date.now();
      const rng = createRng(seed);
      const dir = makeTempDir('sferum-kill-core-migration-');
      const template = path.join(dir.path, 'template');
      const { userId, queued } = await buildOldCache(template, rng);
      const before = oldCacheRows(cacheFileOf(template));
      const run = (n: number) => {
        const target = path.join(dir.path, `run-${n}`);
        fs.cpSync(template, target, { recursive: true });
        return target;
      };

      // How long createCore takes here with the migration in it: the kills land within it.
      const calibration = await startCore(run(0));
      const startMs = calibration.ready.startMs as number;
      await calibration.child.kill();

      const versions: Record<string, number> = {};
      for (let i = 1; i <= MIGRATION_CYCLES; i++) {
        const dataDir = run(i);
        const file = cacheFileOf(dataDir);
        const delay = rng.next() * startMs * 1.5;
        const doomed = new Child(childFile, {
          KILL_DATA_DIR: dataDir,
          KILL_SERVER_URL: server.url,
          KILL_OPEN_KILL_MS: String(delay),
        });
        children.add(doomed);
        const { signal } = await doomed.exited;
        children.delete(doomed);
        expect(signal, doomed.log).toBe('SIGKILL');
        const after = checkDatabase(file);
        versions[after.version] = (versions[after.version] ?? 0) + 1;
        expect(after.integrity, `integrity after a kill ${delay.toFixed(1)} ms into createCore`).toBe('ok');
        expect([1, CACHE_MIGRATIONS.length]).toContain(after.version);
        expect(oldCacheRows(file), 'the records cached before the migration').toEqual(before);
        const snapshot = serverSnapshot(server.dataDir, userId);
        const outbox = withDb(
          file,
          (db) => db.prepare('SELECT payload FROM outbox').pluck().all() as string[],
        );
        for (const name of queued) {
          const n = snapshot.feed.get(`folder|*|${name}`) ?? 0;
          expect(n, `${name} on the server`).toBeLessThanOrEqual(1);
          if (n === 0)
            expect(
              outbox.some((p) => p.includes(name)),
              `${name} still queued`,
            ).toBe(true);
        }

        // The next start migrates, and pushes what was queued before the upgrade.
        const { child } = await startCore(dataDir);
        await waitFor(
          async () => (await child.request<{ sync: { pending: number } }>('status')).sync.pending === 0,
          15_000,
          'the migrated core to push its outbox',
        );
        await child.kill();
        const done = checkDatabase(file);
        expect(done.integrity).toBe('ok');
        expect(done.version).toBe(CACHE_MIGRATIONS.length);
        expect(oldCacheRows(file)).toEqual(before);
        expect(readCache(file).problems).toEqual([]);
        const pushed = serverSnapshot(server.dataDir, userId);
        for (const name of queued)
          expect(pushed.feed.get(`folder|*|${name}`), `${name} on the server`).toBe(1);
      }
      console.log(
        `kill-core-migration: seed ${seed}, ${MIGRATION_CYCLES} kills within a createCore of ${startMs.toFixed(0)} ms ` +
          `(cache schema 1 → ${CACHE_MIGRATIONS.length}, ${OLD_RECORDS} records, ${queued.length} queued writes); ` +
          `version found after the kill: ${JSON.stringify(versions)}; ${Date.now() - started} ms`,
      );
      dir.remove();
    });
  }, 120_000);
});

const OLD_RECORDS = 10_000;

/**
 * A signed-in core's data directory whose cache is at schema 1, as an older app left
 * it: the real session and cursor, OLD_RECORDS folders and documents cached, and
 * folder creations still queued in the outbox (with their optimistic records).
 */
async function buildOldCache(dataDir: string, rng: Rng): Promise<{ userId: string; queued: string[] }> {
  const { child } = await startCore(dataDir);
  const userId = await child.request<string>('signIn', { phone: '+79167650000' });
  await waitFor(
    async () => (await child.request<{ sync: { state: string } }>('status')).sync.state === 'online',
  );
  await child.kill();
  const file = cacheFileOf(dataDir);
  const state = withDb(
    file,
    (db) => db.prepare('SELECT key, value FROM sync_state').all() as { key: string; value: string }[],
  );
  const records = withDb(
    file,
    (db) => db.prepare('SELECT entity, id, data FROM records').all() as Record<string, string>[],
  );
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrateCache(db, CACHE_MIGRATIONS, 1);
  const putRecord = db.prepare('INSERT INTO records (entity, id, data) VALUES (@entity, @id, @data)');
  const queue = db.prepare(
    `INSERT INTO outbox (mutation_id, user_id, type, payload, before, created_at) VALUES (?, ?, 'folder.create', ?, NULL, ?)`,
  );
  const at = '2025-09-01T08:00:00.000Z';
  const queued: string[] = [];
  db.transaction(() => {
    for (const row of records) putRecord.run(row);
    for (const row of state)
      db.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?)').run(row.key, row.value);
    for (let i = 0; i < OLD_RECORDS; i++) {
      const folder = i % 10 === 0;
      const id = `old-${i}-${rng.int(0, 1e9)}`.padEnd(12, 'x');
      const name = folder ? `Папка ${i}` : `Документ ${i}.pdf`;
      const data = folder
        ? { id, parentId: null, name, createdAt: at, updatedAt: at, trashedAt: null, trashRoot: null }
        : {
            id,
            folderId: null,
            name,
            size: 1000 + i,
            mime: 'application/pdf',
            sha256: 'x',
            createdAt: at,
            updatedAt: at,
            trashedAt: null,
            trashRoot: null,
          };
      putRecord.run({ entity: folder ? 'folder' : 'document', id, data: JSON.stringify(data) });
    }
    for (let i = 0; i < 15; i++) {
      const id = `queued-${i}-${rng.int(0, 1e9)}`.padEnd(12, 'x');
      const name = word(i, 'М');
      const payload = { id, parentId: null, name };
      queue.run(`mutation-${seedTag(rng)}-${i}`, userId, JSON.stringify(payload), at);
      putRecord.run({
        entity: 'folder',
        id,
        data: JSON.stringify({ ...payload, createdAt: at, updatedAt: at, trashedAt: null, trashRoot: null }),
      });
      queued.push(name);
    }
  })();
  db.close();
  return { userId, queued };
}

function seedTag(rng: Rng): string {
  return rng.int(0, 2 ** 30).toString(36);
}

/** The records an old cache held (not the ones the server sends later), as one hash. */
function oldCacheRows(file: string): string {
  return withDb(file, (db) =>
    sha256(
      Buffer.from(
        JSON.stringify(
          db.prepare("SELECT entity, id, data FROM records WHERE id LIKE 'old-%' ORDER BY id").all(),
        ),
      ),
    ),
  );
}
