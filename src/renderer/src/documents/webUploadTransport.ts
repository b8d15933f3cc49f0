import * as tus from 'tus-js-client';
import type { UploadTransport } from '../../../client/uploads/ports.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import {
  DOCUMENT_ID_HEADER,
  encodeUploadMetadata,
  FinishUploadResponseSchema,
  SHA256_HEADER,
  UPLOADS_PATH,
} from '../../../shared/documents/index.js';
import { AppError, ErrorBodySchema } from '../../../shared/errors.js';
import type { WebFileSource } from './webFileSource.js';
import type { WebRequests } from './webRequests.js';

type StoredNote = Parameters<typeof tus.defaultOptions.urlStorage.addUpload>[1];

/** Why the server refused a tus request, as the engine reads it. */
function refusal(status: number, body: string): AppError {
  // Not answered by the server itself (a proxy, a restart): asked again later.
  if (status >= 500 || status === 423) {
    return new AppError('NETWORK_OFFLINE', `The server answered ${status}.`);
  }
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not the platform's coded error.
  }
  const coded = ErrorBodySchema.safeParse(parsed);
  if (coded.success) return AppError.fromBody(coded.data, status);
  if (status === 404 || status === 410) return new AppError('NOT_FOUND', 'The upload is gone.');
  return new AppError('INTERNAL', `The upload server answered ${status}.`);
}

const aborted = () => new AppError('INTERNAL', 'The request was stopped.');

/** A request of tus-js-client's HTTP stack, ended by `signal` (its own promise never settles then). */
function sendUntil(request: tus.HttpRequest, body: Blob, signal: AbortSignal): Promise<tus.HttpResponse> {
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    const stop = () => {
      void request.abort();
      reject(aborted());
    };
    signal.addEventListener('abort', stop, { once: true });
    request
      .send(body)
      .then(resolve, () => reject(new AppError('NETWORK_OFFLINE', 'The server cannot be reached.')))
      .finally(() => signal.removeEventListener('abort', stop));
  });
}

/**
 * tus 1.0 for the web version's upload engine. The bytes go with tus-js-client's
 * DefaultHttpStack (XMLHttpRequest: it reports them as they are handed to the network,
 * straight from a slice of the File, so memory stays flat); the short requests go with
 * fetch. Each upload URL is noted in tus-js-client's storage under the file's fingerprint
 * until it becomes a document, so the same file added in a later page continues it.
 */
export function createWebUploadTransport(deps: {
  api: ApiClient;
  requests: WebRequests;
}): UploadTransport<WebFileSource> {
  const endpoint = deps.api.url(UPLOADS_PATH);
  const stack = new tus.DefaultHttpStack({});
  const notes = tus.defaultOptions.urlStorage;

  /** A tus request of the page's own (fetch), answered or refused by the server. */
  const tusFetch = (url: string, method: string, headers: Record<string, string>, signal?: AbortSignal) =>
    deps.requests.fetch(url, {
      method,
      headers: { 'Tus-Resumable': '1.0.0', ...headers },
      ...(signal ? { signal } : {}),
    });

  async function note(source: WebFileSource, url: string, metadata: Record<string, string>): Promise<void> {
    try {
      const fingerprint = await tus.defaultOptions.fingerprint(source.file, { endpoint });
      const entry = { size: source.file.size, metadata, creationTime: new Date().toString(), uploadUrl: url };
      await notes.addUpload(fingerprint, entry as StoredNote);
    } catch {
      // Storage refused: only a later page would not find it.
    }
  }

  /** HEAD: the server's offset, or null when the upload is gone. */
  async function offset(url: string, signal: AbortSignal): Promise<number | null> {
    const answer = await tusFetch(url, 'HEAD', {}, signal);
    if (answer.status === 404 || answer.status === 410) return null;
    if (!answer.ok) throw refusal(answer.status, await answer.text());
    return Number(answer.headers.get('Upload-Offset') ?? 0);
  }

  return {
    offset,

    async create(input, signal) {
      const metadata: Record<string, string> = {
        filename: input.name,
        ...(input.sha256 ? { sha256: input.sha256 } : {}),
        mime: input.source.file.type || '',
        ...(input.folderId ? { folderId: input.folderId } : {}),
      };
      const answer = await tusFetch(
        endpoint,
        'POST',
        { 'Upload-Length': String(input.size), 'Upload-Metadata': encodeUploadMetadata(metadata) },
        signal,
      );
      const location = answer.headers.get('Location');
      if (answer.status !== 201 || !location) throw refusal(answer.status, await answer.text());
      const url = new URL(location, endpoint).toString();
      await note(input.source, url, metadata);
      return url;
    },

    async send(input, signal) {
      const { url, length, sha256 } = input;
      const start = input.offset;
      const answer = await deps.requests.send(async (auth) => {
        const request = stack.createRequest('PATCH', url);
        const headers = {
          ...auth,
          'Tus-Resumable': '1.0.0',
          'Upload-Offset': String(start),
          'Content-Type': 'application/offset+octet-stream',
          ...(sha256 ? { [SHA256_HEADER]: sha256 } : {}),
        };
        for (const [name, value] of Object.entries(headers)) request.setHeader(name, value);
        let reported = 0;
        request.setProgressHandler((loaded) => {
          if (loaded <= reported) return;
          input.onBytes(loaded - reported);
          reported = loaded;
        });
        const response = await sendUntil(request, input.source.file.slice(start, start + length), signal);
        return { status: response.getStatus(), response };
      });
      const { status, response } = answer;
      const at = response.getHeader('Upload-Offset');
      // 409: the server is at another offset (a cut request was still writing); go on from there.
      if (status === 409) {
        const where = at && /^\d+$/.test(at) ? Number(at) : await offset(url, signal);
        if (where === null) throw new AppError('NOT_FOUND', 'The upload is gone.');
        return { offset: where, documentId: null };
      }
      if (status !== 204) throw refusal(status, response.getBody());
      return { offset: Number(at), documentId: response.getHeader(DOCUMENT_ID_HEADER) || null };
    },

    async finish(url, sha256, signal) {
      const answer = await tusFetch(
        `${url}/finish`,
        'POST',
        sha256 ? { [SHA256_HEADER]: sha256 } : {},
        signal,
      );
      const text = await answer.text();
      if (answer.status !== 200) throw refusal(answer.status, text);
      return FinishUploadResponseSchema.parse(JSON.parse(text)).document.id;
    },

    async terminate(url) {
      // Offline: the server lets an abandoned upload expire on its own.
      await tusFetch(url, 'DELETE', {}).catch(() => undefined);
    },

    async previous(_upload, source, taken) {
      const probe = new tus.Upload(source.file, { endpoint });
      const found = await probe.findPreviousUploads().catch(() => []);
      return found.find((p) => p.uploadUrl && !taken(p.uploadUrl))?.uploadUrl ?? null;
    },

    forget(url) {
      void (async () => {
        const stored = await notes.findAllUploads().catch(() => []);
        for (const entry of stored) {
          if (entry.uploadUrl === url && entry.urlStorageKey) {
            await notes.removeUpload(entry.urlStorageKey).catch(() => undefined);
          }
        }
      })();
    },
  };
}
