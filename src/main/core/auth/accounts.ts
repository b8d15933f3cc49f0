import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SignedIn } from '../../../shared/api.js';
import { type ApiClient, createApiClient } from '../../../shared/apiClient.js';
import { type PersonName, type Profile, ProfileSchema } from '../../../shared/domain.js';
import { AppError, type ErrorCode } from '../../../shared/errors.js';
import { ENTITY_KINDS, type SyncStatus } from '../../../shared/sync/index.js';
import { type CacheDatabase, openCacheDatabase } from '../cache/db.js';
import { RenameConflicts } from '../documents/conflicts.js';
import { createRecordStore, type RecordStore } from '../cache/records.js';
import type { CoreEvents } from '../events.js';
import type { Logger, SecretStorage, StoredAccount, SyncTiming } from '../ports.js';
import { SessionFile } from './session.js';
import { SyncEngine } from '../sync/engine.js';
import { queueMutation } from '../sync/mutations.js';
import { createOutbox, type Outbox } from '../sync/outbox.js';

/** What every open local account shares with the core. */
export interface AccountHost {
  dataDir: string;
  secrets: SecretStorage;
  events: CoreEvents;
  logger: Logger;
  timing: SyncTiming;
  now: () => Date;
  fetch?: typeof fetch;
  nativeBinding?: string;
  /** Sign-in state or the profile changed: the app state (labels, signedIn) may differ. */
  onAccountChanged: (account: LocalAccountRuntime) => void;
}

export function newStoredAccount(): StoredAccount {
  return { id: randomBytes(8).toString('hex'), deviceId: randomBytes(24).toString('base64url'), label: null };
}

export function accountDir(dataDir: string, accountId: string): string {
  return join(dataDir, 'accounts', accountId);
}

/** "Фамилия Имя", the label of a local account in the account switcher. */
export function labelOf(profile: Pick<Profile, 'surname' | 'name'>): string {
  return `${profile.surname} ${profile.name}`.trim();
}

/** Removes an account's files (its cache, outbox and session). */
export function deleteAccountFiles(dataDir: string, accountId: string): void {
  rmSync(accountDir(dataDir, accountId), { recursive: true, force: true });
}

/**
 * One open local account: its cache, outbox, session and sync engine, talking to one
 * server as one device. A second local account is the app's "separate profile" (a
 * different device for the server), so nothing here is shared between accounts.
 */
export class LocalAccountRuntime {
  readonly id: string;
  readonly deviceId: string;
  readonly records: RecordStore;
  readonly outbox: Outbox;
  /** Renames of this device that another device's rename beat (kept for the documents screen). */
  readonly conflicts: RenameConflicts;
  readonly session: SessionFile;
  /** Registration tokens never leave the core; kept only until register() or sign-out. */
  registrationToken: string | null = null;
  /** The cache connection, shared with the documents tables of the same file. */
  readonly db: CacheDatabase;
  private clientValue: ApiClient | null = null;
  private engine: SyncEngine | null = null;
  private ending: Promise<void> | null = null;

  constructor(
    stored: StoredAccount,
    private readonly host: AccountHost,
  ) {
    this.id = stored.id;
    this.deviceId = stored.deviceId;
    const dir = accountDir(host.dataDir, stored.id);
    mkdirSync(dir, { recursive: true });
    this.db = openCacheDatabase(
      join(dir, 'cache.sqlite'),
      host.nativeBinding ? { nativeBinding: host.nativeBinding } : {},
    );
    this.records = createRecordStore(this.db);
    this.outbox = createOutbox(this.db);
    this.conflicts = new RenameConflicts(this.db);
    this.session = new SessionFile(join(dir, 'session.bin'), host.secrets, host.logger);
  }

  get client(): ApiClient {
    if (!this.clientValue) throw new AppError('NETWORK_OFFLINE', 'No server is configured yet.');
    return this.clientValue;
  }

  /** Points the account at a server; the caller has ended any session with the old one. */
  connect(baseUrl: string): void {
    this.clientValue = createApiClient({
      baseUrl,
      deviceId: this.deviceId,
      ...(this.host.fetch ? { fetch: this.host.fetch } : {}),
      tokens: {
        get: () => this.session.tokens(),
        set: (tokens) => {
          const current = this.session.get();
          if (tokens && current) this.session.set({ userId: current.userId, tokens });
          else if (!tokens) this.session.set(null);
        },
      },
      onSessionEnded: (error) => void this.endSession({ code: error.code, message: error.message }),
    });
  }

  userId(): string | null {
    return this.session.get()?.userId ?? null;
  }

  signedIn(): boolean {
    return this.session.get() !== null;
  }

  /** Starts syncing a session restored from disk. */
  resume(): void {
    if (this.signedIn() && this.clientValue) this.startSync();
  }

