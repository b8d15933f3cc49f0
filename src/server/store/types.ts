import type { DocumentRecord, FolderRecord, ItemKind } from '../../shared/documents/index.js';
import type { PersonName, Role } from '../../shared/domain.js';
import type { ChildChange, FamilyAction } from '../../shared/family/index.js';
import type { SupportDiagnostics } from '../../shared/support/index.js';
import type { EntityKind } from '../../shared/sync/index.js';

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
  getUser(id: string): Promise<UserRow | null>;
  findUserByPhone(phone: string): Promise<UserRow | null>;
  findUserByEmail(email: string): Promise<UserRow | null>;
  insertUser(user: UserRow): Promise<void>;
  updateUserName(id: string, name: PersonName, updatedAt: string): Promise<void>;
  getSchool(id: string): Promise<SchoolRow | null>;
  findSchoolByName(name: string): Promise<SchoolRow | null>;
  insertSchool(school: SchoolRow): Promise<void>;
  getClass(id: string): Promise<ClassRow | null>;
  findClass(schoolId: string, name: string): Promise<ClassRow | null>;
  insertClass(cls: ClassRow): Promise<void>;
  /** Every school, by name (the school's admin tool lists them). */
  listSchools(): Promise<SchoolRow[]>;
  /** Every class, by name. */
  listClasses(): Promise<ClassRow[]>;
  /** Every account, by role, surname and name. */
  listUsers(): Promise<UserRow[]>;
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
  insertRequest(row: OtpRequestRow): Promise<void>;
  getRequest(id: string): Promise<OtpRequestRow | null>;
  /** Counts one verify attempt; returns the new count. */
  addAttempt(id: string): Promise<number>;
  /** Marks the code used; false if it already was (single use under concurrency). */
  consume(id: string, at: string): Promise<boolean>;
  deleteRequest(id: string): Promise<void>;
  insertRegistrationToken(row: RegistrationTokenRow): Promise<void>;
  getRegistrationToken(tokenHash: string): Promise<RegistrationTokenRow | null>;
  useRegistrationToken(tokenHash: string, at: string): Promise<boolean>;
  /** Forgets codes and registration tokens that expired before `before`. */
  pruneExpired(before: string): Promise<void>;
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
  insertSession(row: SessionRow): Promise<void>;
  getSession(id: string): Promise<SessionRow | null>;
  /** Sessions not revoked and not expired at `now`. */
  liveSessionsOfUser(userId: string, now: string): Promise<SessionRow[]>;
  liveSessionsOfDevice(deviceId: string, now: string): Promise<SessionRow[]>;
  /** False if the session was already revoked. */
  revokeSession(id: string, at: string, reason: string): Promise<boolean>;
  touchSession(id: string, at: string): Promise<void>;
  extendSession(id: string, expiresAt: string): Promise<void>;
  insertAccessToken(row: Omit<AccessTokenRow, 'usedAt'>): Promise<void>;
  findAccessToken(tokenHash: string): Promise<AccessTokenRow | null>;
  /** The access token and its session in one read (every authenticated request asks). */
  findAccessTokenWithSession(
    tokenHash: string,
  ): Promise<{ token: AccessTokenRow; session: SessionRow } | null>;
  /** Records the first use of an access token. */
  markAccessUsed(tokenHash: string, at: string): Promise<void>;
  insertRefreshToken(row: RefreshTokenRow): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRow | null>;
  /** False if the token was already used (a concurrent refresh won). */
  markRefreshUsed(tokenHash: string, at: string): Promise<boolean>;
  /** Links a used refresh token to the refresh token of the pair issued for it. */
  setReplacedBy(tokenHash: string, successorHash: string): Promise<void>;
  /** True if neither the refresh token nor the access token issued with it was ever used. */
  pairUnused(refreshHash: string): Promise<boolean>;
  /** Retires a pair that was never used: its refresh token counts as used, its access tokens go. */
  retirePair(refreshHash: string, at: string): Promise<void>;
  /** Forgets tokens of sessions that ended before `before`. */
  pruneTokens(before: string): Promise<void>;
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
  epoch(): Promise<string>;
  /**
   * Appends one change to one user's feed; returns its sequence number. Changes are never
   * altered or removed once appended (Feed.pull keeps pages on that promise).
   */
  appendChange(change: Omit<ChangeRow, 'seq'>): Promise<number>;
  changesAfter(userId: string, afterSeq: number, limit: number): Promise<ChangeRow[]>;
  /** Whether the user's feed has any change after `afterSeq`. */
  hasChangesAfter(userId: string, afterSeq: number): Promise<boolean>;
  /** The highest sequence number ever issued (0 for an empty feed). */
  headSeq(): Promise<number>;
  getMutationResult(userId: string, mutationId: string): Promise<string | null>;
  recordMutationResult(userId: string, mutationId: string, result: string, at: string): Promise<void>;
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
  insertInvite(row: InviteRow): Promise<void>;
  inviteByHash(tokenHash: string): Promise<InviteRow | null>;
  activeInvites(childId: string): Promise<InviteRow[]>;
  revokeInvite(id: string, at: string): Promise<boolean>;
  /** False when the child already has the most parents allowed, or this parent already. */
  insertLink(row: LinkRow): Promise<boolean>;
  deleteLink(childId: string, parentId: string): Promise<boolean>;
  getLink(childId: string, parentId: string): Promise<LinkRow | null>;
  parentsOf(childId: string): Promise<LinkRow[]>;
  childrenOf(parentId: string): Promise<LinkRow[]>;
  allLinks(): Promise<LinkRow[]>;
  insertHistory(row: HistoryRow): Promise<void>;
  historyOf(childId: string): Promise<HistoryRow[]>;
  insertEmailRegistration(row: EmailRegistrationRow): Promise<void>;
  emailRegistration(tokenHash: string): Promise<EmailRegistrationRow | null>;
  setBirthDate(userId: string, birthDate: string | null, at: string): Promise<void>;
  useEmailRegistration(tokenHash: string, at: string): Promise<boolean>;
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
  getFolder(ownerId: string, id: string): Promise<FolderRow | null>;
  getDocument(ownerId: string, id: string): Promise<DocumentRow | null>;
  get(kind: ItemKind, ownerId: string, id: string): Promise<FolderRow | DocumentRow | null>;
  listFolders(ownerId: string): Promise<FolderRow[]>;
  listDocuments(ownerId: string): Promise<DocumentRow[]>;
  /** A live folder or document of that name (key) in that folder, other than `exceptId`. */
  nameTaken(ownerId: string, parentId: string | null, key: string, exceptId?: string): Promise<boolean>;
  insertFolder(row: FolderRow, nameKey: string): Promise<void>;
  insertDocument(row: DocumentRow, nameKey: string): Promise<void>;
  update(kind: ItemKind, id: string, fields: ItemUpdate): Promise<void>;
  /** The folder and every folder under it. */
  subtree(ownerId: string, folderId: string): Promise<string[]>;
  foldersIn(ownerId: string, parentIds: string[]): Promise<FolderRow[]>;
  documentsIn(ownerId: string, folderIds: string[]): Promise<DocumentRow[]>;
  withTrashRoot(kind: ItemKind, ownerId: string, root: string): Promise<(FolderRow | DocumentRow)[]>;
  trashed(kind: ItemKind, ownerId: string, before: string | null): Promise<(FolderRow | DocumentRow)[]>;
  deleteRows(kind: ItemKind, ids: string[]): Promise<void>;
  ownersWithTrashBefore(before: string): Promise<string[]>;
  usedBytes(ownerId: string): Promise<number>;
  reservedBytes(ownerId: string, exceptUploadId?: string): Promise<number>;
  insertUpload(row: {
    id: string;
    ownerId: string;
    size: number;
    metadata: string;
    createdAt: string;
  }): Promise<void>;
  getUpload(id: string): Promise<UploadRow | null>;
  setUpload(
    id: string,
    state: UploadRow['state'],
    documentId: string | null,
    error: string | null,
  ): Promise<void>;
  /** Records the blob key a finishing upload is about to file its bytes under; false if it is no longer active. */
  claimBlobKey(id: string, key: string): Promise<boolean>;
  staleUploads(before: string): Promise<UploadRow[]>;
  /** The secret signed download links are made with. */
  downloadKey(): Promise<string>;
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
  insert(row: NewTicketRow): Promise<number>;
  list(which: 'open' | 'all'): Promise<TicketRow[]>;
  /** False when there is no open ticket with that number. */
  close(number: number, at: string): Promise<boolean>;
}

