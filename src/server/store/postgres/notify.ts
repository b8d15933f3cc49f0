import pg from 'pg';

/**
 * PostgreSQL's NOTIFY/LISTEN for news between server instances on one database
 * (sync/liveBus.ts says what travels): notifications are sent on the store's pool, after
 * the commit they tell about, and heard on one dedicated connection per instance, which
 * comes back by itself (with a growing delay) when PostgreSQL or the network drops it.
 */
export interface Notifications {
  /** Sends each payload (at most 8000 bytes each) on `channel`, in one round trip. */
  notify(channel: string, payloads: readonly string[]): Promise<void>;
  /**
   * Listens on `channel` until the returned stop is called. `onListening` runs each time
   * the listener is in place (`again`: after a lost connection, when news may have been
   * missed in between); `onError` hears every lost connection and failed attempt.
   */
  listen(
    channel: string,
    handlers: {
      onMessage(payload: string): void;
      onListening(again: boolean): void;
      onError(error: unknown): void;
    },
  ): () => Promise<void>;
}

/** PostgreSQL's limit on one notification's payload. */
export const NOTIFY_PAYLOAD_BYTES = 8000;

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5000;

export function pgNotifications(pool: pg.Pool): Notifications {
  return {
    async notify(channel, payloads) {
      if (payloads.length === 0) return;
      await pool.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [channel, payloads]);
    },
    listen(channel, handlers) {
      let stopped = false;
      let client: pg.Client | null = null;
      let timer: NodeJS.Timeout | null = null;
      let delay = FIRST_RETRY_MS;
      let listenedOnce = false;
      const retry = (): void => {
        if (stopped || timer) return;
        timer = setTimeout(() => {
          timer = null;
          void connect();
        }, delay);
        timer.unref();
        delay = Math.min(delay * 2, LAST_RETRY_MS);
      };
      const connect = async (): Promise<void> => {
        const c = new pg.Client({
          connectionString: pool.options.connectionString,
          application_name: 'sferum-live',
          keepAlive: true,
        });
        client = c;
        let lost = false;
        const onLost = (error: unknown): void => {
          if (lost) return;
          lost = true;
          if (client === c) client = null;
          c.end().catch(() => {});
          if (stopped) return;
          handlers.onError(error);
          retry();
        };
        c.on('error', onLost);
        c.on('end', () => onLost(new Error('the live events connection to PostgreSQL ended')));
        c.on('notification', (message) => {
          if (message.channel === channel && message.payload !== undefined)
            handlers.onMessage(message.payload);
        });
        try {
          await c.connect();
          await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        } catch (error) {
          onLost(error);
          return;
        }
        if (stopped || lost) return;
        delay = FIRST_RETRY_MS;
        const again = listenedOnce;
        listenedOnce = true;
        handlers.onListening(again);
      };
      void connect();
      return async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        const c = client;
        client = null;
        await c?.end().catch(() => {});
      };
    },
  };
}
