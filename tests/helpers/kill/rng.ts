import { randomInt } from 'node:crypto';

/** A seeded PRNG (mulberry32): the same seed makes the same choices. */
export interface Rng {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Buffer;
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    bytes(n) {
      const out = Buffer.allocUnsafe(n);
      let i = 0;
      for (; i + 4 <= n; i += 4) out.writeUInt32LE(Math.floor(next() * 4294967296), i);
      for (; i < n; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

/**
 * The seed of a kill suite: KILL_SEED when set (to replay a failure), otherwise a fresh
 * one. `label` names the suite in the message a failure carries.
 */
export function suiteSeed(): number {
  const fromEnv = process.env.KILL_SEED;
  return fromEnv ? Number(fromEnv) : randomInt(1, 2 ** 31);
}

/** Runs `fn`; a failure is rethrown with the seed that replays it. */
export async function withSeed<T>(seed: number, label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const note = `[${label}] seed ${seed}: replay with KILL_SEED=${seed}`;
    if (error instanceof Error) {
      error.message = `${error.message}\n${note}`;
      throw error;
    }
    throw new Error(`${String(error)}\n${note}`);
  }
}

/** Unique letters-only words (names accept letters only), one per counter value. */
export function word(n: number, prefix = 'К'): string {
  const letters = 'абвгдежзиклмнопрстуфхцчшэюя';
  let s = '';
  let v = n;
  do {
    s = letters[v % letters.length]! + s;
    v = Math.floor(v / letters.length);
  } while (v > 0);
  return `${prefix}${s}`;
}
