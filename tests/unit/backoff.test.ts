import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/client/http/backoff.js';

/** The clients' one retry schedule: doubling delays, capped, with equal jitter. */
describe('backoff', () => {
  it('doubles from the base up to the cap, each delay drawn from [d/2, d)', () => {
    const low = new Backoff({ baseMs: 1000, maxMs: 30_000, random: () => 0 });
    expect(Array.from({ length: 7 }, () => low.next())).toEqual([
      500, 1000, 2000, 4000, 8000, 15_000, 15_000,
    ]);
    const high = new Backoff({ baseMs: 1000, maxMs: 30_000, random: () => 0.999 });
    expect(Array.from({ length: 7 }, () => high.next())).toEqual([
      1000, 1999, 3998, 7996, 15_992, 29_985, 29_985,
    ]);
  });

  it('spreads clients cut off by the same outage over the window', () => {
    const draws = [0.1, 0.5, 0.9];
    const delays = draws.map((r) => new Backoff({ baseMs: 4000, maxMs: 60_000, random: () => r }).next());
    expect(delays).toEqual([2200, 3000, 3800]);
    expect(new Set(delays).size).toBe(3);
  });

  it('counts attempts, starts short again after a reset, and never overflows', () => {
    const backoff = new Backoff({ baseMs: 1000, maxMs: 30_000, random: () => 0 });
    for (let i = 0; i < 100; i++) backoff.next();
    expect(backoff.attempts).toBe(100);
    expect(backoff.next()).toBe(15_000);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(500);
  });
});
