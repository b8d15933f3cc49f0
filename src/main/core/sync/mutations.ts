import { randomBytes } from 'node:crypto';
import { MUTATION_PAYLOADS, type MutationType } from '../../../shared/sync.js';
import type { RecordData, RecordStore } from '../cache/records.js';
import { DOCUMENT_APPLIERS } from '../documents/optimistic.js';
import type { Outbox } from './outbox.js';

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

/**
 * Re-applies the user's pending mutations on top of the current records (call inside
 * the page transaction). Each row's `before` is refreshed to the record it now sits
 * on, so a later rejection rolls back to the server's latest state, not a stale one.
 */
export function rebasePending(records: RecordStore, outbox: Outbox, userId: string): string[] {
  const touched = new Set<string>();
  for (const entry of outbox.pending(userId)) {
    const applier = applierFor(entry.type);
    if (!applier) continue;
    const { entity, id } = applier.target(entry.payload, entry.userId);
    const current = records.get(entity, id);
    outbox.updateBefore(entry.mutationId, current);
    const next = applier.apply(current, entry.payload);
    if (next) {
      records.put(entity, id, next);
      touched.add(entity);
    }
  }
  return [...touched];
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
