import { z } from 'zod';
import { AppError, type ErrorCode } from '../errors.js';
import { hasLoneSurrogate, removeFormatCharacters } from '../text.js';

/**
 * The document cloud's contract, shared by the server, the desktop core and the web
 * version: record shapes in the sync feed, mutation payloads, upload metadata, and the
 * file-name rules both sides apply (the server is the authority; clients apply the same
 * rules first so a person sees the final name before a byte is sent).
 */

export const DocumentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

/** A folder as it travels in the feed (entity 'folder'). */
export const FolderRecordSchema = z.object({
  id: DocumentIdSchema,
  parentId: DocumentIdSchema.nullable(),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Set while the folder is in the trash. */
  trashedAt: z.string().nullable(),
  /** The item the person deleted, for everything that went to the trash with it. */
  trashRoot: z.string().nullable(),
});
export type FolderRecord = z.infer<typeof FolderRecordSchema>;

/** A document as it travels in the feed (entity 'document'). */
export const DocumentRecordSchema = z.object({
  id: DocumentIdSchema,
  folderId: DocumentIdSchema.nullable(),
  name: z.string(),
  size: z.number().int().nonnegative(),
  mime: z.string(),
  sha256: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  trashedAt: z.string().nullable(),
  trashRoot: z.string().nullable(),
});
export type DocumentRecord = z.infer<typeof DocumentRecordSchema>;

export const ItemKindSchema = z.enum(['folder', 'document']);
export type ItemKind = z.infer<typeof ItemKindSchema>;

/** Mutation payloads (registered in sync.ts MUTATION_PAYLOADS). Ids of new folders are chosen by the client. */
export const DOCUMENT_MUTATIONS = {
  'folder.create': z.object({
    id: DocumentIdSchema,
    parentId: DocumentIdSchema.nullable(),
    name: z.string().max(1000),
  }),
  'documents.rename': z.object({
    kind: ItemKindSchema,
    id: DocumentIdSchema,
    name: z.string().max(1000),
    /**
     * The name the device showed when the person renamed it. If the item's name is no
     * longer that (another device renamed it first), the rename is refused with
     * RENAME_CONFLICT instead of overwriting the other name. Absent (older clients):
     * the last rename wins.
     */
    expectedName: z.string().max(1000).optional(),
  }),
  'documents.move': z.object({
    kind: ItemKindSchema,
    id: DocumentIdSchema,
    folderId: DocumentIdSchema.nullable(),
  }),
  'documents.trash': z.object({ kind: ItemKindSchema, id: DocumentIdSchema }),
  'documents.restore': z.object({ kind: ItemKindSchema, id: DocumentIdSchema }),
  'documents.emptyTrash': z.object({}),
} as const;

/** tus Upload-Metadata keys the server understands. */
export const UploadMetadataSchema = z.object({
  filename: z.string().min(1).max(1000),
  folderId: DocumentIdSchema.nullable(),
  /** Optional at creation: may come instead with the last PATCH (SHA256_HEADER). */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  mime: z.string().max(200).default('application/octet-stream'),
});
export type UploadMetadata = z.infer<typeof UploadMetadataSchema>;

export const QuotaSchema = z.object({
  usedBytes: z.number().int().nonnegative(),
  limitBytes: z.number().int().positive(),
  maxFileBytes: z.number().int().positive(),
});
export type Quota = z.infer<typeof QuotaSchema>;

export const DocumentListSchema = z.object({
  folders: z.array(FolderRecordSchema),
  documents: z.array(DocumentRecordSchema),
  quota: QuotaSchema,
});
export type DocumentList = z.infer<typeof DocumentListSchema>;

/** Answer of POST /api/uploads/:id/finish (and the Sferum-Document-Id header on the last PATCH). */
export const FinishUploadResponseSchema = z.object({ document: DocumentRecordSchema });

/** A short-lived signed link for a browser download (no Authorization header on a plain link). */
export const DownloadLinkSchema = z.object({ url: z.string() });

/**
 * Header on the final PATCH (or the finish request): the SHA-256 of the whole file, for
 * a client that hashed while uploading instead of before creating the upload.
 */
export const SHA256_HEADER = 'sferum-sha256';

/** Header on the final PATCH answer: the document the upload became. */
export const DOCUMENT_ID_HEADER = 'sferum-document-id';

export const UPLOADS_PATH = '/api/uploads';

/** Days an item stays in the trash before it is purged. */
export const TRASH_DAYS = 30;

/** Files one drop or one picked folder may add at once; above this the whole drop is refused. */
export const MAX_FILES_PER_DROP = 10_000;

