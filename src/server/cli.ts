import v8 from 'node:v8';
import { AppError } from '../shared/errors.js';
import { formatPhone } from '../shared/phone.js';
import { createServer, type SferumServer } from './app.js';
import { ConfigError, describeConfig, loadConfig, type ServerConfig } from './config.js';
import { DEMO_ACCOUNTS } from './demo.js';
import { startVkIdStandIn, type VkIdStandIn } from './auth/vkid/standIn.js';
import { VKID_CALLBACK_PATH } from '../shared/auth/vkid.js';
import { openStore } from './store/open.js';

/**
 * Garbage collection for a server that streams uploads. Each request body arrives in
 * 64 KiB buffers outside the V8 heap, and V8 counts them against the old generation's
 * limit; at its default growth that limit sits only a few tens of MB above this server's
 * small heap, so a 1 GiB upload ran some forty full collections instead of cheap young
 * ones, about a second of CPU (seen with --trace-gc). A larger growth step leaves the
 * buffers to the young collections. Process-wide, hence here, at the entry point.
 */
const HEAP_GROWING_PERCENT = 300;

/** How long shutdown may take before the process gives up waiting and exits anyway. */
const SHUTDOWN_DEADLINE_MS = 5000;

function printBanner(config: ServerConfig, url: string): void {
  const lines = [
    'Sferum Family server',
    ...Object.entries(describeConfig(config, url)).map(([k, v]) => `  ${k}: ${String(v)}`),
  ];
  if (config.demo) {
    lines.push('', 'Demo mode. Sign in as:');
    for (const a of DEMO_ACCOUNTS) lines.push(`  ${a.label}: ${a.phone ? formatPhone(a.phone) : a.email}`);
    lines.push('The one-time code appears in the sign-in screen (demo mode only) and in this log.');
    lines.push('Any other mobile number registers a new parent.');
    if (config.vkid)
      lines.push(
        `«Войти через VK ID» opens the local VK ID stand-in at ${config.vkid.host} (any phone number signs in).`,
      );
  }
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  let config: ServerConfig;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  let server: SferumServer;
  try {
    server = createServer(config, { store: await openStore(config) });
  } catch (error) {
    if (error instanceof AppError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(1);
    }
    if (config.databaseUrl) {
      console.error(`Cannot start: the PostgreSQL database did not answer: ${(error as Error).message}`);
      process.exit(1);
    }
    throw error;
  }

  let standIn: VkIdStandIn | null = null;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    server.app.log.info(`${signal}: shutting down`);
    const deadline = setTimeout(() => {
      console.error('Shutdown took too long; exiting.');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    Promise.all([server.close(), standIn?.close()]).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  try {
    const url = await server.listen();
    if (config.demo && !config.vkid) {
      // Demo mode with no VK ID configured: a local VK-shaped provider, so a newcomer can try it.
      const publicUrl = server.context.publicUrl();
      standIn = await startVkIdStandIn({
        redirectUris: [`${publicUrl}${VKID_CALLBACK_PATH}`],
        anyPhone: true,
      });
      config.vkid = {
        host: standIn.url,
        clientId: standIn.clientId,
        redirectUri: null,
        scope: 'vkid.personal_info phone',
      };
    }
    printBanner(config, url);
    console.log(`listening on ${url}`);
  } catch (error) {
    console.error(`Cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
    await server.close();
    process.exit(1);
  }
}

void main();
