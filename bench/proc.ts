import fs from 'node:fs';
import net from 'node:net';

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A process's resident memory in bytes (Linux), 0 once it is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resolves once `url` answers 2xx; fails after 30 s. */
export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answers at ${url}`);
}

/** The environment of a server child process: demo mode, quiet, no web version. */
export function serverEnv(port: number, dataDir: string): Record<string, string> {
  return {
    SFERUM_PORT: String(port),
    SFERUM_DATA_DIR: dataDir,
    SFERUM_DEMO: '1',
    SFERUM_LOG_LEVEL: 'warn',
    SFERUM_WEB_DIR: `${dataDir}/no-web`,
  };
}
