import type { DocumentRecord, FolderRecord, ItemKind } from '../../shared/documents.js';
import type { PersonName, Role } from '../../shared/domain.js';
import type { ChildChange, FamilyAction } from '../../shared/family.js';
import type { SupportDiagnostics } from '../../shared/support.js';
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
  /** Every school, by name (the school's admin tool lists them). */
  listSchools(): SchoolRow[];
  /** Every class, by name. */
  listClasses(): ClassRow[];
  /** Every account, by role, surname and name. */
  listUsers(): UserRow[];
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

export interface InviteRow {
  id: string;
  childId: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

export interface LinkRow {
  childId: string;
  parentId: string;
  createdAt: string;
}

export interface HistoryRow {
  id: string;
  childId: string;
  action: FamilyAction;
  parentId: string;
  parentName: string;
  actorId: string | null;
  actorName: string | null;
  at: string;
  /** `changed` only: the details that changed. */
  changes?: ChildChange[] | null;
}

export interface EmailRegistrationRow {
  tokenHash: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/**
 * The family tables. Callers run them inside the store's transaction (Feed.write), so a
 * link, its history line and its feed rows commit together.
 */
export interface FamilyStore {
  insertInvite(row: InviteRow): void;
  inviteByHash(tokenHash: string): InviteRow | null;
  activeInvites(childId: string): InviteRow[];
  revokeInvite(id: string, at: string): boolean;
  /** False when the child already has the most parents allowed, or this parent already. */
  insertLink(row: LinkRow): boolean;
  deleteLink(childId: string, parentId: string): boolean;
  getLink(childId: string, parentId: string): LinkRow | null;
  parentsOf(childId: string): LinkRow[];
  childrenOf(parentId: string): LinkRow[];
  allLinks(): LinkRow[];
  insertHistory(row: HistoryRow): void;
  historyOf(childId: string): HistoryRow[];
  insertEmailRegistration(row: EmailRegistrationRow): void;
  emailRegistration(tokenHash: string): EmailRegistrationRow | null;
  setBirthDate(userId: string, birthDate: string | null, at: string): void;
  useEmailRegistration(tokenHash: string, at: string): boolean;
}

export interface FolderRow extends FolderRecord {
  ownerId: string;
}
export interface DocumentRow extends DocumentRecord {
  ownerId: string;
  blobKey: string;
}
export interface UploadRow {
  id: string;
  ownerId: string;
  size: number;
  metadata: string;
  state: 'active' | 'done' | 'failed';
  documentId: string | null;
  error: string | null;
  createdAt: string;
}

/** Fields of a folder or document to change; absent ones stay as they are. */
export interface ItemUpdate {
  name?: string;
  nameKey?: string;
  parentId?: string | null;
  updatedAt: string;
  trashedAt?: string | null;
  trashRoot?: string | null;
}

/**
 * The documents tables. Every read takes the owner: a row of somebody else is simply not
 * found, which is how privacy stays one rule.
 */
export interface DocumentRepo {
  getFolder(ownerId: string, id: string): FolderRow | null;
  getDocument(ownerId: string, id: string): DocumentRow | null;
  get(kind: ItemKind, ownerId: string, id: string): FolderRow | DocumentRow | null;
  listFolders(ownerId: string): FolderRow[];
  listDocuments(ownerId: string): DocumentRow[];
  /** A live folder or document of that name (key) in that folder, other than `exceptId`. */
  nameTaken(ownerId: string, parentId: string | null, key: string, exceptId?: string): boolean;
  insertFolder(row: FolderRow, nameKey: string): void;
  insertDocument(row: DocumentRow, nameKey: string): void;
  update(kind: ItemKind, id: string, fields: ItemUpdate): void;
  /** The folder and every folder under it. */
  subtree(ownerId: string, folderId: string): string[];
  foldersIn(ownerId: string, parentIds: string[]): FolderRow[];
  documentsIn(ownerId: string, folderIds: string[]): DocumentRow[];
  withTrashRoot(kind: ItemKind, ownerId: string, root: string): (FolderRow | DocumentRow)[];
  trashed(kind: ItemKind, ownerId: string, before: string | null): (FolderRow | DocumentRow)[];
  deleteRows(kind: ItemKind, ids: string[]): void;
  ownersWithTrashBefore(before: string): string[];
  usedBytes(ownerId: string): number;
  reservedBytes(ownerId: string, exceptUploadId?: string): number;
  insertUpload(row: { id: string; ownerId: string; size: number; metadata: string; createdAt: string }): void;
  getUpload(id: string): UploadRow | null;
  setUpload(id: string, state: UploadRow['state'], documentId: string | null, error: string | null): void;
  /** Records the blob key a finishing upload is about to file its bytes under; false if it is no longer active. */
  claimBlobKey(id: string, key: string): boolean;
  staleUploads(before: string): UploadRow[];
  /** The secret signed download links are made with. */
  downloadKey(): string;
}

export interface TicketRow {
  number: number;
  id: string;
  userId: string;
  userName: string;
  contact: string | null;
  text: string;
  diagnostics: SupportDiagnostics | null;
  status: 'open' | 'closed';
  createdAt: string;
  closedAt: string | null;
}

export type NewTicketRow = Pick<TicketRow, 'id' | 'userId' | 'text' | 'diagnostics' | 'createdAt'>;

/** Support tickets: written by a signed-in person, read and closed by the admin tool. */
export interface SupportStore {
  /** Stores an open ticket; returns its number. */
  insert(row: NewTicketRow): number;
  list(which: 'open' | 'all'): TicketRow[];
  /** False when there is no open ticket with that number. */
  close(number: number, at: string): boolean;
}

/** One rate-limit key's recent hits (oldest first) and the longest window it was checked against. */
export interface RateEntry {
  times: number[];
  windowMs: number;
}

/**
 * The rate limiter's counters, shared by every server process on the data directory and
 * kept across restarts (or in memory, for one process).
 */
export interface RateLimitStore {
  get(key: string): RateEntry | undefined;
  put(key: string, entry: RateEntry): void;
  delete(key: string): void;
  /** Forgets keys whose last hit is older than their window at `now`. */
  sweep(now: number): void;
  count(): number;
  /**
   * `fn` as one atomic call holding the counters' write lock from its start (a check and
   * the hit it allows cannot be split by another process). Built once, called often.
   */
  atomic<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => T;
  close(): void;
}

/** Feed rows another process (the school's admin tool) wrote to the same database. */
export interface ForeignWrites {
  /** The highest sequence number ever issued (0 for an empty feed). */
  head(): number;
  /** Each user with changes after `afterSeq`, with the newest one's sequence number. */
  ownersAfter(afterSeq: number): { userId: string; seq: number }[];
}

export interface Store {
  accounts: AccountStore;
  otp: OtpStore;
  sessions: SessionStore;
  feed: FeedStore;
  family: FamilyStore;
  documents: DocumentRepo;
  support: SupportStore;
  rateLimits: RateLimitStore;
  foreignWrites: ForeignWrites;
  /**
   * Runs fn atomically, holding the write lock from its start (so a check and the write
   * it allows cannot be split by another process); nested calls join the outer one.
   */
  transaction<T>(fn: () => T): T;
  /** Runs fn on one consistent snapshot, without the write lock (reads only). */
  read<T>(fn: () => T): T;
  close(): void;
}
