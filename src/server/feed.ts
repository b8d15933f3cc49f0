import type { PullResponse } from '../shared/api.js';
import type { Profile } from '../shared/domain.js';
import { AppError } from '../shared/errors.js';
import type { Change, EntityKind } from '../shared/sync.js';
import { iso, type Now } from './clock.js';
import type { LiveHub } from './live.js';
import type { ClassRow, SchoolRow, Store, UserRow } from './store/types.js';

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

export function toProfile(store: Store, user: UserRow): Profile {
  const school = user.schoolId ? store.accounts.getSchool(user.schoolId) : null;
  const cls = user.classId ? store.accounts.getClass(user.classId) : null;
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
    private readonly store: Store,
    private readonly now: Now,
    /** Family members who also see a person's profile (linked parents, children, co-parents). */
    private readonly family: (userId: string) => string[] = () => [],
  ) {}

  put(userIds: Iterable<string>, entity: EntityKind, id: string, data: Record<string, unknown>): void {
    this.append(userIds, entity, id, 'put', data);
  }

  remove(userIds: Iterable<string>, entity: EntityKind, id: string): void {
    this.append(userIds, entity, id, 'delete', null);
  }

  /**
   * Who may see a person's profile: the person and their family (linked parents,
   * children and co-parents, from the family service); every writer of profiles follows.
   */
  profileAudience(userId: string): string[] {
    return [...new Set([userId, ...this.family(userId)])];
  }

  /** The person's profile, to everyone who can see it. */
  putProfile(userId: string): void {
    const user = this.store.accounts.getUser(userId);
    if (!user) return;
    const profile = toProfile(this.store, user);
    this.put([userId], 'profile', user.id, profile);
    // Family members see the person, not their phone number or e-mail address.
    const others = this.profileAudience(userId).filter((id) => id !== userId);
    this.put(others, 'profile', user.id, { ...profile, phone: null, email: null });
  }

  /** Profile plus their school and class: what a person's feed starts with. */
  putPersonWithSchool(userId: string): void {
    const user = this.store.accounts.getUser(userId);
    if (!user) return;
    const school = user.schoolId ? this.store.accounts.getSchool(user.schoolId) : null;
    const cls = user.classId ? this.store.accounts.getClass(user.classId) : null;
    if (school) this.put([userId], 'school', school.id, schoolRecord(school));
    if (cls) this.put([userId], 'class', cls.id, classRecord(cls));
    this.putProfile(userId);
  }

  private append(
    userIds: Iterable<string>,
    entity: EntityKind,
    entityId: string,
    op: 'put' | 'delete',
    data: Record<string, unknown> | null,
  ): void {
    const createdAt = iso(this.now());
    for (const userId of new Set(userIds)) {
      const seq = this.store.feed.appendChange({ userId, entity, entityId, op, data, createdAt });
      this.touched.set(userId, seq);
    }
  }
}

export class Feed {
  constructor(
    private readonly store: Store,
    private readonly hub: LiveHub,
    private readonly now: Now,
    private readonly family: (userId: string) => string[] = () => [],
  ) {}

  /**
   * Runs `fn` in one transaction with a writer for the feed, so a change and its feed
   * rows commit together; live notifications go out only after the commit.
   */
  write<T>(fn: (writer: FeedWriter) => T): T {
    const writer = new FeedWriter(this.store, this.now, this.family);
    const result = this.store.transaction(() => fn(writer));
    const epoch = this.store.feed.epoch();
    for (const [userId, seq] of writer.touched) this.hub.changed(userId, encodeCursor(epoch, seq));
    return result;
  }

  pull(userId: string, cursor: string | undefined, limit: number): PullResponse {
    // One read transaction: the head and the page are seen at the same moment.
    return this.store.read(() => {
      const epoch = this.store.feed.epoch();
      const head = this.store.feed.headSeq();
      const after = cursor === undefined ? 0 : decodeCursor(cursor, epoch, head);
      const rows = this.store.feed.changesAfter(userId, after, limit + 1);
      const hasMore = rows.length > limit;
      const page = hasMore ? rows.slice(0, limit) : rows;
      const changes: Change[] = page.map((r) => ({
        entity: r.entity,
        id: r.entityId,
        op: r.op,
        data: r.data,
      }));
      // With nothing more to read, jump to the head: the next pull skips other users' rows.
      const last = page[page.length - 1]?.seq ?? after;
      const next = hasMore ? last : Math.max(last, head);
      return { changes, cursor: encodeCursor(epoch, next), hasMore };
    });
  }
}
