import type { Mutation, MutationResult } from '../../../src/shared/sync/index.js';
import type { Rng } from './rng.js';
import { word } from './rng.js';
import type { ServerSnapshot } from './checks.js';

/** One write and the feed row that shows it happened: `${entity}|${id}|${unique value}`. */
export interface Write {
  mutation: Mutation;
  mark: string;
  /** The folder it creates or renames, and the name it gives. */
  folder?: { id: string; name: string };
  acked: boolean;
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

function newId(rng: Rng): string {
  let id = '';
  for (let i = 0; i < 22; i++) id += ID_CHARS[rng.int(0, ID_CHARS.length - 1)];
  return id;
}

/**
 * The writes of a raw device, kept in order like an outbox: each push sends every
 * unanswered write first (same ids), then new ones, so the server applies them in
 * ledger order whatever was cut. `acked` is what the server answered `applied` to.
 */
export class Ledger {
  readonly writes: Write[] = [];
  private counter = 0;

  constructor(
    private readonly rng: Rng,
    private readonly userId: () => string,
    /** Distinguishes this ledger's names from another writer's. */
    private readonly prefix = 'Р',
  ) {}

  private unique(): string {
    return word(this.counter++, this.prefix);
  }

  add(): Write {
    const created = this.writes.filter((w) => w.acked && w.mutation.type === 'folder.create');
    const roll = this.rng.next();
    let write: Write;
    if (roll < 0.45 || created.length === 0) {
      const id = newId(this.rng);
      const name = this.unique();
      write = {
        mutation: { id: newId(this.rng), type: 'folder.create', payload: { id, parentId: null, name } },
        mark: `folder|${id}|${name}`,
        folder: { id, name },
        acked: false,
      };
    } else if (roll < 0.85) {
      const target = this.rng.pick(created).folder!;
      const name = this.unique();
      write = {
        mutation: {
          id: newId(this.rng),
          type: 'documents.rename',
          payload: { kind: 'folder', id: target.id, name },
        },
        mark: `folder|${target.id}|${name}`,
        folder: { id: target.id, name },
        acked: false,
      };
    } else {
      const patronymic = this.unique();
      write = {
        mutation: {
          id: newId(this.rng),
          type: 'profile.update',
          payload: { surname: 'Петрова', name: 'Мария', patronymic },
        },
        mark: `profile|${this.userId()}|${patronymic}`,
        acked: false,
      };
    }
    this.writes.push(write);
    return write;
  }

  /** Every unanswered write, then `fresh` new ones (at most 100 in all, the API's limit). */
  batch(fresh: number): Write[] {
    const unanswered = this.writes.filter((w) => !w.acked).slice(0, 100);
    const out = [...unanswered];
    while (out.length < Math.min(100, unanswered.length + fresh)) out.push(this.add());
    return out;
  }

  record(batch: Write[], results: MutationResult[]): void {
    const byId = new Map(batch.map((w) => [w.mutation.id, w]));
    for (const result of results) {
      const write = byId.get(result.id);
      if (!write) continue;
      if (result.status !== 'applied') {
        throw new Error(`${write.mutation.type} ${write.mark} was rejected: ${JSON.stringify(result)}`);
      }
      write.acked = true;
    }
  }

  get unanswered(): number {
    return this.writes.filter((w) => !w.acked).length;
  }

  /**
   * Acknowledged writes are in the feed exactly once, the others at most once, and each
   * acknowledged id is recorded as applied. With `final`, each folder carries the name
   * of its last write (the ledger's order is the order the server applied).
   */
  check(snapshot: ServerSnapshot, final = false): string[] {
    const problems: string[] = [];
    for (const w of this.writes) {
      const n = snapshot.feed.get(w.mark) ?? 0;
      if (w.acked && n !== 1)
        problems.push(`acknowledged ${w.mutation.type} ${w.mark} is in the feed ${n} times`);
      if (!w.acked && n > 1)
        problems.push(`unacknowledged ${w.mutation.type} ${w.mark} is in the feed ${n} times`);
      if (w.acked && !snapshot.applied.has(w.mutation.id))
        problems.push(`${w.mutation.id} not recorded as applied`);
    }
    if (final) {
      const last = new Map<string, string>();
      for (const w of this.writes) if (w.folder && w.acked) last.set(w.folder.id, w.folder.name);
      for (const [id, name] of last) {
        const actual = snapshot.folders.get(id);
        if (actual !== name) problems.push(`folder ${id} is "${actual}", its last write says "${name}"`);
      }
    }
    return problems;
  }
}
