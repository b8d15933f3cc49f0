import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateCache } from '../../src/main/core/cache/migrations/index.js';
import { DocumentsCache } from '../../src/main/core/documents/cache.js';
import { RenameConflicts } from '../../src/main/core/documents/conflicts.js';

function cacheWith(docs: { name: string; trashed?: boolean }[]): DocumentsCache {
  const db = new Database(':memory:');
  migrateCache(db);
  const insert = db.prepare("INSERT INTO records (entity, id, data) VALUES ('document', ?, ?)");
  const at = '2026-01-01T00:00:00.000Z';
  docs.forEach((d, i) => {
    const id = `doc${String(i).padStart(6, '0')}`;
    insert.run(
      id,
      JSON.stringify({
        id,
        folderId: null,
        name: d.name,
        size: 10,
        mime: 'application/pdf',
        sha256: '0'.repeat(64),
        createdAt: at,
        updatedAt: at,
        trashedAt: d.trashed ? at : null,
        trashRoot: d.trashed ? id : null,
      }),
    );
  });
  return new DocumentsCache(db);
}

describe('documents search in the cache', () => {
  const cache = cacheWith([
    { name: 'Справка один.pdf' },
    { name: 'Справка два.pdf', trashed: true },
    ...Array.from({ length: 30 }, (_, i) => ({ name: `Скан ${i}.jpg` })),
  ]);
  const search = (query: string, limit = 100, offset = 0) =>
    cache.list({ view: 'search', folderId: null, query, limit, offset });

  it('counts trigram matches without those in the trash', () => {
    expect(search('справ')).toMatchObject({ total: 1, items: [{ name: 'Справка один.pdf' }] });
    expect(search('СКАН', 5).total).toBe(30);
    expect(search('скан 2', 100).total).toBe(11);
    expect(search('н 2.j', 100).items.map((i) => i.name)).toEqual(['Скан 2.jpg']);
  });

  it('answers one and two letters with every name containing them, paged', () => {
    expect(search('С', 10)).toMatchObject({ total: 31 });
    expect(search('с', 10).items).toHaveLength(10);
    expect(search('ка', 10, 30)).toMatchObject({ total: 31, items: [{ name: 'Справка один.pdf' }] });
    expect(search('ка', 10, 40)).toMatchObject({ total: 31, items: [] });
    expect(search('ж')).toMatchObject({ total: 0, items: [] });
    expect(search('jp', 100).total).toBe(30);
  });

  it('answers a full page of a short search at once when the count may follow, then counts it', () => {
    const page = cache.list({ view: 'search', folderId: null, query: 'С', limit: 10, countAll: false });
    expect(page.items).toHaveLength(10);
    expect(page.total).toBeNull();
    expect(cache.count({ view: 'search', folderId: null, query: 'С' })).toBe(31);
    // A page that is not full knows its total; three letters and more are counted by the index.
    expect(
      cache.list({ view: 'search', folderId: null, query: 'ка', limit: 100, countAll: false }).total,
    ).toBe(31);
    expect(
      cache.list({ view: 'search', folderId: null, query: 'скан', limit: 5, countAll: false }).total,
    ).toBe(30);
    expect(cache.count({ view: 'search', folderId: null, query: 'скан 2' })).toBe(11);
    expect(cache.count({ view: 'folder', folderId: null, query: '' })).toBe(31);
    expect(cache.count({ view: 'trash', folderId: null, query: '' })).toBe(1);
  });

  it('reads rename conflicts from the conflicts, not from a walk over every item', () => {
    const db = new Database(':memory:');
    migrateCache(db);
    const conflicts = new RenameConflicts(db);
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN ${(conflicts as unknown as { s: { list: { source: string } } }).s.list.source}`,
      )
      .all() as { detail: string }[];
    expect(plan[0]!.detail).toMatch(/^SCAN c\b/);
    expect(conflicts.list()).toEqual([]);
  });
});