/** One rate-limit key's recent hits (oldest first) and the longest window it was checked against. */
export interface RateEntry {
  times: number[];
  windowMs: number;
}

/** The rate limiter's counters, as read and written inside `RateLimitStore.transaction`. */
export interface RateCounters {
  get(key: string): Promise<RateEntry | undefined>;
  put(key: string, entry: RateEntry): Promise<void>;
  delete(key: string): Promise<void>;
  /** Forgets keys whose last hit is older than their window at `now`. */
  sweep(now: number): Promise<void>;
  count(): Promise<number>;
}

/**
 * The rate limiter's counters, shared by every server process on the data directory and
 * kept across restarts (or in memory, for one process).
 */
export interface RateLimitStore extends RateCounters {
  /**
   * Runs fn holding the counters' write lock from its start (a check and the hit it
   * allows cannot be split by another process or another request), with the counters
   * bound to that transaction; commits when fn resolves.
   */
  transaction<T>(fn: (counters: RateCounters) => Promise<T>): Promise<T>;
  close(): void;
}

export interface ChatRow {
  id: string;
  kind: 'class' | 'direct' | 'announcements';
  schoolId: string | null;
  classId: string | null;
  /** A direct chat's two user ids, sorted and joined by ':'. */
  directKey: string | null;
  lastSeq: number;
  /** The revision of the newest new, edited or deleted message. */
  lastRev: number;
  createdAt: string;
  updatedAt: string;
}

