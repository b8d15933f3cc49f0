import { EVENTS, Server } from '@tus/server';
import { DOCUMENT_ID_HEADER, nameRefusal, UPLOADS_PATH } from '../../shared/documents/index.js';
import { AppError, ErrorBodySchema, type ErrorBody, type ErrorCode } from '../../shared/errors.js';
import type { SessionService } from '../auth/sessions.js';
import type { DocumentUploads } from './uploads.js';
import type { UploadBytes } from './uploadBytes.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]{16,200})$/;

function tusError(error: unknown): { status_code: number; body: string } {
  const app =
    error instanceof AppError ? error : new AppError('INTERNAL', 'Something went wrong on the server.');
  return { status_code: app.status, body: JSON.stringify(app.toBody()) };
}

export interface TusOptions {
  /** Where uploads' bytes live: the local folder or S3. */
  bytes: UploadBytes;
  sessions: SessionService;
  documents: DocumentUploads;
  log: { error(obj: unknown, msg: string): void };
}

/**
 * The tus 1.0 endpoint over @tus/server's datastore (the local file store or S3):
 * creation, HEAD, termination and OPTIONS (Tus-Extension: TUS_EXTENSIONS). Every request
 * carries the same Bearer access token as the rest of the API; an upload id that is not
 * the caller's answers 404 like one that does not exist. Request bodies never reach @tus/server: PATCH bodies and the
 * body of a creation-with-upload POST are written by TusPatch, which also turns a
 * complete upload into its document (finishUpload) once @tus/server is done with it.
 */
export function createTusServer(o: TusOptions): Server {
  const datastore = o.bytes.datastore;
  const userOf = async (req: Request): Promise<string> => {
    const m = BEARER.exec(req.headers.get('authorization') ?? '');
    if (!m) throw tusError(new AppError('UNAUTHENTICATED', 'Sign in to continue.'));
    try {
      return (await o.sessions.authenticate(m[1]!)).userId;
    } catch (error) {
      throw tusError(error);
    }
  };
  const server = new Server({
    path: UPLOADS_PATH,
    datastore,
    relativeLocation: true,
    exposedHeaders: [DOCUMENT_ID_HEADER],
    async onIncomingRequest(req, uploadId) {
      const userId = await userOf(req);
      if (req.method === 'POST') return;
      if (!(await o.documents.ownsUpload(userId, uploadId))) {
        throw tusError(new AppError('NOT_FOUND', 'Not found.'));
      }
    },
    async onUploadCreate(req, upload) {
      const userId = await userOf(req);
      try {
        if (!utf8Value(req.headers.get('upload-metadata'), 'filename')) throw nameRefusal('broken');
        await o.documents.createUpload(userId, upload.id, upload.size, upload.metadata ?? {});
      } catch (error) {
        throw tusError(error);
      }
      return {};
    },
    onResponseError(_req, err) {
      if (err instanceof Error && !('status_code' in err)) {
        if (!(err instanceof AppError)) o.log.error({ err }, 'an upload request failed');
        return tusError(err);
      }
      return undefined;
    },
  });
  server.on(EVENTS.POST_TERMINATE, (_req, _res, id) => {
    o.bytes.forget(id);
    void o.documents.uploadFailed(id, 'CANCELLED').catch((err: unknown) => {
      o.log.error({ err }, 'a cancelled upload could not be marked');
    });
  });
  return server;
}

/**
 * False when the Upload-Metadata value of `key` is not UTF-8 (a lone surrogate sent as
 * WTF-8, or stray bytes): @tus/server decodes it with Buffer, which quietly turns such
 * bytes into U+FFFD, so the raw header is read again here to refuse instead.
 */
export function utf8Value(header: string | null, key: string): boolean {
  for (const pair of (header ?? '').split(',')) {
    const [k, v] = pair.trim().split(' ');
    if (k !== key || !v) continue;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(v, 'base64'));
    } catch {
      return false;
    }
  }
  return true;
}

/** Codes for the statuses @tus/server refuses with (it answers them in plain text). */
const TUS_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'VALIDATION_FAILED',
  410: 'NOT_FOUND',
  412: 'VALIDATION_FAILED',
  413: 'FILE_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  460: 'CHECKSUM_MISMATCH',
};

/**
 * A refusal from @tus/server as the platform's coded JSON error. Its own refusals are plain
 * text (a missing Tus-Resumable, an invalid Upload-Length, an unknown upload) and a
 * protocol extension this server does not offer is a 501; to a client each is a request
 * it must not repeat as is, so a 400 with a code. Bodies the hooks above already made
 * (tusError) pass through unchanged.
 */
export function tusRefusal(status: number, text: string): { status: number; body: ErrorBody } {
  try {
    const own = ErrorBodySchema.safeParse(JSON.parse(text));
    if (own.success) return { status, body: own.data };
  } catch {
    // Plain text: mapped below.
  }
  if (status >= 500 && status !== 501) {
    return { status: 500, body: { code: 'INTERNAL', message: 'Something went wrong on the server.' } };
  }
  const final = status === 501 ? 400 : status;
  const message = text.trim().slice(0, 200) || 'The upload request is not valid.';
  return { status: final, body: { code: TUS_STATUS_CODES[final] ?? 'VALIDATION_FAILED', message } };
}
