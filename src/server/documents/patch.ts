import type { IncomingMessage, ServerResponse } from 'node:http';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { DOCUMENT_ID_HEADER, type DocumentRecord, SHA256_HEADER } from '../../shared/documents.js';
import { AppError } from '../../shared/errors.js';
import type { HashingFileStore } from './hashingStore.js';
import type { DocumentService } from './service.js';

/**
 * tus PATCH (core protocol, section 3.2) straight from the Node request to the file
 * store. @tus/server turns each body into a web stream and back, which costs a third
 * of the throughput on a fast link; creation, HEAD, termination and expiration stay
 * with @tus/server, over the same file store and the same files.
 */
export class TusPatch {
  /** The request currently writing each upload; a newer PATCH (a reconnect) ends it first. */
  private readonly writing = new Map<string, { req: IncomingMessage; done: Promise<unknown> }>();

  constructor(
    private readonly store: HashingFileStore,
    private readonly documents: DocumentService,
    private readonly directory: string,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, userId: string, id: string): Promise<void> {
    const headers: Record<string, string> = { 'tus-resumable': '1.0.0' };
    const fail = (status: number, code: AppError['code'], message: string) => {
      const body = JSON.stringify({ code, message });
      res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(body);
      req.resume();
    };
    if (req.headers['tus-resumable'] !== '1.0.0') {
      headers['tus-version'] = '1.0.0';
      fail(
        412,
        'VALIDATION_FAILED',
        'This upload speaks another version of the tus protocol; 1.0.0 is supported.',
      );
      return;
    }
    if (req.headers['content-type'] !== 'application/offset+octet-stream') {
      fail(415, 'UNSUPPORTED_MEDIA_TYPE', 'PATCH bodies are application/offset+octet-stream.');
      return;
    }
    const offsetHeader = req.headers['upload-offset'];
    if (typeof offsetHeader !== 'string' || !/^\d+$/.test(offsetHeader)) {
      fail(400, 'VALIDATION_FAILED', 'Upload-Offset is missing or not a number.');
      return;
    }
    if (!this.documents.ownsUpload(userId, id)) {
      fail(404, 'NOT_FOUND', 'Not found.');
      return;
    }
    // A reconnecting client may arrive while its previous request still writes: end that one.
    const previous = this.writing.get(id);
    if (previous) {
      previous.req.destroy();
      await previous.done.catch(() => undefined);
    }
    let upload;
    try {
      upload = await this.store.getUpload(id);
    } catch {
      fail(404, 'NOT_FOUND', 'Not found.');
      return;
    }
    const offset = Number(offsetHeader);
    if (offset !== upload.offset) {
      headers['upload-offset'] = String(upload.offset);
      fail(409, 'VALIDATION_FAILED', `The upload is at offset ${upload.offset}.`);
      return;
    }
    const size = upload.size ?? 0;
    // Never past the declared length; a cut connection (or a newer PATCH ending this one)
    // ends the write.
    const write = this.store.write(req, id, offset, size - offset);
    this.writing.set(id, { req, done: write });
    let next: number;
    try {
      next = await write;
    } catch {
      if (res.headersSent || res.destroyed) return;
      // The file went away under the write: the upload was cancelled (tus DELETE) meanwhile,
      // which is answered like an upload that does not exist, not as a server failure.
      const gone = await fsp.access(path.join(this.directory, id)).then(
        () => false,
        () => true,
      );
      if (gone) fail(404, 'NOT_FOUND', 'Not found.');
      else fail(500, 'INTERNAL', 'The upload could not be written.');
      return;
    } finally {
      if (this.writing.get(id)?.req === req) this.writing.delete(id);
    }
    if (res.destroyed) return;
    headers['upload-offset'] = String(next);
    const claimed = typeof req.headers[SHA256_HEADER] === 'string' ? req.headers[SHA256_HEADER] : null;
    // Complete: it becomes a document once its SHA-256 is checked. A client that hashes as
    // it sends knows it only now and sends it to /finish; until then the upload waits.
    if (next === size && (claimed !== null || this.documents.declaredChecksum(id))) {
      try {
        headers[DOCUMENT_ID_HEADER] = (await this.finish(userId, id, claimed)).id;
      } catch (error) {
        const app =
          error instanceof AppError ? error : new AppError('INTERNAL', 'Something went wrong on the server.');
        fail(app.status, app.code, app.message);
        return;
      }
    } else if (next < size) {
      const expiry = this.store.getExpiration();
      if (expiry > 0 && upload.creation_date) {
        headers['upload-expires'] = new Date(new Date(upload.creation_date).getTime() + expiry).toUTCString();
      }
    }
    res
      .writeHead(204, { ...headers, 'access-control-expose-headers': 'Upload-Offset, Sferum-Document-Id' })
      .end();
  }

  /**
   * Turns a complete upload into its document, the SHA-256 read by the store's worker
   * (which followed the file as it arrived). The last PATCH and POST .../finish both come
   * here; asking twice gives the same document.
   */
  async finish(userId: string, id: string, claimed: string | null): Promise<DocumentRecord> {
    const upload = await this.store.getUpload(id).catch(() => null);
    const size = upload?.size;
    const complete = upload !== null && size !== undefined && upload.offset === size;
    const doc = await this.documents.finishUpload(userId, id, path.join(this.directory, id), {
      digest: complete ? await this.store.digest(id, size) : null,
      claimed,
    });
    await this.store.configstore.delete(id).catch(() => undefined);
    return doc;
  }
}
