import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DocumentIdSchema } from '../../../shared/documents/index.js';
import { AppError } from '../../../shared/errors.js';

/**
 * The one way the core makes a path for something the server named. Names and ids in the
 * feed are untrusted (a hostile or compromised server, or anyone in the middle of a
 * plain-http connection): each may be only one plain path segment, and the final path,
 * once resolved, must still lie inside its folder. Checking the resolved result as well as
 * the segment means a rule the segment check forgets (a drive letter, a UNC prefix, a
 * platform's own separator) still cannot lead outside.
 */

// Separators of every platform, a drive letter or stream (`:`), and control characters.
// eslint-disable-next-line no-control-regex
const UNSAFE_SEGMENT = /[/\\:\u0000-\u001f\u007f]/;

function unsafe(what: string): AppError {
  return new AppError('FILE_NAME_INVALID', `The ${what} cannot be used for a local file.`);
}

/** Whether `candidate`, resolved, is `root` itself or lies below it. */
export function isInside(root: string, candidate: string, { strict = true } = {}): boolean {
  const base = path.resolve(root);
  const rel = path.relative(base, path.resolve(base, candidate));
  if (rel === '') return !strict;
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * `root` joined with `segments`, each one plain name (no separator of any platform, not
 * `.` or `..`, not absolute, no control characters), refused with FILE_NAME_INVALID unless
 * the resolved result is strictly inside `root`.
 */
export function resolveInside(root: string, ...segments: string[]): string {
  const base = path.resolve(root);
  for (const segment of segments) {
    if (
      typeof segment !== 'string' ||
      segment === '' ||
      segment === '.' ||
      segment === '..' ||
      UNSAFE_SEGMENT.test(segment) ||
      path.isAbsolute(segment) ||
      path.win32.isAbsolute(segment)
    ) {
      throw unsafe('name');
    }
  }
  const full = path.resolve(base, ...segments);
  if (!isInside(base, full) || path.relative(base, full).split(path.sep).length !== segments.length) {
    throw unsafe('name');
  }
  return full;
}

/**
 * Where the local copies of one account's documents live: `<root>/<document id>/<name>`.
 * The folder is named by the document's id (checked against the strict id pattern), the
 * copy by the name the parent sees (already made safe by sanitizeName), so the system's
 * application opens it under that name; downloads in progress have id-derived names.
 */
export class LocalCopies {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The folder of one document's copy. */
  dirOf(id: string): string {
    if (!DocumentIdSchema.safeParse(id).success) throw unsafe('document id');
    return resolveInside(this.root, id);
  }

  /** The copy of a document under the name it is shown with. */
  fileOf(id: string, name: string): string {
    return resolveInside(this.dirOf(id), name);
  }

  /** A fresh name for a download in progress, derived from nothing the server said. */
  partOf(id: string): string {
    return resolveInside(this.dirOf(id), `.download-${randomBytes(6).toString('hex')}.part`);
  }

  /** Whether a path (one recorded earlier) is a file directly in this document's folder. */
  holds(id: string, file: string): boolean {
    if (!DocumentIdSchema.safeParse(id).success) return false;
    const dir = path.join(this.root, id);
    const resolved = path.resolve(file);
    return isInside(dir, resolved) && path.dirname(resolved) === dir;
  }

  /** Whether a path lies anywhere inside the copies folder (removing it cannot touch anything else). */
  contains(file: string): boolean {
    return isInside(this.root, file);
  }
}
