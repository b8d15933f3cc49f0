import zlib from 'node:zlib';
import type { Profile } from '../../shared/domain.js';
import { AppError } from '../../shared/errors.js';
import type { Change, EntityKind } from '../../shared/sync/index.js';
import { iso, type Now } from '../clock.js';
import type { LiveHub } from './live.js';
import type { ClassRow, Repos, SchoolRow, Store, Tx, UserRow } from '../store/types.js';

/** Family members who also see a person's profile, read through `db` (the open transaction). */
export type Audience = (db: Repos, userId: string) => Promise<string[]>;

/** `${epoch}.${seq}`: opaque to clients, checked on the way back in. */
export function encodeCursor(epoch: string, seq: number): string {
  return `${epoch}.${seq}`;
}

function resync(message: string): AppError {
  return new AppError('SYNC_RESYNC_REQUIRED', message);
}

export function decodeCursor(cursor: string, epoch: string, headSeq: number): number {
  const m = /^([0-9a-f]{1,32})\.(0|[1-9]\d{0,15})$/.exec(cursor);
  if (!m) throw resync('The sync cursor is not valid. Start over.');
  if (m[1] !== epoch)
    throw resync('The sync cursor belongs to another server or an older database. Start over.');
  const seq = Number(m[2]);
  if (seq > headSeq) throw resync('The sync cursor is ahead of this server. Start over.');
  return seq;
}

export async function toProfile(db: Repos, user: UserRow): Promise<Profile> {
  const school = user.schoolId ? await db.accounts.getSchool(user.schoolId) : null;
  const cls = user.classId ? await db.accounts.getClass(user.classId) : null;
  return {
    id: user.id,
    role: user.role,
    surname: user.surname,
    name: user.name,
    patronymic: user.patronymic,
    phone: user.phone,
    email: user.email,
    birthDate: user.birthDate,
    school: school ? { id: school.id, name: school.name } : null,
    class: cls ? { id: cls.id, name: cls.name } : null,
    updatedAt: user.updatedAt,
  };
}

export function schoolRecord(school: SchoolRow): Record<string, unknown> {
  return { id: school.id, name: school.name, updatedAt: school.updatedAt };
}

export function classRecord(cls: ClassRow): Record<string, unknown> {
  return {
    id: cls.id,
    schoolId: cls.schoolId,
    name: cls.name,
    teacher: cls.teacher,
    updatedAt: cls.updatedAt,
  };
}

/** Appends changes inside a transaction and remembers whom to notify once it commits. */
export class FeedWriter {
  /** userId → highest seq appended for them in this transaction. */
  readonly touched = new Map<string, number>();

  constructor(
    /** The transaction the changes are written in. */
    readonly tx: Tx,
    private readonly now: Now,
    /** Family members who also see a person's profile (linked parents, children, co-parents). */
    private readonly family: Audience = noFamily,
  ) {}

  put(
    userIds: Iterable<string>,
    entity: EntityKind,
    id: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    return this.append(userIds, entity, id, 'put', data);
  }

  remove(userIds: Iterable<string>, entity: EntityKind, id: string): Promise<void> {
    return this.append(userIds, entity, id, 'delete', null);
  }

  /**
   * Who may see a person's profile: the person and their family (linked parents,
   * children and co-parents, from the family service); every writer of profiles follows.
   */
  async profileAudience(userId: string): Promise<string[]> {
    return [...new Set([userId, ...(await this.family(this.tx, userId))])];
  }

  /** The person's profile, to everyone who can see it. */
  async putProfile(userId: string): Promise<void> {
    const user = await this.tx.accounts.getUser(userId);
    if (!user) return;
    const profile = await toProfile(this.tx, user);
    await this.put([userId], 'profile', user.id, profile);
    // Family members see the person, not their phone number or e-mail address.
    const others = (await this.profileAudience(userId)).filter((id) => id !== userId);
    await this.put(others, 'profile', user.id, { ...profile, phone: null, email: null });
  }

