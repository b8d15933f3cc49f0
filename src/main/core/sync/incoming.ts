import { cleanChat } from '../../../client/chats/wire.js';
import { type Change, ChangeSchema } from '../../../shared/sync/index.js';
import { type Cleaned, cleanDocumentRecord, cleanFolderRecord } from '../documents/feedRecords.js';
import type { Logger } from '../ports.js';

/** Skipped records logged one by one per page; the rest are counted in one line. */
const LOGGED_PER_PAGE = 10;

/** Kinds whose records are checked (and cleaned) before they reach the cache. */
const CLEANERS: Partial<Record<Change['entity'], (data: unknown) => Cleaned<Record<string, unknown>>>> = {
  folder: cleanFolderRecord,
  document: cleanDocumentRecord,
  chat: cleanChat,
};

type Verdict = { ok: true; change: Change } | { ok: false; reason: string };

function screen(change: Change): Verdict {
  const clean = CLEANERS[change.entity];
  // A deletion only removes a row by its key, whatever the key says.
  if (!clean || change.op !== 'put' || change.data === null) return { ok: true, change };
  const cleaned = clean(change.data);
  if (!cleaned.ok) return cleaned;
  if (cleaned.record.id !== change.id)
    return { ok: false, reason: 'the record has another id than its change' };
  return { ok: true, change: { ...change, data: cleaned.record } };
}

/** What an unreadable change claims to be, for a log line (never its data). */
function describe(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return 'not a change';
  const { entity, id } = raw as { entity?: unknown; id?: unknown };
  const kind = typeof entity === 'string' ? quoted(entity) : 'no kind';
  return `${kind} ${typeof id === 'string' ? quoted(id) : 'without an id'} is not a change this version reads`;
}

/** An untrusted string, short and quoted, for a log line. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/**
 * The changes of one pulled page that may reach the cache, cleaned. The feed is input
 * from the server, which the core does not trust: a record that fails its kind's checks
 * is skipped with a log line (the rest of the page, and the sync, go on), never applied
 * in part and never allowed to fail the page's transaction.
 */
export function screenIncoming(changes: readonly unknown[], logger: Logger): Change[] {
  const accepted: Change[] = [];
  let skipped = 0;
  for (const raw of changes) {
    const parsed = ChangeSchema.safeParse(raw);
    if (!parsed.success) {
      // Of a kind this version does not know (a newer server), or not a change at all.
      skipped += 1;
      if (skipped <= LOGGED_PER_PAGE) logger.warn(`Skipped a change from the server: ${describe(raw)}`);
      continue;
    }
    const change = parsed.data;
    const verdict = screen(change);
    if (verdict.ok) {
      accepted.push(verdict.change);
      continue;
    }
    skipped += 1;
    if (skipped <= LOGGED_PER_PAGE) {
      logger.warn(`Skipped a ${change.entity} ${quoted(change.id)} from the server: ${verdict.reason}`);
    }
  }
  if (skipped > LOGGED_PER_PAGE) {
    logger.warn(`Skipped ${skipped - LOGGED_PER_PAGE} more records of this page from the server`);
  }
  return accepted;
}
