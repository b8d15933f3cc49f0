import { createAuthorised } from '../../../client/http/authorised.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import { AppError, hasErrorCode } from '../../../shared/errors.js';

/**
 * The web version's own requests to the server (the documents list, download links, tus):
 * each goes with the current access token, and after a 401 once more with a refreshed one
 * (one refresh shared by every request that got a 401 at the same time). A request that
 * gets no answer rejects with NETWORK_OFFLINE.
 */
export interface WebRequests {
  /** Sends `attempt` with the token's headers (fetch, or tus-js-client's XMLHttpRequest). */
  send<A extends { status: number }>(attempt: (headers: Record<string, string>) => Promise<A>): Promise<A>;
  /** fetch, through `send`. */
  fetch(url: string, init?: RequestInit): Promise<Response>;
}

export function createWebRequests(api: ApiClient, doFetch: typeof fetch): WebRequests {
  const authorised = createAuthorised<{ status: number }>({
    headers: () => api.authHeaders(),
    refresh: () => api.refresh(),
  });
  const requests: WebRequests = {
    async send<A extends { status: number }>(attempt: (headers: Record<string, string>) => Promise<A>) {
      try {
        // The answer is the one `attempt` gave.
        return (await authorised.send(attempt)) as A;
      } catch (error) {
        if (hasErrorCode(error)) throw error;
        throw new AppError('NETWORK_OFFLINE', 'The server cannot be reached.');
      }
    },
    fetch(url, init = {}) {
      return requests.send((headers) =>
        doFetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } }),
      );
    },
  };
  return requests;
}
