/**
 * The platform server as a child process for the kill tests: the real server
 * (createServer through startTestServer) on a fixed data directory and port, in demo
 * mode. Environment: KILL_DATA_DIR, KILL_PORT; KILL_MIGRATION=1 opens the database
 * first on its own (openDatabase: the migrations, in their transaction), timed, and
 * KILL_OPEN_KILL_MS arms a SIGKILL that many milliseconds into that open.
 */
import { openDatabase } from '../../../src/server/store/db.js';
import { serveRequests } from './child.js';
import { armKillTimer } from './killTimer.js';

const dataDir = process.env.KILL_DATA_DIR!;
const port = Number(process.env.KILL_PORT);

let openMs: number | null = null;
if (process.env.KILL_MIGRATION === '1') {
  const killAt = process.env.KILL_OPEN_KILL_MS;
  const timer = killAt ? await armKillTimer(Number(killAt)) : null;
  const from = performance.now();
  timer?.start();
  openDatabase(dataDir).close();
  openMs = performance.now() - from;
}

// Loaded only now, so a child meant to die in its migration gets there quickly.
const { startTestServer } = await import('../../../src/server/testing.js');
const server = await startTestServer({
  dataDir,
  config: {
    demo: true,
    port,
    sseHeartbeatSeconds: 1,
    quotaBytes: 50 * 1024 ** 3,
    maxFileBytes: 1024 ** 3,
  },
});
serveRequests({});
process.send?.({ type: 'ready', url: server.url, openMs });
