import type { DOCUMENT_MUTATIONS } from '../../shared/documents.js';
import { AppError, zodFields } from '../../shared/errors.js';
import {
  MUTATION_PAYLOADS,
  MutationResultSchema,
  type Mutation,
  type MutationResult,
} from '../../shared/sync.js';
import { iso, type Now } from '../clock.js';
import type { Feed, FeedWriter } from './feed.js';
import type { Store } from '../store/types.js';

type Handler = (
  ctx: { userId: string; writer: FeedWriter; store: Store; now: number },
  payload: unknown,
) => void;

/** Mutations whose handlers live with their capability's service (documents). */
export type DelegatedMutation = keyof typeof DOCUMENT_MUTATIONS;
export type DelegatedHandlers = Record<DelegatedMutation, Handler>;

/** What each mutation does; payloads arrive already validated by MUTATION_PAYLOADS. */
const HANDLERS: { [K in Exclude<keyof typeof MUTATION_PAYLOADS, DelegatedMutation>]: Handler } = {
  'profile.update': ({ userId, writer, store, now }, payload) => {
    const name = MUTATION_PAYLOADS['profile.update'].parse(payload);
    store.accounts.updateUserName(userId, name, iso(now));
    writer.putProfile(userId);
  },
};

function isKnown(type: string): type is keyof typeof MUTATION_PAYLOADS {
  return Object.hasOwn(MUTATION_PAYLOADS, type);
}

/**
 * Applies client mutations in order, each in its own transaction together with its
 * result row, so a mutation id is applied at most once per user: a retry after a lost
 * answer gets the stored result back and changes nothing.
 */
export class MutationService {
  constructor(
    private readonly store: Store,
    private readonly feed: Feed,
    private readonly now: Now,
    private readonly delegated?: DelegatedHandlers,
  ) {}

  applyAll(userId: string, mutations: readonly Mutation[]): MutationResult[] {
    return mutations.map((m) => this.apply(userId, m));
  }

  private apply(userId: string, mutation: Mutation): MutationResult {
    const stored = this.store.feed.getMutationResult(userId, mutation.id);
    if (stored !== null) return MutationResultSchema.parse(JSON.parse(stored));
    const now = this.now();
    let result: MutationResult;
    try {
      result = this.feed.write((writer) => {
        // Checked again inside the transaction: the same id may be in flight twice.
        const again = this.store.feed.getMutationResult(userId, mutation.id);
        if (again !== null) return MutationResultSchema.parse(JSON.parse(again));
        const outcome = this.run(userId, mutation, writer, now);
        this.store.feed.recordMutationResult(userId, mutation.id, JSON.stringify(outcome), iso(now));
        return outcome;
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // The change rolled back; the rejection itself is recorded, so a retry answers the same.
      result = { id: mutation.id, status: 'rejected', error: { code: error.code, message: error.message } };
      this.store.feed.recordMutationResult(userId, mutation.id, JSON.stringify(result), iso(now));
    }
    return result;
  }

  private run(userId: string, mutation: Mutation, writer: FeedWriter, now: number): MutationResult {
    if (!isKnown(mutation.type)) {
      throw new AppError('MUTATION_UNKNOWN', `Unknown mutation type: ${mutation.type}`);
    }
    const parsed = MUTATION_PAYLOADS[mutation.type].safeParse(mutation.payload);
    if (!parsed.success) {
      const fields = Object.entries(zodFields(parsed.error))
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ');
      throw new AppError('VALIDATION_FAILED', `Invalid ${mutation.type} payload: ${fields}`);
    }
    const handler =
      (HANDLERS as Partial<Record<string, Handler>>)[mutation.type] ??
      this.delegated?.[mutation.type as DelegatedMutation];
    if (!handler) throw new AppError('MUTATION_UNKNOWN', `Unknown mutation type: ${mutation.type}`);
    handler({ userId, writer, store: this.store, now }, parsed.data);
    return { id: mutation.id, status: 'applied' };
  }
}
