import path from 'node:path';
import fsp from 'node:fs/promises';
import { EVENTS, Server } from '@tus/server';
import { DOCUMENT_ID_HEADER, SHA256_HEADER, UPLOADS_PATH } from '../../shared/documents.js';
import { AppError } from '../../shared/errors.js';
import type { SessionService } from '../sessions.js';
import { HashingFileStore } from './hashingStore.js';
import type { DocumentService } from './service.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]{16,200})$/;

function tusError(error: unknown): { status_code: number; body: string } {
  const app =
    error instanceof AppError ? error : new AppError('INTERNAL', 'Something went wrong on the server.');
  return { status_code: app.status, body: JSON.stringify(app.toBody()) };
}

export interface TusOptions {
  directory: string;
  expiryMs: number;
  sessions: SessionService;
  documents: DocumentService;
  log: { error(obj: unknown, msg: string): void };
}

/**
 * The tus 1.0 endpoint (creation, termination, expiration) over @tus/server's file
 * store. Every request carries the same Bearer access token as the rest of the API;
 * an upload id that is not the caller's answers 404 like one that does not exist.
 * Uploads are assembled in `directory` and only become documents in finishUpload.
 */
export function createTusServer(o: TusOptions): Server {
  const datastore = new HashingFileStore({
    directory: o.directory,
    expirationPeriodInMilliseconds: o.expiryMs,
  });
  const userOf = (req: Request): string => {
    const m = BEARER.exec(req.headers.get('authorization') ?? '');
    if (!m) throw tusError(new AppError('UNAUTHENTICATED', 'Sign in to continue.'));
    try {
      return o.sessions.authenticate(m[1]!).userId;
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
      const userId = userOf(req);
      if (req.method === 'POST') return;
      if (!o.documents.ownsUpload(userId, uploadId)) {
        throw tusError(new AppError('NOT_FOUND', 'Not found.'));
      }
    },
    async onUploadCreate(req, upload) {
      const userId = userOf(req);
      try {
        o.documents.createUpload(userId, upload.id, upload.size, upload.metadata ?? {});
      } catch (error) {
        throw tusError(error);
      }
      return {};
    },
    async onUploadFinish(req, upload) {
      const userId = userOf(req);
      try {
        const doc = await o.documents.finishUpload(userId, upload.id, path.join(o.directory, upload.id), {
          digest: await datastore.digest(upload.id, upload.size ?? 0),
          claimed: req.headers.get(SHA256_HEADER),
        });
        await fsp.rm(path.join(o.directory, `${upload.id}.json`), { force: true });
        return { headers: { [DOCUMENT_ID_HEADER]: doc.id } };
      } catch (error) {
        if (!(error instanceof AppError)) o.log.error({ err: error }, 'finishing an upload failed');
        throw tusError(error);
      }
    },
    onResponseError(_req, err) {
      if (err instanceof Error && !('status_code' in err)) return tusError(err);
      return undefined;
    },
  });
  server.on(EVENTS.POST_TERMINATE, (_req, _res, id) => {
    datastore.forget(id);
    o.documents.uploadFailed(id, 'CANCELLED');
  });
  return server;
}
