import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { ChatService } from './chats/service.js';
import { systemNow, type Now } from './clock.js';
import type { ServerConfig } from './config.js';
import type { ServerContext } from './context.js';
import { createDocuments } from './documents/index.js';
import { Feed } from './sync/feed.js';
import { FamilyService } from './family/service.js';
import { LiveHub } from './sync/live.js';
import { startLiveBus } from './sync/liveBus.js';
import { encodeCursor } from './sync/feed.js';
import type { Notifications } from './store/postgres/notify.js';
import { createSmtpSender } from './mail/index.js';
import { MailOtpSender } from './mail/otpMail.js';
import { MutationService } from './sync/mutations.js';
import { OtpService } from './auth/otp.js';
import { createOtpSender, type OtpSender } from './auth/otpSender.js';
import { RateLimiter } from './rateLimit.js';
import { RegistrationService } from './auth/registration.js';
import { SessionService } from './auth/sessions.js';
import { openSqliteStore } from './store/sqlite/index.js';
import type { Store } from './store/types.js';
import { SupportTickets } from './support/tickets.js';
import { VkIdService } from './auth/vkid/service.js';

export interface ServiceDeps {
  /** Replaces the configured code delivery (tests capture codes with one). */
  otpSender?: OtpSender;
  /** A pino logger; by default one at config.logLevel. */
  logger?: FastifyBaseLogger;
  /** The clock, in ms since the epoch; tests move it to expire codes and tokens. */
  now?: Now;
  /** Path to a better-sqlite3 addon built for the host runtime (Electron's ABI). */
  nativeBinding?: string;
  /** The address clients reach this server at; by default config.publicUrl, else host:port. */
  publicUrl?: () => string;
  /** The store to build on; by default the SQLite store in config.dataDir (store/open.ts opens either). */
  store?: Store;
  /**
   * Hear the other instances' live news (a server does; the admin tool only tells). Only
   * on a store shared by several instances (PostgreSQL); SQLite has one instance.
   */
  listenLive?: boolean;
}

/** Every service of the platform server, built once over one store. */
export interface Services extends ServerContext {
  /** Closes the store (the services are unusable afterwards). */
  close(): void;
}

/**
 * The one composition root of the server's services, used by the server, the school's
 * admin tool and the tests: the store, the rate limiter and every service, each built
 * once. Services reach storage only through the store contract (store/types.ts).
 */
export function buildServices(config: ServerConfig, deps: ServiceDeps = {}): Services {
  const now = deps.now ?? systemNow;
  const log = deps.logger ?? (pino({ level: config.logLevel }) as FastifyBaseLogger);
  const publicUrl = deps.publicUrl ?? (() => config.publicUrl ?? `http://${config.host}:${config.port}`);
  if (!deps.store && config.databaseUrl) {
    // PostgreSQL opens (and migrates) asynchronously: the caller opens it with openStore.
    throw new Error(
      'SFERUM_DATABASE_URL is set: open the store with openStore(config) and pass it as deps.store.',
    );
  }
  const store =
    deps.store ??
    openSqliteStore(config.dataDir, deps.nativeBinding ? { nativeBinding: deps.nativeBinding } : {});
  try {
    const hub = new LiveHub();
    // On PostgreSQL, several instances: each commit's news also goes to the others (NOTIFY).
    const notifications = (store as { notifications?: Notifications }).notifications;
    const stopLiveBus = notifications
      ? startLiveBus({
          hub,
          notifications,
          headCursor: async () => encodeCursor(await store.feed.epoch(), await store.feed.headSeq()),
          onError: (error, what) => log.error({ err: error }, what),
          listen: deps.listenLive ?? false,
        })
      : null;
    // The family widens who sees a profile; its service needs the feed, so it comes next.
    let family: FamilyService | null = null;
    const feed = new Feed(
      store,
      hub,
      now,
      (db, userId) => family?.audience(db, userId) ?? Promise.resolve([]),
    );
    const sessions = new SessionService(
      store,
      hub,
      { accessSeconds: config.accessTtlSeconds, refreshDays: config.refreshTtlDays },
      now,
    );
    const documents = createDocuments({
      store,
      feed,
      now,
      sessions,
      dataDir: config.dataDir,
      limits: { quotaBytes: config.quotaBytes, maxFileBytes: config.maxFileBytes },
      uploadExpiryMs: config.uploadExpiryHours * 3_600_000,
      log,
      s3: config.s3,
    });
    const limiter = new RateLimiter(now, store.rateLimits, { exemptIps: config.rateLimitExemptIps });
    family = new FamilyService({
      store,
      feed,
      limiter,
      now,
      inviteTtlDays: config.inviteTtlDays,
      publicUrl,
    });
    const otp = new OtpService({
      store,
      sender:
        deps.otpSender ??
        createOtpSender(
          config.smsGatewayUrl,
          log,
          config.smtpUrl ? new MailOtpSender(createSmtpSender(config.smtpUrl)) : undefined,
        ),
      limiter,
      limits: config.otpLimits,
      now,
      demo: config.demo,
      logger: log,
    });
    return {
      config,
      store,
      hub,
      feed,
      sessions,
      otp,
      registration: new RegistrationService(store, feed, now),
      family,
      mutations: new MutationService(store, feed, now, documents.mutationHandlers),
      documents,
      limiter,
      support: new SupportTickets(store.support, now, limiter),
      chats: new ChatService({
        store,
        feed,
        now,
        limiter,
        files: { blobs: documents.blobs, tempDir: documents.uploadDir },
      }),
      now,
      publicUrl,
      vkid: new VkIdService({ store, feed, otp, limiter, now, config: () => config.vkid, publicUrl }),
      close: () => {
        void stopLiveBus?.();
        store.close();
      },
    };
  } catch (error) {
    store.close();
    throw error;
  }
}
