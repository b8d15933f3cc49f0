import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPragmas } from '../../src/server/store/db.js';
import { hashToken } from '../../src/server/auth/tokens.js';
import { migrate } from '../../src/server/store/migrate.js';
import { MIGRATIONS } from '../../src/server/store/migrations/index.js';
import { createTestCore, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { bundleChild } from '../helpers/kill/bundle.js';
import {
  checkDatabase,
  checkDocuments,
  orphanBlobs,
  serverSnapshot,
  withDb,
  type ServerSnapshot,
} from '../helpers/kill/checks.js';
import { Child, startChild } from '../helpers/kill/child.js';
import { Ledger } from '../helpers/kill/ledger.js';
import { RawDevice, runUpload, sha256, type RawUpload } from '../helpers/kill/rawDevice.js';
import { createRng, suiteSeed, withSeed, word, type Rng } from '../helpers/kill/rng.js';
import { makeTempDir } from '../helpers/tempDir.js';

/**
 * SIGKILL the platform server at seeded random moments, during tus uploads, pushes of
 * mutations and pulls of the feed, and during its migrations; after each kill the data
 * directory must hold every acknowledged write exactly once, only complete documents,
 * and a database whose integrity check is "ok". A raw device counts what the server
 * acknowledged; a real core in this process must find its way back by itself.
 * KILL_SEED replays a run; KILL_CYCLES / KILL_MIGRATION_CYCLES change the number of kills.
 */

const CYCLES = Number(process.env.KILL_CYCLES ?? 40);
const MIGRATION_CYCLES = Number(process.env.KILL_MIGRATION_CYCLES ?? 12);
const CHUNK = 128 * 1024;
const PHONE = '+79161234567';

let childFile: string;
const children = new Set<Child>();

beforeAll(async () => {
  childFile = await bundleChild('tests/helpers/kill/server-child.ts');
});
afterAll(async () => {
  await Promise.all([...children].map((c) => c.kill()));
  fs.rmSync(childFile, { force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startServer(dataDir: string, port: number, extra: Record<string, string> = {}) {
  const { child, ready } = await startChild(childFile, {
    KILL_DATA_DIR: dataDir,
    KILL_PORT: String(port),
    ...extra,
  });
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return { child, ready };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` until the kill; errors after the kill are the kill's, before it a failure. */
function untilKilled(state: { killed: boolean }, work: () => Promise<void>): Promise<void> {
  return work().catch((error: unknown) => {
    if (!state.killed) throw error;
  });
}

/** How far an upload had got when the server died. */
function uploadStage(dataDir: string, upload: RawUpload, snapshot: ServerSnapshot): string {
  if (snapshot.documents.some((d) => d.sha256 === upload.sha256)) {
    return upload.documentId ? 'document, answered' : 'document, answer lost';
  }
  const id = upload.url?.split('/').pop();
  if (!id) return 'not created';
  const temp = path.join(dataDir, 'uploads', id);
  if (!fs.existsSync(temp)) return 'temp file gone, no document';
  const size = fs.statSync(temp).size;
  return size === upload.size ? 'every byte, not finished' : size === 0 ? 'no byte yet' : 'part of the bytes';
}

describe('SIGKILL of the platform server', () => {
  it('keeps every acknowledged write exactly once and only complete documents, and clients resume by themselves', async () => {
    const seed = suiteSeed();
    await withSeed(seed, 'kill-server', async () => {
      const started = Date.now();
      const rng = createRng(seed);
      const dir = makeTempDir('sferum-kill-server-');
      const dataDir = path.join(dir.path, 'server');
      const filesDir = path.join(dir.path, 'files');
      fs.mkdirSync(filesDir);
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      let { child } = await startServer(dataDir, port);

      const raw = new RawDevice(url, `kill-raw-${seed}`.padEnd(16, 'x'));
      const userId = await raw.signIn(PHONE);
      const ledger = new Ledger(rng, () => userId);
      const uploads: RawUpload[] = [];
      const verified = new Set<string>();

      // A real core on the same account, queueing its own writes throughout.
      let tc: TestCore | null = await createTestCore({
        serverUrl: url,
        timing: { backoffBaseMs: 20, backoffMaxMs: 150, infoTimeoutMs: 2000, random: rng.next, pageSize: 50 },
        uploads: { chunkBytes: 64 * 1024, retryBaseMs: 20, retryMaxMs: 150 },
      });
      await signInAs(tc.core, PHONE);
      const coreMarks: string[] = [];
      const coreFiles: { sha256: string; size: number }[] = [];

      // A cold pull that goes on across kills: the replayed feed must end equal to the server.
      const pulled = { cursor: null as string | null, folders: new Map<string, string>() };
      const pullPage = async () => {
        const page = await raw.pull(pulled.cursor, 50);
        for (const change of page.changes) {
          if (change.entity !== 'folder') continue;
          if (change.op === 'put') pulled.folders.set(change.id, (change.data as { name: string }).name);
          else pulled.folders.delete(change.id);
        }
        pulled.cursor = page.cursor;
        return page.hasMore;
      };

      let kills = 0;
      let checks = 0;
      const phases = { upload: 0, push: 0, pull: 0, refresh: 0 };
      /** Where the kills landed: how much of the batch in flight was applied, how far the upload got. */
      const landed: Record<string, number> = {};
      const land = (key: string) => (landed[key] = (landed[key] ?? 0) + 1);
      let inFlight: { batch: string[]; upload: RawUpload | null } = { batch: [], upload: null };

      const verify = (snapshot: ServerSnapshot, final: boolean) => {
        const problems = [...ledger.check(snapshot, final), ...checkDocuments(dataDir, snapshot, verified)];
        for (const upload of uploads) {
          const docs = snapshot.documents.filter((d) => d.sha256 === upload.sha256);
          if (upload.documentId && (docs.length !== 1 || docs[0]!.id !== upload.documentId)) {
            problems.push(
              `acknowledged upload ${upload.name} is not its one document: ${JSON.stringify(docs)}`,
            );
          }
          if (final && docs.length !== 1) problems.push(`${upload.name} is stored ${docs.length} times`);
        }
        for (const mark of coreMarks) {
          const n = snapshot.feed.get(mark) ?? 0;
          if (n > 1 || (final && n !== 1))
            problems.push(`the core's write ${mark} is in the feed ${n} times`);
        }
        for (const file of coreFiles) {
          const n = snapshot.documents.filter((d) => d.sha256 === file.sha256).length;
          if (n > 1 || (final && n !== 1))
            problems.push(`the core's upload of ${file.size} bytes is stored ${n} times`);
        }
        checks += ledger.writes.length + uploads.length + coreMarks.length + coreFiles.length;
        return problems;
      };

      const newFile = (prefix: string, size: number) => {
        const data = rng.bytes(size);
        const name = `${prefix}-${uploads.length + coreFiles.length}.bin`;
        const file = path.join(filesDir, name);
        fs.writeFileSync(file, data);
        return { name, file, size, sha256: sha256(data) };
      };

      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const phase = (['upload', 'push', 'pull', 'refresh'] as const)[cycle % 4]!;
        phases[phase] += 1;
        const state = { killed: false };
        const kill = async (afterMs: number) => {
          await sleep(afterMs);
          state.killed = true;
          await child.kill();
        };

        // The core queues a write each cycle, and a file every third; they go out whenever they can.
        const core = tc.core;
        if (cycle % 2 === 0) {
          const patronymic = word(cycle, 'Я');
          core.updateProfile({ surname: 'Петрова', name: 'Мария', patronymic });
          coreMarks.push(`profile|${userId}|${patronymic}`);
        } else {
          const name = word(cycle, 'Ф');
          const { id } = core.documents.createFolder(null, name);
          coreMarks.push(`folder|${id}|${name}`);
        }
        if (cycle % 3 === 1) {
          const f = newFile('core', rng.int(100_000, 1_500_000));
          await core.documents.enqueuePaths([f.file], null);
          coreFiles.push({ sha256: f.sha256, size: f.size });
        }

        if (phase === 'push') {
          const killing = kill(rng.int(0, 80));
          await untilKilled(state, async () => {
            while (!state.killed) {
              const batch = ledger.batch(rng.int(20, 100));
              inFlight.batch = batch.map((w) => w.mark);
              ledger.record(batch, await raw.push(batch.map((w) => w.mutation)));
              inFlight.batch = [];
            }
          });
          await killing;
        } else if (phase === 'upload') {
          const f = newFile('raw', rng.int(64 * 1024, 3 * 1024 * 1024));
          const upload: RawUpload = { ...f, path: f.file, url: null, documentId: null, attempts: 0 };
          uploads.push(upload);
          inFlight.upload = upload;
          // Anywhere in the bytes, or right after the last one (the server finishing the document).
          const atEnd = rng.next() < 0.4;
          const killAt = atEnd ? upload.size : rng.int(0, upload.size);
          const extra = atEnd ? rng.int(0, 25) : rng.int(0, 3);
          let sent = 0;
          const trigger: { killing: Promise<void> | null } = { killing: null };
          await untilKilled(state, async () => {
            for (const u of uploads.filter((x) => !x.documentId)) {
              await runUpload(raw.tus, u, CHUNK, (n) => {
                if (u !== upload) return;
                sent += n;
                if (sent >= killAt && !trigger.killing) trigger.killing = kill(extra);
              });
            }
          });
          await (trigger.killing ?? kill(extra));
        } else if (phase === 'refresh') {
          // Token refreshes back to back: the kill may land after one committed, before its answer.
          const killing = kill(rng.int(0, 30));
          await untilKilled(state, async () => {
            while (!state.killed) await raw.client.refresh();
          });
          await killing;
        } else {
          // Writes for the core to pull, then the raw device's pull (cold again whenever it
          // reaches the end); the kill lands in both.
          const batch = ledger.batch(100);
          ledger.record(batch, await raw.push(batch.map((w) => w.mutation)));
          const killing = kill(rng.int(0, 60));
          await untilKilled(state, async () => {
            while (!state.killed) {
              if (!(await pullPage())) Object.assign(pulled, { cursor: null, folders: new Map() });
            }
          });
          await killing;
        }
        kills += 1;

        const db = checkDatabase(path.join(dataDir, 'sferum.db'));
        expect(db.integrity, `integrity after kill ${kills} (${phase})`).toBe('ok');
        expect(db.foreignKeys, `foreign keys after kill ${kills}`).toBe(0);
        const snapshot = serverSnapshot(dataDir, userId);
        expect(verify(snapshot, false), `after kill ${kills} (${phase})`).toEqual([]);
        if (phase === 'push') {
          const applied = inFlight.batch.filter((mark) => snapshot.feed.has(mark)).length;
          land(
            inFlight.batch.length === 0
              ? 'push: between batches'
              : applied === 0
                ? 'push: batch not started'
                : applied === inFlight.batch.length
                  ? 'push: batch applied, answer lost'
                  : 'push: batch half applied',
          );
        } else if (phase === 'refresh') {
          const held = withDb(path.join(dataDir, 'sferum.db'), (d) =>
            d
              .prepare('SELECT used_at AS usedAt FROM refresh_tokens WHERE token_hash = ?')
              .get(hashToken(raw.tokens!.refreshToken)),
          ) as { usedAt: string | null };
          land(held.usedAt ? 'refresh: committed, answer lost' : 'refresh: the held token still current');
        } else if (phase === 'upload' && inFlight.upload) {
          land(`upload: ${uploadStage(dataDir, inFlight.upload, snapshot)}`);
        }
        inFlight = { batch: [], upload: null };
        ({ child } = await startServer(dataDir, port));
        // The session outlives the kill: the held refresh token still refreshes.
        if (phase === 'refresh') await raw.client.refresh();
      }

      // The last start: finish what the raw device has open, and let the core catch up by itself.
      while (ledger.unanswered > 0) {
        const batch = ledger.batch(0);
        ledger.record(batch, await raw.push(batch.map((w) => w.mutation)));
      }
      for (const u of uploads.filter((x) => !x.documentId)) await runUpload(raw.tus, u, CHUNK);
      const coreDb = path.join(tc.dataDir, 'accounts');
      const cacheFile = path.join(coreDb, fs.readdirSync(coreDb)[0]!, 'cache.sqlite');
      await waitFor(
        async () => {
          const status = tc!.core.getSyncStatus();
          const total = tc!.core.documents.uploads.state().total;
          return status.pending === 0 && total.done === coreFiles.length;
        },
        30_000,
        "the core's outbox and uploads to drain after the last restart",
      );
      await tc.core.syncNow();
      // Only now is every write in (the core's last folders too): read the feed to its end.
      while (await pullPage());
      const serverFolders = withDb(path.join(dataDir, 'sferum.db'), (d) =>
        d.prepare('SELECT id, name FROM folders WHERE owner_id = ? ORDER BY id').all(userId),
      );
      const cachedFolders = withDb(
        cacheFile,
        (d) =>
          d
            .prepare(
              "SELECT id, json_extract(data, '$.name') AS name FROM records WHERE entity = 'folder' ORDER BY id",
            )
            .all() as {
            id: string;
            name: string;
          }[],
      );
      expect(cachedFolders, "the core's cache equals the server").toEqual(serverFolders);
      await tc.dispose();
      tc = null;
      await child.kill();

      const snapshot = serverSnapshot(dataDir, userId);
      expect(checkDatabase(path.join(dataDir, 'sferum.db')).integrity).toBe('ok');
      expect(verify(snapshot, true), 'after the last restart').toEqual([]);
      const replayGaps = [...snapshot.folders]
        .filter(([id, name]) => pulled.folders.get(id) !== name)
        .map(([id, name]) => `${id}: "${pulled.folders.get(id)}" replayed, "${name}" on the server`);
      expect(replayGaps, 'the feed replayed across kills').toEqual([]);
      expect(pulled.folders.size).toBe(snapshot.folders.size);
      const orphans = orphanBlobs(snapshot);
      console.log(
        `kill-server: seed ${seed}, ${kills} kills (${JSON.stringify(phases)}), ${checks} invariant checks, ` +
          `${ledger.writes.length} raw writes, ${uploads.length} raw uploads (${uploads.reduce((n, u) => n + u.attempts, 0)} tus uploads), ` +
          `${coreMarks.length} core writes, ${coreFiles.length} core uploads, ${Date.now() - started} ms; ` +
          `${orphans.length} blobs left without a document; ` +
          `landed: ${JSON.stringify(landed)}`,
      );
      expect(orphans, 'blobs no document points at').toEqual([]);
      dir.remove();
    });
  }, 180_000);

  it('during a migration leaves the old or the new schema, intact, and the next start completes it', async () => {
    const seed = suiteSeed();
    await withSeed(seed, 'kill-server-migration', async () => {
      const started = Date.now();
      const rng = createRng(seed);
      const dir = makeTempDir('sferum-kill-server-migration-');
      const template = path.join(dir.path, 'template.db');
      const OLD = 3;
      buildOldServerDatabase(template, OLD, rng);
      const before = oldTables(template);
      const port = await freePort();
      const run = (n: number) => {
        const dataDir = path.join(dir.path, `run-${n}`);
        fs.mkdirSync(dataDir);
        fs.copyFileSync(template, path.join(dataDir, 'sferum.db'));
        return dataDir;
      };

      // How long the open (with its migrations) takes here: the kills land within it.
      const calibration = await startServer(run(0), port, { KILL_MIGRATION: '1' });
      const openMs = calibration.ready.openMs as number;
      await calibration.child.kill();

      const versions: Record<string, number> = {};
      for (let i = 1; i <= MIGRATION_CYCLES; i++) {
        const dataDir = run(i);
        const file = path.join(dataDir, 'sferum.db');
        const delay = rng.next() * openMs * 1.3;
        const { child: doomed } = await startChildKilled(dataDir, port, delay);
        await doomed;
        const wal = fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0;
        const after = checkDatabase(file);
        const key = after.version === OLD ? `old${wal > 0 ? ', with uncommitted WAL frames' : ''}` : 'new';
        versions[key] = (versions[key] ?? 0) + 1;
        expect(after.integrity, `integrity after a kill ${delay.toFixed(2)} ms into the open`).toBe('ok');
        expect([OLD, MIGRATIONS.length]).toContain(after.version);
        expect(oldTables(file), 'the rows written before the migration').toEqual(before);

        const { child } = await startServer(dataDir, port);
        expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
        await child.kill();
        const done = checkDatabase(file);
        expect(done.integrity).toBe('ok');
        expect(done.version).toBe(MIGRATIONS.length);
        expect(oldTables(file)).toEqual(before);
      }
      console.log(
        `kill-server-migration: seed ${seed}, ${MIGRATION_CYCLES} kills within an open of ${openMs.toFixed(1)} ms ` +
          `(schema ${OLD} → ${MIGRATIONS.length}); version found after the kill: ${JSON.stringify(versions)}; ${Date.now() - started} ms`,
      );
      dir.remove();
    });
  }, 120_000);
});

