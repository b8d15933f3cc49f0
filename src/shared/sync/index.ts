import { z } from 'zod';
import { DOCUMENT_MUTATIONS } from '../documents/index.js';
import { PersonNameSchema } from '../domain.js';
import { ErrorCodeSchema } from '../errors.js';

/**
 * The sync protocol. The server keeps, per user, an ordered feed of changes to the
 * records that user may see; a client pulls it by an opaque cursor and applies each
 * page in one transaction. Writes travel the other way as mutations with
 * client-chosen ids, applied by the server at most once per id.
 */

/** Record kinds in the feed. Later capabilities add kinds (child, invite, document...). */
export const ENTITY_KINDS = [
  'profile',
  'school',
  'class',
  'invite',
  'parentLink',
  'familyEvent',
  'folder',
  'document',
  'chat',
] as const;
export const EntityKindSchema = z.enum(ENTITY_KINDS);
export type EntityKind = z.infer<typeof EntityKindSchema>;

export const ChangeSchema = z.object({
  entity: EntityKindSchema,
  id: z.string(),
  op: z.enum(['put', 'delete']),
  /** The whole record for `put` (validated per entity by the client), null for `delete`. */
  data: z.record(z.string(), z.unknown()).nullable(),
});
export type Change = z.infer<typeof ChangeSchema>;

/** Mutation kinds and their payloads. */
export const MUTATION_PAYLOADS = {
  'profile.update': PersonNameSchema,
  ...DOCUMENT_MUTATIONS,
} as const;
export type MutationType = keyof typeof MUTATION_PAYLOADS;
export const MutationTypeSchema = z.enum(Object.keys(MUTATION_PAYLOADS) as [MutationType, ...MutationType[]]);

export const MutationIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

export const MutationSchema = z.object({
  id: MutationIdSchema,
  type: z.string().min(1).max(64),
  payload: z.unknown(),
});
export type Mutation = z.infer<typeof MutationSchema>;

export const MutationResultSchema = z.discriminatedUnion('status', [
  z.object({ id: z.string(), status: z.literal('applied') }),
  z.object({
    id: z.string(),
    status: z.literal('rejected'),
    error: z.object({ code: ErrorCodeSchema, message: z.string() }),
  }),
]);
export type MutationResult = z.infer<typeof MutationResultSchema>;

/** Server-sent events on /api/sync/events: `event: <type>`, `data: <json>`. */
export const LiveEventSchema = z.discriminatedUnion('type', [
  /** The user's feed has changes after `cursor`: pull. */
  z.object({ type: z.literal('changed'), cursor: z.string() }),
  /** The session was revoked: sign out. */
  z.object({ type: z.literal('revoked') }),
]);
export type LiveEvent = z.infer<typeof LiveEventSchema>;

/** Status of the sync engine, as the UI shows it. */
export const SyncStatusSchema = z.object({
  state: z.enum(['signed_out', 'offline', 'connecting', 'syncing', 'online']),
  pending: z.number().int().nonnegative(),
  lastSyncAt: z.string().nullable(),
  lastError: z.object({ code: ErrorCodeSchema, message: z.string() }).nullable(),
  /** When the next retry is due while offline (ISO time), for "retrying in N s". */
  nextRetryAt: z.string().nullable(),
});
export type SyncStatus = z.infer<typeof SyncStatusSchema>;
