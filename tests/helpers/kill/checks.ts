import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens a database the way the next start would (recovering its WAL), and returns
 * what `PRAGMA integrity_check` and `PRAGMA foreign_key_check` say, plus the schema version.
 */
export function checkDatabase(file: string): { integrity: string; foreignKeys: number; version: number } {
  const db = new Database(file);
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
    const foreignKeys = (db.pragma('foreign_key_check') as unknown[]).length;
    const version = db.pragma('user_version', { simple: true }) as number;
    return { integrity, foreignKeys, version };
  } finally {
    db.close();
  }
}

export function withDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export interface ServerDocument {
  id: string;
  name: string;
  size: number;
  sha256: string;
  blobKey: string;
  uploadState: string | null;
}

export interface ServerSnapshot {
  documents: ServerDocument[];
  folders: Map<string, string>;
  /**
   * `${entity}|${id}|${value of the field the test made unique}` (and the same with `*` for
   * the id) → how many feed rows carry it.
   */
  feed: Map<string, number>;
  applied: Map<string, string>;
  profile: { surname: string; name: string; patronymic: string };
  blobFiles: string[];
  /** Blob keys of every document on the server (any owner). */
  blobKeys: Set<string>;
}

/** What the server holds for one user, read from its data directory while it is down. */
export function serverSnapshot(dataDir: string, userId: string): ServerSnapshot {
  return withDb(path.join(dataDir, 'sferum.db'), (db) => {
    const documents = db
      .prepare(
        `SELECT d.id, d.name, d.size, d.sha256, d.blob_key AS blobKey,
           (SELECT state FROM uploads u WHERE u.document_id = d.id) AS uploadState
         FROM documents d WHERE d.owner_id = ?`,
      )
      .all(userId) as ServerDocument[];
    const folders = new Map(
      (
        db.prepare('SELECT id, name FROM folders WHERE owner_id = ?').all(userId) as {
          id: string;
          name: string;
        }[]
      ).map((f) => [f.id, f.name]),
    );
    const feed = new Map<string, number>();
    for (const row of db
      .prepare('SELECT entity, entity_id AS id, data FROM changes WHERE user_id = ? AND op = ?')
      .iterate(userId, 'put') as Iterable<{ entity: string; id: string; data: string }>) {
      const data = JSON.parse(row.data) as { name?: string; patronymic?: string };
      const value = row.entity === 'profile' ? data.patronymic : data.name;
      for (const key of [`${row.entity}|${row.id}|${value}`, `${row.entity}|*|${value}`]) {
        feed.set(key, (feed.get(key) ?? 0) + 1);
      }
    }
    const applied = new Map(
      (
        db
          .prepare('SELECT mutation_id AS id, result FROM applied_mutations WHERE user_id = ?')
          .all(userId) as {
          id: string;
          result: string;
        }[]
      ).map((r) => [r.id, r.result]),
    );
    const profile = db.prepare('SELECT surname, name, patronymic FROM users WHERE id = ?').get(userId) as {
      surname: string;
      name: string;
      patronymic: string;
    };
    const blobRoot = path.join(dataDir, 'blobs');
    const blobFiles = fs.existsSync(blobRoot)
      ? fs.readdirSync(blobRoot).flatMap((d) => fs.readdirSync(path.join(blobRoot, d)))
      : [];
    const blobKeys = new Set(
      (db.prepare('SELECT blob_key AS k FROM documents').all() as { k: string }[]).map((r) => r.k),
    );
    return { documents, folders, feed, applied, profile, blobFiles, blobKeys };
  });
}

/**
 * Every listed document is complete: its upload finished, its blob on disk with the
 * recorded size and SHA-256 (hashed once per document: `verified` remembers), and no
 * two documents hold the same bytes (every test file is unique, so a duplicate means
 * an upload was stored twice). Returns the problems found.
 */
export function checkDocuments(dataDir: string, snapshot: ServerSnapshot, verified: Set<string>): string[] {
  const problems: string[] = [];
  const bySha = new Map<string, string[]>();
  for (const doc of snapshot.documents) {
    bySha.set(doc.sha256, [...(bySha.get(doc.sha256) ?? []), doc.name]);
    if (doc.uploadState !== 'done')
      problems.push(`${doc.name}: its upload is ${doc.uploadState ?? 'missing'}`);
    if (verified.has(doc.id)) continue;
    const blob = path.join(dataDir, 'blobs', doc.blobKey.slice(0, 2), doc.blobKey);
    if (!fs.existsSync(blob)) {
      problems.push(`${doc.name}: no blob`);
      continue;
    }
    const size = fs.statSync(blob).size;
    if (size !== doc.size)
      problems.push(`${doc.name}: blob has ${size} bytes, the document says ${doc.size}`);
    else if (sha256File(blob) !== doc.sha256) problems.push(`${doc.name}: blob SHA-256 differs`);
    else verified.add(doc.id);
  }
  for (const [sha, names] of bySha) {
    if (names.length > 1) problems.push(`stored twice (${sha.slice(0, 12)}): ${names.join(', ')}`);
  }
  return problems;
}

/** Blob files no document points at (bytes a crash left behind). */
export function orphanBlobs(snapshot: ServerSnapshot): string[] {
  return snapshot.blobFiles.filter((f) => !snapshot.blobKeys.has(f));
}
