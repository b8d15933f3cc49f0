/**
 * The desktop core as a child process for the kill tests: the real core (createCore,
 * through createTestCore with the tests' thin ports: settings in a JSON file, the
 * reversible secret storage) on a persistent data directory, against a server that
 * lives in the test process. Environment: KILL_DATA_DIR, KILL_SERVER_URL,
 * KILL_CHUNK_BYTES, KILL_PAGE_SIZE; KILL_OPEN_KILL_MS arms a SIGKILL that many
 * milliseconds after createCore starts (the cache migration runs in it).
 * Requests (see serveRequests): signIn, profile, folder, rename, upload, status. Events:
 * ready, uploading (the names of the files sending bytes or done).
 */
import { mkdirSync } from 'node:fs';
import type { Logger } from '../../../src/main/core/ports.js';
import { createTestCore, signInAs } from '../core.js';
import { serveRequests } from './child.js';
import { armKillTimer } from './killTimer.js';

const killAt = process.env.KILL_OPEN_KILL_MS;
const timer = killAt ? await armKillTimer(Number(killAt)) : null;

const logger: Logger = {
  info: () => {},
  warn: (message, details) => process.stderr.write(`warn: ${message} ${String(details ?? '')}\n`),
  error: (message, details) => process.stderr.write(`error: ${message} ${String(details ?? '')}\n`),
};

mkdirSync(process.env.KILL_DATA_DIR!, { recursive: true });
const from = performance.now();
timer?.start();
const test = await createTestCore({
  serverUrl: process.env.KILL_SERVER_URL!,
  dataDir: process.env.KILL_DATA_DIR!,
  logger,
  timing: {
    backoffBaseMs: 20,
    backoffMaxMs: 150,
    infoTimeoutMs: 2000,
    random: Math.random,
    pageSize: Number(process.env.KILL_PAGE_SIZE ?? 1000),
  },
  uploads: {
    chunkBytes: Number(process.env.KILL_CHUNK_BYTES ?? 64 * 1024),
    retryBaseMs: 20,
    retryMaxMs: 150,
  },
});
const startMs = performance.now() - from;
const { core } = test;
const SURNAME = 'Петрова';
const NAME = 'Мария';

serveRequests({
  signIn: async ({ phone }) => (await signInAs(core, phone as string)).id,
  profile: ({ patronymic }) => {
    core.updateProfile({ surname: SURNAME, name: NAME, patronymic: patronymic as string });
    return null;
  },
  folder: ({ name }) => core.documents.createFolder(null, name as string).id,
  rename: ({ id, name }) => core.documents.rename('folder', id as string, name as string),
  upload: async ({ path }) => core.documents.enqueuePaths([path as string], null),
  status: () => ({
    sync: core.getSyncStatus(),
    uploads: core.documents.uploads.state().total,
    signedIn: core.getState().accounts.some((a) => a.signedIn),
  }),
});
// Which files are sending bytes or done, so the test can time a kill within an upload.
core.on('uploads.state', (state) => {
  const names = state.items
    .filter((i) => (i.state === 'uploading' && i.sent > 0) || i.state === 'done')
    .map((i) => i.name);
  if (names.length > 0) process.send?.({ type: 'uploading', names });
});
process.send?.({ type: 'ready', startMs, signedIn: core.getState().accounts.some((a) => a.signedIn) });
