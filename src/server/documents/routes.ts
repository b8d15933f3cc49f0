import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  DOCUMENT_ID_HEADER,
  DocumentIdSchema,
  SHA256_HEADER,
  UPLOADS_PATH,
} from '../../shared/documents/index.js';
import { AppError, type ErrorBody } from '../../shared/errors.js';
import type { ServerContext } from '../context.js';
import { isSniffedText, servedAs, SNIFF_BYTES } from './contentType.js';
import type { DocumentsModule } from './index.js';
import { CHECKSUM_ALGORITHMS, contentLength, parseChecksum, pastLength } from './patch.js';
import { tusRefusal } from './tus.js';
import { requireAuth } from '../http/auth.js';
import { SECURITY_HEADERS } from '../http/headers.js';
import { parseInput } from '../http/validate.js';

const IdParams = z.object({ id: DocumentIdSchema });
const UploadParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/) });

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` for one range; null if absent, 'bad' if unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'bad' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'bad';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'bad';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'bad';
  return { start, end };
}

/**
 * What refuses a creation-with-upload POST before anything is created: a body longer than
 * the Upload-Length it declares (413), an Upload-Checksum this server cannot check (400).
 */
function bodyRefusal(raw: IncomingMessage): { status: number; body: ErrorBody } | null {
  const checksum = parseChecksum(raw.headers['upload-checksum']);
  const declared = raw.headers['upload-length'];
  const length = contentLength(raw);
  const refusal =
    checksum && 'kind' in checksum
      ? checksum
      : typeof declared === 'string' &&
          /^\d{1,16}$/.test(declared) &&
          length !== null &&
          length > Number(declared)
        ? pastLength(0, Number(declared))
        : null;
  return refusal && { status: refusal.status, body: { code: refusal.code, message: refusal.message } };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function contentDisposition(name: string, inline: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function registerDocumentRoutes(app: FastifyInstance, ctx: ServerContext, mod: DocumentsModule): void {
  const { service: documents, tus, blobs } = mod;
  app.addHook('onClose', async () => {
    await mod.bytes.close();
  });
  // tus PATCH bodies are streamed straight to the file store, never parsed.
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));

  /**
   * tus creation, HEAD, termination and OPTIONS through @tus/server's web handler, so its
   * answer passes through here: a refusal leaves as the platform's coded JSON error, never
   * as tus's plain text. The body of a creation-with-upload POST does not go to
   * @tus/server: the upload is created without it, then the body is written like a PATCH
   * at offset 0 (mod.patch), which also finishes a complete upload into its document.
   */
  const toTus = async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.raw;
    const headers = new Headers();
    try {
      for (const [name, value] of Object.entries(raw.headers)) {
        for (const v of [value ?? []].flat()) headers.append(name, v);
      }
    } catch {
      throw new AppError('VALIDATION_FAILED', 'The upload request has a header that cannot be read.');
    }
    // Creation with upload: the first bytes come with the POST, unparsed (see the parser above).
    const withBody =
      request.method === 'POST' && raw.headers['content-type'] === 'application/offset+octet-stream';
    if (withBody) {
      const refusal = bodyRefusal(raw);
      if (refusal) {
        raw.resume();
        return reply.status(refusal.status).type('application/json; charset=utf-8').send(refusal.body);
      }
      for (const name of ['content-type', 'content-length', 'transfer-encoding', 'upload-checksum'])
        headers.delete(name);
    }
    const response = await tus.handleWeb(
      new Request(new URL(raw.url ?? '/', 'http://localhost'), { method: request.method, headers }),
    );
    const text = await response.text();
    for (const [name, value] of response.headers) {
      if (name !== 'content-length' && name !== 'content-type') void reply.header(name, value);
    }
    if (request.method === 'OPTIONS' && response.status < 400) {
      void reply.header('tus-checksum-algorithm', CHECKSUM_ALGORITHMS.join(','));
    }
    if (response.status >= 400) {
      raw.resume();
      const refusal = tusRefusal(response.status, text);
      return reply.status(refusal.status).type('application/json; charset=utf-8').send(refusal.body);
    }
    const location = response.headers.get('location');
    if (withBody && location) return uploadWithCreation(request, reply, location.split('/').pop()!);
    void reply.status(response.status);
    return text === ''
      ? reply.send()
      : reply.type(response.headers.get('content-type') ?? 'text/plain').send(text);
  };

  /** The body of a creation-with-upload POST, into the upload @tus/server has just created. */
  const uploadWithCreation = async (request: FastifyRequest, reply: FastifyReply, id: string) => {
    const auth = await requireAuth(request, ctx.sessions);
    const outcome = await mod.patch.receive(request.raw, auth.userId, id, 0);
    if (outcome.kind !== 'stored') {
      // Refused, or cut before the answer named the upload: nobody can continue it.
      await mod.patch.discard(id);
      if (outcome.kind === 'cut') return reply.hijack();
      reply.removeHeader('location');
      reply.removeHeader('upload-expires');
      return reply
        .status(outcome.status)
        .type('application/json; charset=utf-8')
        .send({ code: outcome.code, message: outcome.message });
    }
    void reply.header('upload-offset', String(outcome.offset));
    if (outcome.documentId) void reply.header(DOCUMENT_ID_HEADER, outcome.documentId);
    if (outcome.expires) void reply.header('upload-expires', outcome.expires);
    else reply.removeHeader('upload-expires');
    return reply.status(201).send();
  };
  app.route({ method: ['POST', 'OPTIONS'], url: UPLOADS_PATH, handler: toTus });
  app.route({ method: ['HEAD', 'DELETE', 'OPTIONS'], url: `${UPLOADS_PATH}/:id`, handler: toTus });
  app.patch(`${UPLOADS_PATH}/:id`, async (request, reply) => {
    // Authentication fails before the hijack, so the error is an ordinary JSON answer.
    const auth = await requireAuth(request, ctx.sessions);
    const { id } = parseInput(UploadParams, request.params, 'params');
    reply.hijack();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(k, v);
    await mod.patch.handle(request.raw, reply.raw, auth.userId, id);
  });

  /** Finishes an upload whose last answer was lost (idempotent): its document, or why not. */
  app.post(`${UPLOADS_PATH}/:id/finish`, async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { id } = parseInput(UploadParams, request.params, 'params');
    if (!(await mod.uploads.ownsUpload(auth.userId, id))) throw new AppError('NOT_FOUND', 'Not found.');
    const claimed = request.headers[SHA256_HEADER];
    const document = await mod.patch.finish(auth.userId, id, typeof claimed === 'string' ? claimed : null);
    return { document };
  });

  app.get('/api/documents', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    return documents.list(auth.userId);
  });

  app.get('/api/documents/quota', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    return documents.quota(auth.userId);
  });

  app.post('/api/documents/:id/link', async (request) => {
    const auth = await requireAuth(request, ctx.sessions);
    const { id } = parseInput(IdParams, request.params, 'params');
    return { url: await mod.links.signedLink(auth.userId, id) };
  });

  /** The bytes, with HTTP Range. A Bearer token, or a signed link from /link for a browser. */
  app.get('/api/documents/:id/content', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const query = request.query as { u?: string; e?: string; s?: string; inline?: string };
    const owner = query.s
      ? await mod.links.verifyLink(id, query)
      : (await requireAuth(request, ctx.sessions)).userId;
    if (!owner) throw new AppError('NOT_FOUND', 'Not found.');
    const doc = await documents.getDocument(owner, id);
    const range = parseRange(request.headers.range, doc.size);
    void reply.header('accept-ranges', 'bytes');
    // A text's charset comes from its first bytes, the same for every range of it.
    const head = isSniffedText(doc.mime)
      ? {
          bytes: await readAll(
            blobs.read(doc.blobKey, { start: 0, end: Math.min(doc.size, SNIFF_BYTES) - 1 }),
          ),
          whole: doc.size <= SNIFF_BYTES,
        }
      : undefined;
    const served = servedAs(doc.mime, query.inline === '1', head);
    void reply.header('content-type', served.type);
    void reply.header('content-disposition', contentDisposition(doc.name, served.inline));
    void reply.header('content-security-policy', served.contentSecurityPolicy);
    void reply.header('etag', `"${doc.sha256}"`);
    void reply.header('cache-control', 'private, no-store');
    if (range === 'bad') {
      void reply.header('content-range', `bytes */${doc.size}`);
      throw new AppError('VALIDATION_FAILED', 'The requested range is not satisfiable.', { status: 416 });
    }
    if (range) {
      void reply.status(206);
      void reply.header('content-range', `bytes ${range.start}-${range.end}/${doc.size}`);
      void reply.header('content-length', String(range.end - range.start + 1));
      return reply.send(blobs.read(doc.blobKey, range));
    }
    void reply.header('content-length', String(doc.size));
    return reply.send(blobs.read(doc.blobKey));
  });
}
