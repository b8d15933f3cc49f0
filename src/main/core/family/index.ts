import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignedInSchema } from '../../../shared/api.js';
import { type Profile, ProfileSchema } from '../../../shared/domain.js';
import { AppError } from '../../../shared/errors.js';
import {
  buildFamilyView,
  type ChildCard,
  type FamilyEvent,
  FamilyEventSchema,
  type FamilyView,
  type InviteConfirmBody,
  type InviteRecord,
  InviteRecordSchema,
  type IssuedInvite,
  IssuedInviteSchema,
  type ParentLink,
  ParentLinkSchema,
  parseInviteLink,
  parseRegistrationLink,
} from '../../../shared/family/index.js';
import type { PendingLink } from '../../../shared/family/ipc.js';
import type { z } from 'zod';
import { accountDir, type LocalAccountRuntime } from '../auth/accounts.js';
import type { CoreEvents } from '../events.js';
import type { Logger, SecretStorage } from '../ports.js';

export interface FamilyCore {
  get(): FamilyView;
  currentInvite(): IssuedInvite | null;
  issueInvite(): Promise<IssuedInvite>;
  previewInvite(linkOrToken: string): Promise<ChildCard>;
  confirmInvite(body: InviteConfirmBody): Promise<ChildCard>;
  leave(childId: string): Promise<void>;
  /** A deep link from the shell (argv, open-url, second-instance). False if it is neither an invite nor a registration link. */
  openLink(url: string): boolean;
  takePendingInvite(): PendingLink | null;
  completeEmailRegistration(token: string): Promise<Profile>;
  close(): void;
}

interface FamilyDeps {
  active(): LocalAccountRuntime;
  events: CoreEvents;
  dataDir: string;
  secrets: SecretStorage;
  deviceName: string;
  logger: Logger;
}

