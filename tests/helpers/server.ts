import {
  startTestServer as startServerForTests,
  TestClock,
  type TestServer,
} from '../../src/server/testing.js';
import { defaultConfig, type ServerConfig } from '../../src/server/config.js';
import { buildServices, type Services } from '../../src/server/services.js';
import type { Store } from '../../src/server/store/types.js';

export { TestClock, type TestServer };

/**
 * A real platform server on loopback in demo mode (so one-time codes come back as
 * devCode), in a temp data directory unless one is given. Pass `dataDir` and `port`
 * to bring a stopped server back at the same address with the same data.
 */
export async function startTestServer(
  options: {
    dataDir?: string;
    port?: number;
    clock?: TestClock;
    config?: Partial<ServerConfig>;
    /** The store to serve from (a PostgreSQL one: tests/helpers/backends.ts); by default SQLite in dataDir. */
    store?: Store;
  } = {},
): Promise<TestServer> {
  const server = await startServerForTests({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    config: { demo: true, port: options.port ?? 0, sseHeartbeatSeconds: 1, ...options.config },
    deps: {
      ...(options.clock ? { now: options.clock.now } : {}),
      ...(options.store ? { store: options.store } : {}),
    },
  });
  const close = server.close.bind(server);
  // A test stops servers abruptly, like a pulled cable: a keep-alive connection that a
  // client has not released yet must not hold the shutdown for its idle timeout.
  server.close = async () => {
    const closing = close();
    server.server.app.server.closeAllConnections();
    await closing;
  };
  return server;
}

/**
 * The services on a server's data directory, built as another process on it (the school's
 * admin tool) builds them; close them when done.
 */
export function openServices(dataDir: string): Services {
  return buildServices(defaultConfig({ dataDir, logLevel: 'silent', smsGatewayUrl: null }));
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** A loopback URL where nothing listens (the port of a server that was just closed). */
export async function closedPortUrl(): Promise<string> {
  const server = await startTestServer();
  const url = server.url;
  await server.close();
  return url;
}
