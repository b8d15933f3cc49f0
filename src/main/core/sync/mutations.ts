import { randomBytes } from 'node:crypto';
import { MUTATION_PAYLOADS, type MutationType } from '../../../shared/sync/index.js';
import type { RecordData, RecordStore } from '../cache/records.js';
import { DOCUMENT_APPLIERS } from '../documents/optimistic.js';
import type { Outbox, OutboxEntry } from './outbox.js';

/**
 * How each mutation kind changes the local cache before the server has seen it.
 * An applier must be idempotent (set fields, never increment): after every pulled
 * page the still-pending mutations are re-applied on top of the server's records.
 */
interface OptimisticApplier {
  /** The one record the mutation changes. */
  target(payload: unknown, userId: string): { entity: string; id: string };
  /** The record after the change; null leaves a missing record missing. */
  apply(current: RecordData | null, payload: unknown): RecordData | null;
}

const APPLIERS: Record<MutationType, OptimisticApplier> = {
  'profile.update': {
    target: (_payload, userId) => ({ entity: 'profile', id: userId }),
    apply(current, payload) {
      if (!current) return null;
      const name = MUTATION_PAYLOADS['profile.update'].parse(payload);
      return { ...current, surname: name.surname, name: name.name, patronymic: name.patronymic };
    },
  },
  ...DOCUMENT_APPLIERS,
};

function applierFor(type: string): OptimisticApplier | null {
  return (APPLIERS as Record<string, OptimisticApplier | undefined>)[type] ?? null;
}

export function newMutationId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Queues a mutation and applies it to the cache in one transaction: either both the
 * outbox row and the optimistic change are on disk, or neither is.
 */
export function queueMutation(
  records: RecordStore,
  outbox: Outbox,
  mutation: { type: MutationType; payload: unknown; userId: string; createdAt: string },
): { mutationId: string; entity: string; after: RecordData | null } {
  const applier = applierFor(mutation.type);
  if (!applier) throw new Error(`No optimistic applier for ${mutation.type}`);
  const payload = MUTATION_PAYLOADS[mutation.type].parse(mutation.payload);
  const mutationId = newMutationId();
  const { entity, id } = applier.target(payload, mutation.userId);
  const after = records.transaction(() => {
    const before = records.get(entity, id);
    outbox.add({
      mutationId,
      userId: mutation.userId,
      type: mutation.type,
      payload,
      before,
      createdAt: mutation.createdAt,
    });
    const next = applier.apply(before, payload);
    if (next) records.put(entity, id, next);
    return next;
  });
  return { mutationId, entity, after };
}

/** A record as a map key. */
export function recordKey(entity: string, id: string): string {
  return `${entity}\u0000${id}`;
}

/** The record a queued mutation changes, as a map key; null for a kind without an applier. */
export function targetKey(entry: { type: string; payload: unknown; userId: string }): string | null {
  const applier = applierFor(entry.type);
  if (!applier) return null;
  const { entity, id } = applier.target(entry.payload, entry.userId);
  return recordKey(entity, id);
}

function splitKey(key: string): { entity: string; id: string } {
  const at = key.indexOf('\u0000');
  return { entity: key.slice(0, at), id: key.slice(at + 1) };
}

/**
 * The server's value under the optimistic layer for a record: the snapshot the layer's
 * first change to it was queued (or last rebased) on.
 */
export function baseOf(layer: readonly OutboxEntry[], key: string): RecordData | null | undefined {
  const first = layer.find((entry) => targetKey(entry) === key);
  return first ? first.before : undefined;
}

/**
 * Rebuilds records from the server's value under the layer (`bases`, by targetKey), then
 * re-applies the layer's changes to them in queue order, refreshing each row's `before`
 * to the record it sits on. Call inside a transaction. Returns the entity kinds touched.
 */
export function rebuild(
  records: RecordStore,
  outbox: Outbox,
  userId: string,
  bases: ReadonlyMap<string, RecordData | null>,
): string[] {
  const touched = new Set<string>();
  const current = new Map<string, RecordData | null>();
  for (const [key, base] of bases) {
    const { entity, id } = splitKey(key);
    if (base) records.put(entity, id, base);
    else records.remove(entity, id);
    current.set(key, base);
    touched.add(entity);
  }
  for (const entry of outbox.layer(userId)) {
    const key = targetKey(entry);
    if (key === null || !current.has(key)) continue;
    const { entity, id } = splitKey(key);
    const before = current.get(key)!;
    outbox.updateBefore(entry.mutationId, before);
    const next = applierFor(entry.type)!.apply(before, entry.payload);
    if (next) records.put(entity, id, next);
    current.set(key, next ?? before);
  }
  return [...touched];
}

/**
 * Re-applies the layer (pending and acknowledged changes) over the records a pulled page
 * has just set to the server's values (`changed`, by targetKey; every record after a
 * reset), in the page's transaction. Records the page did not touch keep their layered
 * value and their snapshots, so a later rejection rolls back to the server's value.
 */
export function rebasePending(
  records: RecordStore,
  outbox: Outbox,
  userId: string,
  changed?: ReadonlySet<string>,
): string[] {
  const bases = new Map<string, RecordData | null>();
  for (const entry of outbox.layer(userId)) {
    const key = targetKey(entry);
    if (key === null || bases.has(key) || (changed && !changed.has(key))) continue;
    const { entity, id } = splitKey(key);
    bases.set(key, records.get(entity, id));
  }
  return rebuild(records, outbox, userId, bases);
}

/**
 * The pull reached the end of the feed: the records show what the acknowledged changes
 * did, so they leave the layer; the records they touched are rebuilt from the server's
 * value with the changes still to push on top. Call in the last page's transaction.
 */
export function settleAcked(records: RecordStore, outbox: Outbox, userId: string): string[] {
  const layer = outbox.layer(userId);
  const bases = new Map<string, RecordData | null>();
  for (const entry of layer) {
    const key = entry.acked ? targetKey(entry) : null;
    if (key !== null && !bases.has(key)) bases.set(key, baseOf(layer, key) ?? null);
  }
  if (!layer.some((entry) => entry.acked)) return [];
  outbox.dropAcked(userId);
  return rebuild(records, outbox, userId, bases);
}

/** Undoes a rejected mutation: its target record goes back to the snapshot taken before it. */
export function rollBack(
  records: RecordStore,
  entry: { type: string; payload: unknown; userId: string; before: RecordData | null },
): string | null {
  const applier = applierFor(entry.type);
  if (!applier) return null;
  const { entity, id } = applier.target(entry.payload, entry.userId);
  if (entry.before) records.put(entity, id, entry.before);
  else records.remove(entity, id);
  return entity;
}
