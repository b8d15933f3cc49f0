import { createHash } from 'node:crypto';
import { API, PullResponseSchema, type SessionTokens } from '../../../src/shared/api.js';
import { createApiClient, type ApiClient } from '../../../src/shared/apiClient.js';
import type { Change, Mutation, MutationResult } from '../../../src/shared/sync/index.js';
import { fileBody, TusClient } from '../../../src/main/core/documents/tusClient.js';
import { hasErrorCode } from '../../../src/shared/errors.js';

/**
 * A device that speaks the API directly (no cache, no outbox): the kill tests use it to
 * know exactly what the server acknowledged. Mutations carry ids chosen here, uploads
 * speak tus with the core's own client.
 */
export class RawDevice {
  /** The tokens this device holds (what it would have saved). */
  tokens: SessionTokens | null = null;
  readonly client: ApiClient;
  readonly tus: TusClient;
  userId = '';

  constructor(
    readonly baseUrl: string,
    private readonly deviceId: string,
  ) {
    this.client = createApiClient({
      baseUrl,
      deviceId,
      tokens: { get: () => this.tokens, set: (t) => void (this.tokens = t) },
    });
    this.tus = new TusClient({
      baseUrl,
      authHeaders: () => this.client.authHeaders(),
      refresh: () => this.client.refresh(),
    });
  }

  /** Signs in by phone with the demo server's devCode (registering a parent if new). */
  async signIn(phone: string): Promise<string> {
    const requested = await this.client.call('otpRequest', {
      body: { channel: 'phone', phone, deviceId: this.deviceId },
    });
    const verified = await this.client.call('otpVerify', {
      body: {
        requestId: requested.requestId,
        code: requested.devCode!,
        deviceId: this.deviceId,
        deviceName: 'Kill test',
      },
    });
    const signedIn =
      verified.status === 'signed_in'
        ? verified
        : await this.client.call('register', {
            body: {
              surname: 'Петрова',
              name: 'Мария',
              patronymic: '',
              registrationToken: verified.registrationToken,
              deviceId: this.deviceId,
              deviceName: 'Kill test',
            },
          });
    this.tokens = signedIn.tokens;
    this.userId = signedIn.profile.id;
    return this.userId;
  }

  push(mutations: Mutation[]): Promise<MutationResult[]> {
    return this.client.call('push', { body: { mutations } }).then((r) => r.results);
  }

  pull(
    cursor: string | null,
    limit: number,
  ): Promise<{ changes: Change[]; cursor: string; hasMore: boolean }> {
    return this.client
      .call('pull', { query: { ...(cursor ? { cursor } : {}), limit } })
      .then((page) => PullResponseSchema.parse(page));
  }

  url(path: keyof typeof API): string {
    return this.client.url(API[path].path);
  }
}

export interface RawUpload {
  name: string;
  path: string;
  size: number;
  sha256: string;
  url: string | null;
  /** Set once the server answered with the document: what it acknowledged. */
  documentId: string | null;
  /** tus uploads created for this file (a lost creation answer makes a new one). */
  attempts: number;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Uploads (or resumes) one file the way a careful tus client does: ask the offset,
 * finish explicitly when every byte is there or the upload is gone, otherwise continue;
 * start over only when the server has no trace of it. Network errors propagate (the
 * server was killed); call again after the restart.
 */
export async function runUpload(
  tus: TusClient,
  upload: RawUpload,
  chunkBytes: number,
  onBytes: (n: number) => void = () => {},
): Promise<string> {
  const finish = async (url: string): Promise<string | null> => {
    try {
      return (await tus.finish(url, undefined, upload.sha256)).id;
    } catch (error) {
      if (hasErrorCode(error) && (error.code === 'NOT_FOUND' || error.code === 'UPLOAD_INCOMPLETE')) {
        return null;
      }
      throw error;
    }
  };
  let offset = 0;
  if (upload.url) {
    const remote = await tus.offset(upload.url);
    if (remote === null || remote === upload.size) {
      const id = await finish(upload.url);
      if (id) return (upload.documentId = id);
      if (remote === upload.size)
        throw new Error(`${upload.name}: complete on the server but not finishable`);
      upload.url = null;
    } else {
      offset = remote;
    }
  }
  if (!upload.url) {
    upload.attempts += 1;
    upload.url = await tus.create(upload.size, {
      filename: upload.name,
      sha256: upload.sha256,
      mime: 'application/octet-stream',
    });
    offset = 0;
  }
  while (offset < upload.size) {
    const length = Math.min(chunkBytes, upload.size - offset);
    const result = await tus.patch(
      upload.url,
      offset,
      length,
      fileBody(upload.path, offset, offset + length, onBytes),
    );
    offset = result.offset;
    if (offset === upload.size) {
      const id = result.documentId ?? (await finish(upload.url));
      if (!id) throw new Error(`${upload.name}: every byte sent but no document`);
      return (upload.documentId = id);
    }
  }
  throw new Error(`${upload.name}: nothing to send`);
}
