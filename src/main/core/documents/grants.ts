import path from 'node:path';
import { AppError } from '../../../shared/errors.js';

/** How long a dropped path may be enqueued after the drop (the page asks at once). */
export const GRANT_TTL_MS = 2 * 60_000;
/** Distinct paths held at once; the oldest go first. */
const MAX_GRANTS = 20_000;

/**
 * Paths the person really dropped on the window, the only ones the renderer may enqueue.
 * The preload reports them: it runs in the isolated world, where webUtils.getPathForFile
 * gives a path only for a File of a real drop or pick, and it reports on a channel the page
 * cannot reach. A path the page sends as a string proves nothing: a page that runs
 * someone else's script could name any file on the computer. Files picked in the system
 * dialog never pass through the page at all (documents.pickFiles enqueues them in the core).
 *
 * A grant covers the path and, for a folder, everything inside it; it lasts GRANT_TTL_MS
 * and is used up by the enqueue it allows, so an old drop cannot be sent again later.
 */
export class PathGrants {
  /** Resolved path → when the grant ends (ms). */
  private readonly grants = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = GRANT_TTL_MS,
  ) {}

  add(paths: readonly string[]): void {
    this.prune();
    const until = this.now() + this.ttlMs;
    for (const p of paths) {
      const key = path.resolve(p);
      this.grants.delete(key);
      this.grants.set(key, until);
    }
    for (const key of this.grants.keys()) {
      if (this.grants.size <= MAX_GRANTS) break;
      this.grants.delete(key);
    }
  }

  /**
   * Uses up the grants of these paths, or refuses the whole request (UPLOAD_PATH_NOT_GRANTED)
   * when any of them was not granted, leaving every grant as it was.
   */
  take(paths: readonly string[]): void {
    this.prune();
    const used = new Set<string>();
    for (const p of paths) {
      const grant = this.grantFor(path.resolve(p));
      if (grant === null) {
        throw new AppError(
          'UPLOAD_PATH_NOT_GRANTED',
          'Only files chosen in the file dialog or dropped on the window can be uploaded.',
        );
      }
      used.add(grant);
    }
    for (const grant of used) this.grants.delete(grant);
  }

  /** The granted path that covers `resolved` (itself or a folder above it), or null. */
  private grantFor(resolved: string): string | null {
    for (let at = resolved; ; at = path.dirname(at)) {
      if (this.grants.has(at)) return at;
      if (path.dirname(at) === at) return null;
    }
  }

  private prune(): void {
    const now = this.now();
    for (const [key, until] of this.grants) if (until <= now) this.grants.delete(key);
  }
}
