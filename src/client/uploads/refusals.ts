import { MAX_FILES_PER_DROP, nameRefusal, sanitizeName, type Quota } from '../../shared/documents/index.js';
import type { EnqueueResult } from '../../shared/documents/ipc.js';
import { AppError } from '../../shared/errors.js';

/**
 * The rules a file must pass before it joins the upload queue, the same on the desktop
 * and on the web (the server checks them again; here they spare a person the wait). A
 * drop is refused whole above MAX_FILES_PER_DROP; otherwise each file is refused on its
 * own, in this order: its name (FILE_NAME_INVALID / FILE_NAME_BROKEN), empty (FILE_EMPTY),
 * over the per-file limit (FILE_TOO_LARGE), over what is left of the quota
 * (QUOTA_EXCEEDED, counting the files of the same drop accepted before it).
 */

export type Refusal = EnqueueResult['refused'][number];

/** Throws UPLOAD_TOO_MANY_FILES for a drop of more than MAX_FILES_PER_DROP files. */
export function checkDropSize(files: number): void {
  if (files > MAX_FILES_PER_DROP) {
    throw new AppError(
      'UPLOAD_TOO_MANY_FILES',
      `At most ${MAX_FILES_PER_DROP} files can be added at once; upload the folder in parts.`,
    );
  }
}

/** A file or folder name as it will be stored, or its refusal (reported under the name as given). */
export function checkName(raw: string): { ok: true; name: string } | { ok: false; refusal: Refusal } {
  const name = sanitizeName(raw);
  if (name.ok) return { ok: true, name: name.name };
  const error = nameRefusal(name.reason);
  return { ok: false, refusal: { name: raw, code: error.code, message: error.message } };
}

export interface Admission {
  /** The file's stored name, or its refusal. Accepting a file takes its size from the budget. */
  admit(raw: string, size: number): { ok: true; name: string } | { ok: false; refusal: Refusal };
}

/**
 * The checks of one drop. `quota` null: not known (offline since the start), so only the
 * server refuses by size. `usedBytes`: what the documents take now; `pendingBytes`: what
 * queued uploads will still add (the desktop counts them; the web's list already does).
 */
export function admission(quota: Quota | null, usedBytes: number, pendingBytes = 0): Admission {
  let budget = quota ? quota.limitBytes - usedBytes - pendingBytes : Infinity;
  return {
    admit(raw, size) {
      const name = checkName(raw);
      if (!name.ok) return name;
      const refuse = (code: Refusal['code'], message: string) =>
        ({ ok: false, refusal: { name: raw, code, message } }) as const;
      if (size === 0) return refuse('FILE_EMPTY', 'The file is empty.');
      if (quota && size > quota.maxFileBytes) {
        return refuse('FILE_TOO_LARGE', 'The file is larger than the upload limit.');
      }
      if (size > budget) return refuse('QUOTA_EXCEEDED', 'There is not enough space left for this file.');
      budget -= size;
      return name;
    },
  };
}