  /** Profile plus their school and class: what a person's feed starts with. */
  async putPersonWithSchool(userId: string): Promise<void> {
    const user = await this.tx.accounts.getUser(userId);
    if (!user) return;
    const school = user.schoolId ? await this.tx.accounts.getSchool(user.schoolId) : null;
    const cls = user.classId ? await this.tx.accounts.getClass(user.classId) : null;
    if (school) await this.put([userId], 'school', school.id, schoolRecord(school));
    if (cls) await this.put([userId], 'class', cls.id, classRecord(cls));
    await this.putProfile(userId);
  }

  private async append(
    userIds: Iterable<string>,
    entity: EntityKind,
    entityId: string,
    op: 'put' | 'delete',
    data: Record<string, unknown> | null,
  ): Promise<void> {
    const createdAt = iso(this.now());
    for (const userId of new Set(userIds)) {
      const seq = await this.tx.feed.appendChange({ userId, entity, entityId, op, data, createdAt });
      this.touched.set(userId, seq);
    }
  }
}

/** Pages smaller than this are not kept (Buffer.poolSize / 2: below it, buffers share slabs). */
const MIN_KEPT_BYTES = 4096;

/** Smaller answers go as they are: gzip would save little and cost a compression each time. */
const MIN_GZIP_BYTES = MIN_KEPT_BYTES;

/** Bytes of serialized pages a server keeps. */
const PAGE_CACHE_BYTES = 16 * 1024 * 1024;

const noFamily: Audience = () => Promise.resolve([]);

export class Feed {
  private readonly pages = new PageCache(PAGE_CACHE_BYTES);
  /** The database's epoch never changes: read once. */
  private epochValue: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly hub: LiveHub,
    private readonly now: Now,
    private readonly family: Audience = noFamily,
  ) {}

  /** This database's random id, carried in cursors. */
  async epoch(): Promise<string> {
    return (this.epochValue ??= await this.store.feed.epoch());
  }

  /**
   * Runs `fn` in one transaction with a writer for the feed, so a change and its feed
   * rows commit together; live notifications go out only after the commit.
   */
  async write<T>(fn: (writer: FeedWriter, tx: Tx) => Promise<T>): Promise<T> {
    const { result, touched } = await this.store.transaction(async (tx) => {
      const writer = new FeedWriter(tx, this.now, this.family);
      return { result: await fn(writer, tx), touched: writer.touched };
    });
    const epoch = this.epochValue ?? (await this.epoch());
    this.hub.committed([...touched].map(([userId, seq]) => [userId, encodeCursor(epoch, seq)]));
    return result;
  }

  /**
   * One page of the user's changes after `cursor`, as the JSON of a PullResponse (UTF-8).
   *
   * The feed only grows (every change gets a higher seq, and a reader sees every seq up to
   * the head it reads), so a page read once stays exact for as long as the user has no
   * change beyond the head it was read at, whoever else writes, this process or another.
   * Pages are kept serialized: a repeated pull (every device of a family after one
   * change, a client retrying) costs reading the head (and, if it moved, one index probe)
   * and copying the bytes.
   *
   * Gzipped when the client accepts it and the page is big enough to be worth it. A kept
   * page keeps its gzip too, so a repeated pull compresses nothing.
   */
  async pull(userId: string, cursor: string | undefined, limit: number, gzip: boolean): Promise<PageAnswer> {
    const page = await this.pullPage(userId, cursor, limit);
    if (!gzip || page.bytes.length < MIN_GZIP_BYTES) return { body: page.bytes, gzipped: false };
    page.gzipped ??= zlib.gzipSync(page.bytes, { level: 6 });
    return { body: page.gzipped, gzipped: true };
  }

  private async pullPage(userId: string, cursor: string | undefined, limit: number): Promise<FeedPage> {
    const epoch = this.epochValue ?? (await this.epoch());
    // The head alone is one consistent read: a page known exact up to it needs nothing more.
    const head = await this.store.feed.headSeq();
    const after = cursor === undefined ? 0 : decodeCursor(cursor, epoch, head);
    const key = `${userId}/${after}/${limit}`;
    const known = this.pages.get(key);
    if (known?.head === head) return withCursor(known, epoch, head);
    // Otherwise one read transaction: the head, the probe and the page at the same moment.
    return this.store.read(async (tx) => {
      const now = await tx.feed.headSeq();
      const from = cursor === undefined ? 0 : decodeCursor(cursor, epoch, now);
      const at = `${userId}/${from}/${limit}`;
      let page = this.pages.get(at);
      if (page && page.head !== now) {
        if (await tx.feed.hasChangesAfter(userId, page.head)) page = undefined;
        else page.head = now;
      }
      if (!page) {
        page = await this.readPage(tx, userId, from, limit, now);
        this.pages.set(at, page);
      }
      return withCursor(page, epoch, now);
    });
  }

  private async readPage(
    tx: Tx,
    userId: string,
    after: number,
    limit: number,
    head: number,
  ): Promise<FeedPage> {
    const rows = await tx.feed.changesAfter(userId, after, limit + 1);
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const changes: Change[] = page.map((r) => ({
      entity: r.entity,
      id: r.entityId,
      op: r.op,
      data: r.data,
    }));
    const bytes = Buffer.from(`{"changes":${JSON.stringify(changes)}`);
    return {
      bytes,
      changesEnd: bytes.length,
      next: -1,
      last: page[page.length - 1]?.seq ?? after,
      hasMore,
      head,
    };
  }
}