// Windows refuses these characters in names, and `/` `\` separate paths everywhere; controls
// (C0, DEL, C1 and the line/paragraph separators) would break a name's line on screen.
// eslint-disable-next-line no-control-regex
const INVALID_CHARS = /[<>:"/\\|?*\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
const MAX_NAME_BYTES = 255;

/**
 * Why a name was refused: `empty` (nothing visible), `dots` (nothing but dots, slashes and
 * spaces), `broken` (half of a UTF-16 surrogate pair, which no file system or UTF-8 text
 * can hold: refused rather than silently turned into U+FFFD).
 */
export type NameRefusal = 'empty' | 'dots' | 'broken';
export type NameCheck = { ok: true; name: string } | { ok: false; reason: NameRefusal };

function utf8Length(value: string): number {
  return new TextEncoder().encode(value).length;
}

/** Cuts a name to 255 UTF-8 bytes, keeping a short extension. */
function truncate(name: string): string {
  if (utf8Length(name) <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  let base = ext ? name.slice(0, dot) : name;
  const chars = [...base];
  while (chars.length > 0 && utf8Length(chars.join('') + ext) > MAX_NAME_BYTES) chars.pop();
  base = chars.join('');
  // A cut emoji sequence would end on its joiner, invisible with nothing after it.
  return removeFormatCharacters(base) + ext;
}

/**
 * Makes a file or folder name safe on every system and honest on screen: NFC; no
 * invisible formatting (direction overrides and isolates, zero-width characters, other
 * Unicode format characters are removed, so «Счёт\u202Efdp.exe» is stored as
 * «Счётfdp.exe» and not shown as «Счётexe.pdf»; only the joiner inside an emoji sequence
 * stays); no path separators (so no traversal), no controls, no characters or reserved
 * names Windows refuses (each becomes `_`); no trailing dots or spaces; at most 255 bytes.
 * A name with nothing left but dots, slashes and spaces is refused rather than guessed
 * at, and so is one holding a lone surrogate. The server, the desktop core and the web
 * version all apply it; applied twice it changes nothing more.
 */
export function sanitizeName(raw: string): NameCheck {
  if (hasLoneSurrogate(raw)) return { ok: false, reason: 'broken' };
  const trimmed = removeFormatCharacters(raw.normalize('NFC')).trim();
  if (trimmed === '') return { ok: false, reason: 'empty' };
  if (/^[.\s/\\]+$/.test(trimmed)) return { ok: false, reason: 'dots' };
  let name = trimmed.replace(INVALID_CHARS, '_').replace(/[. ]+$/, '');
  if (name === '' || /^[._\s]+$/.test(name)) return { ok: false, reason: 'dots' };
  const dot = name.indexOf('.');
  const stem = dot >= 0 ? name.slice(0, dot) : name;
  if (RESERVED.test(stem.trim())) name = `_${name}`;
  return { ok: true, name: truncate(name) };
}

/** The error code a refused name is reported with. */
function nameRefusalCode(reason: NameRefusal): ErrorCode {
  return reason === 'broken' ? 'FILE_NAME_BROKEN' : 'FILE_NAME_INVALID';
}

/** The coded error for a refused name (the server's answer; the clients throw the same). */
export function nameRefusal(reason: NameRefusal): AppError {
  const messages: Record<NameRefusal, string> = {
    empty: 'The name is empty.',
    dots: 'The name consists only of dots, slashes or spaces; give it letters or digits.',
    broken: 'The name holds a broken character (half of a UTF-16 surrogate pair); rename it and try again.',
  };
  return new AppError(nameRefusalCode(reason), messages[reason]);
}

/** "name (2).ext", "name (3).ext"... for the n-th duplicate of `name`. */
export function numberedName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  const hasExt = dot > 0 && dot < name.length - 1;
  const base = hasExt ? name.slice(0, dot) : name;
  const ext = hasExt ? name.slice(dot) : '';
  return truncate(`${base} (${n})${ext}`);
}

/** The key names are compared by (case-insensitive, as on Windows and macOS). */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** The first free name among `taken` (keys from nameKey): name, name (2), name (3)... */
export function freeName(name: string, taken: (key: string) => boolean): string {
  if (!taken(nameKey(name))) return name;
  for (let n = 2; ; n++) {
    const candidate = numberedName(name, n);
    if (!taken(nameKey(candidate))) return candidate;
  }
}

/** tus Upload-Metadata header value: `key base64,key base64`. */
export function encodeUploadMetadata(meta: Record<string, string>): string {
  // TextEncoder would send a lone surrogate as U+FFFD: a name is checked before it gets here.
  if (Object.values(meta).some(hasLoneSurrogate)) throw nameRefusal('broken');
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${bytesToBase64(new TextEncoder().encode(v))}`)
    .join(',');
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** A mime type guessed from the extension, for documents a client sends without one. */
export function mimeFromName(name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  const map: Record<string, string> = {
    pdf: 'application/pdf',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    png: 'image/png',
    gif: 'image/gif',
    webp: 'image/webp',
    txt: 'text/plain',
    doc: 'application/msword',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xls: 'application/vnd.ms-excel',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    mp4: 'video/mp4',
    mov: 'video/quicktime',
    mp3: 'audio/mpeg',
    zip: 'application/zip',
  };
  return map[ext] ?? 'application/octet-stream';
}
