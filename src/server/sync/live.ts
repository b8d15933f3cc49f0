import { EventEmitter } from 'node:events';
import type { LiveEvent } from '../../shared/sync/index.js';

export interface LiveSubscription {
  userId: string;
  sessionId: string;
  /** Receives `changed` for the user and `revoked` for this session. */
  onEvent(event: LiveEvent): void;
  /** Called when the server shuts down, so the stream can end at once. */
  onShutdown(): void;
}

/**
 * What one instance tells the others after a commit (sync/liveBus.ts carries it over
 * PostgreSQL's NOTIFY): the users whose feed moved, with their newest cursor, and the
 * sessions that ended.
 */
export interface LiveNews {
  changed: [userId: string, cursor: string][];
  revoked: [userId: string, sessionId: string][];
}

/**
 * Notifications for the live event streams: one emitter per signed-in user, fed after a
 * transaction commits (never before, or a client could pull too early and miss the
 * change). The streams held by this process are woken at once; with a `publish` set
 * (several instances on one PostgreSQL) the same news goes to the other instances too,
 * which wake theirs (`deliver`). On SQLite there is one instance and nothing is published.
 */
export class LiveHub {
  private readonly users = new Map<string, EventEmitter>();
  private readonly all = new Set<LiveSubscription>();
  /** Sends this instance's news to the other instances; null: a single instance. */
  publish: ((news: LiveNews) => void) | null = null;

  subscribe(sub: LiveSubscription): () => void {
    let emitter = this.users.get(sub.userId);
    if (!emitter) {
      emitter = new EventEmitter();
      emitter.setMaxListeners(0);
      this.users.set(sub.userId, emitter);
    }
    const onChanged = (cursor: string): void => sub.onEvent({ type: 'changed', cursor });
    const onRevoked = (sessionId: string): void => {
      if (sessionId === sub.sessionId) sub.onEvent({ type: 'revoked' });
    };
    emitter.on('changed', onChanged);
    emitter.on('revoked', onRevoked);
    this.all.add(sub);
    const current = emitter;
    return () => {
      current.off('changed', onChanged);
      current.off('revoked', onRevoked);
      this.all.delete(sub);
      if (current.listenerCount('changed') === 0 && this.users.get(sub.userId) === current) {
        this.users.delete(sub.userId);
      }
    };
  }

  /** The user's feed now reaches `cursor` (this instance's streams only). */
  changed(userId: string, cursor: string): void {
    this.users.get(userId)?.emit('changed', cursor);
  }

  /** A commit of this instance moved these users' feeds: every instance's streams hear it. */
  committed(changed: [userId: string, cursor: string][]): void {
    if (changed.length === 0) return;
    for (const [userId, cursor] of changed) this.changed(userId, cursor);
    this.publish?.({ changed, revoked: [] });
  }

  /** The session ended: its stream ends, on whichever instance holds it. */
  revoked(userId: string, sessionId: string): void {
    this.users.get(userId)?.emit('revoked', sessionId);
    this.publish?.({ changed: [], revoked: [[userId, sessionId]] });
  }

  /** News from another instance, for the streams this one holds. */
  deliver(news: LiveNews): void {
    for (const [userId, cursor] of news.changed) this.changed(userId, cursor);
    for (const [userId, sessionId] of news.revoked) this.users.get(userId)?.emit('revoked', sessionId);
  }

  /** Every stream of this instance pulls once (news may have been missed: a lost listener). */
  wakeAll(cursor: string): void {
    for (const emitter of this.users.values()) emitter.emit('changed', cursor);
  }

  /** Number of open streams, for tests and diagnostics. */
  get size(): number {
    return this.all.size;
  }

  shutdown(): void {
    for (const sub of [...this.all]) sub.onShutdown();
  }
}
