import type { ChatService } from './chats/service.js';
import type { Now } from './clock.js';
import type { ServerConfig } from './config.js';
import type { FamilyService } from './family/service.js';
import type { DocumentsModule } from './documents/index.js';
import type { Feed } from './sync/feed.js';
import type { LiveHub } from './sync/live.js';
import type { MutationService } from './sync/mutations.js';
import type { OtpService } from './auth/otp.js';
import type { RateLimiter } from './rateLimit.js';
import type { RegistrationService } from './auth/registration.js';
import type { SessionService } from './auth/sessions.js';
import type { Store } from './store/types.js';
import type { SupportTickets } from './support/tickets.js';
import type { VkIdService } from './auth/vkid/service.js';

/** Everything the routes use, built once by buildServices and passed down explicitly. */
export interface ServerContext {
  config: ServerConfig;
  store: Store;
  hub: LiveHub;
  feed: Feed;
  sessions: SessionService;
  otp: OtpService;
  registration: RegistrationService;
  family: FamilyService;
  mutations: MutationService;
  /** The document cloud: service, blob store, tus endpoint, housekeeping. */
  documents: DocumentsModule;
  limiter: RateLimiter;
  support: SupportTickets;
  chats: ChatService;
  /** Sign-in with VK ID (the second identity provider). */
  vkid: VkIdService;
  now: Now;
  /** The address clients reach this server at (known once it listens). */
  publicUrl(): string;
}
