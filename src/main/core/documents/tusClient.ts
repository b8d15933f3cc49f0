import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DOCUMENT_ID_HEADER,
  DocumentRecordSchema,
  encodeUploadMetadata,
  SHA256_HEADER,
  UPLOADS_PATH,
  type DocumentRecord,
} from '../../../shared/documents/index.js';
import { AppError, ErrorBodySchema } from '../../../shared/errors.js';
import { createAuthorised, type Authorised } from '../../../client/http/authorised.js';

/**
 * Writes a request's body and ends it; resolves once every byte is handed to the request.
 * A rejection aborts the request with that error.
 */
export type BodyWriter = (req: http.ClientRequest) => Promise<void>;

/** A body of bytes start..end-1 of a file, read as a stream (for a client that does not hash as it sends). */
export function fileBody(file: string, start: number, end: number, onBytes: (n: number) => void): BodyWriter {
  return (req) =>
    pipeline(
      fs.createReadStream(file, { start, end: end - 1, highWaterMark: 1 << 20 }),
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          onBytes(chunk.length);
          done(null, chunk);
        },
      }),
      req,
    );
}

/** What the tus client needs from the signed-in account. */
export interface TusAuth {
  baseUrl: string;
  authHeaders(): Record<string, string>;
  /** Refreshes the access token (called once after a 401). */
  refresh(): Promise<unknown>;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

function offline(error: unknown): AppError {
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('NETWORK_OFFLINE', `The server cannot be reached (${message}).`);
}

function errorOf(answer: Answer): AppError {
  try {
    const body = ErrorBodySchema.parse(JSON.parse(answer.body));
    return AppError.fromBody(body, answer.status);
  } catch {
    if (answer.status === 404 || answer.status === 410)
      return new AppError('NOT_FOUND', 'The upload is gone.');
    if (answer.status >= 500) return new AppError('NETWORK_OFFLINE', `The server answered ${answer.status}.`);
    return new AppError(
      'INTERNAL',
      `The upload server answered ${answer.status}: ${answer.body.slice(0, 200)}`,
    );
  }
}

/**
 * A small tus 1.0 client over node:http. A PATCH body is written by its caller (the upload
 * queue streams it from the file through a few reused buffers, so memory stays flat
 * whatever the size), and the client asks the server for the offset before continuing,
 * so a resumed upload re-sends at most the chunk that was in flight.
 */
export class TusClient {
  /** Requests that get a 401 at the same time share one refresh of the token. */
  private readonly authorised: Authorised<Answer>;

  constructor(private readonly auth: TusAuth) {
    this.authorised = createAuthorised<Answer>({
      headers: () => auth.authHeaders(),
      refresh: () => auth.refresh(),
    });
  }

  private request(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: BodyWriter,
    signal?: AbortSignal,
  ): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const target = new URL(url);
      const lib = target.protocol === 'https:' ? https : http;
      const req = lib.request(target, {
        method,
        headers: { 'tus-resumable': '1.0.0', ...headers },
        agent: target.protocol === 'https:' ? agents.https : agents.http,
      });
      let settled = false;
      let bodyError: unknown = null;
      // The body writer's end: an answer settles only after it, so the writer never outlives
      // its request (its buffers are the next request's).
      let writing: Promise<void> = Promise.resolve();
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        void writing.then(outcome);
      };
      const fail = (error: unknown) =>
        settle(() => {
          if (signal?.aborted) reject(new AppError('INTERNAL', 'aborted'));
          else reject(bodyError instanceof AppError ? bodyError : offline(error));
        });
      const onAbort = () => {
        req.destroy(new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // A connection that stalls (a sleeping laptop, a dead proxy) is given up and retried.
      req.setTimeout(60_000, () => req.destroy(new Error('The connection stalled.')));
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          // Answered before the whole body went (a refusal): the rest is not sent.
          if (!req.writableEnded) req.destroy();
          const answer = {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          };
          settle(() => resolve(answer));
        });
      });
      if (!body) {
        req.end();
        return;
      }
      writing = body(req).then(
        () => undefined,
        (error: unknown) => {
          bodyError = error;
          req.destroy(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Sends once, and once more after a refreshed token if the first answer is 401. */
  private send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: BodyWriter,
    signal?: AbortSignal,
  ): Promise<Answer> {
    return this.authorised.send((auth) => this.request(method, url, { ...auth, ...headers }, body, signal));
  }

  async create(size: number, metadata: Record<string, string>, signal?: AbortSignal): Promise<string> {
    const answer = await this.send(
      'POST',
      `${this.auth.baseUrl}${UPLOADS_PATH}`,
      { 'upload-length': String(size), 'upload-metadata': encodeUploadMetadata(metadata) },
      undefined,
      signal,
    );
    const location = answer.headers.location;
    if (answer.status !== 201 || !location) throw errorOf(answer);
    return new URL(location, this.auth.baseUrl).toString();
  }

  /** The server's offset, or null if the upload no longer exists. */
  async offset(url: string, signal?: AbortSignal): Promise<number | null> {
    const answer = await this.send('HEAD', url, {}, undefined, signal);
    if (answer.status === 404 || answer.status === 410) return null;
    if (answer.status !== 200) throw errorOf(answer);
    return Number(answer.headers['upload-offset'] ?? 0);
  }

  /**
   * Sends `length` bytes at `offset`, written by `body`; resolves with the new offset and,
   * when the server could finish the upload, the document id.
   */
  async patch(
    url: string,
    offset: number,
    length: number,
    body: BodyWriter,
    signal?: AbortSignal,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ offset: number; documentId: string | null }> {
    const answer = await this.send(
      'PATCH',
      url,
      {
        ...extraHeaders,
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
        'content-length': String(length),
      },
      body,
      signal,
    );
    // 409: the server is at another offset (an earlier, cut request was still writing
    // when we asked); continue from where it says it is.
    const serverOffset = answer.headers['upload-offset'];
    if (answer.status === 409 && typeof serverOffset === 'string' && /^\d+$/.test(serverOffset)) {
      return { offset: Number(serverOffset), documentId: null };
    }
    if (answer.status !== 204) throw errorOf(answer);
    const doc = answer.headers[DOCUMENT_ID_HEADER];
    return {
      offset: Number(answer.headers['upload-offset']),
      documentId: typeof doc === 'string' ? doc : null,
    };
  }

  async terminate(url: string): Promise<void> {
    await this.send('DELETE', url, {}).catch(() => undefined);
  }

  /** Asks the server to finish an upload whose last answer was lost. */
  async finish(url: string, signal?: AbortSignal, sha256?: string): Promise<DocumentRecord> {
    const answer = await this.send(
      'POST',
      `${url}/finish`,
      sha256 ? { [SHA256_HEADER]: sha256 } : {},
      undefined,
      signal,
    );
    if (answer.status !== 200) throw errorOf(answer);
    return DocumentRecordSchema.parse((JSON.parse(answer.body) as { document: unknown }).document);
  }
}
