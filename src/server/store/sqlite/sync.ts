import type { Db } from '../db.js';
import type { Repos } from '../types.js';

/** A repository of the contract as the SQLite classes implement it: the same calls, answered at once. */
export type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : T[K];
};

export type SyncRepos = { [K in keyof Repos]: Sync<Repos[K]> };

/** A transaction that a statement needs and that has ended (or never began) on this connection. */
export class TransactionEndedError extends Error {
  constructor() {
    super('This transaction has already ended: its handle cannot be used any more.');
    this.name = 'TransactionEndedError';
  }
}

/**
 * Whose turn it is on the one connection. A transaction holds the connection from its
 * BEGIN to its COMMIT or ROLLBACK while its function awaits, so nothing else may run a
 * statement then (it would join the transaction): transactions take turns through a
 * mutex, and calls from outside wait while one is open.
 */
class Turns {
  /** Between a transaction's BEGIN and its end: calls from outside wait. */
  open = false;
  /** Held by the running transaction, or being handed to the next one. */
  private locked = false;
  private readonly waiting: (() => void)[] = [];
  private idle: Promise<void> | null = null;
  private wakeIdle: (() => void) | null = null;

  /** Undefined when the turn is taken at once, else a promise of it. */
  acquire(): Promise<void> | undefined {
    if (!this.locked) {
      this.locked = true;
      return undefined;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Ends the turn: calls from outside that waited go first, then the next transaction. */
  release(): void {
    this.open = false;
    const wake = this.wakeIdle;
    this.idle = null;
    this.wakeIdle = null;
    wake?.();
    const next = this.waiting.shift();
    if (next) next();
    else this.locked = false;
  }

  /** Resolves once the open transaction has ended. */
  whenClosed(): Promise<void> {
    return (this.idle ??= new Promise((resolve) => (this.wakeIdle = resolve)));
  }
}

type Method = (...args: unknown[]) => unknown;

function methodNames(repo: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(repo) as object | null; proto && proto !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof (repo as Record<string, unknown>)[name] === 'function') {
        names.push(name);
      }
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return names;
}

/**
 * The asynchronous face of a synchronous repository: each call runs its statement at once
 * (`ready` says whether it may) and answers with one settled promise.
 */
function facade<T>(repo: object, wait: (retry: () => Promise<unknown>) => Promise<unknown> | null): T {
  const out: Record<string, Method> = {};
  for (const name of methodNames(repo)) {
    const method = ((repo as Record<string, Method>)[name] as Method).bind(repo);
    const call = (...args: unknown[]): Promise<unknown> => {
      const waited = wait(() => call(...args));
      if (waited) return waited;
      try {
        return Promise.resolve(method(...args));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    };
    out[name] = call;
  }
  return out as T;
}

/**
 * One repository on its own, behind the asynchronous contract, for a connection that runs
 * no transactions of this module (a migration test reading one table at an old version).
 */
export function standalone<T>(repo: Sync<T>): T {
  return facade<T>(repo, () => null);
}

/** Whether a call may run now: null if so, else the promise of its answer once it has waited. */
export type Wait = (retry: () => Promise<unknown>) => Promise<unknown> | null;

/** The asynchronous repositories of the main store over their synchronous SQLite classes. */
export function storeFacades(repos: SyncRepos): (wait: Wait) => Repos {
  return (wait) => ({
    accounts: facade(repos.accounts, wait),
    otp: facade(repos.otp, wait),
    sessions: facade(repos.sessions, wait),
    feed: facade(repos.feed, wait),
    family: facade(repos.family, wait),
    documents: facade(repos.documents, wait),
    support: facade(repos.support, wait),
    chats: facade(repos.chats, wait),
    foreignWrites: facade(repos.foreignWrites, wait),
    vkid: facade(repos.vkid, wait),
  });
}

/** The asynchronous face of one synchronous repository, built for a connection's turns. */
export function repoFacade<T>(repo: Sync<T>): (wait: Wait) => T {
  return (wait) => facade<T>(repo, wait);
}

/** The repositories bound to a transaction, with `transaction` for a savepoint inside it. */
export type Bound<R> = R & { transaction<T>(fn: (tx: Bound<R>) => Promise<T>): Promise<T> };

export interface SqliteTransactions<R> {
  /** The repositories for calls outside any transaction. */
  outside: R;
  transaction<T>(fn: (tx: Bound<R>) => Promise<T>): Promise<T>;
  read<T>(fn: (tx: Bound<R>) => Promise<T>): Promise<T>;
}

/**
 * Asynchronous transactions over one better-sqlite3 connection. A transaction waits for
 * its turn, begins (IMMEDIATE for writes: the write lock is taken before the first read,
 * so another process cannot commit between a check and the write it allows), runs fn with
 * the repositories bound to it, and commits when fn resolves or rolls back when it
 * rejects. A call from outside runs at once when no transaction is open (no queue, one
 * promise) and otherwise waits for the open one to end. Within a transaction,
 * `tx.transaction` runs its fn on a savepoint.
 */
export function sqliteTransactions<R extends object>(
  db: Db,
  build: (wait: Wait) => R,
): SqliteTransactions<R> {
  const turns = new Turns();
  const outside = build((retry) => (turns.open ? turns.whenClosed().then(retry) : null));
  const ended = (): Promise<never> => Promise.reject(new TransactionEndedError());
  const inside = build(() => (turns.open ? null : ended()));
  const begin = { write: db.prepare('BEGIN IMMEDIATE'), read: db.prepare('BEGIN DEFERRED') };
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  let savepoints = 0;

  const tx: Bound<R> = {
    ...inside,
    async transaction<T>(fn: (tx: Bound<R>) => Promise<T>): Promise<T> {
      if (!turns.open) throw new TransactionEndedError();
      const name = `nested_${++savepoints}`;
      db.exec(`SAVEPOINT ${name}`);
      try {
        const result = await fn(tx);
        db.exec(`RELEASE ${name}`);
        return result;
      } catch (error) {
        if (turns.open && db.inTransaction) {
          db.exec(`ROLLBACK TO ${name}`);
          db.exec(`RELEASE ${name}`);
        }
        throw error;
      } finally {
        savepoints--;
      }
    },
  };

  async function run<T>(kind: 'write' | 'read', fn: (tx: Bound<R>) => Promise<T>): Promise<T> {
    const turn = turns.acquire();
    if (turn) await turn;
    try {
      begin[kind].run();
    } catch (error) {
      turns.release();
      throw error;
    }
    turns.open = true;
    try {
      const result = await fn(tx);
      commit.run();
      return result;
    } catch (error) {
      if (db.inTransaction) rollback.run();
      throw error;
    } finally {
      savepoints = 0;
      turns.release();
    }
  }

  return {
    outside,
    transaction: (fn) => run('write', fn),
    read: (fn) => run('read', fn),
  };
}
