import type Database from 'better-sqlite3';
import type { CountInput, DocItem, ListInput, ListOutput, SortKey } from '../../../shared/documents/ipc.js';
import { CountInputSchema, ListInputSchema } from '../../../shared/documents/ipc.js';
import { docLower } from './sqlFunctions.js';

interface Row {
  kind: 'folder' | 'document';
  id: string;
  parentKey: string;
  name: string;
  size: number;
  mime: string;
  updatedAt: string;
  trashedAt: string | null;
  offline: number;
}

const SORT_COLUMN: Record<SortKey, string> = {
  name: 'name_lower',
  date: 'updated_at',
  size: 'size',
  type: 'ext',
};

const COLS = `d.kind, d.id, d.parent_key AS parentKey, d.name, d.size, d.mime, d.updated_at AS updatedAt,
  d.trashed_at AS trashedAt, (o.document_id IS NOT NULL AND o.keep = 1) AS offline`;

function toItem(row: Row): DocItem {
  return {
    kind: row.kind,
    id: row.id,
    parentId: row.parentKey === '' ? null : row.parentKey,
    name: row.name,
    size: row.size,
    mime: row.mime,
    updatedAt: row.updatedAt,
    trashedAt: row.trashedAt,
    offline: row.offline === 1,
  };
}

/** `"..."` for FTS5: the query as one phrase, quotes doubled. */
function ftsPhrase(query: string): string {
  return `"${query.replace(/"/g, '""')}"`;
}

/**
 * Reads of the documents cache for the screen: one page of a folder, of the trash or
 * of a name search, sorted by an indexed column, folders first. Each read is a couple of
 * index lookups and the folder's count is one row kept as records are applied, so a page
 * over a million documents costs the same as over ten.
 */
/** Matches beyond which a name-ordered search page walks the name index instead of sorting them. */
const WALK_FROM = 2000;

