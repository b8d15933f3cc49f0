import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { JanusConnection } from './janusClient.js';

/**
 * Janus as a child process for development and the demo: a generated configuration
 * (random api_secret, signed tokens, VideoRoom with string ids, WebSocket transport on
 * 127.0.0.1 on a free port, a small RTP port range, no admin API), watched and restarted
 * when it dies, stopped on shutdown.
 */
export interface JanusSecrets {
  apiSecret: string;
  tokenSecret: string;
  roomAdminKey: string;
}

function libDir(kind: 'plugins' | 'transports' | 'events' | 'loggers'): string {
  return `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/janus/${kind}`;
}

function others(dir: string, keep: string): string {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.so') && f !== keep)
      .join(',');
  } catch {
    return '';
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** A Janus signed token (token_auth_secret): `<expiry>,janus,<plugin>:<HMAC-SHA1 base64>`. */
export function signJanusToken(secret: string, ttlSeconds: number, nowMs = Date.now()): string {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const data = `${expiry},janus,janus.plugin.videoroom`;
  return `${data}:${createHmac('sha1', secret).update(data).digest('base64')}`;
}

export function writeJanusConfig(dir: string, port: number, rtpRange: string, secrets: JanusSecrets): void {
  mkdirSync(dir, { recursive: true });
  const plugins = libDir('plugins');
  const transports = libDir('transports');
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${plugins}"
  transports_folder = "${transports}"
  events_folder = "${libDir('events')}"
  loggers_folder = "${libDir('loggers')}"
  debug_level = 3
  log_to_stdout = true
  api_secret = "${secrets.apiSecret}"
  token_auth = true
  token_auth_secret = "${secrets.tokenSecret}"
  protected_folders = ["/bin", "/boot", "/dev", "/etc", "/initrd", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys", "/usr", "/var"]
}
certificates: {}
media: {
  rtp_port_range = "${rtpRange}"
}
nat: {
  nice_debug = false
  ignore_mdns = true
}
plugins: {
  disable = "${others(plugins, 'libjanus_videoroom.so')}"
}
transports: {
  disable = "${others(transports, 'libjanus_websockets.so')}"
}
loggers: {
  disable = "${others(libDir('loggers'), '')}"
}
events: {
  broadcast = false
  disable = "${others(libDir('events'), '')}"
}
`,
  );
  writeFileSync(
    join(dir, 'janus.plugin.videoroom.jcfg'),
    `general: {
  string_ids = true
  admin_key = "${secrets.roomAdminKey}"
}
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.websockets.jcfg'),
    `general: {
  json = "compact"
  ws = true
  ws_port = ${port}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`,
  );
}

export interface JanusProcessOptions {
  /** Folder for the generated configuration. */
  dir: string;
  binary?: string;
  rtpRange?: string;
  log?: (line: string) => void;
  /** Called after Janus came back from a crash. */
  onRestart?: () => void;
}

export class JanusProcess {
  readonly secrets: JanusSecrets = {
    apiSecret: randomBytes(24).toString('base64url'),
    tokenSecret: randomBytes(24).toString('base64url'),
    roomAdminKey: randomBytes(24).toString('base64url'),
  };
  port = 0;
  private child: ChildProcess | null = null;
  private stopping = false;
  private ready = false;
  lastError: string | null = null;
  restarts = 0;

  constructor(private readonly options: JanusProcessOptions) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.ready;
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.port = await freePort();
    writeJanusConfig(this.options.dir, this.port, this.options.rtpRange ?? '20000-20199', this.secrets);
    await this.spawnOnce();
  }

  private async spawnOnce(): Promise<void> {
    const child = spawn(
      this.options.binary ?? 'janus',
      ['-F', this.options.dir, '-C', join(this.options.dir, 'janus.jcfg')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        this.options.log?.(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    let exited = false;
    child.once('exit', (code, signal) => {
      exited = true;
      this.ready = false;
      if (this.child === child) this.child = null;
      if (this.stopping) return;
      this.lastError = `Janus exited (${signal ?? code}): ${tail.slice(-3).join(' | ')}`;
      this.restarts += 1;
      // Restart after a short pause; a Janus that keeps dying is retried every few seconds.
      const timer = setTimeout(
        () => {
          if (this.stopping) return;
          this.spawnOnce().then(
            () => this.options.onRestart?.(),
            (error: Error) => {
              this.lastError = error.message;
            },
          );
        },
        Math.min(5000, 200 * this.restarts),
      );
      timer.unref();
    });
    child.once('error', (error) => {
      this.lastError = error.message;
    });
    // Ready when the WebSocket API answers.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (exited) throw new Error(this.lastError ?? 'Janus exited at start');
      try {
        const conn = await JanusConnection.connect(this.url, { apisecret: this.secrets.apiSecret }, 1000);
        await conn.request({ janus: 'info' });
        conn.close();
        this.ready = true;
        this.lastError = null;
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    child.kill('SIGKILL');
    throw new Error(`Janus did not answer on ${this.url}: ${tail.slice(-3).join(' | ')}`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.ready = false;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