export interface ChatMemberRow {
  chatId: string;
  userId: string;
  role: 'member' | 'teacher' | 'admin';
  readSeq: number;
  joinedAt: string;
  leftAt: string | null;
  /** A member who left reads messages up to this seq and nothing after. */
  leftSeq: number | null;
  muted: boolean;
}

export interface ChatMessageRow {
  chatId: string;
  seq: number;
  /** The chat's revision when the message was sent, edited or deleted last. */
  rev: number;
  id: string;
  senderId: string;
  senderName: string;
  clientId: string;
  text: string;
  replyToSeq: number | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  deletedBy: 'sender' | 'admin' | null;
  /** What was attached when it was sent (a copy of each document's bytes). */
  attachments: { id: string; name: string; size: number; mime: string }[];
}

/** A teacher of a school, as the contacts list shows them. */
export interface SchoolTeacherRow {
  userId: string;
  name: string;
  /** The teacher's class (null: a teacher without a class). */
  classId: string | null;
  className: string | null;
  /** The class teacher of the class whose id this is, if any. */
  classTeacherOf: string | null;
  classTeacherOfName: string | null;
}

/** A message that matched a search, with what its chat's title needs. */
export interface ChatSearchRow extends ChatMessageRow {
  kind: ChatRow['kind'];
  classId: string | null;
  directKey: string | null;
}

/** A file attached to a message: the copy of the document's bytes under `blobKey`. */
export interface ChatAttachmentRow {
  id: string;
  chatId: string;
  seq: number;
  position: number;
  documentId: string;
  name: string;
  size: number;
  mime: string;
  sha256: string;
  blobKey: string;
}

/** A report of a message, for the school's administrators. */
export interface ChatReportRow {
  id: string;
  chatId: string;
  seq: number;
  kind: ChatRow['kind'];
  classId: string | null;
  directKey: string | null;
  senderName: string;
  text: string;
  deletedBy: 'sender' | 'admin' | null;
  reporterName: string;
  reason: string;
  createdAt: string;
}

/**
 * Chats, their members (one read pointer each) and messages numbered per chat. A
 * message's seq comes from `nextSeq` inside the write transaction that inserts it.
 */
