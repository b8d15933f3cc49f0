import {
  startTestServer as startServerForTests,
  TestClock,
  type TestServer,
} from '../../src/server/testing.js';
import { defaultConfig, type ServerConfig } from '../../src/server/config.js';
import { buildServices, type Services } from '../../src/server/services.js';
import type { Store } from '../../src/server/store/types.js';
import { POSTGRES, type Place } from './backends.js';

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
  const pgPlace = !options.store && onPostgres() ? await postgresFor(options.dataDir) : null;
  const server = await startServerForTests({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    config: { demo: true, port: options.port ?? 0, sseHeartbeatSeconds: 1, ...options.config },
    deps: {
      ...(options.clock ? { now: options.clock.now } : {}),
      ...(options.store ? { store: options.store } : {}),
      ...(pgPlace ? { store: await pgPlace.open() } : {}),
    },
    ...(pgPlace && !options.dataDir ? { dataDir: pgPlace.dataDir } : {}),
  });
  const stop = server.close.bind(server);
  const close = async (): Promise<void> => {
    await stop();
    if (pgPlace && !options.dataDir) await forgetPostgres(pgPlace);
  };
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
  const config = defaultConfig({ dataDir, logLevel: 'silent', smsGatewayUrl: null });
  const place = onPostgres() ? places.get(dataDir) : undefined;
  if (!place) return buildServices(config);
  throw new Error('openServices on PostgreSQL: use openServicesAsync (the store opens asynchronously)');
}

/**
 * `SFERUM_TEST_BACKEND=postgres npx vitest run <files>` runs a suite's servers on
 * PostgreSQL (a fresh database per data directory, on the run's throwaway cluster): the
 * parameter that lets any integration suite run on both backends. Suites that must run on
 * both in every run say so with describe.each(BACKENDS) (tests/helpers/backends.ts).
 */
function onPostgres(): boolean {
  return process.env.SFERUM_TEST_BACKEND === 'postgres';
}

/** The PostgreSQL place of each data directory a server of this file ran on. */
const places = new Map<string, Place>();

async function postgresFor(dataDir: string | undefined): Promise<Place> {
  const known = dataDir ? places.get(dataDir) : undefined;
  if (known) return known;
  const place = await POSTGRES.place();
  places.set(dataDir ?? place.dataDir, place);
  return place;
}

/**
 * What another process on a test server's records (the admin tool) needs in its
 * environment besides SFERUM_DATA_DIR: the database's URL when the server is on PostgreSQL.
 */
export function databaseEnv(dataDir: string): Record<string, string> {
  const url = places.get(dataDir)?.databaseUrl;
  return url ? { SFERUM_DATABASE_URL: url } : {};
}

async function forgetPostgres(place: Place): Promise<void> {
  places.delete(place.dataDir);
  await place.remove();
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
