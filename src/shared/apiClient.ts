import { z } from 'zod';
import { API, IssuedTokensSchema, type SessionTokens } from './api.js';
import { AppError, ErrorBodySchema, type ErrorCode } from './errors.js';

/**
 * A typed client for the platform's HTTP API, used by the desktop core (Node) and
 * the web version (browser) alike. It validates answers with the shared schemas,
 * turns error bodies into AppError, refreshes an expired access token once
 * (single-flight) and retries, and reports a session that cannot be refreshed.
 */

type Routes = typeof API;
export type RouteName = keyof Routes;
type BodyOf<R> = R extends { body: z.ZodType } ? { body: z.input<R['body']> } : { body?: undefined };
type QueryOf<R> = R extends { query: z.ZodType } ? { query?: z.input<R['query']> } : { query?: undefined };
type ResponseOf<R> = R extends { response: z.ZodType } ? z.output<R['response']> : never;
export type CallOptions<N extends RouteName> = BodyOf<Routes[N]> &
  QueryOf<Routes[N]> & { params?: Record<string, string>; signal?: AbortSignal };

export interface TokenHolder {
  get(): SessionTokens | null;
  /** Called with new tokens after sign-in or refresh, and with null when the session ends. */
  set(tokens: SessionTokens | null): void | Promise<void>;
}

export interface ApiClientOptions {
  baseUrl: string;
  deviceId: string;
  tokens: TokenHolder;
  fetch?: typeof fetch;
  /** The web version: send cookies and `X-Client: web` (refresh token in an httpOnly cookie). */
  web?: boolean;
  /** The session ended and could not be refreshed (revoked, reused refresh token...). */
  onSessionEnded?: (error: AppError) => void;
}

export interface ApiClient {
  readonly baseUrl: string;
  call<N extends RouteName>(name: N, options?: CallOptions<N>): Promise<ResponseOf<Routes[N]>>;
  /** Refreshes the tokens now (single-flight). */
  refresh(): Promise<SessionTokens>;
  /** Authorization headers for a raw request (the live event stream). */
  authHeaders(): Record<string, string>;
  url(path: string): string;
}

const SESSION_END_CODES: ErrorCode[] = ['SESSION_REVOKED', 'REFRESH_TOKEN_REUSED', 'UNAUTHENTICATED'];

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  let refreshing: Promise<SessionTokens> | null = null;

  function url(path: string): string {
    return `${baseUrl}${path}`;
  }

  function authHeaders(): Record<string, string> {
    const tokens = options.tokens.get();
    return tokens ? { authorization: `Bearer ${tokens.accessToken}` } : {};
  }

  async function send(
    method: string,
    path: string,
    body: unknown,
    auth: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.web) headers['x-client'] = 'web';
    if (auth) Object.assign(headers, authHeaders());
    let response: Response;
    try {
      const init: RequestInit = { method, headers };
      if (body !== undefined) init.body = JSON.stringify(body);
      if (options.web) init.credentials = 'same-origin';
      if (signal) init.signal = signal;
      response = await doFetch(url(path), init);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new AppError('NETWORK_OFFLINE', 'The server cannot be reached.');
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      throw new AppError('SERVER_NOT_OURS', `The server answered ${response.status} without JSON.`);
    }
    return { status: response.status, json };
  }

  function toError(status: number, json: unknown): AppError {
    const parsed = ErrorBodySchema.safeParse(json);
    if (parsed.success) return AppError.fromBody(parsed.data, status);
    return new AppError('SERVER_NOT_OURS', `The server answered ${status} with an unknown body.`);
  }

  async function refresh(): Promise<SessionTokens> {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      const current = options.tokens.get();
      const body: { deviceId: string; refreshToken?: string } = { deviceId: options.deviceId };
      if (current?.refreshToken) body.refreshToken = current.refreshToken;
      const { status, json } = await send(API.refresh.method, API.refresh.path, body, false, undefined);
      if (status >= 400) {
        const error = toError(status, json);
        if (status === 401 || status === 400) {
          await options.tokens.set(null);
          options.onSessionEnded?.(error);
        }
        throw error;
      }
      const tokens = IssuedTokensSchema.parse(json);
      await options.tokens.set(tokens);
      return tokens;
    })();
    try {
      return await refreshing;
    } finally {
      refreshing = null;
    }
  }

  async function call<N extends RouteName>(
    name: N,
    callOptions?: CallOptions<N>,
  ): Promise<ResponseOf<Routes[N]>> {
    const route = API[name] as { method: string; path: string; auth: boolean; response?: z.ZodType };
    let path = route.path.replace(/:(\w+)/g, (_, key: string) => {
      const value = callOptions?.params?.[key];
      if (value === undefined) throw new Error(`Missing path parameter ${key} for ${String(name)}`);
      // "", "." and ".." would address another route once the URL is normalized; a lone
      // surrogate cannot be encoded at all (encodeURIComponent throws a URIError).
      const invalid = () => new AppError('VALIDATION_FAILED', `The ${key} is not valid.`);
      if (value === '' || value === '.' || value === '..') throw invalid();
      try {
        return encodeURIComponent(value);
      } catch {
        throw invalid();
      }
    });
    const query = callOptions?.query as Record<string, unknown> | undefined;
    if (query) {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(query))
        if (value !== undefined) search.set(key, String(value));
      const text = search.toString();
      if (text) path += `?${text}`;
    }
    const body = callOptions?.body;
    let result = await send(route.method, path, body, route.auth, callOptions?.signal);
    if (route.auth && result.status === 401) {
      const code = ErrorBodySchema.safeParse(result.json).data?.code;
      if (code === 'SESSION_EXPIRED') {
        await refresh();
        result = await send(route.method, path, body, route.auth, callOptions?.signal);
      }
    }
    if (result.status >= 400) {
      const error = toError(result.status, result.json);
      if (route.auth && result.status === 401 && SESSION_END_CODES.includes(error.code)) {
        await options.tokens.set(null);
        options.onSessionEnded?.(error);
      }
      throw error;
    }
    if (!route.response) return result.json as ResponseOf<Routes[N]>;
    const parsed = route.response.safeParse(result.json);
    if (!parsed.success) throw new AppError('SERVER_NOT_OURS', `Unexpected answer from ${String(name)}.`);
    return parsed.data as ResponseOf<Routes[N]>;
  }

  return { baseUrl, call, refresh, authHeaders, url };
}
