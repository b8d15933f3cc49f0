import type { ErrorCode } from '../../src/shared/errors.js';

/**
 * The authorization matrix: every route the server registers × every kind of caller →
 * allowed or refused, and how. authorization-matrix.test.ts calls every cell against a
 * real server on loopback and fails when a registered route has no row here, or a row
 * has no cell for some caller.
 *
 * The cast (one school, one family; everyone but `anonymous` really signed in by code):
 * - owner: a parent, first linked parent of `child`; owns the documents, uploads and
 *   sessions the rows touch.
 * - otherParent: the second linked parent of `child`.
 * - unrelatedParent: a parent with no link to `child`.
 * - child: the student both parents are linked to (5 А of the school).
 * - otherChild: a student of the same class, linked to nobody here.
 * - teacher: the teacher of the child's class. otherTeacher: a teacher of another school.
 * - admin: the child's school's administrator (role `admin`).
 *
 * A row whose resource is made fresh for each cell (a new child with a free slot, a new
 * upload, a new trashed folder...) says so; there `owner`, `otherParent` and `child` are
 * that resource's owner, its linked parents and its student.
 *
 * Outcomes:
 * - allowed: the expected success status, and the answer carries the resource.
 * - own: the route answers, but with the caller's own data; nothing of the resource is in
 *   it, and the resource is unchanged afterwards.
 * - refused: that status (and error code); nothing of the resource is in the answer, and
 *   a write left the data as it was.
 * Mutations (POST /api/sync/mutations) always answer 200 with one result per mutation:
 * there `allowed` is an applied result, and a refusal is a rejected result with the code
 * (its status is the code's usual one, shown for the table).
 */

export const CALLERS = [
  'anonymous',
  'owner',
  'otherParent',
  'unrelatedParent',
  'child',
  'otherChild',
  'teacher',
  'otherTeacher',
  'admin',
] as const;
export type Caller = (typeof CALLERS)[number];

export type Expectation =
  | { outcome: 'allowed'; status: number }
  | { outcome: 'own'; status: number }
  | { outcome: 'refused'; status: number; code: ErrorCode | null };

export interface MatrixRow {
  /** Names the row's driver in the test. */
  id: string;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** The route as the server registers it. */
  url: string;
  /** The resource the row touches, in words. */
  what: string;
  /** A sync mutation type, for rows of POST /api/sync/mutations. */
  mutation?: string;
  cells: Record<Caller, Expectation>;
}

const ok = (status = 200): Expectation => ({ outcome: 'allowed', status });
const own = (status = 200): Expectation => ({ outcome: 'own', status });
const no = (status: number, code: ErrorCode | null): Expectation => ({ outcome: 'refused', status, code });

const OK = ok();
const OWN = own();
const R401 = no(401, 'UNAUTHENTICATED');
const R403 = no(403, 'FORBIDDEN');
const R404 = no(404, 'NOT_FOUND');
const OTP_INVALID = no(400, 'OTP_INVALID');
const REG_EXPIRED = no(400, 'REGISTRATION_EXPIRED');
const VK_STATE = no(400, 'VKID_STATE_MISMATCH');
const VK_PENDING = no(400, 'VKID_LINK_EXPIRED');
const ALREADY = no(409, 'INVITE_ALREADY_LINKED');
const LIMIT = no(409, 'INVITE_PARENT_LIMIT');
const SAME_DEVICE = no(409, 'INVITE_SAME_DEVICE');
const OWN_LINK = no(409, 'INVITE_OWN_LINK');
const STUDENT = no(409, 'PHONE_BELONGS_TO_STUDENT');
const ID_TAKEN = no(400, 'VALIDATION_FAILED');
/** tus answers a request without credentials before any upload is looked at. */
const TUS401 = no(401, 'UNAUTHENTICATED');
const HEAD401 = no(401, null);
const HEAD404 = no(404, null);
const NOT_MEMBER = no(404, 'CHAT_NOT_MEMBER');
const DIRECT_REFUSED = no(403, 'CHAT_DIRECT_NOT_ALLOWED');

/** The class chat: its members and the school's administrator get `reader`, everyone else `outsider`. */
const chatReaders = (reader: Expectation, outsider: Expectation): Record<Caller, Expectation> => ({
  anonymous: R401,
  owner: reader,
  otherParent: reader,
  unrelatedParent: outsider,
  child: outsider,
  otherChild: outsider,
  teacher: reader,
  otherTeacher: outsider,
  admin: reader,
});

