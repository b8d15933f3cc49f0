/**
 * Cold sync benchmark: N change records from a real server on loopback into an
 * empty cache through the real client core, against a raw better-sqlite3 bulk
 * insert of the same rows measured in the same run.
 *
 *   npm run bench:sync            (10,000, 100,000 and 1,000,000 records)
 *   npm run bench:sync -- 5000    (one size)
 *
 * Last line: `sync rows/s: N; ratio to raw insert: R; rows/s 1M/10k: F` (N and R for the
 * largest size; F, how flat the rate stays as the cache grows, when both sizes ran).
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startTestServer } from '../tests/helpers/server.js';
import { createTestCore, randomPhone, signInAs } from '../tests/helpers/core.js';

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const SIZES = sizes.length > 0 ? sizes : [10_000, 100_000, 1_000_000];

function classRecord(i: number) {
  return {
    id: randomUUID(),
    name: `${(i % 11) + 1} ${'АБВГД'[i % 5]}`,
    schoolId: 'bench-school',
    position: i,
  };
}

async function measureSync(count: number): Promise<number> {
  const server = await startTestServer();
  const setup = await createTestCore({ serverUrl: server.url });
  const phone = randomPhone();
  const profile = await signInAs(setup.core, phone);
  await setup.dispose();

  // The user's feed gets `count` records, as if a school had that many classes, written
  // straight into the server's database (what the server would have appended over time).
  seedFeed(join(server.dataDir, 'sferum.db'), profile.id, count);

  const client = await createTestCore({ serverUrl: server.url });
  const started = performance.now();
  await signInAs(client.core, phone);
  const status = await client.core.syncNow();
  const seconds = (performance.now() - started) / 1000;
  if (status.state !== 'online') throw new Error(`Sync ended ${status.state}: ${status.lastError?.message}`);

  const rows = countRecords(client.dataDir);
  await client.dispose();
  await server.close();
  if (rows < count) throw new Error(`Only ${rows} of ${count} records reached the cache`);
  return count / seconds;
}

function seedFeed(file: string, userId: string, count: number): void {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  const append = db.prepare(
    "INSERT INTO changes (user_id, entity, entity_id, op, data, created_at) VALUES (?, 'class', ?, 'put', ?, ?)",
  );
  const createdAt = new Date().toISOString();
  const STEP = 50_000;
  for (let from = 0; from < count; from += STEP) {
    db.transaction(() => {
      for (let i = from; i < Math.min(count, from + STEP); i++) {
        const record = classRecord(i);
        append.run(userId, record.id, JSON.stringify(record), createdAt);
      }
    })();
  }
  db.close();
}

function countRecords(dataDir: string): number {
  // One local account: its cache is the only cache.sqlite under accounts/.
  const accounts = readdirSync(join(dataDir, 'accounts'));
  let total = 0;
  for (const id of accounts) {
    const db = new Database(join(dataDir, 'accounts', id, 'cache.sqlite'), { readonly: true });
    total += (db.prepare("SELECT count(*) AS n FROM records WHERE entity = 'class'").get() as { n: number })
      .n;
    db.close();
  }
  return total;
}

function measureRawInsert(count: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'sferum-bench-raw-'));
  const db = new Database(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE records (entity TEXT NOT NULL, id TEXT NOT NULL, data TEXT, PRIMARY KEY (entity, id))',
  );
  const rows = Array.from({ length: count }, (_, i) => classRecord(i));
  const insert = db.prepare('INSERT OR REPLACE INTO records (entity, id, data) VALUES (?, ?, ?)');
  const started = performance.now();
  db.transaction(() => {
    for (const row of rows) insert.run('class', row.id, JSON.stringify(row));
  })();
  const seconds = (performance.now() - started) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return count / seconds;
}

let last = { sync: 0, ratio: 0 };
const rates = new Map<number, number>();
for (const count of SIZES) {
  const raw = measureRawInsert(count);
  const sync = await measureSync(count);
  const ratio = sync / raw;
  console.log(
    `${count.toLocaleString('en')} records: sync ${Math.round(sync).toLocaleString('en')} rows/s, ` +
      `raw insert ${Math.round(raw).toLocaleString('en')} rows/s, ratio ${ratio.toFixed(3)}`,
  );
  last = { sync, ratio };
  rates.set(count, sync);
}
// How flat the cold sync stays as the cache grows: rows/s at 1,000,000 over rows/s at 10,000.
const flat = rates.has(1_000_000) && rates.has(10_000) ? rates.get(1_000_000)! / rates.get(10_000)! : NaN;
console.log(
  `sync rows/s: ${Math.round(last.sync)}; ratio to raw insert: ${last.ratio.toFixed(3)}; ` +
    `rows/s 1M/10k: ${Number.isNaN(flat) ? 'n/a' : flat.toFixed(2)}`,
);
