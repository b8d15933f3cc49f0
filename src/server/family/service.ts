import {
  buildFamilyView,
  childChanges,
  type ChildCard,
  type FamilyView,
  type ChildCorrections,
  type FamilyEvent,
  type InviteRecord,
  type IssuedInvite,
  InviteTokenSchema,
  inviteLinks,
  MAX_PARENTS,
  type ParentLink,
} from '../../shared/family/index.js';
import { AppError } from '../../shared/errors.js';
import { iso, type Now } from '../clock.js';
import { type Feed, toProfile } from '../sync/feed.js';
import { parentLinked, parentUnlinked } from '../chats/membership.js';
import { rateLimited, type RateLimiter } from '../rateLimit.js';
import type { FamilyStore, HistoryRow, InviteRow, Repos, Store, UserRow } from '../store/types.js';
import { hashToken, newId, newToken } from '../auth/tokens.js';

/**
 * Wrong tokens one IP, and one account, may try per window before every invite answer
 * is "wait" (an account behind many IPs is held by its own count, an IP by its own).
 */
export const INVITE_GUESS_LIMIT = 10;
export const INVITE_GUESS_WINDOW_SECONDS = 600;
/** How long the school's e-mail registration link stays valid. */
export const EMAIL_REGISTRATION_TTL_DAYS = 14;

export interface FamilyDeps {
  store: Store;
  feed: Feed;
  limiter: RateLimiter;
  now: Now;
  inviteTtlDays: number;
  publicUrl: () => string;
}

export interface Caller {
  userId: string;
  sessionId: string;
}

function fullName(user: Pick<UserRow, 'surname' | 'name'>): string {
  return `${user.surname} ${user.name}`.trim();
}

export function linkId(childId: string, parentId: string): string {
  return `${childId}:${parentId}`;
}

