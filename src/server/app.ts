import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { defaultConfig, type ServerConfig } from './config.js';
import type { ServerContext } from './context.js';
import { seedDemo } from './demo.js';
import { ClientHeadersSchema } from './http/auth.js';
import { handleClientError, handleError, installErrorHandler } from './http/errors.js';
import { applyCorsPolicy } from './http/cors.js';
import { HSTS, SECURITY_HEADERS } from './http/headers.js';
import { parseInput } from './http/validate.js';
import { watchForeignWrites } from './sync/foreignWrites.js';
import { registerAuthRoutes } from './auth/routes.js';
import { registerVkIdRoutes } from './auth/vkid/routes.js';
import { registerChatRoutes } from './chats/routes.js';
import { registerFamilyRoutes } from './family/routes.js';
import { registerDocumentRoutes } from './documents/routes.js';
import { registerInfoRoutes } from './http/health.js';
import { registerSupportRoutes } from './support/routes.js';
import { registerSyncRoutes } from './sync/routes.js';
import { isApiUrl, registerWebRoutes } from './http/web.js';
import { buildServices, type ServiceDeps } from './services.js';

export type { ServerConfig } from './config.js';
export type { OtpSender } from './auth/otpSender.js';

export type ServerDeps = Omit<ServiceDeps, 'publicUrl'>;

/** One method of one route the server registered (Fastify's implicit HEAD included). */
export interface RegisteredRoute {
  method: string;
  url: string;
}

export interface SferumServer {
  app: FastifyInstance;
  /** Every route as registered, for tests that must cover them all (fuzzing, authorization). */
  readonly routes: readonly RegisteredRoute[];
  /** Starts listening; resolves with the base URL (http://127.0.0.1:PORT). */
  listen(): Promise<string>;
  close(): Promise<void>;
  /** The base URL once listening, else null. */
  readonly url: string | null;
  /** For tests and tools in the same process. */
  readonly context: ServerContext;
}

/** Housekeeping of expired codes and tokens. */
const PRUNE_INTERVAL_MS = 60 * 60_000;

/**
 * The platform server for one configuration: the services (buildServices) and the
 * routes over them. Nothing is module-global, so a test can run many
 * servers side by side.
 */
export function createServer(config: ServerConfig, deps: ServerDeps = {}): SferumServer {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: { level: config.logLevel } }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: false,
    return503OnClosing: true,
    frameworkErrors: handleError,
    clientErrorHandler: handleClientError,
  });

  let url: string | null = null;
  const services = buildServices(config, {
    listenLive: true,
    ...deps,
    logger: app.log,
    publicUrl: () => config.publicUrl ?? url ?? `http://${config.host}:${config.port}`,
  });
  const context: ServerContext = services;
  const { store, hub, feed, sessions, documents, now } = services;

  // The demo school is in place before the server answers its first request.
  if (config.demo) app.addHook('onReady', () => seedDemo(feed, now));

  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  void app.register(fastifyCookie);
  // JSON only: a text/plain body is refused with 415 rather than half-parsed. An empty
  // JSON body counts as no body, so a client that always sends the header can sign out.
  app.removeContentTypeParser('text/plain');
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) {
      done(null, undefined);
      return;
    }
    defaultJson(request, body as string, done);
  });

  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(SECURITY_HEADERS);
    if (context.publicUrl().startsWith('https://')) void reply.header('strict-transport-security', HSTS);
    // Headers every API route understands are checked once here, for every route alike
    // (the schema only runs when there is something to refuse: this is every request's path).
    const client = request.headers['x-client'];
    if (client !== undefined && client !== 'web' && client !== 'desktop' && isApiUrl(request.url)) {
      try {
        parseInput(ClientHeadersSchema, request.headers, 'headers');
      } catch (error) {
        done(error as Error);
        return;
      }
    }
    done();
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    applyCorsPolicy(reply);
    return payload;
  });
  installErrorHandler(app);
  registerInfoRoutes(app, context);
  registerAuthRoutes(app, context);
  registerVkIdRoutes(app, context);
  registerSyncRoutes(app, context);
  registerSupportRoutes(app, context);
  registerFamilyRoutes(app, context);
  registerDocumentRoutes(app, context, documents);
  registerChatRoutes(app, context);
  registerWebRoutes(app, config.webDir, context.publicUrl);

  // The school's admin tool writes to the same database from another process.
  const stopWatching = watchForeignWrites({
    writes: store.foreignWrites,
    hub,
    epoch: () => context.feed.epoch(),
    intervalMs: config.foreignWritesPollMs,
    onError: (error) => app.log.error({ err: error }, 'watching for the admin tool’s changes failed'),
  });

  const prune = setInterval(() => {
    sessions.prune().catch((error: unknown) => {
      app.log.error({ err: error }, 'pruning expired tokens failed');
    });
    documents.housekeeping().catch((error: unknown) => {
      app.log.error({ err: error }, 'documents housekeeping failed');
    });
  }, PRUNE_INTERVAL_MS);
  prune.unref();

  // Live streams never end by themselves: end them first, or close() would wait for them.
  app.addHook('preClose', async () => {
    hub.shutdown();
  });
  app.addHook('onClose', async () => {
    clearInterval(prune);
    stopWatching();
    services.close();
  });

  let closing: Promise<void> | null = null;
  return {
    app,
    context,
    routes,
    get url() {
      return url;
    },
    async listen() {
      const address = await app.listen({ host: config.host, port: config.port });
      url = address;
      return address;
    },
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}

export interface EmbeddedServerOptions {
  dataDir: string;
  demo: boolean;
  /** Electron-ABI better-sqlite3 addon, when running inside Electron. */
  nativeBinding?: string;
  /** The built renderer, to also serve the web version; absent by default. */
  webDir?: string;
  logger?: FastifyBaseLogger;
}

/**
 * The server inside the desktop app's main process, for a family with no school
 * server configured: loopback only, on a free port.
 */
export async function startEmbeddedServer(
  options: EmbeddedServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const config = defaultConfig({
    host: '127.0.0.1',
    port: 0,
    dataDir: options.dataDir,
    demo: options.demo,
    logLevel: 'warn',
    smsGatewayUrl: null,
    ...(options.webDir ? { webDir: options.webDir } : { webDir: `${options.dataDir}/no-web-version` }),
  });
  const deps: ServerDeps = {};
  if (options.nativeBinding) deps.nativeBinding = options.nativeBinding;
  if (options.logger) deps.logger = options.logger;
  const server = createServer(config, deps);
  try {
    const url = await server.listen();
    return { url, close: () => server.close() };
  } catch (error) {
    await server.close();
    throw error;
  }
}