/** Everyone, signed in or not: public routes and bearer-of-a-secret routes. */
const everyone = (e: Expectation): Record<Caller, Expectation> => ({
  anonymous: e,
  owner: e,
  otherParent: e,
  unrelatedParent: e,
  child: e,
  otherChild: e,
  teacher: e,
  otherTeacher: e,
  admin: e,
});

export const MATRIX: MatrixRow[] = [
  // ---- service ----
  {
    id: 'health',
    method: 'GET',
    url: '/api/health',
    what: 'the service check (public)',
    cells: everyone(OK),
  },
  { id: 'health.head', method: 'HEAD', url: '/api/health', what: 'the same, HEAD', cells: everyone(OK) },
  { id: 'info', method: 'GET', url: '/api/info', what: 'server info (public)', cells: everyone(OK) },
  { id: 'info.head', method: 'HEAD', url: '/api/info', what: 'the same, HEAD', cells: everyone(OK) },
  {
    id: 'me',
    method: 'GET',
    url: '/api/me',
    what: 'the profile (each caller gets their own)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'me.head',
    method: 'HEAD',
    url: '/api/me',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },

  // ---- sign-in and sessions ----
  {
    id: 'otp.request',
    method: 'POST',
    url: '/api/auth/otp/request',
    what: 'a code for the owner’s phone (public; the code goes to the phone, never into the answer)',
    cells: everyone(OK),
  },
  {
    id: 'otp.verify',
    method: 'POST',
    url: '/api/auth/otp/verify',
    what: 'the owner’s code, presented from the caller’s device',
    cells: {
      anonymous: OTP_INVALID,
      owner: OK,
      otherParent: OTP_INVALID,
      unrelatedParent: OTP_INVALID,
      child: OTP_INVALID,
      otherChild: OTP_INVALID,
      teacher: OTP_INVALID,
      otherTeacher: OTP_INVALID,
      admin: OTP_INVALID,
    },
  },
  {
    id: 'register',
    method: 'POST',
    url: '/api/auth/register',
    what: 'a registration token issued to the owner’s device for a new number (fresh per cell)',
    cells: {
      anonymous: REG_EXPIRED,
      owner: OK,
      otherParent: REG_EXPIRED,
      unrelatedParent: REG_EXPIRED,
      child: REG_EXPIRED,
      otherChild: REG_EXPIRED,
      teacher: REG_EXPIRED,
      otherTeacher: REG_EXPIRED,
      admin: REG_EXPIRED,
    },
  },
  {
    id: 'vkid.start',
    method: 'POST',
    url: '/api/auth/vkid/start',
    what: 'a VK ID sign-in for the caller’s device (public: an authorize address and a state)',
    cells: everyone(OK),
  },
  {
    id: 'vkid.complete',
    method: 'POST',
    url: '/api/auth/vkid/complete',
    what: 'VK’s answer to a sign-in the owner’s device started (fresh per cell), presented from the caller’s device',
    cells: {
      anonymous: VK_STATE,
      owner: OK,
      otherParent: VK_STATE,
      unrelatedParent: VK_STATE,
      child: VK_STATE,
      otherChild: VK_STATE,
      teacher: VK_STATE,
      otherTeacher: VK_STATE,
      admin: VK_STATE,
    },
  },
  {
    id: 'vkid.link',
    method: 'POST',
    url: '/api/auth/vkid/link',
    what: 'linking a VK account to the owner, waiting on the owner’s device with our code to the owner’s phone',
    cells: {
      anonymous: VK_PENDING,
      owner: OK,
      otherParent: VK_PENDING,
      unrelatedParent: VK_PENDING,
      child: VK_PENDING,
      otherChild: VK_PENDING,
      teacher: VK_PENDING,
      otherTeacher: VK_PENDING,
      admin: VK_PENDING,
    },
  },
  {
    id: 'vkid.register',
    method: 'POST',
    url: '/api/auth/vkid/register',
    what: 'a new parent from a VK account, waiting on the owner’s device for a name (fresh per cell)',
    cells: {
      anonymous: VK_PENDING,
      owner: OK,
      otherParent: VK_PENDING,
      unrelatedParent: VK_PENDING,
      child: VK_PENDING,
      otherChild: VK_PENDING,
      teacher: VK_PENDING,
      otherTeacher: VK_PENDING,
      admin: VK_PENDING,
    },
  },
  {
    id: 'vkid.status',
    method: 'GET',
    url: '/api/auth/vkid',
    what: 'whether the owner has VK ID linked',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'vkid.status.head',
    method: 'HEAD',
    url: '/api/auth/vkid',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'vkid.unlink',
    method: 'DELETE',
    url: '/api/auth/vkid',
    what: 'unlinking the owner’s VK ID (linked fresh per cell); anyone else has none of their own',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'vkid.callback',
    method: 'GET',
    url: '/vkid/callback',
    what: 'VK’s redirect back (public: a hand-over page or a redirect, nothing used up)',
    cells: everyone(ok(303)),
  },
  {
    id: 'vkid.callback.head',
    method: 'HEAD',
    url: '/vkid/callback',
    what: 'the same, HEAD',
    cells: everyone(ok(303)),
  },
  {
    id: 'refresh.own',
    method: 'POST',
    url: '/api/auth/refresh',
    what: 'the caller’s own refresh token (anonymous has none)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OK,
      child: OK,
      otherChild: OK,
      teacher: OK,
      otherTeacher: OK,
      admin: OK,
    },
  },
  {
    id: 'refresh.owners',
    method: 'POST',
    url: '/api/auth/refresh',
    what: 'the owner’s refresh token, presented from the caller’s device (fresh session per cell)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R401,
      unrelatedParent: R401,
      child: R401,
      otherChild: R401,
      teacher: R401,
      otherTeacher: R401,
      admin: R401,
    },
  },
  {
    id: 'signout',
    method: 'POST',
    url: '/api/auth/signout',
    what: 'the caller’s own session (the owner’s sessions live on)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'sessions',
    method: 'GET',
    url: '/api/auth/sessions',
    what: 'the owner’s devices (each caller gets their own)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'sessions.head',
    method: 'HEAD',
    url: '/api/auth/sessions',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'sessions.delete',
    method: 'DELETE',
    url: '/api/auth/sessions/:id',
    what: 'one of the owner’s sessions (fresh per cell)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },

  // ---- sync ----
  {
    id: 'changes',
    method: 'GET',
    url: '/api/sync/changes',
    what: 'the owner’s feed with their document (each caller pulls their own)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'changes.head',
    method: 'HEAD',
    url: '/api/sync/changes',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'events',
    method: 'GET',
    url: '/api/sync/events',
    what: 'live notifications (each caller subscribes to their own)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'events.head',
    method: 'HEAD',
    url: '/api/sync/events',
    what: 'the same, HEAD (headers only; the stream is not opened)',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'm.profile.update',
    method: 'POST',
    url: '/api/sync/mutations',
    mutation: 'profile.update',
    what: 'a name change: applies to the caller’s own profile, never the owner’s',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'm.folder.create.inside',
    method: 'POST',
    url: '/api/sync/mutations',
    mutation: 'folder.create',
    what: 'a new folder inside the owner’s folder',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'm.folder.create.sameId',
    method: 'POST',
    url: '/api/sync/mutations',
    mutation: 'folder.create',
    what: 'a folder with the id of the owner’s folder (the owner: an idempotent repeat)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: ID_TAKEN,
      unrelatedParent: ID_TAKEN,
      child: ID_TAKEN,
      otherChild: ID_TAKEN,
      teacher: ID_TAKEN,
      otherTeacher: ID_TAKEN,
      admin: ID_TAKEN,
    },
  },
  {
    id: 'm.replay',
    method: 'POST',
    url: '/api/sync/mutations',
    mutation: 'documents.rename',
    what: 'renaming the owner’s folder under a mutation id the owner already used (the owner gets the stored result back; others’ ids are their own)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'm.documents.rename',
    method: 'POST',
    url: '/api/sync/mutations',
    mutation: 'documents.rename',
    what: 'renaming the owner’s document',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'm.documents.move',
    method: 'POST',
    url: '/api/sync/mutations',
    mutation: 'documents.move',
    what: 'moving the owner’s document into the owner’s folder (fresh document per cell)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'm.documents.move.into',
    method: 'POST',
    url: '/api/sync/mutations',
    mutation: 'documents.move',
    what: 'moving the caller’s own folder into the owner’s folder',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'm.documents.trash',
    method: 'POST',
    url: '/api/sync/mutations',
    mutation: 'documents.trash',
    what: 'trashing the owner’s folder (fresh per cell)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'm.documents.restore',
    method: 'POST',
    url: '/api/sync/mutations',
    mutation: 'documents.restore',
    what: 'restoring the owner’s trashed folder (fresh per cell)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'm.documents.emptyTrash',
    method: 'POST',
    url: '/api/sync/mutations',
    mutation: 'documents.emptyTrash',
    what: 'emptying the trash: the caller’s own; the owner’s trashed folder (fresh per cell) stays',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },

  // ---- chats (the class chat of the child's class 5 А: the owner, the other parent and the
  // class teacher are its members; the school's administrator reads and moderates) ----
  {
    id: 'chats.list',
    method: 'GET',
    url: '/api/chats',
    what: 'the caller’s chats (members see the class chat)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OK,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'chats.list.head',
    method: 'HEAD',
    url: '/api/chats',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OK,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'chats.direct',
    method: 'POST',
    url: '/api/chats/direct',
    what: 'a direct chat with the class teacher (parents of the class only)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: DIRECT_REFUSED,
      child: DIRECT_REFUSED,
      otherChild: DIRECT_REFUSED,
      teacher: DIRECT_REFUSED,
      otherTeacher: DIRECT_REFUSED,
      admin: DIRECT_REFUSED,
    },
  },
  {
    id: 'chats.messages',
    method: 'GET',
    url: '/api/chats/:chatId/messages',
    what: 'the class chat’s history',
    cells: chatReaders(OK, NOT_MEMBER),
  },
  {
    id: 'chats.messages.head',
    method: 'HEAD',
    url: '/api/chats/:chatId/messages',
    what: 'the same, HEAD',
    cells: { ...chatReaders(OK, HEAD404), anonymous: HEAD401 },
  },
  {
    id: 'chats.send',
    method: 'POST',
    url: '/api/chats/:chatId/messages',
    what: 'a message to the class chat (members; the administrator only moderates)',
    cells: { ...chatReaders(ok(201), NOT_MEMBER), admin: R403 },
  },
  {
    id: 'chats.edit',
    method: 'PATCH',
    url: '/api/chats/:chatId/messages/:seq',
    what: 'the owner’s message (fresh for each cell), edited',
    cells: { ...chatReaders(R403, NOT_MEMBER), owner: OK },
  },
  {
    id: 'chats.delete',
    method: 'DELETE',
    url: '/api/chats/:chatId/messages/:seq',
    what: 'the owner’s message (fresh for each cell), deleted by the sender or removed by the administrator',
    cells: { ...chatReaders(R403, NOT_MEMBER), owner: OK, admin: OK },
  },
  {
    id: 'chats.report',
    method: 'POST',
    url: '/api/chats/:chatId/messages/:seq/report',
    what: 'a report of the owner’s message to the school',
    cells: chatReaders(ok(201), NOT_MEMBER),
  },
  {
    id: 'chats.ack',
    method: 'POST',
    url: '/api/chats/:chatId/messages/:seq/ack',
    what: 'the class teacher’s announcement, acknowledged (members of the channel)',
    cells: { ...chatReaders(OK, NOT_MEMBER), admin: NOT_MEMBER },
  },
  {
    id: 'chats.acks',
    method: 'GET',
    url: '/api/chats/:chatId/messages/:seq/acks',
    what: 'who has acknowledged the announcement (its teachers and the administrator)',
    cells: { ...chatReaders(OK, NOT_MEMBER), owner: R403, otherParent: R403 },
  },
  {
    id: 'chats.acks.head',
    method: 'HEAD',
    url: '/api/chats/:chatId/messages/:seq/acks',
    what: 'the same, HEAD',
    cells: {
      ...chatReaders(OK, HEAD404),
      anonymous: HEAD401,
      owner: no(403, null),
      otherParent: no(403, null),
    },
  },
  {
    id: 'chats.read',
    method: 'POST',
    url: '/api/chats/:chatId/read',
    what: 'the caller’s read pointer in the class chat (members)',
    cells: { ...chatReaders(OK, NOT_MEMBER), admin: NOT_MEMBER },
  },
  {
    id: 'chats.members',
    method: 'GET',
    url: '/api/chats/:chatId/members',
    what: 'the class chat’s members and how far each has read',
    cells: chatReaders(OK, NOT_MEMBER),
  },
  {
    id: 'chats.members.head',
    method: 'HEAD',
    url: '/api/chats/:chatId/members',
    what: 'the same, HEAD',
    cells: { ...chatReaders(OK, HEAD404), anonymous: HEAD401 },
  },
  {
    id: 'chats.contacts',
    method: 'GET',
    url: '/api/chats/contacts',
    what: 'who the caller may write to (the class’s parents: its teachers; its teacher: its parents)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OK,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'chats.contacts.head',
    method: 'HEAD',
    url: '/api/chats/contacts',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OK,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'chats.search',
    method: 'GET',
    url: '/api/chats/search',
    what: 'a search for a word of the owner’s message (those who read the class chat find it)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OK,
      otherTeacher: OWN,
      admin: OK,
    },
  },
  {
    id: 'chats.search.head',
    method: 'HEAD',
    url: '/api/chats/search',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OK,
      otherTeacher: OWN,
      admin: OK,
    },
  },
  {
    id: 'chats.reports',
    method: 'GET',
    url: '/api/chats/reports',
    what: 'the reports of messages in the school (its administrators only)',
    cells: {
      anonymous: R401,
      owner: R403,
      otherParent: R403,
      unrelatedParent: R403,
      child: R403,
      otherChild: R403,
      teacher: R403,
      otherTeacher: R403,
      admin: OK,
    },
  },
  {
    id: 'chats.reports.head',
    method: 'HEAD',
    url: '/api/chats/reports',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: no(403, null),
      otherParent: no(403, null),
      unrelatedParent: no(403, null),
      child: no(403, null),
      otherChild: no(403, null),
      teacher: no(403, null),
      otherTeacher: no(403, null),
      admin: OK,
    },
  },
  {
    id: 'chats.mute',
    method: 'PUT',
    url: '/api/chats/:chatId/mute',
    what: 'the caller’s own «без звука» flag of the class chat (members)',
    cells: { ...chatReaders(OK, NOT_MEMBER), admin: NOT_MEMBER },
  },
  {
    id: 'chats.attachment',
    method: 'GET',
    url: '/api/chats/:chatId/attachments/:attachmentId',
    what: 'the file the owner attached to a message of the class chat',
    cells: chatReaders(OK, NOT_MEMBER),
  },
  {
    id: 'chats.attachment.head',
    method: 'HEAD',
    url: '/api/chats/:chatId/attachments/:attachmentId',
    what: 'the same, HEAD',
    cells: { ...chatReaders(OK, HEAD404), anonymous: HEAD401 },
  },
  {
    id: 'chats.attachment.link',
    method: 'GET',
    url: '/api/chats/:chatId/attachments/:attachmentId/link',
    what: 'a signed download link of that file',
    cells: chatReaders(OK, NOT_MEMBER),
  },
  {
    id: 'chats.attachment.link.head',
    method: 'HEAD',
    url: '/api/chats/:chatId/attachments/:attachmentId/link',
    what: 'the same, HEAD',
    cells: { ...chatReaders(OK, HEAD404), anonymous: HEAD401 },
  },

  // ---- support ----
  {
    id: 'support',
    method: 'POST',
    url: '/api/support',
    what: 'a support request (the caller’s own ticket)',
    cells: {
      anonymous: R401,
      owner: ok(201),
      otherParent: own(201),
      unrelatedParent: own(201),
      child: own(201),
      otherChild: own(201),
      teacher: own(201),
      otherTeacher: own(201),
      admin: own(201),
    },
  },

  // ---- family ----
  {
    id: 'invite.page',
    method: 'GET',
    url: '/invite/:token',
    what: 'the child’s invite link opened in a browser (public redirect to the web app)',
    cells: everyone(ok(302)),
  },
  {
    id: 'invite.page.head',
    method: 'HEAD',
    url: '/invite/:token',
    what: 'the same, HEAD',
    cells: everyone(ok(302)),
  },
  {
    id: 'register.page',
    method: 'GET',
    url: '/register/:token',
    what: 'the school’s e-mail link opened in a browser (public redirect)',
    cells: everyone(ok(302)),
  },
  {
    id: 'register.page.head',
    method: 'HEAD',
    url: '/register/:token',
    what: 'the same, HEAD',
    cells: everyone(ok(302)),
  },
  {
    id: 'family',
    method: 'GET',
    url: '/api/family',
    what: 'the child’s family (profiles, links, history)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OWN,
      child: OK,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'family.head',
    method: 'HEAD',
    url: '/api/family',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OWN,
      child: OK,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'invite.issue',
    method: 'POST',
    url: '/api/family/invite',
    what: 'the child’s invite link for parents (a student gets their own)',
    cells: {
      anonymous: R401,
      owner: R403,
      otherParent: R403,
      unrelatedParent: R403,
      child: OK,
      otherChild: OWN,
      teacher: R403,
      otherTeacher: R403,
      admin: R403,
    },
  },
  {
    id: 'invite.preview.full',
    method: 'POST',
    url: '/api/family/invite/preview',
    what: 'the child’s link, the child already having two parents',
    cells: {
      anonymous: R401,
      owner: ALREADY,
      otherParent: ALREADY,
      unrelatedParent: LIMIT,
      child: SAME_DEVICE,
      otherChild: STUDENT,
      teacher: R403,
      otherTeacher: R403,
      admin: R403,
    },
  },
  {
    id: 'invite.preview.free',
    method: 'POST',
    url: '/api/family/invite/preview',
    what: 'the link of a child with no parent yet (fresh per cell; `child` is that child)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OK,
      child: SAME_DEVICE,
      otherChild: STUDENT,
      teacher: R403,
      otherTeacher: R403,
      admin: R403,
    },
  },
  {
    id: 'invite.confirm.full',
    method: 'POST',
    url: '/api/family/invite/confirm',
    what: 'confirming the child with two parents (the child’s data must stay as it is)',
    cells: {
      anonymous: R401,
      owner: ALREADY,
      otherParent: ALREADY,
      unrelatedParent: LIMIT,
      child: OWN_LINK,
      otherChild: STUDENT,
      teacher: R403,
      otherTeacher: R403,
      admin: R403,
    },
  },
  {
    id: 'invite.confirm.free',
    method: 'POST',
    url: '/api/family/invite/confirm',
    what: 'confirming a child with no parent yet (fresh per cell; `child` is that child)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: OK,
      child: OWN_LINK,
      otherChild: STUDENT,
      teacher: R403,
      otherTeacher: R403,
      admin: R403,
    },
  },
  {
    id: 'leave',
    method: 'POST',
    url: '/api/family/leave',
    what: 'leaving a child linked to owner and otherParent (fresh per cell; `child` is that child)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OK,
      unrelatedParent: no(404, 'NOT_FOUND'),
      child: no(404, 'NOT_FOUND'),
      otherChild: no(404, 'NOT_FOUND'),
      teacher: no(404, 'NOT_FOUND'),
      otherTeacher: no(404, 'NOT_FOUND'),
      admin: no(404, 'NOT_FOUND'),
    },
  },
  {
    id: 'email.registration',
    method: 'POST',
    url: '/api/family/email-registration',
    what: 'the school’s one-time link for a new student (fresh per cell; the link is the credential)',
    cells: everyone(OK),
  },

  // ---- documents: tus uploads ----
  {
    id: 'uploads.create',
    method: 'POST',
    url: '/api/uploads',
    what: 'a new upload into the owner’s folder (others’ files land in their own top level)',
    cells: {
      anonymous: TUS401,
      owner: ok(201),
      otherParent: own(201),
      unrelatedParent: own(201),
      child: own(201),
      otherChild: own(201),
      teacher: own(201),
      otherTeacher: own(201),
      admin: own(201),
    },
  },
  {
    id: 'uploads.options',
    method: 'OPTIONS',
    url: '/api/uploads',
    what: 'tus capabilities (public)',
    cells: everyone(ok(204)),
  },
  {
    id: 'uploads.head',
    method: 'HEAD',
    url: '/api/uploads/:id',
    what: 'the offset of the owner’s unfinished upload',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: HEAD404,
      unrelatedParent: HEAD404,
      child: HEAD404,
      otherChild: HEAD404,
      teacher: HEAD404,
      otherTeacher: HEAD404,
      admin: HEAD404,
    },
  },
  {
    id: 'uploads.patch',
    method: 'PATCH',
    url: '/api/uploads/:id',
    what: 'bytes for the owner’s unfinished upload (fresh per cell)',
    cells: {
      anonymous: R401,
      owner: ok(204),
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'uploads.delete',
    method: 'DELETE',
    url: '/api/uploads/:id',
    what: 'cancelling the owner’s unfinished upload (fresh per cell)',
    cells: {
      anonymous: TUS401,
      owner: ok(204),
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'uploads.options.id',
    method: 'OPTIONS',
    url: '/api/uploads/:id',
    what: 'tus capabilities at an upload’s address (public, says nothing of the upload)',
    cells: everyone(ok(204)),
  },
  {
    id: 'uploads.finish',
    method: 'POST',
    url: '/api/uploads/:id/finish',
    what: 'finishing the owner’s complete upload again (idempotent; its document)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },

  // ---- documents ----
  {
    id: 'documents',
    method: 'GET',
    url: '/api/documents',
    what: 'the owner’s documents (each caller lists their own)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'documents.head',
    method: 'HEAD',
    url: '/api/documents',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'quota',
    method: 'GET',
    url: '/api/documents/quota',
    what: 'the owner’s storage use (each caller gets their own)',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'quota.head',
    method: 'HEAD',
    url: '/api/documents/quota',
    what: 'the same, HEAD',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: OWN,
      unrelatedParent: OWN,
      child: OWN,
      otherChild: OWN,
      teacher: OWN,
      otherTeacher: OWN,
      admin: OWN,
    },
  },
  {
    id: 'link',
    method: 'POST',
    url: '/api/documents/:id/link',
    what: 'a signed download link for the owner’s document',
    cells: {
      anonymous: R401,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'content.range',
    method: 'GET',
    url: '/api/documents/:id/content',
    what: 'bytes 0–15 of the owner’s document (Range), Bearer',
    cells: {
      anonymous: R401,
      owner: ok(206),
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'content.signed',
    method: 'GET',
    url: '/api/documents/:id/content',
    what: 'the owner’s document through a signed link the owner asked for (the link is the credential, 5 minutes)',
    cells: everyone(OK),
  },
  {
    id: 'content.active',
    method: 'GET',
    url: '/api/documents/:id/content',
    what: 'the owner’s HTML page through its signed link, asked inline: a sandboxed attachment for everyone, never a page of the site',
    cells: everyone(OK),
  },
  {
    id: 'content.forged',
    method: 'GET',
    url: '/api/documents/:id/content',
    what: 'the owner’s document through the caller’s own signed link with the id swapped (or a made-up one)',
    cells: {
      anonymous: R404,
      owner: OK,
      otherParent: R404,
      unrelatedParent: R404,
      child: R404,
      otherChild: R404,
      teacher: R404,
      otherTeacher: R404,
      admin: R404,
    },
  },
  {
    id: 'content.head',
    method: 'HEAD',
    url: '/api/documents/:id/content',
    what: 'the owner’s document’s headers, Bearer',
    cells: {
      anonymous: HEAD401,
      owner: OK,
      otherParent: HEAD404,
      unrelatedParent: HEAD404,
      child: HEAD404,
      otherChild: HEAD404,
      teacher: HEAD404,
      otherTeacher: HEAD404,
      admin: HEAD404,
    },
  },

  // ---- the web version ----
  { id: 'static', method: 'GET', url: '/*', what: 'the built web app’s files (public)', cells: everyone(OK) },
  { id: 'static.head', method: 'HEAD', url: '/*', what: 'the same, HEAD', cells: everyone(OK) },
];

/** `method url` of a row, as the coverage check compares them with the server's routes. */
export function routeKey(r: { method: string; url: string }): string {
  return `${r.method} ${r.url}`;
}

function cellText(e: Expectation, mutation: boolean): string {
  if (e.outcome === 'allowed') return mutation ? 'applied' : `✅ ${e.status}`;
  if (e.outcome === 'own') return mutation ? 'own only' : `own ${e.status}`;
  const code = e.code ? ` ${e.code}` : '';
  return mutation && e.status !== 401 ? `rejected${code}` : `❌ ${e.status}${code}`;
}

/** The matrix as a Markdown table (for docs/RELIABILITY.md). */
export function matrixMarkdown(rows: readonly MatrixRow[] = MATRIX): string {
  const head = `| route | resource | ${CALLERS.join(' | ')} |`;
  const rule = `|${' --- |'.repeat(CALLERS.length + 2)}`;
  const lines = rows.map((r) => {
    const route = r.mutation ? `${r.method} ${r.url} \`${r.mutation}\`` : `${r.method} ${r.url}`;
    const cells = CALLERS.map((c) => cellText(r.cells[c], r.mutation !== undefined));
    return `| ${route} | ${r.what} | ${cells.join(' | ')} |`;
  });
  return [head, rule, ...lines].join('\n');
}