/** Starts a server child armed to SIGKILL itself `delayMs` into opening its database; resolves when it is gone. */
async function startChildKilled(dataDir: string, port: number, delayMs: number) {
  const child = new Child(childFile, {
    KILL_DATA_DIR: dataDir,
    KILL_PORT: String(port),
    KILL_MIGRATION: '1',
    KILL_OPEN_KILL_MS: String(delayMs),
  });
  children.add(child);
  return {
    child: child.exited.then(({ code, signal }) => {
      children.delete(child);
      if (signal !== 'SIGKILL')
        throw new Error(`the child ended with ${signal} (code ${code}), not SIGKILL\n${child.log}`);
    }),
  };
}

/** A server database at schema `version` with people, sessions and a feed in it. */
function buildOldServerDatabase(file: string, version: number, rng: Rng): void {
  const db = new Database(file);
  applyPragmas(db);
  migrate(db, MIGRATIONS, version);
  const at = '2025-01-01T00:00:00.000Z';
  const user = db.prepare(
    `INSERT INTO users (id, role, surname, name, patronymic, phone, created_at, updated_at)
     VALUES (?, 'parent', ?, 'Мария', '', ?, ?, ?)`,
  );
  const session = db.prepare(
    `INSERT INTO sessions (id, user_id, device_id, device_name, created_at, last_seen_at, expires_at)
     VALUES (?, ?, ?, 'Ноутбук', ?, ?, ?)`,
  );
  const change = db.prepare(
    `INSERT INTO changes (user_id, entity, entity_id, op, data, created_at) VALUES (?, 'profile', ?, 'put', ?, ?)`,
  );
  const access = db.prepare(
    'INSERT INTO access_tokens (token_hash, session_id, expires_at) VALUES (?, ?, ?)',
  );
  // Enough tokens that migration 0007 (an index over them) takes a while.
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) {
      const id = `user-${i}`;
      user.run(id, word(rng.int(0, 1e6), 'Ф'), `+7916${String(i).padStart(7, '0')}`, at, at);
      session.run(`session-${i}`, id, `device-${i}`.padEnd(16, 'x'), at, at, at);
      for (let j = 0; j < 3; j++) change.run(id, id, JSON.stringify({ id, n: j }), at);
      for (let j = 0; j < 8; j++) access.run(`${i}-${j}-${rng.int(0, 1e9)}`, `session-${i}`, at);
    }
  })();
  db.close();
}

/** The rows the old database was built with (the demo seed adds its own at start), as one hash. */
function oldTables(file: string): string {
  return withDb(file, (db) =>
    sha256(
      Buffer.from(
        JSON.stringify([
          db.prepare("SELECT * FROM users WHERE id LIKE 'user-%' ORDER BY id").all(),
          db.prepare("SELECT * FROM sessions WHERE id LIKE 'session-%' ORDER BY id").all(),
          db.prepare("SELECT * FROM changes WHERE user_id LIKE 'user-%' ORDER BY seq").all(),
          db.prepare('SELECT token_hash, session_id, expires_at FROM access_tokens ORDER BY rowid').all(),
        ]),
      ),
    ),
  );
}
