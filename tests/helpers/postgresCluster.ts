import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * One throwaway PostgreSQL cluster for a whole test run, from Debian's `postgresql`
 * package: `initdb` under a temp directory, `postgres` on a free loopback port with its
 * unix socket in that directory, durability off (a test cluster dies with the run). Root
 * cannot run PostgreSQL, so as root the binaries run as the `postgres` user.
 *
 * Started lazily by the first test file that asks (tests/helpers/postgres.ts), under a
 * lock directory so parallel test files start it once; stopped by the global teardown
 * (tests/helpers/postgresGlobal.ts).
 */

export interface ClusterInfo {
  port: number;
  /** `postgres://postgres@127.0.0.1:PORT` (no database). */
  base: string;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error("PostgreSQL is not installed: apt-get install -y postgresql (Debian's package)");
  }
  return path.join(root, versions[0]!, 'bin');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the postgres user when we are root. */
function pgExec(binary: string, args: string[]): void {
  const file = path.join(binDir(), binary);
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: 'pipe' });
  else execFileSync(file, args, { stdio: 'pipe' });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the cluster in `dir` if no test file has yet; resolves once it accepts connections. */
export async function ensureCluster(dir: string): Promise<ClusterInfo> {
  const ready = path.join(dir, 'ready.json');
  let starter = false;
  try {
    fs.mkdirSync(path.join(dir, 'lock'));
    starter = true;
  } catch {
    // Another test file is starting it (or has).
  }
  if (starter) {
    try {
      const data = path.join(dir, 'data');
      const socket = path.join(dir, 'sock');
      fs.mkdirSync(data, { mode: 0o700 });
      fs.mkdirSync(socket);
      if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', data, socket]);
      fs.chmodSync(dir, 0o755);
      pgExec('initdb', [
        '-D',
        data,
        '-U',
        'postgres',
        '--auth=trust',
        '--no-locale',
        '-E',
        'UTF8',
        '--no-sync',
      ]);
      const port = await freePort();
      const options = [
        `-p ${port}`,
        `-k ${socket}`,
        "-c listen_addresses='127.0.0.1'",
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=300',
        '-c deadlock_timeout=200ms',
      ].join(' ');
      pgExec('pg_ctl', [
        '-D',
        data,
        '-o',
        options,
        '-l',
        path.join(socket, 'server.log'),
        '-w',
        '-t',
        '60',
        'start',
      ]);
      const info: ClusterInfo = { port, base: `postgres://postgres@127.0.0.1:${port}` };
      fs.writeFileSync(`${ready}.tmp`, JSON.stringify(info));
      fs.renameSync(`${ready}.tmp`, ready);
      return info;
    } catch (error) {
      fs.writeFileSync(path.join(dir, 'failed'), String((error as Error).message));
      throw error;
    }
  }
  for (let waited = 0; waited < 90_000; waited += 50) {
    if (fs.existsSync(ready)) return JSON.parse(fs.readFileSync(ready, 'utf8')) as ClusterInfo;
    if (fs.existsSync(path.join(dir, 'failed'))) {
      throw new Error(
        `The test PostgreSQL cluster did not start: ${fs.readFileSync(path.join(dir, 'failed'), 'utf8')}`,
      );
    }
    await sleep(50);
  }
  throw new Error('The test PostgreSQL cluster did not start within 90 s');
}

/** Stops the cluster in `dir` if it was started, and removes the directory. */
export function stopCluster(dir: string): void {
  const data = path.join(dir, 'data');
  if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
    try {
      pgExec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already gone.
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A fresh directory for one run's cluster, owned by this process. Clusters of runs that
 * were killed before their teardown (their owner is gone) are stopped and removed first.
 */
export function clusterDir(): string {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith('sferum-pg-')) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(fs.readFileSync(path.join(dir, 'owner.pid'), { encoding: 'utf8', flag: 'a+' }));
    if (owner > 0 && !alive(owner)) stopCluster(dir);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-pg-'));
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  return dir;
}
