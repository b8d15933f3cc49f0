import { z } from 'zod';
import {
  DocumentIdSchema,
  DocumentRecordSchema,
  FolderRecordSchema,
  sanitizeName,
  type DocumentRecord,
  type FolderRecord,
} from '../../../shared/documents/index.js';

/**
 * Folders and documents as the core accepts them from the sync feed. The server is not
 * trusted here (a hostile or compromised one, or anyone in the middle of a plain-http
 * connection): every id and folder id must match the strict id pattern, names are cleaned
 * by the same rules as local names (sanitizeName), sizes are safe non-negative integers,
 * hashes are SHA-256 in lower-case hex and times are real times. A record that fails is
 * refused whole, so nothing downstream (the cache's triggers, the screen, the copies
 * folder) ever sees it.
 */

/**
 * Characters of a name accepted before cleaning. The server's names are at most 255
 * bytes; this only bounds the work of cleaning a lie (and matches what a rename's
 * `expectedName` may carry back).
 */
const MAX_FEED_NAME = 1000;

const FeedNameSchema = z.string().max(MAX_FEED_NAME);
const TimeSchema = z
  .string()
  .max(64)
  .refine((value) => !Number.isNaN(Date.parse(value)), 'not a time');
const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);
const SizeSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const FeedFolderSchema = FolderRecordSchema.extend({
  name: FeedNameSchema,
  createdAt: TimeSchema,
  updatedAt: TimeSchema,
  trashedAt: TimeSchema.nullable(),
  trashRoot: DocumentIdSchema.nullable(),
});

const FeedDocumentSchema = DocumentRecordSchema.extend({
  name: FeedNameSchema,
  size: SizeSchema,
  mime: z.string().max(200),
  sha256: Sha256Schema,
  createdAt: TimeSchema,
  updatedAt: TimeSchema,
  trashedAt: TimeSchema.nullable(),
  trashRoot: DocumentIdSchema.nullable(),
});

/**
 * A record as the cache keeps it: the cleaned name, and (only when cleaning changed it)
 * the name exactly as the server holds it, which a rename sends back as `expectedName`
 * so the server's "has it been renamed meanwhile?" check compares like with like.
 */
export type LocalFolder = FolderRecord & { serverName?: string };
export type LocalDocument = DocumentRecord & { serverName?: string };

export type Cleaned<T> = { ok: true; record: T } | { ok: false; reason: string };

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join('.') || 'record'}: ${issue.message}` : 'invalid';
}

function cleanName<T extends { name: string }>(record: T): Cleaned<T & { serverName?: string }> {
  const name = sanitizeName(record.name);
  if (!name.ok) return { ok: false, reason: `name: ${name.reason}` };
  if (name.name === record.name) return { ok: true, record };
  return { ok: true, record: { ...record, name: name.name, serverName: record.name } };
}

export function cleanFolderRecord(data: unknown): Cleaned<LocalFolder> {
  const parsed = FeedFolderSchema.safeParse(data);
  if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
  if (parsed.data.parentId === parsed.data.id) return { ok: false, reason: 'parentId: the folder itself' };
  return cleanName(parsed.data);
}

export function cleanDocumentRecord(data: unknown): Cleaned<LocalDocument> {
  const parsed = FeedDocumentSchema.safeParse(data);
  if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
  return cleanName(parsed.data);
}
