import type { DocumentList } from '../../shared/documents/index.js';
import {
  ListInputSchema,
  type DocItem,
  type ListInput,
  type ListOutput,
} from '../../shared/documents/ipc.js';

/**
 * One page of «Мои документы» from the whole list held in memory (the web version reads
 * it from GET /api/documents): a folder's contents, a search over every name, or the
 * trash; folders before documents, sorted by name (Russian collation, numbers by value),
 * date, size or type, with the breadcrumbs of the folder shown.
 */

function compare(a: DocItem, b: DocItem, sort: ListInput['sort']): number {
  if (a.kind !== b.kind) return a.kind === 'folder' ? -1 : 1;
  const byName = a.name.localeCompare(b.name, 'ru', { sensitivity: 'base', numeric: true });
  switch (sort) {
    case 'date':
      return a.updatedAt.localeCompare(b.updatedAt) || byName;
    case 'size':
      return a.size - b.size || byName;
    case 'type': {
      const ext = (n: string) =>
        n.lastIndexOf('.') > 0 ? n.slice(n.lastIndexOf('.') + 1).toLowerCase() : '';
      return ext(a.name).localeCompare(ext(b.name)) || byName;
    }
    default:
      return byName;
  }
}

type Listed = DocItem & { trashRoot: string | null };

function itemsOf(list: DocumentList): Listed[] {
  return [
    ...list.folders.map((f) => ({
      kind: 'folder' as const,
      id: f.id,
      parentId: f.parentId,
      name: f.name,
      size: 0,
      mime: '',
      updatedAt: f.updatedAt,
      trashedAt: f.trashedAt,
      offline: false,
      trashRoot: f.trashRoot,
    })),
    ...list.documents.map((d) => ({
      kind: 'document' as const,
      id: d.id,
      parentId: d.folderId,
      name: d.name,
      size: d.size,
      mime: d.mime,
      updatedAt: d.updatedAt,
      trashedAt: d.trashedAt,
      offline: false,
      trashRoot: d.trashRoot,
    })),
  ];
}

/** The page `input` asks for; it always carries the total. */
export function listQuery(list: DocumentList, input: ListInput): ListOutput {
  const q = ListInputSchema.parse(input);
  const items = itemsOf(list);
  const query = q.query.trim().toLocaleLowerCase('ru');
  let chosen: Listed[];
  if (q.view === 'trash') {
    // What was trashed as a whole (a folder's contents go with it), the latest first.
    chosen = items
      .filter((i) => i.trashRoot === i.id)
      .sort((a, b) => (b.trashedAt ?? '').localeCompare(a.trashedAt ?? ''));
  } else if (query !== '') {
    chosen = items.filter((i) => i.trashedAt === null && i.name.toLocaleLowerCase('ru').includes(query));
  } else {
    chosen = items.filter((i) => i.trashedAt === null && i.parentId === q.folderId);
  }
  if (q.view !== 'trash') {
    chosen.sort((a, b) => compare(a, b, q.sort) * (q.desc && a.kind === b.kind ? -1 : 1));
  }
  const breadcrumbs: { id: string; name: string }[] = [];
  if (q.view === 'folder' && query === '') {
    const folders = new Map(list.folders.map((f) => [f.id, f]));
    let id = q.folderId;
    while (id && folders.has(id) && breadcrumbs.length < 64) {
      const f = folders.get(id)!;
      breadcrumbs.unshift({ id: f.id, name: f.name });
      id = f.parentId;
    }
  }
  const page = chosen.slice(q.offset, q.offset + q.limit).map(({ trashRoot: _root, ...item }) => item);
  return { items: page, total: chosen.length, breadcrumbs, quota: list.quota };
}