export class DocumentsCache {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      folder: db.prepare<[string], { id: string; parentKey: string; name: string }>(
        `SELECT id, parent_key AS parentKey, name FROM doc_items WHERE id = ? AND kind = 'folder'`,
      ),
      // Kept by triggers as rows are applied (0007-documents-counts): no walk of the folder.
      countFolder: db.prepare<[string], { n: number }>(
        'SELECT coalesce((SELECT live FROM doc_folder_counts WHERE parent_key = ?), 0) AS n',
      ),
      countTrash: db.prepare<[], { n: number }>(
        'SELECT count(*) AS n FROM doc_items WHERE trash_root IS NOT NULL AND trash_root = id',
      ),
      used: db.prepare<[], { n: number }>(
        'SELECT coalesce((SELECT bytes FROM doc_used_bytes WHERE only = 1), 0) AS n',
      ),
    };
  }

  /** Prepared statements by SQL text, so each query shape is compiled once. */
  private readonly prepared = new Map<string, Database.Statement>();

  private stmt(sql: string): Database.Statement {
    let st = this.prepared.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.prepared.set(sql, st);
    }
    return st;
  }

  private warmedVersion = -1;

  /** After a folder listing: warm again when another connection changed the cache since. */
  private warmSoon(): void {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.warmedVersion) return;
    this.warmedVersion = version;
    setTimeout(() => {
      // The account may have been closed in between; warming is only an optimisation.
      if (!this.db.open) return;
      try {
        this.warm();
      } catch {
        // ignore
      }
    }, 0).unref?.();
  }

  /**
   * Reads the pages a search uses (the name index and the trigram index), so the first
   * keystroke after the screen opens costs what the later ones do; on 100,000 documents
   * it takes a few ms.
   */
  warm(): void {
    this.list({ view: 'search', folderId: null, query: 'ъъ', limit: 100 });
    this.list({ view: 'search', folderId: null, query: 'ъъъ', limit: 100 });
  }

  list(raw: ListInput): Omit<ListOutput, 'quota'> {
    const input = ListInputSchema.parse(raw);
    const dir = input.desc ? 'DESC' : 'ASC';
    const col = SORT_COLUMN[input.sort];
    const order = `d.kind_rank, d.${col} ${dir}${col === 'name_lower' ? '' : `, d.name_lower ${dir}`}`;
    let rows: Row[];
    let total: number | null;
    const query = input.query.trim();
    if (input.view === 'search' || query !== '') {
      ({ rows, total } = this.search(query, input.sort, order, input.offset, input.limit, input.countAll));
    } else if (input.view === 'trash') {
      total = this.s.countTrash.get()!.n;
      rows = this.stmt(
        `SELECT ${COLS} FROM doc_items d LEFT JOIN offline_files o ON o.document_id = d.id
           WHERE d.trash_root IS NOT NULL AND d.trash_root = d.id ORDER BY d.trashed_at DESC LIMIT ? OFFSET ?`,
      ).all(input.limit, input.offset) as Row[];
    } else {
      const key = input.folderId ?? '';
      total = this.s.countFolder.get(key)!.n;
      rows = this.stmt(
        `SELECT ${COLS} FROM doc_items d LEFT JOIN offline_files o ON o.document_id = d.id
           WHERE d.parent_key = ? AND d.trashed_at IS NULL ORDER BY ${order} LIMIT ? OFFSET ?`,
      ).all(key, input.limit, input.offset) as Row[];
    }
    if (input.view === 'folder' && input.offset === 0) this.warmSoon();
    return {
      items: rows.map(toItem),
      total,
      breadcrumbs: input.view === 'folder' && query === '' ? this.breadcrumbs(input.folderId) : [],
    };
  }

  /** The number of items of a folder, of the trash or of a search. */
  count(raw: CountInput): number {
    const input = CountInputSchema.parse(raw);
    const query = input.query.trim();
    if (input.view === 'search' || query !== '') return this.searchCount(query);
    if (input.view === 'trash') return this.s.countTrash.get()!.n;
    return this.s.countFolder.get(input.folderId ?? '')!.n;
  }

  /**
   * "Name contains". Three characters and more go through the trigram index: the count
   * comes from the index itself, and a page in name order walks the name index when the
   * matches are many (sorting them would cost more). One or two characters cannot use
   * trigrams: the page walks the name index and stops at the page's end, and the count
   * (one pass over that index) is needed only when the page is full; a caller that can
   * wait for it (countAll: false) gets the page without it.
   */
  private search(
    query: string,
    sort: SortKey,
    order: string,
    offset: number,
    limit: number,
    countAll: boolean,
  ): { rows: Row[]; total: number | null } {
    if (query === '') {
      // Everything that is not in the trash, in the chosen order.
      const rows = this.stmt(
        `SELECT ${COLS} FROM doc_items d LEFT JOIN offline_files o ON o.document_id = d.id
           WHERE d.trashed_at IS NULL ORDER BY ${order} LIMIT ? OFFSET ?`,
      ).all(limit, offset) as Row[];
      return { rows, total: this.searchCount(query) };
    }
    const lower = docLower(query);
    const byName = sort === 'name' ? 'INDEXED BY doc_items_live_name' : '';
    if ([...lower].length >= 3) {
      // How many match, up to the point where walking the name index beats sorting them:
      // exact below it (few matches are cheap to count), counted in full beyond it only
      // for a caller that cannot wait (countAll).
      const many =
        (
          this.stmt(
            `SELECT count(*) AS n FROM (SELECT 1 FROM doc_fts WHERE doc_fts MATCH ? LIMIT ${WALK_FROM + 1})`,
          ).get(ftsPhrase(query)) as { n: number }
        ).n > WALK_FROM;
      const total = many && !countAll ? null : this.searchCount(query);
      if (total === 0) return { rows: [], total };
      // Many matches: walk the name index; few: sort them.
      const walk = byName !== '' && many ? byName : '';
      const rows = this.stmt(
        `SELECT ${COLS} FROM doc_items d ${walk} LEFT JOIN offline_files o ON o.document_id = d.id
           WHERE d.rowid IN (SELECT rowid FROM doc_fts WHERE doc_fts MATCH ?) AND d.trashed_at IS NULL
           ORDER BY ${order} LIMIT ? OFFSET ?`,
      ).all(ftsPhrase(query), limit, offset) as Row[];
      return { rows, total };
    }
    const rows = this.stmt(
      `SELECT ${COLS} FROM doc_items d ${byName} LEFT JOIN offline_files o ON o.document_id = d.id
         WHERE instr(d.name_lower, ?) > 0 AND d.trashed_at IS NULL ORDER BY ${order} LIMIT ? OFFSET ?`,
    ).all(lower, limit, offset) as Row[];
    if (rows.length > 0 && rows.length < limit) return { rows, total: offset + rows.length };
    if (rows.length === 0 && offset === 0) return { rows, total: 0 };
    return { rows, total: countAll ? this.searchCount(query) : null };
  }

  /** Live items whose name contains `query` (trimmed); all live items for ''. */
  private searchCount(query: string): number {
    if (query === '') {
      return (
        this.stmt('SELECT count(*) AS n FROM doc_items WHERE trashed_at IS NULL').get() as { n: number }
      ).n;
    }
    const lower = docLower(query);
    if ([...lower].length >= 3) {
      const phrase = ftsPhrase(query);
      return (
        this.stmt(
          `SELECT (SELECT count(*) FROM doc_fts WHERE doc_fts MATCH ?)
             - (SELECT count(*) FROM doc_items t INDEXED BY doc_items_trashed WHERE t.trashed_at IS NOT NULL
                AND t.rowid IN (SELECT rowid FROM doc_fts WHERE doc_fts MATCH ?)) AS n`,
        ).get(phrase, phrase) as { n: number }
      ).n;
    }
    return (
      this.stmt(
        `SELECT count(*) AS n FROM doc_items d INDEXED BY doc_items_live_name
           WHERE instr(d.name_lower, ?) > 0 AND d.trashed_at IS NULL`,
      ).get(lower) as { n: number }
    ).n;
  }

  breadcrumbs(folderId: string | null): { id: string; name: string }[] {
    const path: { id: string; name: string }[] = [];
    let id = folderId;
    const seen = new Set<string>();
    while (id && !seen.has(id)) {
      seen.add(id);
      const folder = this.s.folder.get(id);
      if (!folder) break;
      path.unshift({ id: folder.id, name: folder.name });
      id = folder.parentKey === '' ? null : folder.parentKey;
    }
    return path;
  }

  /** Bytes of all documents, kept by triggers as rows are applied (0007-documents-counts). */
  usedBytes(): number {
    return this.s.used.get()!.n;
  }

  /**
   * Whether a live item other than `exceptId` in the folder has this name (a key from
   * nameKey), as the server decides when it numbers a duplicate ("name (2)").
   */
  nameTaken(folderId: string | null, key: string, exceptId: string): boolean {
    return (
      this.db
        .prepare<[string, string, string], { n: number }>(
          `SELECT 1 AS n FROM doc_items WHERE parent_key = ? AND name_lower = ? AND trashed_at IS NULL
             AND id <> ? LIMIT 1`,
        )
        .get(folderId ?? '', docLower(key), exceptId) !== undefined
    );
  }

  /** Names (lower case) of the live items of a folder, to pick free names for new folders. */
  liveNames(folderId: string | null): Set<string> {
    const rows = this.db
      .prepare<[string], { n: string }>(
        'SELECT name_lower AS n FROM doc_items WHERE parent_key = ? AND trashed_at IS NULL',
      )
      .all(folderId ?? '');
    return new Set(rows.map((r) => r.n));
  }

  offlineFile(documentId: string): { path: string; sha256: string; keep: boolean } | null {
    const row = this.db
      .prepare<[string], { path: string; sha256: string; keep: number }>(
        'SELECT path, sha256, keep FROM offline_files WHERE document_id = ?',
      )
      .get(documentId);
    return row ? { path: row.path, sha256: row.sha256, keep: row.keep === 1 } : null;
  }

  setOfflineFile(documentId: string, path: string, sha256: string, keep: boolean | null): void {
    this.db
      .prepare(
        `INSERT INTO offline_files (document_id, path, sha256, keep) VALUES (?, ?, ?, ?)
         ON CONFLICT (document_id) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256,
           keep = CASE WHEN ? IS NULL THEN offline_files.keep ELSE excluded.keep END`,
      )
      .run(documentId, path, sha256, keep ? 1 : 0, keep === null ? null : 1);
  }

  /** Every local copy, with whether the parent asked to keep it on this computer. */
  offlineFiles(): { documentId: string; path: string; keep: boolean }[] {
    return this.db
      .prepare<[], { documentId: string; path: string; keep: number }>(
        'SELECT document_id AS documentId, path, keep FROM offline_files',
      )
      .all()
      .map((row) => ({ ...row, keep: row.keep === 1 }));
  }

  forgetOfflineFile(documentId: string): void {
    this.db.prepare('DELETE FROM offline_files WHERE document_id = ?').run(documentId);
  }

  setKeep(documentId: string, keep: boolean): void {
    this.db.prepare('UPDATE offline_files SET keep = ? WHERE document_id = ?').run(keep ? 1 : 0, documentId);
  }
}
