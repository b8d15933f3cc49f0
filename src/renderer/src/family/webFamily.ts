import { SignedInSchema, type SessionTokens } from '../../../shared/api.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import type { Profile } from '../../../shared/domain.js';
import { AppError } from '../../../shared/errors.js';
import { type IssuedInvite, IssuedInviteSchema, parseInviteLink } from '../../../shared/family/index.js';
import type { Bridge } from '../../../shared/ipc.js';

const INVITE_KEY = 'sferum.invite';

/** The family part of the bridge (the web adapter here, a fake in renderer tests). */
export type FamilyBridge = Pick<
  Bridge,
  | 'familyGet'
  | 'familyCurrentInvite'
  | 'familyIssueInvite'
  | 'familyPreviewInvite'
  | 'familyConfirmInvite'
  | 'familyLeave'
  | 'familyTakePendingInvite'
  | 'authCompleteEmailRegistration'
  | 'accountsAdd'
  | 'accountsSwitch'
  | 'accountsRemove'
>;

/**
 * The web version reads an invite from its address: the server answers `/invite/<token>`
 * with a redirect to `/?invite=<token>` (the page's assets are relative to the root).
 */
export function inviteFromLocation(where: { pathname: string; search: string }): string | null {
  const m = /^\/invite\/([^/]+)\/?$/.exec(where.pathname);
  if (m?.[1]) return decodeURIComponent(m[1]);
  return new URLSearchParams(where.search).get('invite');
}

/** The school's e-mail link: `/register/<token>`, redirected to `/?register=<token>`. */
export function registrationFromLocation(where: { pathname: string; search: string }): string | null {
  const m = /^\/register\/([^/]+)\/?$/.exec(where.pathname);
  if (m?.[1]) return decodeURIComponent(m[1]);
  return new URLSearchParams(where.search).get('register');
}

function token(linkOrToken: string): string {
  const parsed = parseInviteLink(linkOrToken);
  if (!parsed) throw new AppError('INVITE_MALFORMED', 'This is not an invite link.');
  return parsed;
}

/**
 * The family part of the web adapter, over HTTP. The student's link token is kept in
 * this browser's storage only (the server keeps a hash), like the desktop app keeps it
 * on the device that made it.
 */
export function createWebFamily(deps: {
  api: ApiClient;
  storage: Storage;
  deviceId: string;
  deviceName: string;
  profile(): Profile | null;
  signedIn(tokens: SessionTokens, profile: Profile): void;
  location?: { pathname: string; search: string; hash: string };
  replacePath?: (path: string) => void;
}): FamilyBridge {
  const where =
    deps.location ?? (typeof location !== 'undefined' ? location : { pathname: '/', search: '', hash: '' });
  const replacePath =
    deps.replacePath ??
    ((path: string) => {
      if (typeof history !== 'undefined') history.replaceState(null, '', path);
    });
  let pending = inviteFromLocation(where);

  function saved(): { userId: string; invite: IssuedInvite } | null {
    try {
      const raw = JSON.parse(deps.storage.getItem(INVITE_KEY) ?? 'null') as {
        userId?: unknown;
        invite?: unknown;
      };
      const invite = IssuedInviteSchema.safeParse(raw?.invite);
      if (raw && typeof raw.userId === 'string' && invite.success)
        return { userId: raw.userId, invite: invite.data };
    } catch {
      // A damaged entry is as good as none.
    }
    return null;
  }

  const oneProfile = async (): Promise<never> => {
    throw new AppError('FORBIDDEN', 'The web version has one profile per browser.');
  };

  return {
    familyGet: () => deps.api.call('familyView'),
    async familyCurrentInvite() {
      const me = deps.profile();
      const mine = saved();
      if (!me || !mine || mine.userId !== me.id) return null;
      const view = await deps.api.call('familyView');
      return view.invite?.id === mine.invite.id ? mine.invite : null;
    },
    async familyIssueInvite() {
      const invite = await deps.api.call('inviteIssue');
      const me = deps.profile();
      if (me) deps.storage.setItem(INVITE_KEY, JSON.stringify({ userId: me.id, invite }));
      return invite;
    },
    familyPreviewInvite: (input) => deps.api.call('invitePreview', { body: { token: token(input.token) } }),
    async familyConfirmInvite(input) {
      const answer = await deps.api.call('inviteConfirm', {
        body: { token: token(input.token), child: input.child },
      });
      return answer.child;
    },
    async familyLeave(input) {
      await deps.api.call('familyLeave', { body: { childId: input.childId } });
      return null;
    },
    async familyTakePendingInvite() {
      const value = pending;
      pending = null;
      if (value !== null) replacePath(`/${where.hash}`);
      return value ? { token: value, kind: 'invite' as const } : null;
    },
    async authCompleteEmailRegistration(input) {
      const raw = await deps.api.call('emailRegistration', {
        body: { token: input.token, deviceId: deps.deviceId, deviceName: deps.deviceName },
      });
      const answer = SignedInSchema.safeParse(raw);
      if (!answer.success) throw new AppError('SERVER_NOT_OURS', 'Unexpected answer from the server.');
      deps.signedIn(answer.data.tokens, answer.data.profile);
      replacePath('/');
      return answer.data.profile;
    },
    accountsAdd: oneProfile,
    accountsSwitch: oneProfile,
    accountsRemove: oneProfile,
  };
}
