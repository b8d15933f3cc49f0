/** Milliseconds since the epoch; injected so tests can move time (code expiry, token TTLs). */
export type Now = () => number;

export const systemNow: Now = () => Date.now();

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
