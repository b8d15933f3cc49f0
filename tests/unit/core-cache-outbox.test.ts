import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CacheDatabase, openCacheDatabase } from '../../src/main/core/cache/db.js';
import { createRecordStore, type RecordStore } from '../../src/main/core/cache/records.js';
import { queueMutation, rebasePending, rollBack } from '../../src/main/core/sync/mutations.js';
import { createOutbox, type Outbox } from '../../src/main/core/sync/outbox.js';
import { makeTempDir } from '../helpers/tempDir.js';

const profile = (id: string, name = 'Мария') => ({
  id,
  role: 'parent',
  surname: 'Иванова',
  name,
  patronymic: 'Петровна',
  phone: '+79123456789',
  email: null,
  birthDate: null,
  school: null,
  class: null,
  updatedAt: '2025-01-01T00:00:00.000Z',
});

let dir: ReturnType<typeof makeTempDir>;
let db: CacheDatabase;
let records: RecordStore;
let outbox: Outbox;
const file = () => join(dir.path, 'cache.sqlite');

beforeEach(() => {
  dir = makeTempDir();
  db = openCacheDatabase(file());
  records = createRecordStore(db);
  outbox = createOutbox(db);
});
afterEach(() => {
  if (db.open) db.close();
  dir.remove();
});

describe('record store', () => {
  it('applies a page and its cursor together and reports the touched kinds', () => {
    const touched = records.applyPage(
      [
        { entity: 'profile', id: 'u1', op: 'put', data: profile('u1') },
        { entity: 'school', id: 's1', op: 'put', data: { id: 's1', name: 'Школа 1' } },
        { entity: 'school', id: 's1', op: 'delete', data: null },
      ],
      'c1',
    );
    expect(touched.sort()).toEqual(['profile', 'school']);
    expect(records.get('profile', 'u1')).toMatchObject({ name: 'Мария' });
    expect(records.get('school', 's1')).toBeNull();
    expect(records.getState('cursor')).toBe('c1');
  });

  it('rolls back the whole page, cursor included, when the page fails half-way', () => {
    records.applyPage([{ entity: 'profile', id: 'u1', op: 'put', data: profile('u1') }], 'c1');
    expect(() =>
      records.applyPage([{ entity: 'profile', id: 'u1', op: 'put', data: profile('u1', 'Анна') }], 'c2', {
        inside: () => {
          throw new Error('boom');
        },
      }),
    ).toThrow('boom');
    expect(records.get('profile', 'u1')).toMatchObject({ name: 'Мария' });
    expect(records.getState('cursor')).toBe('c1');
  });

  it('a reset page replaces every record and reports the kinds that were dropped', () => {
    records.applyPage(
      [
        { entity: 'profile', id: 'u1', op: 'put', data: profile('u1') },
        { entity: 'school', id: 's1', op: 'put', data: { id: 's1', name: 'Школа 1' } },
      ],
      'c1',
    );
    const touched = records.applyPage(
      [{ entity: 'profile', id: 'u1', op: 'put', data: profile('u1') }],
      'x1',
      {
        reset: true,
      },
    );
    expect(touched.sort()).toEqual(['profile', 'school']);
    expect(records.count()).toBe(1);
    expect(records.getState('cursor')).toBe('x1');
  });

  it('clear drops records and the cursor but keeps the user and the outbox', () => {
    records.applyPage([{ entity: 'profile', id: 'u1', op: 'put', data: profile('u1') }], 'c1');
    records.setState('userId', 'u1');
    queueMutation(records, outbox, {
      type: 'profile.update',
      payload: { surname: 'Иванова', name: 'Анна', patronymic: '' },
      userId: 'u1',
      createdAt: 'now',
    });
    records.clear();
    expect(records.count()).toBe(0);
    expect(records.getState('cursor')).toBeNull();
    expect(records.getState('userId')).toBe('u1');
    expect(outbox.count('u1')).toBe(1);
  });
});

describe('outbox', () => {
  beforeEach(() => {
    records.applyPage([{ entity: 'profile', id: 'u1', op: 'put', data: profile('u1') }], 'c1');
  });

  it('queues the mutation and the optimistic change together, with a before snapshot', () => {
    const { mutationId, after } = queueMutation(records, outbox, {
      type: 'profile.update',
      payload: { surname: 'Иванова', name: 'Анна', patronymic: 'Петровна' },
      userId: 'u1',
      createdAt: '2025-01-02T00:00:00.000Z',
    });
    expect(mutationId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(after).toMatchObject({ name: 'Анна' });
    expect(records.get('profile', 'u1')).toMatchObject({ name: 'Анна' });
    const [entry] = outbox.pending('u1');
    expect(entry).toMatchObject({
      mutationId,
      type: 'profile.update',
      attempts: 0,
      before: { name: 'Мария' },
    });
  });

  it('refuses an invalid payload without queueing anything', () => {
    expect(() =>
      queueMutation(records, outbox, {
        type: 'profile.update',
        payload: { name: '' },
        userId: 'u1',
        createdAt: 'x',
      }),
    ).toThrow();
    expect(outbox.count('u1')).toBe(0);
  });

  it('is scoped per user and survives reopening the database', () => {
    queueMutation(records, outbox, {
      type: 'profile.update',
      payload: { surname: 'Иванова', name: 'Анна' },
      userId: 'u1',
      createdAt: 'a',
    });
    outbox.add({
      mutationId: 'other-user-1',
      userId: 'u2',
      type: 'profile.update',
      payload: {},
      before: null,
      createdAt: 'b',
    });
    db.close();
    db = openCacheDatabase(file());
    const reopened = createOutbox(db);
    expect(reopened.count('u1')).toBe(1);
    expect(reopened.count('u2')).toBe(1);
    expect(reopened.pending('u1').map((e) => e.userId)).toEqual(['u1']);
  });

  it('keeps queue order and counts attempts', () => {
    for (const name of ['Анна', 'Вера', 'Галина']) {
      queueMutation(records, outbox, {
        type: 'profile.update',
        payload: { surname: 'И', name },
        userId: 'u1',
        createdAt: 'x',
      });
    }
    const entries = outbox.pending('u1');
    expect(entries.map((e) => (e.payload as { name: string }).name)).toEqual(['Анна', 'Вера', 'Галина']);
    outbox.markAttempt([entries[0]!.mutationId], 'NETWORK_OFFLINE');
    expect(outbox.pending('u1', 1)[0]).toMatchObject({ attempts: 1, lastError: 'NETWORK_OFFLINE' });
  });

  it('rebases pending changes on top of a pulled page and refreshes their snapshots', () => {
    queueMutation(records, outbox, {
      type: 'profile.update',
      payload: { surname: 'Иванова', name: 'Анна' },
      userId: 'u1',
      createdAt: 'x',
    });
    records.applyPage(
      [{ entity: 'profile', id: 'u1', op: 'put', data: { ...profile('u1'), phone: '+79990000000' } }],
      'c2',
      { inside: () => rebasePending(records, outbox, 'u1') },
    );
    expect(records.get('profile', 'u1')).toMatchObject({ name: 'Анна', phone: '+79990000000' });
    const [entry] = outbox.pending('u1');
    expect(entry!.before).toMatchObject({ name: 'Мария', phone: '+79990000000' });
    rollBack(records, entry!);
    expect(records.get('profile', 'u1')).toMatchObject({ name: 'Мария', phone: '+79990000000' });
  });
});
