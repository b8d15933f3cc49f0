import crypto from 'node:crypto';
import { NOTIFY_PAYLOAD_BYTES, type Notifications } from '../store/postgres/notify.js';
import type { LiveHub, LiveNews } from './live.js';

/** The channel every instance of one database listens on. */
export const LIVE_CHANNEL = 'sferum_feed';

/** More notifications than this for one commit and the others are told to re-check everyone. */
const MAX_PAYLOADS = 16;

/**
 * One notification: `{"i":instance,"c":[[userId,cursor],…],"r":[[userId,sessionId],…]}`, or
 * `{"i":instance,"all":true}` when the news would not fit in a few notifications (then every
 * stream of every instance pulls once, which costs an empty page at worst).
 */
interface Wire {
  i: string;
  c?: [string, string][];
  r?: [string, string][];
  all?: true;
}

/** The news as notifications of at most NOTIFY_PAYLOAD_BYTES each (UTF-8). */
export function encodeNews(instance: string, news: LiveNews): string[] {
  const payloads: string[] = [];
  const head = `{"i":${JSON.stringify(instance)}`;
  let changed: [string, string][] = [];
  let revoked: [string, string][] = [];
  let bytes = head.length + 20;
  const flush = (): void => {
    if (changed.length === 0 && revoked.length === 0) return;
    const wire: Wire = { i: instance };
    if (changed.length > 0) wire.c = changed;
    if (revoked.length > 0) wire.r = revoked;
    payloads.push(JSON.stringify(wire));
    changed = [];
    revoked = [];
    bytes = head.length + 20;
  };
  const add = (list: 'c' | 'r', entry: [string, string]): void => {
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (bytes + size > NOTIFY_PAYLOAD_BYTES) flush();
    bytes += size;
    (list === 'c' ? changed : revoked).push(entry);
  };
  for (const entry of news.changed) add('c', entry);
  for (const entry of news.revoked) add('r', entry);
  flush();
  if (payloads.length > MAX_PAYLOADS) return [JSON.stringify({ i: instance, all: true } satisfies Wire)];
  return payloads;
}

/** What a notification says, or null for one that is not ours to read. */
export function decodeNews(payload: string): (LiveNews & { instance: string; all: boolean }) | null {
  let wire: Wire;
  try {
    wire = JSON.parse(payload) as Wire;
  } catch {
    return null;
  }
  if (typeof wire !== 'object' || wire === null || typeof wire.i !== 'string') return null;
  const pairs = (v: unknown): [string, string][] =>
    Array.isArray(v)
      ? v.filter(
          (e): e is [string, string] =>
            Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string',
        )
      : [];
  return { instance: wire.i, all: wire.all === true, changed: pairs(wire.c), revoked: pairs(wire.r) };
}

/**
 * Live events across the instances on one PostgreSQL: after each commit this instance's
 * news goes out as NOTIFY on LIVE_CHANNEL (the hub's `publish`), and what the others send
 * wakes the streams this one holds. The listener is one dedicated connection; when it is
 * lost and comes back every stream here pulls once, so nothing said meanwhile is missed.
 * Returns the stop (the hub publishes nothing afterwards).
 */
export function startLiveBus(options: {
  hub: LiveHub;
  notifications: Notifications;
  /** The cursor of the feed's head now (for "everyone re-check"). */
  headCursor: () => Promise<string>;
  onError: (error: unknown, what: string) => void;
  /** Listen too (a server), or only publish (the admin tool). */
  listen: boolean;
}): () => Promise<void> {
  const { hub, notifications, onError } = options;
  const instance = crypto.randomBytes(8).toString('hex');
  hub.publish = (news) => {
    notifications
      .notify(LIVE_CHANNEL, encodeNews(instance, news))
      .catch((error: unknown) => onError(error, 'sending live news to the other instances failed'));
  };
  const wakeAll = (): void => {
    options
      .headCursor()
      .then((cursor) => hub.wakeAll(cursor))
      .catch((error: unknown) => onError(error, 'reading the feed head failed'));
  };
  const stop = options.listen
    ? notifications.listen(LIVE_CHANNEL, {
        onMessage(payload) {
          const news = decodeNews(payload);
          if (!news || news.instance === instance) return;
          if (news.all) wakeAll();
          else hub.deliver(news);
        },
        onListening(again) {
          if (again) wakeAll();
        },
        onError: (error) => onError(error, 'the live events connection to PostgreSQL was lost'),
      })
    : () => Promise.resolve();
  return async () => {
    hub.publish = null;
    await stop();
  };
}
