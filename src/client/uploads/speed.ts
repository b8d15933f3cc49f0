/**
 * The speed a row shows: an exponential moving average of the rate over windows of at
 * least half a second (0.6 of the old value, 0.4 of the new window), so the figure is
 * steady without lagging far behind. The first window gives the rate as it is.
 */
export const SPEED_WINDOW_MS = 500;

export class SpeedMeter {
  private speed = 0;
  private lastTick: number;
  private lastSent: number;

  constructor(now: number, sent: number) {
    this.lastTick = now;
    this.lastSent = sent;
  }

  /** Bytes per second (0 until the first window closes). */
  get bytesPerSecond(): number {
    return this.speed;
  }

  /** Counts the bytes sent so far (a running total) at time `now`. */
  sample(sent: number, now: number): void {
    const dt = now - this.lastTick;
    if (dt < SPEED_WINDOW_MS) return;
    const rate = ((sent - this.lastSent) * 1000) / dt;
    this.speed = this.speed === 0 ? rate : this.speed * 0.6 + rate * 0.4;
    this.lastTick = now;
    this.lastSent = sent;
  }
}
