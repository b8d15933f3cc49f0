import type { SessionTokens } from '../../shared/api.js';
import type { SessionInfo } from '../../shared/domain.js';
import { AppError } from '../../shared/errors.js';
import { iso, type Now } from '../clock.js';
import type { LiveHub } from '../sync/live.js';
import type { Store, Tx } from '../store/types.js';
import { hashToken, newId, newToken } from './tokens.js';

export interface AuthContext {
  userId: string;
  sessionId: string;
}

export type RevokeReason = 'signout' | 'revoked_by_user' | 'replaced_on_device' | 'refresh_token_reused';

/** Don't write last_seen_at on every request: once a minute is precise enough for the sessions list. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Sessions with a short-lived access token and a rotating refresh token (ASVS V7).
 * Every refresh retires the presented token; presenting a retired one means it was
 * copied, so the whole session (the token family) is revoked, unless the pair issued
 * in its place was never used at all: then the answer to that refresh never arrived
 * (the server died after committing it, the connection dropped), and the unused pair is
 * retired and a new one issued. A copy is still caught: once the rightful client has
 * used its new pair, the retired token revokes the session; if the copy comes first,
 * the rightful client's pair is the one retired, and its next refresh revokes it.
 */
/**
 * How long this process trusts an access token it has just looked up without looking
 * again. Every change to sessions made here forgets them all at once; a session ended by
 * another process on the same database is refused here within this time.
 */
const AUTH_CACHE_MS = 1000;
const AUTH_CACHE_ENTRIES = 10_000;

interface KnownToken {
  context: AuthContext;
  /** The earlier of the token's and the session's expiry. */
  expiresAt: number;
  checkedAt: number;
}

export class SessionService {
  private readonly known = new Map<string, KnownToken>();
  /** Counts forgets: a look-up that overlapped one is answered but not kept. */
  private generation = 0;

  constructor(
    private readonly store: Store,
    private readonly hub: LiveHub,
    private readonly ttl: { accessSeconds: number; refreshDays: number },
    private readonly now: Now,
  ) {}

  /** Opens a session for a device, ending any other session that device id still has. */
  async create(userId: string, deviceId: string, deviceName: string): Promise<SessionTokens> {
    this.forget();
    const now = this.now();
    const replaced: { userId: string; id: string }[] = [];
    const tokens = await this.store.transaction(async (tx) => {
      for (const s of await tx.sessions.liveSessionsOfDevice(deviceId, iso(now))) {
        if (await tx.sessions.revokeSession(s.id, iso(now), 'replaced_on_device')) {
          replaced.push({ userId: s.userId, id: s.id });
        }
      }
      const sessionId = newId();
      await tx.sessions.insertSession({
        id: sessionId,
        userId,
        deviceId,
        deviceName,
        createdAt: iso(now),
        lastSeenAt: iso(now),
        expiresAt: iso(now + this.refreshMs()),
        revokedAt: null,
        revokeReason: null,
      });
      return this.issue(tx, sessionId, now);
    });
    this.forget();
    for (const s of replaced) this.hub.revoked(s.userId, s.id);
    return tokens;
  }

  async refresh(refreshToken: string, deviceId: string): Promise<SessionTokens> {
    this.forget();
    const now = this.now();
    const hash = hashToken(refreshToken);
    const outcome = await this.store.transaction(async (tx) => {
      const token = await tx.sessions.findRefreshToken(hash);
      if (!token) return { error: new AppError('UNAUTHENTICATED', 'Sign in again.') };
      const session = await tx.sessions.getSession(token.sessionId);
      if (!session) return { error: new AppError('UNAUTHENTICATED', 'Sign in again.') };
      if (session.revokedAt) return { error: new AppError('SESSION_REVOKED', 'This session has ended.') };
      if (session.deviceId !== deviceId) return { error: new AppError('UNAUTHENTICATED', 'Sign in again.') };
      const reused = async (): Promise<{ error: AppError; revoked: typeof session }> => {
        await tx.sessions.revokeSession(session.id, iso(now), 'refresh_token_reused');
        return {
          error: new AppError('REFRESH_TOKEN_REUSED', 'This session was ended for safety. Sign in again.'),
          revoked: session,
        };
      };
      const expired = Date.parse(token.expiresAt) <= now;
      if (token.usedAt !== null) {
        // The answer to this token's refresh was lost if what it was exchanged for is untouched.
        const lost =
          !expired && token.replacedBy !== null && (await tx.sessions.pairUnused(token.replacedBy));
        if (!lost) return await reused();
        await tx.sessions.retirePair(token.replacedBy!, iso(now));
      } else {
        if (expired) {
          return { error: new AppError('SESSION_EXPIRED', 'The session has expired. Sign in again.') };
        }
        if (!(await tx.sessions.markRefreshUsed(hash, iso(now)))) return await reused();
      }
      await tx.sessions.extendSession(session.id, iso(now + this.refreshMs()));
      await tx.sessions.touchSession(session.id, iso(now));
      const tokens = await this.issue(tx, session.id, now);
      await tx.sessions.setReplacedBy(hash, hashToken(tokens.refreshToken));
      return { tokens };
    });
    this.forget();
    if ('revoked' in outcome && outcome.revoked) this.hub.revoked(outcome.revoked.userId, outcome.revoked.id);
    if ('tokens' in outcome && outcome.tokens) return outcome.tokens;
    throw outcome.error;
  }

