import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DOCUMENT_ID_HEADER, type DocumentRecord, SHA256_HEADER } from '../../shared/documents/index.js';
import { AppError, type ErrorCode } from '../../shared/errors.js';
import type { DocumentUploads } from './uploads.js';
import { pastLength, refused, type UploadBytes } from './uploadBytes.js';

export { pastLength };

/** The checksum algorithms of the tus checksum extension this server verifies (Tus-Checksum-Algorithm). */
export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256', 'md5'] as const;
type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { sha1: 20, sha256: 32, md5: 16 };

/** What a request body did to an upload, or why it was refused; `cut` when there is nobody left to answer. */
export type BodyOutcome =
  | { kind: 'stored'; offset: number; documentId: string | null; expires: string | null }
  | { kind: 'refused'; status: number; code: ErrorCode; message: string; offset?: number }
  | { kind: 'cut' };

type Refusal = Extract<BodyOutcome, { kind: 'refused' }>;

/**
 * The Upload-Checksum header (tus checksum extension): `<algorithm> <Base64 digest>` of the
 * request body. Null when absent; a refusal (400) when it is not one this server can check.
 */
export function parseChecksum(
  header: string | string[] | undefined,
): { algorithm: ChecksumAlgorithm; digest: Buffer } | null | Refusal {
  if (header === undefined) return null;
  const m = typeof header === 'string' ? /^([a-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim()) : null;
  if (!m) return refused(400, 'VALIDATION_FAILED', 'Upload-Checksum is "<algorithm> <Base64 digest>".');
  const algorithm = m[1] as ChecksumAlgorithm;
  if (!CHECKSUM_ALGORITHMS.includes(algorithm)) {
    return refused(
      400,
      'VALIDATION_FAILED',
      `Upload-Checksum algorithms are ${CHECKSUM_ALGORITHMS.join(', ')} (Tus-Checksum-Algorithm).`,
    );
  }
  const digest = Buffer.from(m[2]!, 'base64');
  if (digest.length !== DIGEST_BYTES[algorithm]) {
    return refused(400, 'VALIDATION_FAILED', `Upload-Checksum is not a ${algorithm} digest.`);
  }
  return { algorithm, digest };
}

/** Content-Length as a number, null when the body is chunked (or the header is not a length). */
export function contentLength(req: IncomingMessage): number | null {
  const header = req.headers['content-length'];
  return typeof header === 'string' && /^\d{1,16}$/.test(header) ? Number(header) : null;
}

/**
 * tus PATCH (core protocol, section 3.2) straight from the Node request to the upload's
 * bytes (UploadBytes: the local folder or S3), and the body of a creation-with-upload POST
 * the same way. @tus/server turns each
 * body into a web stream and back, which costs a third of the throughput on a fast link;
 * creation, HEAD, termination and OPTIONS stay with @tus/server, over the same file store
 * and the same files. A body carrying Upload-Checksum is checked (460 and nothing kept
 * when it does not match); one that goes past Upload-Length is refused with 413, also
 * with nothing kept. The upload that is complete becomes a document here.
 */
export class TusPatch {
  /** The request currently writing each upload; a newer PATCH (a reconnect) ends it first. */
  private readonly writing = new Map<string, { req: IncomingMessage; done: Promise<unknown> }>();

  constructor(
    private readonly store: UploadBytes,
    private readonly documents: DocumentUploads,
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
    if (!(await this.documents.ownsUpload(userId, id))) {
      fail(404, 'NOT_FOUND', 'Not found.');
      return;
    }
    const outcome = await this.receive(req, userId, id, Number(offsetHeader));
    if (outcome.kind === 'cut' || res.destroyed) return;
    if (outcome.kind === 'refused') {
      if (outcome.offset !== undefined) headers['upload-offset'] = String(outcome.offset);
      fail(outcome.status, outcome.code, outcome.message);
      return;
    }
    headers['upload-offset'] = String(outcome.offset);
    if (outcome.documentId) headers[DOCUMENT_ID_HEADER] = outcome.documentId;
    if (outcome.expires) headers['upload-expires'] = outcome.expires;
    res
      .writeHead(204, { ...headers, 'access-control-expose-headers': 'Upload-Offset, Sferum-Document-Id' })
      .end();
  }

  /**
   * Writes one request body into the upload at `offset` (the caller has checked the
   * request's headers and that the upload is the caller's). Checks Upload-Checksum and
   * Upload-Length, and finishes the upload into its document when it is complete and its
   * SHA-256 is known (declared at creation, or in this request's Sferum-Sha256).
   */
  async receive(req: IncomingMessage, userId: string, id: string, offset: number): Promise<BodyOutcome> {
    const checksum = parseChecksum(req.headers['upload-checksum']);
    if (checksum && 'kind' in checksum) return checksum;
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
      return refused(404, 'NOT_FOUND', 'Not found.');
    }
    const expiry = this.store.getExpiration();
    const expires =
      expiry > 0 && upload.creation_date ? new Date(upload.creation_date).getTime() + expiry : null;
    if (expires !== null && Date.now() > expires) {
      return refused(410, 'NOT_FOUND', 'This upload has expired; start it again.');
    }
    if (offset !== upload.offset) {
      return refused(409, 'VALIDATION_FAILED', `The upload is at offset ${upload.offset}.`, upload.offset);
    }
    const size = upload.size ?? 0;
    const length = contentLength(req);
    if (length !== null && offset + length > size) return pastLength(offset, size);

    const hash: Hash | undefined = checksum ? createHash(checksum.algorithm) : undefined;
    const work = this.write(req, id, offset, size, hash, checksum?.digest ?? null);
    this.writing.set(id, { req, done: work });
    let written: Awaited<typeof work>;
    try {
      written = await work;
    } finally {
      if (this.writing.get(id)?.req === req) this.writing.delete(id);
    }
    if (written.kind !== 'stored') return written;
    const next = written.offset;
    const claimed = typeof req.headers[SHA256_HEADER] === 'string' ? req.headers[SHA256_HEADER] : null;
    // Complete: it becomes a document once its SHA-256 is checked. A client that hashes as
    // it sends knows it only now and sends it to /finish; until then the upload waits.
    if (next === size && (claimed !== null || (await this.documents.declaredChecksum(id)))) {
      try {
        const doc = await this.finish(userId, id, claimed);
        return { kind: 'stored', offset: next, documentId: doc.id, expires: null };
      } catch (error) {
        const app =
          error instanceof AppError ? error : new AppError('INTERNAL', 'Something went wrong on the server.');
        return refused(app.status, app.code, app.message);
      }
    }
    return {
      kind: 'stored',
      offset: next,
      documentId: null,
      expires: next < size && expires !== null ? new Date(expires).toUTCString() : null,
    };
  }

  /** The write itself, with what a refused body takes back; a newer request for the upload waits for all of it. */
  private write(
    req: IncomingMessage,
    id: string,
    offset: number,
    size: number,
    hash: Hash | undefined,
    expected: Buffer | null,
  ): Promise<Exclude<BodyOutcome, { kind: 'stored' }> | { kind: 'stored'; offset: number }> {
    return this.store.write(req, id, offset, size, hash, expected);
  }

  /**
   * Turns a complete upload into its document, the SHA-256 read by the local store's
   * worker (which followed the file as it arrived), or read back from S3. The last PATCH and POST .../finish both come
   * here; asking twice gives the same document.
   */
  async finish(userId: string, id: string, claimed: string | null): Promise<DocumentRecord> {
    const upload = await this.store.getUpload(id).catch(() => null);
    const size = upload?.size;
    const complete = upload !== null && size !== undefined && upload.offset === size;
    const doc = await this.documents.finishUpload(userId, id, this.store.staged(id, complete ? size : null), {
      claimed,
    });
    await this.store.finished(id);
    return doc;
  }

  /**
   * Ends an upload nobody can continue: one whose creation-with-upload POST was refused or
   * cut before its answer named it. Its bytes go, and so does its hold on the quota.
   */
  async discard(id: string): Promise<void> {
    await this.store.remove(id);
    await this.documents.uploadFailed(id, 'CANCELLED');
  }
}
