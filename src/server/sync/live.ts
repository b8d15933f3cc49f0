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
 * In-process notifications for the live event streams: one emitter per signed-in user,
 * fed after a transaction commits (never before, or a client could pull too early and
 * miss the change). A deployment with several processes would put a pub/sub here.
 */
export class LiveHub {
  private readonly users = new Map<string, EventEmitter>();
  private readonly all = new Set<LiveSubscription>();

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

  /** The user's feed now reaches `cursor`. */
  changed(userId: string, cursor: string): void {
    this.users.get(userId)?.emit('changed', cursor);
  }

  revoked(userId: string, sessionId: string): void {
    this.users.get(userId)?.emit('revoked', sessionId);
  }

  /** Number of open streams, for tests and diagnostics. */
  get size(): number {
    return this.all.size;
  }

  shutdown(): void {
    for (const sub of [...this.all]) sub.onShutdown();
  }
}