  /** Resolves a bearer access token to its user and session, or throws the reason it can't. */
  async authenticate(accessToken: string): Promise<AuthContext> {
    const now = this.now();
    const hash = hashToken(accessToken);
    const known = this.known.get(hash);
    if (known && now - known.checkedAt < AUTH_CACHE_MS && now >= known.checkedAt && now < known.expiresAt) {
      return known.context;
    }
    const generation = this.generation;
    const found = await this.lookUp(hash, now);
    if (generation !== this.generation) return found.context;
    if (this.known.size >= AUTH_CACHE_ENTRIES) this.known.clear();
    this.known.set(hash, { ...found, checkedAt: now });
    return found.context;
  }

  private async lookUp(hash: string, now: number): Promise<Omit<KnownToken, 'checkedAt'>> {
    const found = await this.store.sessions.findAccessTokenWithSession(hash);
    if (!found) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
    const { token, session } = found;
    if (session.revokedAt) throw new AppError('SESSION_REVOKED', 'This session has ended.');
    if (Date.parse(token.expiresAt) <= now || Date.parse(session.expiresAt) <= now) {
      throw new AppError('SESSION_EXPIRED', 'The session has expired.');
    }
    // Once per access token: a used pair means its refresh answer did arrive (see refresh).
    if (token.usedAt === null) await this.store.sessions.markAccessUsed(token.tokenHash, iso(now));
    if (now - Date.parse(session.lastSeenAt) > TOUCH_INTERVAL_MS) {
      await this.store.sessions.touchSession(session.id, iso(now));
    }
    return {
      context: { userId: session.userId, sessionId: session.id },
      expiresAt: Math.min(Date.parse(token.expiresAt), Date.parse(session.expiresAt)),
    };
  }

  async revoke(sessionId: string, reason: RevokeReason): Promise<void> {
    this.forget();
    const session = await this.store.sessions.getSession(sessionId);
    if (!session) return;
    const revoked = await this.store.sessions.revokeSession(sessionId, iso(this.now()), reason);
    this.forget();
    if (revoked) {
      this.hub.revoked(session.userId, session.id);
    }
  }

  /** Revokes one of the user's own sessions; someone else's is "not found", never "forbidden". */
  async revokeOwn(userId: string, sessionId: string): Promise<void> {
    const session = await this.store.sessions.getSession(sessionId);
    if (!session || session.userId !== userId || session.revokedAt) {
      throw new AppError('NOT_FOUND', 'No such session.');
    }
    await this.revoke(sessionId, 'revoked_by_user');
  }

  async list(userId: string, currentSessionId: string): Promise<SessionInfo[]> {
    return (await this.store.sessions.liveSessionsOfUser(userId, iso(this.now()))).map((s) => ({
      id: s.id,
      deviceName: s.deviceName,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      current: s.id === currentSessionId,
    }));
  }

  /** Forgets tokens of sessions that ended more than a refresh lifetime ago. */
  async prune(): Promise<void> {
    this.forget();
    await this.store.sessions.pruneTokens(iso(this.now() - this.refreshMs()));
    this.forget();
  }

  /** Forgets every token looked up so far, and any look-up still under way. */
  private forget(): void {
    this.known.clear();
    this.generation++;
  }

  private refreshMs(): number {
    return this.ttl.refreshDays * 86_400_000;
  }

  private async issue(tx: Tx, sessionId: string, now: number): Promise<SessionTokens> {
    const accessToken = newToken();
    const refreshToken = newToken();
    const accessExpiresAt = iso(now + this.ttl.accessSeconds * 1000);
    const refreshExpiresAt = iso(now + this.refreshMs());
    await tx.sessions.insertAccessToken({
      tokenHash: hashToken(accessToken),
      sessionId,
      expiresAt: accessExpiresAt,
      refreshHash: hashToken(refreshToken),
    });
    await tx.sessions.insertRefreshToken({
      tokenHash: hashToken(refreshToken),
      sessionId,
      createdAt: iso(now),
      expiresAt: refreshExpiresAt,
      usedAt: null,
      replacedBy: null,
    });
    return { accessToken, accessExpiresAt, refreshToken, refreshExpiresAt, sessionId };
  }
}