function parseAll<T>(rows: Record<string, unknown>[], schema: z.ZodType<T>): T[] {
  const out: T[] = [];
  for (const row of rows) {
    const parsed = schema.safeParse(row);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/** Reads the family records of the account's cache into the family view. */
export function familyViewOf(account: LocalAccountRuntime): FamilyView {
  const userId = account.userId();
  const empty: FamilyView = { children: [], parents: [], history: [], invite: null, parentSlotsLeft: 0 };
  if (!userId) return empty;
  const { records } = account;
  return buildFamilyView(userId, {
    profiles: parseAll(records.list('profile'), ProfileSchema),
    links: parseAll<ParentLink>(records.list('parentLink'), ParentLinkSchema),
    events: parseAll<FamilyEvent>(records.list('familyEvent'), FamilyEventSchema),
    invites: parseAll<InviteRecord>(records.list('invite'), InviteRecordSchema),
  });
}

/**
 * The family on the desktop: the view comes from the local cache (so it works
 * offline); invites, confirming and leaving are online requests whose results come
 * back through the sync feed. The student's link token is kept only on the device
 * that made it (encrypted like the session), since the server keeps only its hash.
 */
export function createFamilyCore(deps: FamilyDeps): FamilyCore {
  let pending: PendingLink | null = null;
  let known: { userId: string; ids: Set<string>; children: Set<string> } | null = null;

  const inviteFile = (account: LocalAccountRuntime): string =>
    join(accountDir(deps.dataDir, account.id), 'invite.bin');

  function readInvite(account: LocalAccountRuntime): { userId: string; invite: IssuedInvite } | null {
    const file = inviteFile(account);
    if (!existsSync(file) || deps.secrets.backend() === 'unavailable') return null;
    try {
      const data = JSON.parse(deps.secrets.decrypt(readFileSync(file))) as {
        userId?: unknown;
        invite?: unknown;
      };
      const invite = IssuedInviteSchema.safeParse(data.invite);
      if (typeof data.userId === 'string' && invite.success)
        return { userId: data.userId, invite: invite.data };
    } catch (error) {
      deps.logger.warn('The saved invite link could not be read', error);
    }
    return null;
  }

  function writeInvite(account: LocalAccountRuntime, userId: string, invite: IssuedInvite): void {
    if (deps.secrets.backend() === 'unavailable') return;
    const file = inviteFile(account);
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, deps.secrets.encrypt(JSON.stringify({ userId, invite })), { mode: 0o600 });
    renameSync(temp, file);
  }

  function signedIn(): { account: LocalAccountRuntime; userId: string } {
    const account = deps.active();
    const userId = account.userId();
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    return { account, userId };
  }

  function token(linkOrToken: string): string {
    const parsed = parseInviteLink(linkOrToken);
    if (!parsed) throw new AppError('INVITE_MALFORMED', 'This is not an invite link.');
    return parsed;
  }

  /** New family events from others become notices; the first look after sign-in sets the baseline. */
  function checkNotices(): void {
    let account: LocalAccountRuntime;
    try {
      account = deps.active();
    } catch {
      return;
    }
    const userId = account.userId();
    if (!userId || account.records.getState('cursor') === null) return;
    const events = parseAll<FamilyEvent>(account.records.list('familyEvent'), FamilyEventSchema);
    const children = new Set([userId, ...familyViewOf(account).children.map((c) => c.profile.id)]);
    if (!known || known.userId !== userId) {
      known = { userId, ids: new Set(events.map((e) => e.id)), children };
      return;
    }
    for (const event of events) {
      if (known.ids.has(event.id)) continue;
      known.ids.add(event.id);
      // A child who just joined brings their past history: only changes to a known family are news.
      if (event.parentId !== userId && known.children.has(event.childId)) {
        deps.events.emit('family.notice', event);
      }
    }
    known.children = children;
  }
  const off = deps.events.on('cache.changed', () => checkNotices());

  return {
    get: () => familyViewOf(deps.active()),

    currentInvite() {
      const account = deps.active();
      const userId = account.userId();
      if (!userId) return null;
      const saved = readInvite(account);
      const current = familyViewOf(account).invite;
      if (!saved || saved.userId !== userId || !current || current.id !== saved.invite.id) return null;
      return saved.invite;
    },

    async issueInvite() {
      const { account, userId } = signedIn();
      const invite = await account.client.call('inviteIssue');
      writeInvite(account, userId, invite);
      await account.syncNow().catch(() => null);
      return invite;
    },

    async previewInvite(linkOrToken) {
      const { account } = signedIn();
      return account.client.call('invitePreview', { body: { token: token(linkOrToken) } });
    },

    async confirmInvite(body) {
      const { account } = signedIn();
      const answer = await account.client.call('inviteConfirm', {
        body: { token: token(body.token), child: body.child },
      });
      // The child arrives through the feed; pull now so the family screen has them.
      await account.syncNow().catch(() => null);
      return answer.child;
    },

    async leave(childId) {
      const { account } = signedIn();
      await account.client.call('familyLeave', { body: { childId } });
      await account.syncNow().catch(() => null);
    },

    openLink(url) {
      const invite = parseInviteLink(url);
      const registration = invite ? null : parseRegistrationLink(url);
      if (!invite && !registration) {
        deps.logger.warn('Ignored a link that is neither an invite nor a registration link');
        return false;
      }
      pending = invite ? { token: invite, kind: 'invite' } : { token: registration!, kind: 'registration' };
      deps.events.emit('invite.open', pending);
      return true;
    },

    takePendingInvite() {
      const value = pending;
      pending = null;
      return value;
    },

    async completeEmailRegistration(registrationToken) {
      const account = deps.active();
      const raw = await account.client.call('emailRegistration', {
        body: { token: registrationToken, deviceId: account.deviceId, deviceName: deps.deviceName },
      });
      const answer = SignedInSchema.safeParse(raw);
      if (!answer.success) throw new AppError('SERVER_NOT_OURS', 'Unexpected answer from the server.');
      return account.signIn(answer.data);
    },

    close() {
      off();
    },
  };
}