export interface ChatStore {
  getChat(id: string): Promise<ChatRow | null>;
  classChat(classId: string, kind: 'class' | 'announcements'): Promise<ChatRow | null>;
  directChat(directKey: string): Promise<ChatRow | null>;
  insertChat(row: ChatRow): Promise<void>;
  /** The class teacher's account, or null while none is linked. */
  classTeacher(classId: string): Promise<string | null>;
  setClassTeacher(classId: string, teacherId: string, at: string): Promise<void>;
  member(chatId: string, userId: string): Promise<ChatMemberRow | null>;
  /** Members who have not left, with their names. */
  activeMembers(chatId: string): Promise<(ChatMemberRow & { name: string })[]>;
  /** Every chat the user is or was a member of. */
  membershipsOf(userId: string): Promise<ChatMemberRow[]>;
  /** Adds the member, or brings back one who left (reading on from now). */
  join(row: Pick<ChatMemberRow, 'chatId' | 'userId' | 'role' | 'joinedAt'>, readSeq: number): Promise<void>;
  /** False if the user was not an active member. */
  leave(chatId: string, userId: string, at: string, leftSeq: number): Promise<boolean>;
  /** Moves the read pointer forward only; returns the pointer afterwards. */
  markRead(chatId: string, userId: string, seq: number): Promise<number>;
  /** Takes the chat's next seq (last_seq + 1) and its next revision. */
  nextSeq(chatId: string, at: string): Promise<{ seq: number; rev: number }>;
  /** Takes the chat's next revision (an edit or a deletion). */
  nextRev(chatId: string, at: string): Promise<number>;
  /** Inserts the message, and its attachments (`attachments` rows) when it has any. */
  insertMessage(
    row: Omit<ChatMessageRow, 'senderName' | 'editedAt' | 'deletedAt' | 'deletedBy' | 'attachments'>,
    attachments?: ChatAttachmentRow[],
  ): Promise<void>;
  getAttachment(chatId: string, attachmentId: string): Promise<ChatAttachmentRow | null>;
  /** The member's own flag: their devices do not notify for a muted chat. */
  setMuted(chatId: string, userId: string, muted: boolean): Promise<void>;
  /** The seqs from..to (inclusive) of the chat that the user has acknowledged. */
  ackedSeqs(chatId: string, userId: string, fromSeq: number, toSeq: number): Promise<number[]>;
  /** The school's teachers, by surname and name. */
  schoolTeachers(schoolId: string): Promise<SchoolTeacherRow[]>;
  /** The parents linked to a student of one of the classes, one row per parent and class. */
  classParents(
    classIds: string[],
  ): Promise<{ userId: string; name: string; classId: string; className: string }[]>;
  /**
   * The newest messages (not deleted) the user may read that match every term, newest
   * first: each term (lower case, «ё» as «е», letters and digits only) is the start of a
   * word of the message. The user reads the chats they are a member of (one who left: up
   * to leftSeq) and, given `adminSchoolId`, that school's class chats and announcements.
   */
  searchMessages(q: {
    userId: string;
    terms: string[];
    limit: number;
    adminSchoolId: string | null;
  }): Promise<ChatSearchRow[]>;
  /** The reports of messages in the school's chats, newest first. */
  reportsOfSchool(schoolId: string, limit: number): Promise<ChatReportRow[]>;
  messageByClientId(senderId: string, clientId: string): Promise<ChatMessageRow | null>;
  getMessage(chatId: string, seq: number): Promise<ChatMessageRow | null>;
  /** Up to `limit` messages with seq < before (newest first from the anchor), seq ≤ maxSeq, ascending. */
  messagesBefore(chatId: string, before: number, limit: number, maxSeq: number): Promise<ChatMessageRow[]>;
  /** Up to `limit` messages with after < seq ≤ maxSeq, ascending. */
  messagesAfter(chatId: string, after: number, limit: number, maxSeq: number): Promise<ChatMessageRow[]>;
  /** Up to `limit` messages new, edited or deleted after revision `rev`, seq ≤ maxSeq, by revision. */
  messagesChangedAfter(chatId: string, rev: number, limit: number, maxSeq: number): Promise<ChatMessageRow[]>;
  editMessage(chatId: string, seq: number, text: string, at: string, rev: number): Promise<void>;
  deleteMessage(chatId: string, seq: number, by: 'sender' | 'admin', at: string, rev: number): Promise<void>;
  /** False if the user had already acknowledged it. */
  insertAck(chatId: string, seq: number, userId: string, at: string): Promise<boolean>;
  acksOf(chatId: string, seq: number): Promise<{ userId: string; at: string }[]>;
  /** False if the user had already reported it. */
  insertReport(row: {
    id: string;
    chatId: string;
    seq: number;
    reporterId: string;
    reason: string;
    createdAt: string;
  }): Promise<boolean>;
}

