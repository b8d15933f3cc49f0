import type { PersonName, Role } from '../../shared/domain.js';
import type { EntityKind } from '../../shared/sync.js';

/**
 * The storage contract, written as types first: services and routes depend on these
 * interfaces only, so a PostgreSQL implementation can join the SQLite one later
 * without touching them. Times are ISO-8601 strings in UTC.
 */

export interface SchoolRow {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface ClassRow {
  id: string;
  schoolId: string;
  name: string;
  teacher: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UserRow {
  id: string;
  role: Role;
  surname: string;
  name: string;
  patronymic: string;
  phone: string | null;
  email: string | null;
  birthDate: string | null;
  schoolId: string | null;
  classId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AccountStore {
  getUser(id: string): UserRow | null;
  findUserByPhone(phone: string): UserRow | null;
  findUserByEmail(email: string): UserRow | null;
  insertUser(user: UserRow): void;
  updateUserName(id: string, name: PersonName, updatedAt: string): void;
  getSchool(id: string): SchoolRow | null;
  findSchoolByName(name: string): SchoolRow | null;
  insertSchool(school: SchoolRow): void;
  getClass(id: string): ClassRow | null;
  findClass(schoolId: string, name: string): ClassRow | null;
  insertClass(cls: ClassRow): void;
}

export interface OtpRequestRow {
  id: string;
  channel: 'phone' | 'email';
  /** Normalized phone (E.164) or e-mail. */
  address: string;
  /** The account the code signs into; null for a new phone or an unknown e-mail. */
  userId: string | null;
  deviceId: string;
  codeHash: string;
  attempts: number;
  createdAt: string;
  expiresAt: string;
  consumedAt: string | null;
}

export interface RegistrationTokenRow {
  tokenHash: string;
  phone: string;
  deviceId: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

export interface OtpStore {
  insertRequest(row: OtpRequestRow): void;
  getRequest(id: string): OtpRequestRow | null;
  /** Counts one verify attempt; returns the new count. */
  addAttempt(id: string): number;
  /** Marks the code used; false if it already was (single use under concurrency). */
  consume(id: string, at: string): boolean;
  deleteRequest(id: string): void;
  insertRegistrationToken(row: RegistrationTokenRow): void;
  getRegistrationToken(tokenHash: string): RegistrationTokenRow | null;
  useRegistrationToken(tokenHash: string, at: string): boolean;
  /** Forgets codes and registration tokens that expired before `before`. */
  pruneExpired(before: string): void;
}

export interface SessionRow {
  id: string;
  userId: string;
  deviceId: string;
  deviceName: string;
  createdAt: string;
  lastSeenAt: string;
  /** When the newest refresh token expires: the session cannot outlive it. */
  expiresAt: string;
  revokedAt: string | null;
  revokeReason: string | null;
}

export interface TokenRow {
  tokenHash: string;
  sessionId: string;
  expiresAt: string;
}

export interface AccessTokenRow extends TokenRow {
  /** The refresh token issued together with it (null for tokens from before migration 0007). */
  refreshHash: string | null;
  /** When it was first presented; null while never used. */
  usedAt: string | null;
}

export interface RefreshTokenRow extends TokenRow {
  createdAt: string;
  usedAt: string | null;
  /** The refresh token of the pair issued in exchange for this one. */
  replacedBy: string | null;
}

export interface SessionStore {
  insertSession(row: SessionRow): void;
  getSession(id: string): SessionRow | null;
  /** Sessions not revoked and not expired at `now`. */
  liveSessionsOfUser(userId: string, now: string): SessionRow[];
  liveSessionsOfDevice(deviceId: string, now: string): SessionRow[];
  /** False if the session was already revoked. */
  revokeSession(id: string, at: string, reason: string): boolean;
  touchSession(id: string, at: string): void;
  extendSession(id: string, expiresAt: string): void;
  insertAccessToken(row: Omit<AccessTokenRow, 'usedAt'>): void;
  findAccessToken(tokenHash: string): AccessTokenRow | null;
  /** The access token and its session in one read (every authenticated request asks). */
  findAccessTokenWithSession(tokenHash: string): { token: AccessTokenRow; session: SessionRow } | null;
  /** Records the first use of an access token. */
  markAccessUsed(tokenHash: string, at: string): void;
  insertRefreshToken(row: RefreshTokenRow): void;
  findRefreshToken(tokenHash: string): RefreshTokenRow | null;
  /** False if the token was already used (a concurrent refresh won). */
  markRefreshUsed(tokenHash: string, at: string): boolean;
  /** Links a used refresh token to the refresh token of the pair issued for it. */
  setReplacedBy(tokenHash: string, successorHash: string): void;
  /** True if neither the refresh token nor the access token issued with it was ever used. */
  pairUnused(refreshHash: string): boolean;
  /** Retires a pair that was never used: its refresh token counts as used, its access tokens go. */
  retirePair(refreshHash: string, at: string): void;
  /** Forgets tokens of sessions that ended before `before`. */
  pruneTokens(before: string): void;
}

export interface ChangeRow {
  seq: number;
  userId: string;
  entity: EntityKind;
  entityId: string;
  op: 'put' | 'delete';
  data: Record<string, unknown> | null;
  createdAt: string;
}

export interface FeedStore {
  /** This database's random id, carried in cursors. */
  epoch(): string;
  /**
   * Appends one change to one user's feed; returns its sequence number. Changes are never
   * altered or removed once appended (Feed.pull keeps pages on that promise).
   */
  appendChange(change: Omit<ChangeRow, 'seq'>): number;
  changesAfter(userId: string, afterSeq: number, limit: number): ChangeRow[];
  /** Whether the user's feed has any change after `afterSeq`. */
  hasChangesAfter(userId: string, afterSeq: number): boolean;
  /** The highest sequence number ever issued (0 for an empty feed). */
  headSeq(): number;
  getMutationResult(userId: string, mutationId: string): string | null;
  recordMutationResult(userId: string, mutationId: string, result: string, at: string): void;
}

export interface Store {
  accounts: AccountStore;
  otp: OtpStore;
  sessions: SessionStore;
  feed: FeedStore;
  /**
   * Runs fn atomically, holding the write lock from its start (so a check and the write
   * it allows cannot be split by another process); nested calls join the outer one.
   */
  transaction<T>(fn: () => T): T;
  /** Runs fn on one consistent snapshot, without the write lock (reads only). */
  read<T>(fn: () => T): T;
  close(): void;
}