export function inviteRecord(row: InviteRow): InviteRecord {
  return {
    id: row.id,
    childId: row.childId,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

export function eventRecord(row: HistoryRow): FamilyEvent {
  return {
    id: row.id,
    childId: row.childId,
    action: row.action,
    parentId: row.parentId,
    parentName: row.parentName,
    actorName: row.actorName,
    at: row.at,
    ...(row.changes ? { changes: row.changes } : {}),
  };
}

/**
 * Invites, parent–child links and the family history. Every rule of the memo is
 * checked here, on the server, inside the transaction that writes the link, so two
 * requests racing each other cannot both pass a check that only one may pass.
 */
export class FamilyService {
  constructor(private readonly deps: FamilyDeps) {}

  /** The family tables (the school's admin tool lists links from them). */
  get tables(): FamilyStore {
    return this.deps.store.family;
  }

  /**
   * Who sees a person's profile: the person, their linked parents (for a child), their
   * linked children and those children's other parents (for a parent). The relation is
   * symmetric, so it is also whose profiles the person sees.
   */
  async audience(db: Repos, userId: string): Promise<string[]> {
    const { family } = db;
    const set = new Set([userId]);
    for (const link of await family.parentsOf(userId)) set.add(link.parentId);
    for (const link of await family.childrenOf(userId)) {
      set.add(link.childId);
      for (const other of await family.parentsOf(link.childId)) set.add(other.parentId);
    }
    return [...set];
  }

  /** The family screens' data for one person, from the same records the feed carries. */
  view(userId: string): Promise<FamilyView> {
    // One snapshot: the profiles, links and history agree with each other.
    return this.deps.store.read(async (db) => {
      const { family } = db;
      const profiles = [];
      for (const id of await this.audience(db, userId)) {
        const u = await db.accounts.getUser(id);
        if (!u) continue;
        const profile = await toProfile(db, u);
        profiles.push(u.id === userId ? profile : { ...profile, phone: null, email: null });
      }
      const childIds = [userId, ...(await family.childrenOf(userId)).map((l) => l.childId)];
      const links = [];
      const events = [];
      for (const id of childIds) links.push(...(await family.parentsOf(id)).map((l) => this.linkRecord(l)));
      for (const id of childIds) events.push(...(await family.historyOf(id)).map(eventRecord));
      const invites = (await family.activeInvites(userId)).map(inviteRecord);
      return buildFamilyView(userId, { profiles, links, events, invites });
    });
  }

  /** The student's new link; any older one stops working at once. */
  async issueInvite(caller: Caller): Promise<IssuedInvite> {
    const { store, feed, now } = this.deps;
    const child = await store.accounts.getUser(caller.userId);
    if (!child || child.role !== 'student') {
      throw new AppError('FORBIDDEN', 'Only a student has an invite link for parents.');
    }
    const token = newToken();
    const at = now();
    const row: InviteRow = {
      id: newId(),
      childId: child.id,
      tokenHash: hashToken(token),
      createdAt: iso(at),
      expiresAt: iso(at + this.deps.inviteTtlDays * 86_400_000),
      revokedAt: null,
    };
    await feed.write(async (writer, { family }) => {
      for (const old of await family.activeInvites(child.id)) {
        await family.revokeInvite(old.id, iso(at));
        await writer.remove([child.id], 'invite', old.id);
      }
      await family.insertInvite(row);
      await writer.put([child.id], 'invite', row.id, inviteRecord(row));
    });
    return {
      id: row.id,
      token,
      ...inviteLinks(this.deps.publicUrl(), token),
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
    };
  }

  /** What a parent sees on opening a link: the child's card, or the rule that refuses it. */
  async preview(caller: Caller, token: string, ip: string): Promise<ChildCard> {
    const db = this.deps.store;
    const { invite, child } = await this.resolve(db, token, this.guessKeys(ip, caller));
    await this.checkCaller(db, caller, child, 'open');
    await this.checkLimit(db, invite.childId);
    return this.card(db, child);
  }

  /**
   * The parent confirms the child's registration, with corrections to the personal fields.
   * Once a parent has confirmed them, a later confirmation may still correct the details,
   * but never quietly: each changed detail, old and new, goes into the child's history as
   * a `changed` line by this parent, which the child and the other parent get as a notice.
   */
  async confirm(
    caller: Caller,
    token: string,
    corrections: ChildCorrections,
    ip: string,
  ): Promise<ChildCard> {
    const { feed, store, now } = this.deps;
    const keys = this.guessKeys(ip, caller);
    await this.resolve(store, token, keys);
    return feed.write(async (writer, tx) => {
      const { family } = tx;
      // Again inside the transaction: the link may have been revoked or used up meanwhile.
      const { child } = await this.resolve(tx, token, keys);
      await this.checkCaller(tx, caller, child, 'confirm');
      const parent = (await tx.accounts.getUser(caller.userId))!;
      const at = iso(now());
      // The first confirmation settles the school's draft; after it, the details are someone's word.
      const confirmedBefore = (await family.historyOf(child.id)).some((h) => h.action === 'joined');
      if (!(await family.insertLink({ childId: child.id, parentId: parent.id, createdAt: at }))) {
        if (await family.getLink(child.id, parent.id)) throw alreadyLinked();
        throw parentLimit();
      }
      await parentLinked(writer, child.id, parent.id, now);
      await tx.accounts.updateUserName(
        child.id,
        { surname: corrections.surname, name: corrections.name, patronymic: corrections.patronymic },
        at,
      );
      await family.setBirthDate(child.id, corrections.birthDate, at);
      const event: HistoryRow = {
        id: newId(),
        childId: child.id,
        action: 'joined',
        parentId: parent.id,
        parentName: fullName(parent),
        actorId: parent.id,
        actorName: fullName(parent),
        at,
      };
      await family.insertHistory(event);
      const fresh = new Set([event.id]);
      const changes = confirmedBefore ? childChanges(child, corrections) : [];
      if (changes.length > 0) {
        const changed: HistoryRow = { ...event, id: newId(), action: 'changed', changes };
        await family.insertHistory(changed);
        fresh.add(changed.id);
      }
      const parents = await family.parentsOf(child.id);
      const everyone = [child.id, ...parents.map((p) => p.parentId)];
      await writer.putProfile(child.id);
      for (const p of parents) {
        await writer.putProfile(p.parentId);
        await writer.put(everyone, 'parentLink', linkId(child.id, p.parentId), this.linkRecord(p));
      }
      for (const old of await family.historyOf(child.id)) {
        await writer.put(fresh.has(old.id) ? everyone : [parent.id], 'familyEvent', old.id, eventRecord(old));
      }
      return this.card(tx, (await tx.accounts.getUser(child.id))!);
    });
  }

  /** A parent leaves a child's profile. */
  async leave(caller: Caller, childId: string): Promise<void> {
    const parent = await this.deps.store.accounts.getUser(caller.userId);
    if (!parent || !(await this.deps.store.family.getLink(childId, caller.userId))) {
      throw new AppError('NOT_FOUND', 'This child is not in your family.');
    }
    await this.unlink(childId, caller.userId, { id: parent.id, name: fullName(parent) }, 'left');
  }

  /** The school removes a link (admin tool). */
  async removeLink(childId: string, parentId: string): Promise<void> {
    if (!(await this.deps.store.family.getLink(childId, parentId))) {
      throw new AppError('NOT_FOUND', 'There is no such link.');
    }
    await this.unlink(childId, parentId, null, 'removed');
  }

  /** A one-time registration link for a primary-school student invited by e-mail. */
  async issueEmailRegistration(userId: string): Promise<{ token: string; expiresAt: string }> {
    const token = newToken();
    const at = this.deps.now();
    const expiresAt = iso(at + EMAIL_REGISTRATION_TTL_DAYS * 86_400_000);
    await this.deps.store.family.insertEmailRegistration({
      tokenHash: hashToken(token),
      userId,
      createdAt: iso(at),
      expiresAt,
      usedAt: null,
    });
    return { token, expiresAt };
  }

  /** Redeems the e-mail registration link once; returns the student's id. */
  async completeEmailRegistration(token: string, ip: string): Promise<string> {
    const { store, now, limiter } = this.deps;
    const keys = this.guessKeys(ip);
    await this.checkGuesses(keys);
    const hash = hashToken(token);
    return store.transaction(async ({ family }) => {
      const row = await family.emailRegistration(hash);
      if (!row) {
        for (const key of keys) await limiter.record(key, INVITE_GUESS_WINDOW_SECONDS);
        throw new AppError('REGISTRATION_EXPIRED', 'This registration link is not valid.');
      }
      if (row.usedAt !== null || Date.parse(row.expiresAt) <= now()) {
        throw new AppError(
          'REGISTRATION_EXPIRED',
          'This registration link was already used or has expired. Sign in by e-mail code.',
        );
      }
      if (!(await family.useEmailRegistration(hash, iso(now())))) {
        throw new AppError('REGISTRATION_EXPIRED', 'This registration link was already used.');
      }
      return row.userId;
    });
  }

  private async unlink(
    childId: string,
    parentId: string,
    actor: { id: string; name: string } | null,
    action: 'left' | 'removed',
  ): Promise<void> {
    const { feed, now } = this.deps;
    await feed.write(async (writer, tx) => {
      const { family } = tx;
      const before = (await family.parentsOf(childId)).map((p) => p.parentId);
      const affected = [childId, ...before];
      const seen = new Map<string, Set<string>>();
      for (const u of affected) seen.set(u, new Set(await this.audience(tx, u)));
      if (!(await family.deleteLink(childId, parentId)))
        throw new AppError('NOT_FOUND', 'There is no such link.');
      await parentUnlinked(writer, childId, parentId, now);
      const parent = (await tx.accounts.getUser(parentId))!;
      const at = iso(now());
      const event: HistoryRow = {
        id: newId(),
        childId,
        action,
        parentId,
        parentName: fullName(parent),
        actorId: actor?.id ?? null,
        actorName: actor?.name ?? null,
        at,
      };
      await family.insertHistory(event);
      // Whoever no longer sees a profile gets it deleted from their feed.
      for (const user of affected) {
        const now = new Set(await this.audience(tx, user));
        for (const other of seen.get(user) ?? []) {
          if (!now.has(other)) await writer.remove([user], 'profile', other);
        }
      }
      await writer.remove(affected, 'parentLink', linkId(childId, parentId));
      const remaining = before.filter((p) => p !== parentId);
      for (const other of remaining) await writer.remove([parentId], 'parentLink', linkId(childId, other));
      for (const old of await family.historyOf(childId)) {
        if (old.id !== event.id) await writer.remove([parentId], 'familyEvent', old.id);
      }
      await writer.put([childId, ...remaining], 'familyEvent', event.id, eventRecord(event));
    });
  }

  private linkRecord(link: { childId: string; parentId: string; createdAt: string }): ParentLink {
    return {
      id: linkId(link.childId, link.parentId),
      childId: link.childId,
      parentId: link.parentId,
      confirmedAt: link.createdAt,
    };
  }

  private async card(db: Repos, child: UserRow): Promise<ChildCard> {
    const school = child.schoolId ? await db.accounts.getSchool(child.schoolId) : null;
    const cls = child.classId ? await db.accounts.getClass(child.classId) : null;
    const parents: string[] = [];
    for (const p of await db.family.parentsOf(child.id)) {
      const user = await db.accounts.getUser(p.parentId);
      parents.push(user ? fullName(user) : '');
    }
    return {
      id: child.id,
      surname: child.surname,
      name: child.name,
      patronymic: child.patronymic,
      birthDate: child.birthDate,
      school: school ? { id: school.id, name: school.name } : null,
      class: cls ? { id: cls.id, name: cls.name } : null,
      parents,
    };
  }

  /** The counters a wrong token adds to: the caller's IP (unless exempt) and account. */
  private guessKeys(ip: string, caller?: Caller): (string | null)[] {
    return [
      this.deps.limiter.ipKey('invite-guess', ip),
      ...(caller ? [`invite-guess-account:${caller.userId}`] : []),
    ];
  }

  private async checkGuesses(keys: (string | null)[]): Promise<void> {
    for (const key of keys) {
      const wait = await this.deps.limiter.waitSeconds(key, INVITE_GUESS_LIMIT, INVITE_GUESS_WINDOW_SECONDS);
      if (wait > 0) throw rateLimited(wait);
    }
  }

  /**
   * The invite behind a token, or the reason it cannot be used. A malformed token and
   * an unknown one get the same answer, so guessing tells nothing about who exists;
   * each wrong guess counts against the caller's IP and account.
   */
  private async resolve(
    db: Repos,
    token: string,
    keys: (string | null)[],
  ): Promise<{ invite: InviteRow; child: UserRow }> {
    const { now, limiter } = this.deps;
    await this.checkGuesses(keys);
    const unknown = async (): Promise<AppError> => {
      for (const key of keys) await limiter.record(key, INVITE_GUESS_WINDOW_SECONDS);
      return new AppError('INVITE_MALFORMED', 'This invite link is not valid. Ask for the link again.');
    };
    if (!InviteTokenSchema.safeParse(token).success) throw await unknown();
    const invite = await db.family.inviteByHash(hashToken(token));
    if (!invite) throw await unknown();
    if (invite.revokedAt !== null) {
      throw new AppError('INVITE_REVOKED', 'This invite link was replaced or withdrawn. Ask for a new one.');
    }
    if (Date.parse(invite.expiresAt) <= now()) {
      throw new AppError('INVITE_EXPIRED', 'This invite link has expired. Ask for a new one.');
    }
    const child = await db.accounts.getUser(invite.childId);
    if (!child) throw await unknown();
    return { invite, child };
  }

  /** The rules about who follows the link. */
  private async checkCaller(
    db: Repos,
    caller: Caller,
    child: UserRow,
    step: 'open' | 'confirm',
  ): Promise<void> {
    const { now } = this.deps;
    const session = await db.sessions.getSession(caller.sessionId);
    const device = session?.deviceId ?? null;
    const childHere =
      device !== null &&
      (await db.sessions.liveSessionsOfUser(child.id, iso(now()))).some((s) => s.deviceId === device);
    if (caller.userId === child.id) {
      // Opening the link where the child is signed in is the memo's "same device" case;
      // the child pressing "confirm" on their own link is refused on its own terms.
      if (step === 'open') throw sameDevice();
      throw new AppError('INVITE_OWN_LINK', 'This is your own invite link: send it to your parent.');
    }
    if (childHere) throw sameDevice();
    if (await db.family.getLink(child.id, caller.userId)) throw alreadyLinked();
    const user = await db.accounts.getUser(caller.userId);
    if (user?.role === 'student') {
      throw new AppError(
        'PHONE_BELONGS_TO_STUDENT',
        'You are signed in with a student’s number. A parent signs in with their own phone number.',
      );
    }
    if (user?.role !== 'parent') {
      throw new AppError('FORBIDDEN', 'Only a parent account can confirm a child.');
    }
  }

  private async checkLimit(db: Repos, childId: string): Promise<void> {
    if ((await db.family.parentsOf(childId)).length >= MAX_PARENTS) throw parentLimit();
  }
}

function sameDevice(): AppError {
  return new AppError(
    'INVITE_SAME_DEVICE',
    'The link was opened where the child is signed in, as if the child wanted to be their own parent.',
  );
}

function alreadyLinked(): AppError {
  return new AppError('INVITE_ALREADY_LINKED', 'This child is already in your family.');
}

function parentLimit(): AppError {
  return new AppError('INVITE_PARENT_LIMIT', 'This child already has two parents linked.');
}