  /** Installs a new session: a different person than last time starts from an empty cache. */
  async signIn(result: SignedIn): Promise<Profile> {
    if (this.signedIn()) await this.endSession(null);
    const profile = result.profile;
    this.records.transaction(() => {
      if (this.records.getState('userId') !== profile.id) {
        this.records.clear();
        this.records.setState('userId', profile.id);
      }
      // Shown at once; the first pull brings the same record and everything else.
      if (!this.records.get('profile', profile.id)) this.records.put('profile', profile.id, profile);
    });
    this.registrationToken = null;
    this.session.set({ userId: profile.id, tokens: result.tokens });
    this.host.events.emit('cache.changed', { entities: ['profile'] });
    this.startSync();
    this.host.onAccountChanged(this);
    return this.profile() ?? profile;
  }

  /**
   * Ends the session locally: sync stops, tokens are forgotten, cached records are
   * dropped. The outbox is kept, so whatever was queued is pushed when the same person
   * signs in again (and never under anyone else's session). `reason` is reported as
   * auth.signedOut; null for a sign-out the person asked for.
   */
  endSession(reason: { code: ErrorCode; message: string } | null): Promise<void> {
    if (this.ending) return this.ending;
    const wasSignedIn = this.signedIn() || this.engine !== null;
    this.ending = (async () => {
      const engine = this.engine;
      this.engine = null;
      await engine?.stop();
      this.session.set(null);
      this.registrationToken = null;
      if (!wasSignedIn) return;
      this.records.clear();
      this.host.events.emit('cache.changed', { entities: [...ENTITY_KINDS] });
      this.host.events.emit('sync.status', this.syncStatus());
      if (reason) this.host.events.emit('auth.signedOut', reason);
      this.host.onAccountChanged(this);
    })().finally(() => {
      this.ending = null;
    });
    return this.ending;
  }

  profile(): Profile | null {
    const userId = this.userId();
    if (!userId) return null;
    const data = this.records.get('profile', userId);
    if (!data) return null;
    // Records are validated when read, not when pulled: a cold sync stays fast.
    const parsed = ProfileSchema.safeParse(data);
    if (!parsed.success) {
      this.host.logger.warn('The cached profile does not match the schema');
      return null;
    }
    return parsed.data;
  }

  updateProfile(name: PersonName): Profile {
    const userId = this.userId();
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
    if (!this.profile()) throw new AppError('NOT_FOUND', 'The profile has not been loaded yet.');
    queueMutation(this.records, this.outbox, {
      type: 'profile.update',
      payload: name,
      userId,
      createdAt: this.host.now().toISOString(),
    });
    this.host.events.emit('cache.changed', { entities: ['profile'] });
    this.host.onAccountChanged(this);
    this.engine?.localChange();
    const profile = this.profile();
    if (!profile) throw new AppError('INTERNAL', 'The profile could not be updated.');
    return profile;
  }

  syncStatus(): SyncStatus {
    if (this.engine) return this.engine.getStatus();
    const lastUser = this.records.getState('userId');
    return {
      state: 'signed_out',
      pending: lastUser ? this.outbox.count(lastUser) : 0,
      lastSyncAt: null,
      lastError: null,
      nextRetryAt: null,
    };
  }

  /** Runs a sync now and resolves when it (and any run it coalesced with) is over. */
  async syncNow(): Promise<SyncStatus> {
    await this.engine?.requestRun();
    return this.syncStatus();
  }

  /** Stops syncing but keeps the session (before a sign-out request, whose own revocation must stay quiet). */
  async stopSync(): Promise<void> {
    const engine = this.engine;
    this.engine = null;
    await engine?.stop();
  }

  /** Forgets everything cached from the server (a server switch); the outbox is kept. */
  resetCache(): void {
    this.records.clear();
    this.records.setState('userId', null);
  }

  async close(): Promise<void> {
    const engine = this.engine;
    this.engine = null;
    await engine?.stop();
    this.db.close();
  }

  private startSync(): void {
    const userId = this.userId();
    if (!userId || this.engine) return;
    const { host } = this;
    this.engine = new SyncEngine({
      client: this.client,
      records: this.records,
      outbox: this.outbox,
      userId,
      timing: host.timing,
      logger: host.logger,
      now: host.now,
      ...(host.fetch ? { fetch: host.fetch } : {}),
      onStatus: (status) => host.events.emit('sync.status', status),
      onCacheChanged: (entities) => {
        host.events.emit('cache.changed', { entities });
        if (entities.includes('profile')) host.onAccountChanged(this);
      },
      onRejected: (rejection) => host.events.emit('mutation.rejected', rejection),
      keepRejection: (entry, error) => void this.conflicts.keep(entry, error),
      onRevoked: () =>
        void this.endSession({
          code: 'SESSION_REVOKED',
          message: 'This session was ended from another device.',
        }),
    });
    this.engine.start();
  }
}
