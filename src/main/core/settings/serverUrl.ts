import { ServerInfoSchema, type ServerInfo } from '../../../shared/api.js';
import { AppError } from '../../../shared/errors.js';

/** Normalizes a server address typed in Settings: an http(s) URL with no credentials, query or fragment. */
export function normalizeServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new AppError('SERVER_URL_INVALID', 'The server address is not a valid URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('SERVER_URL_INVALID', 'The server address must start with http:// or https://.');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new AppError(
      'SERVER_URL_INVALID',
      'The server address must not contain a login, a query or a fragment.',
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/**
 * Asks a server who it is (GET /api/info). Only an answer in our schema with our
 * service name counts: a school's address mistyped into some other web server must
 * not receive sign-in requests.
 */
export async function fetchServerInfo(
  baseUrl: string,
  options: { fetch?: typeof fetch; timeoutMs: number; signal?: AbortSignal },
): Promise<ServerInfo> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(`${baseUrl}/api/info`, {
      headers: { accept: 'application/json' },
      signal: options.signal
        ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)])
        : AbortSignal.timeout(options.timeoutMs),
    });
  } catch {
    throw new AppError('NETWORK_OFFLINE', 'The server cannot be reached.');
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new AppError('SERVER_NOT_OURS', 'This address does not answer like a Sferum Family server.');
  }
  const parsed = ServerInfoSchema.safeParse(body);
  if (!response.ok || !parsed.success) {
    throw new AppError('SERVER_NOT_OURS', 'This address does not answer like a Sferum Family server.');
  }
  return parsed.data;
}
