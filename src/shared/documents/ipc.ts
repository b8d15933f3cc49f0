import { z } from 'zod';
import { DocumentIdSchema, ItemKindSchema, QuotaSchema } from './index.js';
import { ErrorCodeSchema } from '../errors.js';

/**
 * The documents screen's part of the IPC contract (spread into IPC and IPC_EVENTS in
 * ipc.ts). The web version implements the same functions over HTTP.
 */

/** Images the grid shows as themselves instead of a file-type icon. */
export const THUMBNAIL_MIMES: readonly string[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
export const THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024;

/** Whether a document is an image small enough to show in the grid. */
export function hasThumbnail(item: { kind: string; mime: string; size: number }): boolean {
  return item.kind === 'document' && THUMBNAIL_MIMES.includes(item.mime) && item.size <= THUMBNAIL_MAX_BYTES;
}

export const SortKeySchema = z.enum(['name', 'date', 'size', 'type']);
export type SortKey = z.infer<typeof SortKeySchema>;

/** One row of the documents list: a folder or a document, flattened for the screen. */
export const DocItemSchema = z.object({
  kind: ItemKindSchema,
  id: z.string(),
  parentId: z.string().nullable(),
  name: z.string(),
  size: z.number(),
  mime: z.string(),
  updatedAt: z.string(),
  trashedAt: z.string().nullable(),
  /** Kept on this device (desktop only). */
  offline: z.boolean(),
});
export type DocItem = z.infer<typeof DocItemSchema>;

export const ListInputSchema = z.object({
  view: z.enum(['folder', 'trash', 'search']),
  folderId: DocumentIdSchema.nullable(),
  query: z.string().max(200).default(''),
  sort: SortKeySchema.default('name'),
  desc: z.boolean().default(false),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(200),
  /**
   * false: when counting every match would cost a pass over all names (a search of one or
   * two letters whose page is full), the page comes at once with `total: null`, and the
   * count is asked for separately (documents.count). A screen shows the rows sooner.
   */
  countAll: z.boolean().default(true),
});
export type ListInput = z.input<typeof ListInputSchema>;

/** What a count is of: a folder, the trash or a search. */
export const CountInputSchema = ListInputSchema.pick({ view: true, folderId: true, query: true });
export type CountInput = z.input<typeof CountInputSchema>;

export const ListOutputSchema = z.object({
  items: z.array(DocItemSchema),
  /** Items in the whole list; null only when the input allowed it (countAll: false). */
  total: z.number().int().nullable(),
  /** From the top level to the open folder. */
  breadcrumbs: z.array(z.object({ id: z.string(), name: z.string() })),
  quota: QuotaSchema.nullable(),
});
export type ListOutput = z.infer<typeof ListOutputSchema>;

export const UploadStateSchema = z.enum([
  'queued',
  'hashing',
  'uploading',
  'paused',
  'done',
  'failed',
  'cancelled',
]);
export type UploadState = z.infer<typeof UploadStateSchema>;

export const UploadItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number(),
  sent: z.number(),
  state: UploadStateSchema,
  error: z.object({ code: ErrorCodeSchema, message: z.string() }).nullable(),
  /** Bytes per second over the last seconds (0 when idle). */
  speed: z.number(),
});
export type UploadItem = z.infer<typeof UploadItemSchema>;

export const UploadQueueStateSchema = z.object({
  /** Unfinished and failed items first (at most a few hundred), then the latest finished ones. */
  items: z.array(UploadItemSchema),
  total: z.object({
    files: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    bytes: z.number(),
    sent: z.number(),
    speed: z.number(),
    /** Seconds left at the current speed, null when unknown. */
    secondsLeft: z.number().nullable(),
  }),
  /** Waiting for the network to come back. */
  offline: z.boolean(),
});
export type UploadQueueState = z.infer<typeof UploadQueueStateSchema>;

/**
 * A rename of this device the server refused because another device renamed the item
 * first (RENAME_CONFLICT). Kept until the person applies their name or keeps the other.
 */
export const RenameConflictSchema = z.object({
  kind: ItemKindSchema,
  id: z.string(),
  /** The name this device asked for. */
  mine: z.string(),
  /** The item's name now, as the other device left it. */
  theirs: z.string(),
  at: z.string(),
});
export type RenameConflict = z.infer<typeof RenameConflictSchema>;