export interface PageAnswer {
  body: Buffer;
  gzipped: boolean;
}

/** A page as pull keeps it: its answer, and the head it is known exact up to. */
interface FeedPage {
  /** The answer for cursor `next`; its first `changesEnd` bytes are `{"changes":[…]`. */
  bytes: Buffer;
  /** `bytes` gzipped, made on the first pull that accepts gzip. */
  gzipped?: Buffer | undefined;
  changesEnd: number;
  next: number;
  last: number;
  hasMore: boolean;
  head: number;
}

/** The page with its bytes set to what JSON.stringify gives for { changes, cursor, hasMore }. */
function withCursor(page: FeedPage, epoch: string, head: number): FeedPage {
  // With nothing more to read, jump to the head: the next pull skips other users' rows.
  const next = page.hasMore ? page.last : Math.max(page.last, head);
  if (next !== page.next) {
    const tail = `,"cursor":${JSON.stringify(encodeCursor(epoch, next))},"hasMore":${page.hasMore}}`;
    page.bytes = Buffer.concat([page.bytes.subarray(0, page.changesEnd), Buffer.from(tail)]);
    page.gzipped = undefined;
    page.next = next;
  }
  return page;
}

/** Most recently used pages, bounded by their total size. */
class PageCache {
  private readonly pages = new Map<string, FeedPage>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): FeedPage | undefined {
    const page = this.pages.get(key);
    if (page) {
      this.pages.delete(key);
      this.pages.set(key, page);
    }
    return page;
  }

  set(key: string, page: FeedPage): void {
    this.delete(key);
    // A small page is cheap to read again, and its bytes are a slice of one of Node's
    // shared 8 KiB buffer slabs: keeping the slice would keep the whole slab alive.
    if (page.changesEnd < MIN_KEPT_BYTES || size(key, page) > this.maxBytes / 4) return;
    this.pages.set(key, page);
    this.bytes += size(key, page);
    for (const [oldest] of this.pages) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  private delete(key: string): void {
    const page = this.pages.get(key);
    if (!page) return;
    this.pages.delete(key);
    this.bytes -= size(key, page);
  }
}

/** What a kept page weighs, near enough (its cursor's digits aside). */
function size(key: string, page: FeedPage): number {
  // The gzip of a page is made later; a quarter of the JSON covers it (feeds compress 5–10×).
  return page.changesEnd + (page.changesEnd >> 2) + key.length + 100;
}
