import type { DOCUMENT_MUTATIONS } from '../../shared/documents/index.js';
import { AppError, zodFields } from '../../shared/errors.js';
import {
  MUTATION_PAYLOADS,
  MutationResultSchema,
  type Mutation,
  type MutationResult,
} from '../../shared/sync/index.js';
import { iso, type Now } from '../clock.js';
import type { Feed, FeedWriter } from './feed.js';
import type { Store } from '../store/types.js';

type Handler = (ctx: { userId: string; writer: FeedWriter; now: number }, payload: unknown) => Promise<void>;

/** Mutations whose handlers live with their capability's service (documents). */
export type DelegatedMutation = keyof typeof DOCUMENT_MUTATIONS;
export type DelegatedHandlers = Record<DelegatedMutation, Handler>;

/** What each mutation does; payloads arrive already validated by MUTATION_PAYLOADS. */
const HANDLERS: { [K in Exclude<keyof typeof MUTATION_PAYLOADS, DelegatedMutation>]: Handler } = {
  'profile.update': async ({ userId, writer, now }, payload) => {
    const name = MUTATION_PAYLOADS['profile.update'].parse(payload);
    await writer.tx.accounts.updateUserName(userId, name, iso(now));
    await writer.putProfile(userId);
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

  async applyAll(userId: string, mutations: readonly Mutation[]): Promise<MutationResult[]> {
    const results: MutationResult[] = [];
    for (const m of mutations) results.push(await this.apply(userId, m));
    return results;
  }

  private async apply(userId: string, mutation: Mutation): Promise<MutationResult> {
    const stored = await this.store.feed.getMutationResult(userId, mutation.id);
    if (stored !== null) return MutationResultSchema.parse(JSON.parse(stored));
    const now = this.now();
    let result: MutationResult;
    try {
      result = await this.feed.write(async (writer, tx) => {
        // Checked again inside the transaction: the same id may be in flight twice.
        const again = await tx.feed.getMutationResult(userId, mutation.id);
        if (again !== null) return MutationResultSchema.parse(JSON.parse(again));
        const outcome = await this.run(userId, mutation, writer, now);
        await tx.feed.recordMutationResult(userId, mutation.id, JSON.stringify(outcome), iso(now));
        return outcome;
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // The change rolled back; the rejection itself is recorded, so a retry answers the same.
      result = { id: mutation.id, status: 'rejected', error: { code: error.code, message: error.message } };
      await this.store.feed.recordMutationResult(userId, mutation.id, JSON.stringify(result), iso(now));
    }
    return result;
  }

  private async run(
    userId: string,
    mutation: Mutation,
    writer: FeedWriter,
    now: number,
  ): Promise<MutationResult> {
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
    await handler({ userId, writer, now }, parsed.data);
    return { id: mutation.id, status: 'applied' };
  }
}
