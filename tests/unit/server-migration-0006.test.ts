import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPragmas, type Db } from '../../src/server/store/db.js';
import { migrate, schemaVersion } from '../../src/server/store/migrate.js';
import { MIGRATIONS } from '../../src/server/store/migrations/index.js';
import { RateLimiter } from '../../src/server/rateLimit.js';
import { SqliteRateLimitStore } from '../../src/server/store/sqlite/rateLimits.js';
import { SqliteSupportStore } from '../../src/server/store/sqlite/support.js';
import { standalone } from '../../src/server/store/sqlite/sync.js';
import type { SupportStore } from '../../src/server/store/types.js';
import { SupportTickets } from '../../src/server/support/tickets.js';

const T = '2026-01-01T00:00:00.000Z';
let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-migration-0006-'));
  db = new Database(path.join(dir, 'test.db'));
  applyPragmas(db);
});
afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('server migration 0006-support', () => {
  it('keeps the people and adds support tickets that the admin tool can list and close', async () => {
    migrate(db, MIGRATIONS, 5);
    db.prepare(
      `INSERT INTO users (id, role, surname, name, patronymic, phone, created_at, updated_at)
       VALUES ('p1', 'parent', 'Петрова', 'Мария', 'Ивановна', '+79000000009', ?, ?)`,
    ).run(T, T);
    migrate(db, MIGRATIONS, 6);
    expect(schemaVersion(db)).toBe(6);
    expect(db.prepare('SELECT surname FROM users WHERE id = ?').get('p1')).toEqual({ surname: 'Петрова' });

    const now = () => Date.parse(T);
    const tickets = new SupportTickets(
      standalone<SupportStore>(new SqliteSupportStore(db)),
      now,
      new RateLimiter(now, new SqliteRateLimitStore()),
    );
    const ticket = await tickets.create('p1', { text: 'Не приходит SMS', diagnostics: null });
    expect(ticket.number).toBe(1);
    expect(await tickets.list()).toMatchObject([
      {
        number: 1,
        userName: 'Петрова Мария Ивановна',
        contact: '+79000000009',
        text: 'Не приходит SMS',
        status: 'open',
      },
    ]);
    expect(await tickets.close(1)).toBe(true);
    expect(await tickets.close(1)).toBe(false);
    expect(await tickets.list()).toEqual([]);
    expect((await tickets.list('all'))[0]?.status).toBe('closed');
  });
});