export const EnqueueResultSchema = z.object({
  added: z.number().int(),
  /** Items refused at once, each with its reason; the rest of the queue is not disturbed. */
  refused: z.array(z.object({ name: z.string(), code: ErrorCodeSchema, message: z.string() })),
  /** Files already on the server from an earlier upload of the same drop (not sent again). */
  present: z.number().int().optional(),
});
export type EnqueueResult = z.infer<typeof EnqueueResultSchema>;

const Id = z.object({ id: z.string().min(1).max(100) });
const ItemRef = z.object({ kind: ItemKindSchema, id: DocumentIdSchema });
const Void = z.null();

export const DOCUMENT_IPC = {
  'documents.list': { input: ListInputSchema, output: ListOutputSchema },
  /** The number of items of a list (for a page that came without its total). */
  'documents.count': { input: CountInputSchema, output: z.object({ total: z.number().int() }) },
  'documents.enqueuePaths': {
    input: z.object({
      paths: z.array(z.string().min(1).max(4096)).max(1000),
      folderId: DocumentIdSchema.nullable(),
    }),
    output: EnqueueResultSchema,
  },
  'documents.pickFiles': {
    input: z.object({ folderId: DocumentIdSchema.nullable() }),
    output: EnqueueResultSchema,
  },
  'documents.createFolder': {
    input: z.object({ parentId: DocumentIdSchema.nullable(), name: z.string().max(1000) }),
    output: z.object({ id: z.string() }),
  },
  'documents.rename': { input: ItemRef.extend({ name: z.string().max(1000) }), output: Void },
  /** Renames of this device refused because another device renamed the item first. */
  'documents.conflicts': { input: Void, output: z.array(RenameConflictSchema) },
  /** «Применить моё» renames the item to this device's name again; «Оставить» forgets the conflict. */
  'documents.resolveConflict': {
    input: ItemRef.extend({ keep: z.enum(['mine', 'theirs']) }),
    output: Void,
  },
  'documents.move': { input: ItemRef.extend({ folderId: DocumentIdSchema.nullable() }), output: Void },
  'documents.trash': { input: ItemRef, output: Void },
  'documents.restore': { input: ItemRef, output: Void },
  'documents.emptyTrash': { input: Void, output: Void },
  'documents.open': { input: Id, output: Void },
  'documents.saveAs': { input: Id, output: z.object({ saved: z.boolean() }) },
  'documents.showInFolder': { input: Id, output: Void },
  'documents.keepOffline': { input: Id.extend({ keep: z.boolean() }), output: Void },
  /**
   * A small image for the grid: a data: URL (desktop) or a short-lived same-origin link (web)
   * for a jpeg, png, gif or webp of at most THUMBNAIL_MAX_BYTES; null for anything else.
   */
  'documents.thumbnail': { input: Id, output: z.object({ url: z.string().nullable() }) },
  /** Settings → storage: local copies of opened documents (a cache) and of those kept offline. */
  'documents.localCopies': {
    input: Void,
    output: z.object({ cacheBytes: z.number(), keptBytes: z.number() }),
  },
  /** Removes the copies of opened documents; the ones kept on this computer stay. */
  'documents.clearLocalCopies': { input: Void, output: Void },
  'uploads.getState': { input: Void, output: UploadQueueStateSchema },
  'uploads.pause': { input: z.object({ id: z.string().max(100).nullable() }), output: Void },
  'uploads.resume': { input: z.object({ id: z.string().max(100).nullable() }), output: Void },
  'uploads.cancel': { input: Id, output: Void },
  'uploads.retry': { input: Id, output: Void },
  'uploads.clearFinished': { input: Void, output: Void },
} as const;

export const DOCUMENT_IPC_EVENTS = {
  /** The upload queue changed (throttled while bytes flow). */
  'uploads.state': UploadQueueStateSchema,
} as const;

/**
 * Not a channel of the bridge (the page has no function for it): the preload alone sends
 * on it the paths webUtils.getPathForFile resolved for dropped files, which the main
 * process then takes from documents.enqueuePaths for a short while (see core/documents/grants.ts).
 */
export const DROPPED_PATHS_CHANNEL = 'preload:droppedPaths';
export const DroppedPathsSchema = z.array(z.string().min(1).max(4096)).min(1).max(1000);
