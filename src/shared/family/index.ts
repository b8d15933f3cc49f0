import { z } from 'zod';
import {
  ClassRefSchema,
  DeviceIdSchema,
  PersonNameSchema,
  type Profile,
  ProfileSchema,
  SchoolRefSchema,
} from '../domain.js';
import type { Catalogue } from '../messages/ru.js';

/**
 * The family contract: invites a student gives their parents, the child card a parent
 * confirms, parent–child links and the family history. Shared by the server, the
 * desktop core and the renderer.
 */

/** At most this many parents per child (the memo). */
export const MAX_PARENTS = 2;
/** Default lifetime of an invite link, in days (SFERUM_INVITE_TTL_DAYS). */
export const DEFAULT_INVITE_TTL_DAYS = 14;

/** 32 random bytes in base64url: 43 characters (256 bits, at least the 128 the rules ask for). */
export const InviteTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export const INVITE_SCHEME = 'sferum-family:';

/**
 * Reads an invite from what a parent pastes or the system hands over: the https link
 * (`<server>/invite/<token>`), the app link (`sferum-family://invite/<token>`) or the
 * bare token. Returns the token, or null when the text is none of these.
 */
export function parseInviteLink(input: string): string | null {
  const text = input.trim();
  if (text.length === 0 || text.length > 2048) return null;
  if (InviteTokenSchema.safeParse(text).success) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  let candidate: string | undefined;
  if (url.protocol === INVITE_SCHEME) {
    // sferum-family://invite/<token>: "invite" is the host, the token the path.
    const parts = `${url.host}${url.pathname}`.split('/').filter(Boolean);
    if (parts.length === 2 && parts[0] === 'invite') candidate = parts[1];
  } else if (url.protocol === 'https:' || url.protocol === 'http:') {
    const m = /\/invite\/([^/?#]+)\/?$/.exec(url.pathname);
    candidate = m?.[1];
  }
  if (!candidate) return null;
  return InviteTokenSchema.safeParse(candidate).success ? candidate : null;
}

/**
 * Reads the school's e-mail registration link: `<server>/register/<token>` or
 * `sferum-family://register/<token>`. Returns the token, or null.
 */
export function parseRegistrationLink(input: string): string | null {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return null;
  }
  let candidate: string | undefined;
  if (url.protocol === INVITE_SCHEME) {
    const parts = `${url.host}${url.pathname}`.split('/').filter(Boolean);
    if (parts.length === 2 && parts[0] === 'register') candidate = parts[1];
  } else if (url.protocol === 'https:' || url.protocol === 'http:') {
    candidate = /\/register\/([^/?#]+)\/?$/.exec(url.pathname)?.[1];
  }
  return candidate && InviteTokenSchema.safeParse(candidate).success ? candidate : null;
}

/** Both forms of an invite link for a token. */
export function inviteLinks(publicUrl: string, token: string): { url: string; appUrl: string } {
  return {
    url: `${publicUrl.replace(/\/+$/, '')}/invite/${token}`,
    appUrl: `sferum-family://invite/${token}`,
  };
}

/** A child as the parent sees them before confirming: the school's data, read-only where it is the school's. */
export const ChildCardSchema = z.object({
  id: z.string(),
  surname: z.string(),
  name: z.string(),
  patronymic: z.string(),
  birthDate: z.string().nullable(),
  school: SchoolRefSchema.nullable(),
  class: ClassRefSchema.nullable(),
  /** Names of the parents already linked ("Петрова Мария"). */
  parents: z.array(z.string()),
});
export type ChildCard = z.infer<typeof ChildCardSchema>;

const BirthDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'not a date');

/** What a parent may correct before confirming: the personal fields, never school or class. */
export const ChildCorrectionsSchema = PersonNameSchema.extend({ birthDate: BirthDateSchema.nullable() });
export type ChildCorrections = z.infer<typeof ChildCorrectionsSchema>;

export const InvitePreviewBodySchema = z.object({ token: z.string().min(1).max(200) });
export const InviteConfirmBodySchema = z.object({
  token: z.string().min(1).max(200),
  child: ChildCorrectionsSchema,
});
export type InviteConfirmBody = z.infer<typeof InviteConfirmBodySchema>;
export const InviteConfirmResponseSchema = z.object({ child: ChildCardSchema });

/** The student's current link; the token is shown only to the request that issued it. */
export const IssuedInviteSchema = z.object({
  id: z.string(),
  token: z.string(),
  url: z.string(),
  appUrl: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type IssuedInvite = z.infer<typeof IssuedInviteSchema>;

export const LeaveBodySchema = z.object({ childId: z.string().min(1).max(100) });

/** Completing a primary-school student's registration from the school's e-mail link. */
export const EmailRegistrationBodySchema = z.object({
  token: z.string().min(1).max(200),
  deviceId: DeviceIdSchema,
  deviceName: z.string().trim().min(1).max(100),
});

/** Feed record `invite`: the student's current link, without its token. */
export const InviteRecordSchema = z.object({
  id: z.string(),
  childId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type InviteRecord = z.infer<typeof InviteRecordSchema>;

/** Feed record `parentLink`: id `<childId>:<parentId>`. */
export const ParentLinkSchema = z.object({
  id: z.string(),
  childId: z.string(),
  parentId: z.string(),
  /** When this parent confirmed the child's registration. */
  confirmedAt: z.string(),
});
export type ParentLink = z.infer<typeof ParentLinkSchema>;

/** `changed`: a parent confirming after another one changed the child's details. */
export const FAMILY_ACTIONS = ['joined', 'left', 'removed', 'changed'] as const;
export const FamilyActionSchema = z.enum(FAMILY_ACTIONS);
export type FamilyAction = z.infer<typeof FamilyActionSchema>;

/** The child's details a parent's confirmation may change, in the order they are told. */
export const CHILD_FIELDS = ['surname', 'name', 'patronymic', 'birthDate'] as const;
export type ChildField = (typeof CHILD_FIELDS)[number];

/** One changed detail: what it was and what it became (null: not given). */
export const ChildChangeSchema = z.object({
  field: z.enum(CHILD_FIELDS),
  from: z.string().nullable(),
  to: z.string().nullable(),
});
export type ChildChange = z.infer<typeof ChildChangeSchema>;

/** Feed record `familyEvent`: one line of a child's family history (who, what, when). */
export const FamilyEventSchema = z.object({
  id: z.string(),
  childId: z.string(),
  action: FamilyActionSchema,
  /** The parent the line is about; for `changed`, the parent who changed the details. */
  parentId: z.string(),
  parentName: z.string(),
  /** Who did it: the parent, or "the school" (null) for an administrator's removal. */
  actorName: z.string().nullable(),
  at: z.string(),
  /** `changed` only: each detail that changed, old and new value. */
  changes: z.array(ChildChangeSchema).optional(),
});
export type FamilyEvent = z.infer<typeof FamilyEventSchema>;

type ChildDetails = Record<ChildField, string | null>;

/** The details that differ between the child's current data and what a parent confirmed. */
export function childChanges(before: ChildDetails, after: ChildDetails): ChildChange[] {
  const value = (v: string | null): string | null => (v === '' ? null : v);
  return CHILD_FIELDS.filter((field) => value(before[field]) !== value(after[field])).map((field) => ({
    field,
    from: value(before[field]),
    to: value(after[field]),
  }));
}

/**
 * "фамилия Иванов → Петров, дата рождения 01.02.2015 → 02.02.2015": the changes in the
 * catalogue's words, for the history line, the in-app notice and the native notification.
 */
export function describeChildChanges(
  changes: readonly ChildChange[],
  text: Pick<Catalogue['family'], 'changeField' | 'change' | 'changeNone'>,
  language: string,
): string {
  const shown = (field: ChildField, v: string | null): string => {
    if (v === null) return text.changeNone;
    if (field !== 'birthDate' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
    const date = new Date(`${v}T12:00:00Z`);
    const options: Intl.DateTimeFormatOptions =
      language === 'en'
        ? { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }
        : { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' };
    return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'ru-RU', options).format(date);
  };
  return changes
    .map((c) =>
      text.change
        .replace('{{field}}', () => text.changeField[c.field])
        .replace('{{from}}', () => shown(c.field, c.from))
        .replace('{{to}}', () => shown(c.field, c.to)),
    )
    .join(', ');
}

/** History order: by time; a confirmation's `changed` line right after its `joined` one. */
export function compareFamilyEvents(a: FamilyEvent, b: FamilyEvent): number {
  const rank = (e: FamilyEvent): number => (e.action === 'changed' ? 1 : 0);
  return a.at.localeCompare(b.at) || rank(a) - rank(b) || a.id.localeCompare(b.id);
}

/** A child in a parent's family view. */
export const FamilyChildSchema = z.object({
  profile: ProfileSchema,
  /** When this parent confirmed the child's registration. */
  confirmedAt: z.string(),
  /** The child's other linked parent, if any. */
  otherParents: z.array(ProfileSchema),
});
export type FamilyChild = z.infer<typeof FamilyChildSchema>;

export const FamilyParentSchema = z.object({ profile: ProfileSchema, confirmedAt: z.string() });

/** Everything the family screens show, built from the same records on the server and in the core. */
export const FamilyViewSchema = z.object({
  /** A parent's children, in the order they joined. */
  children: z.array(FamilyChildSchema),
  /** A student's linked parents. */
  parents: z.array(FamilyParentSchema),
  /** Every family change of the children (or of the student), oldest first. */
  history: z.array(FamilyEventSchema),
  /** A student's current link (without its token). */
  invite: InviteRecordSchema.nullable(),
  /** How many more parents may join (a student's view). */
  parentSlotsLeft: z.number().int().nonnegative(),
});
export type FamilyView = z.infer<typeof FamilyViewSchema>;

/** Builds the family view of `meId` from feed records (already validated). */
export function buildFamilyView(
  meId: string,
  records: { profiles: Profile[]; links: ParentLink[]; events: FamilyEvent[]; invites: InviteRecord[] },
): FamilyView {
  const byId = new Map(records.profiles.map((p) => [p.id, p]));
  const children: FamilyChild[] = [];
  for (const link of records.links.filter((l) => l.parentId === meId)) {
    const profile = byId.get(link.childId);
    if (!profile) continue;
    const otherParents = records.links
      .filter((l) => l.childId === link.childId && l.parentId !== meId)
      .map((l) => byId.get(l.parentId))
      .filter((p): p is Profile => p !== undefined);
    children.push({ profile, confirmedAt: link.confirmedAt, otherParents });
  }
  children.sort((a, b) => a.confirmedAt.localeCompare(b.confirmedAt));
  const parents = records.links
    .filter((l) => l.childId === meId)
    .map((l) => ({ profile: byId.get(l.parentId), confirmedAt: l.confirmedAt }))
    .filter((p): p is { profile: Profile; confirmedAt: string } => p.profile !== undefined)
    .sort((a, b) => a.confirmedAt.localeCompare(b.confirmedAt));
  const invite =
    records.invites
      .filter((i) => i.childId === meId && i.revokedAt === null)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0] ?? null;
  return {
    children,
    parents,
    history: [...records.events].sort(compareFamilyEvents),
    invite,
    parentSlotsLeft: Math.max(0, MAX_PARENTS - parents.length),
  };
}

/** Feed entity kinds the family capability adds. */
export const FAMILY_ENTITY_KINDS = ['invite', 'parentLink', 'familyEvent'] as const;

/** Family routes, spread into the API table. */
export const FAMILY_API = {
  familyView: { method: 'GET', path: '/api/family', auth: true, response: FamilyViewSchema },
  inviteIssue: {
    method: 'POST',
    path: '/api/family/invite',
    auth: true,
    response: IssuedInviteSchema,
  },
  invitePreview: {
    method: 'POST',
    path: '/api/family/invite/preview',
    auth: true,
    body: InvitePreviewBodySchema,
    response: ChildCardSchema,
  },
  inviteConfirm: {
    method: 'POST',
    path: '/api/family/invite/confirm',
    auth: true,
    body: InviteConfirmBodySchema,
    response: InviteConfirmResponseSchema,
  },
  familyLeave: {
    method: 'POST',
    path: '/api/family/leave',
    auth: true,
    body: LeaveBodySchema,
    response: z.object({ ok: z.literal(true) }),
  },
  emailRegistration: {
    method: 'POST',
    path: '/api/family/email-registration',
    auth: false,
    body: EmailRegistrationBodySchema,
  },
} as const;