/** Feed rows another process (the school's admin tool) wrote to the same database. */
export interface ForeignWrites {
  /** The highest sequence number ever issued (0 for an empty feed). */
  head(): Promise<number>;
  /** Each user with changes after `afterSeq`, with the newest one's sequence number. */
  ownersAfter(afterSeq: number): Promise<{ userId: string; seq: number }[]>;
}

/** The repositories, each call one statement or a few, as a promise of its answer. */
export interface Repos {
  accounts: AccountStore;
  otp: OtpStore;
  sessions: SessionStore;
  feed: FeedStore;
  family: FamilyStore;
  documents: DocumentRepo;
  support: SupportStore;
  chats: ChatStore;
  foreignWrites: ForeignWrites;
  vkid: VkIdStore;
}

/**
 * The repositories bound to one open transaction (a PostgreSQL implementation binds its
 * pooled client here). Inside `transaction(fn)` every read and write goes through `tx`,
 * never the outer store: the outer store waits for the transaction to end.
 */
export interface Tx extends Repos {
  /**
   * Runs fn on a savepoint of this transaction: if fn fails, only what it wrote is
   * undone and its error is rethrown; the outer transaction goes on.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

export interface Store extends Repos {
  rateLimits: RateLimitStore;
  /**
   * Runs fn in one write transaction, holding the write lock from its start (so a check
   * and the write it allows cannot be split by another process), and commits when fn's
   * promise resolves; rolls everything back and rethrows when it rejects. Transactions of
   * one store never overlap: a second one starts after the first has ended.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs fn on one consistent snapshot, without the write lock (reads only). */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): void;
}

/** A sign-in with VK ID under way: its state (hashed), PKCE verifier and who started it. */
export interface VkIdFlowRow {
  stateHash: string;
  /** Our device id of the client that started it: only that client may finish it. */
  deviceId: string;
  client: 'web' | 'desktop';
  codeVerifier: string;
  returnTo: string | null;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  /** The hash of the code it was finished with (a replay of the same callback). */
  codeHash: string | null;
}

/** What VK said about a person, kept server-side until they confirm a link or give a name. */
export interface VkIdPendingRow {
  tokenHash: string;
  deviceId: string;
  vkUserId: string;
  phone: string;
  firstName: string;
  lastName: string;
  /** The account the phone belongs to (a link awaiting our code), or null (a registration). */
  userId: string | null;
  vk: VkIdTokens;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** VK's tokens with VK's device id: they never leave the server. */
export interface VkIdTokens {
  vkDeviceId: string;
  accessToken: string;
  refreshToken: string | null;
  accessExpiresAt: string;
}

export interface VkIdentityRow extends VkIdTokens {
  userId: string;
  vkUserId: string;
  linkedAt: string;
}

export interface VkIdStore {
  insertFlow(row: VkIdFlowRow): Promise<void>;
  getFlow(stateHash: string): Promise<VkIdFlowRow | null>;
  /** Marks the flow finished with this code; false if it already was (single use). */
  useFlow(stateHash: string, codeHash: string, at: string): Promise<boolean>;
  insertPending(row: VkIdPendingRow): Promise<void>;
  getPending(tokenHash: string): Promise<VkIdPendingRow | null>;
  usePending(tokenHash: string, at: string): Promise<boolean>;
  findIdentityByVkUser(vkUserId: string): Promise<VkIdentityRow | null>;
  getIdentityOfUser(userId: string): Promise<VkIdentityRow | null>;
  /** False if that VK user or that account is linked already. */
  insertIdentity(row: VkIdentityRow): Promise<boolean>;
  updateIdentityTokens(userId: string, tokens: VkIdTokens): Promise<void>;
  deleteIdentity(userId: string): Promise<boolean>;
  /** Forgets flows and pending sign-ins that expired before `before`. */
  pruneExpired(before: string): Promise<void>;
}
