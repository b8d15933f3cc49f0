import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

/**
 * A child process running a bundled entry, spoken to over Node's IPC channel: the
 * child sends `{ type: 'ready' }` when it serves, answers requests `{ rid, op, ... }`
 * with `{ type: 'reply', rid, ok, value | error }`, and may send events of its own.
 */
export class Child {
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly listeners = new Set<(message: ChildMessage) => void>();
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextRid = 1;
  private stderr = '';
  private alive = true;

  constructor(file: string, env: Record<string, string>) {
    this.proc = spawn(process.execPath, [file], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...env },
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-8000);
    });
    this.proc.on('message', (message: ChildMessage) => {
      if (message.type === 'reply') {
        const waiter = this.pending.get(message.rid as number);
        this.pending.delete(message.rid as number);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(new Error(String(message.error)));
        return;
      }
      for (const listener of this.listeners) listener(message);
    });
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.alive = false;
        for (const waiter of this.pending.values()) waiter.reject(new Error('the child exited'));
        this.pending.clear();
        resolve({ code, signal });
      });
    });
  }

  get running(): boolean {
    return this.alive;
  }

  /** The last lines the child wrote to stderr (for a failure message). */
  get log(): string {
    return this.stderr;
  }

  on(listener: (message: ChildMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first message of `type` (and matching `where`), or a failure after `timeoutMs` or at exit. */
  waitFor(type: string, timeoutMs = 10_000, where: (m: ChildMessage) => boolean = () => true) {
    return new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no "${type}" from the child within ${timeoutMs} ms\n${this.stderr}`));
      }, timeoutMs);
      const off = this.on((message) => {
        if (message.type !== type || !where(message)) return;
        clearTimeout(timer);
        off();
        resolve(message);
      });
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        off();
        reject(new Error(`the child exited (${code ?? signal}) before "${type}"\n${this.stderr}`));
      });
    });
  }

  /** Sends a request; resolves with the child's answer, rejects if it exits first. */
  request<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (!this.alive) return Promise.reject(new Error('the child is not running'));
    const rid = this.nextRid++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(rid, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.proc.send({ rid, op, ...args });
      } catch (error) {
        this.pending.delete(rid);
        reject(error as Error);
      }
    });
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

/** Starts a child and waits for its `ready` message. */
export async function startChild(
  file: string,
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ child: Child; ready: ChildMessage }> {
  const child = new Child(file, env);
  try {
    const ready = await child.waitFor('ready', timeoutMs);
    return { child, ready };
  } catch (error) {
    await child.kill();
    throw error;
  }
}

/** Inside a child: answers requests with `handlers`, one at a time per request id. */
export function serveRequests(handlers: Record<string, (args: Record<string, unknown>) => unknown>): void {
  process.on('message', (message: { rid: number; op: string }) => {
    const handler = handlers[message.op];
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown op ${message.op}`);
        const value = await handler(message as unknown as Record<string, unknown>);
        process.send?.({ type: 'reply', rid: message.rid, ok: true, value: value ?? null });
      } catch (error) {
        process.send?.({
          type: 'reply',
          rid: message.rid,
          ok: false,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    })();
  });
  // The parent going away (a crashed test run) ends the child too.
  process.on('disconnect', () => process.exit(0));
}
