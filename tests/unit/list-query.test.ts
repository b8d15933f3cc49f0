import { describe, expect, it } from 'vitest';
import { listQuery } from '../../src/client/documents/listQuery.js';
import type { DocumentList } from '../../src/shared/documents/index.js';

/**
 * The web version's «Мои документы» pages, cut from the whole list it holds: what a parent
 * sees in a folder, in a search and in the trash, in the order they chose.
 */

const day = (d: number) => `2026-03-${String(d).padStart(2, '0')}T10:00:00.000Z`;

function folder(id: string, name: string, parentId: string | null, trashed: string | null = null) {
  return {
    id,
    parentId,
    name,
    createdAt: day(1),
    updatedAt: day(1),
    trashedAt: trashed,
    trashRoot: trashed ? id : null,
  };
}

function doc(
  id: string,
  name: string,
  folderId: string | null,
  o: { size?: number; updated?: number; trashed?: string | null; trashRoot?: string | null } = {},
) {
  return {
    id,
    folderId,
    name,
    size: o.size ?? 100,
    mime: 'application/pdf',
    sha256: '0'.repeat(64),
    createdAt: day(1),
    updatedAt: day(o.updated ?? 1),
    trashedAt: o.trashed ?? null,
    trashRoot: o.trashRoot ?? (o.trashed ? id : null),
  };
}

const list: DocumentList = {
  folders: [
    folder('folder-school', 'Школа', null),
    folder('folder-class2', 'Класс 2', 'folder-school'),
    folder('folder-old', 'Старое', null, day(5)),
  ],
  documents: [
    doc('doc-report10', 'Справка 10.pdf', null, { size: 300, updated: 3 }),
    doc('doc-report9', 'справка 9.pdf', null, { size: 200, updated: 4 }),
    doc('doc-photo', 'Фото.jpg', null, { size: 50, updated: 2 }),
    doc('doc-diary', 'Дневник.docx', 'folder-class2'),
    doc('doc-inold', 'Справка старая.pdf', 'folder-old', { trashed: day(5), trashRoot: 'folder-old' }),
    doc('doc-gone', 'Черновик.txt', null, { trashed: day(7) }),
  ],
  quota: { usedBytes: 750, limitBytes: 10_000, maxFileBytes: 5_000 },
};

const names = (out: { items: { name: string }[] }) => out.items.map((i) => i.name);
const top = { view: 'folder' as const, folderId: null };

describe('the documents list held in memory', () => {
  it('shows a folder: its folders first, names in Russian order with numbers by value', () => {
    const out = listQuery(list, top);
    expect(names(out)).toEqual(['Школа', 'справка 9.pdf', 'Справка 10.pdf', 'Фото.jpg']);
    expect(out.total).toBe(4);
    expect(out.breadcrumbs).toEqual([]);
    expect(out.quota).toEqual(list.quota);
    expect(out.items[0]).toEqual({
      kind: 'folder',
      id: 'folder-school',
      parentId: null,
      name: 'Школа',
      size: 0,
      mime: '',
      updatedAt: day(1),
      trashedAt: null,
      offline: false,
    });
  });

  it('sorts by date, size and type, either way, folders staying first', () => {
    expect(names(listQuery(list, { ...top, sort: 'date' }))).toEqual([
      'Школа',
      'Фото.jpg',
      'Справка 10.pdf',
      'справка 9.pdf',
    ]);
    expect(names(listQuery(list, { ...top, sort: 'size', desc: true }))).toEqual([
      'Школа',
      'Справка 10.pdf',
      'справка 9.pdf',
      'Фото.jpg',
    ]);
    expect(names(listQuery(list, { ...top, sort: 'type' }))).toEqual([
      'Школа',
      'Фото.jpg',
      'справка 9.pdf',
      'Справка 10.pdf',
    ]);
  });

  it('opens a nested folder with the way to it', () => {
    const out = listQuery(list, { view: 'folder', folderId: 'folder-class2' });
    expect(names(out)).toEqual(['Дневник.docx']);
    expect(out.breadcrumbs).toEqual([
      { id: 'folder-school', name: 'Школа' },
      { id: 'folder-class2', name: 'Класс 2' },
    ]);
  });

  it('searches every folder, ignoring case, and never the trash', () => {
    const out = listQuery(list, { view: 'search', folderId: null, query: '  СПРАВКА ' });
    expect(names(out)).toEqual(['справка 9.pdf', 'Справка 10.pdf']);
    expect(out.breadcrumbs).toEqual([]);
    expect(names(listQuery(list, { view: 'search', folderId: null, query: 'днев' }))).toEqual([
      'Дневник.docx',
    ]);
  });

  it('shows in the trash what was deleted, the latest first, without what went with a folder', () => {
    expect(names(listQuery(list, { view: 'trash', folderId: null }))).toEqual(['Черновик.txt', 'Старое']);
  });

  it('cuts pages and still counts them all', () => {
    const out = listQuery(list, { ...top, offset: 1, limit: 2 });
    expect(names(out)).toEqual(['справка 9.pdf', 'Справка 10.pdf']);
    expect(out.total).toBe(4);
  });
});
