/**
 * An authorised request with one refresh: send with the current access token; on an
 * answer that says the token is no longer good (401 by default), refresh the token and
 * send once more. Requests that get a 401 at the same time share one refresh, and a
 * request that was sent before a refresh finished is only sent again (with the new token),
 * not made to refresh a second time. Transport-agnostic: `attempt` is fetch on the web,
 * node:http or the tus client on the desktop, anything that answers with a status.
 */
export interface AuthorisedOptions<A extends { status: number }> {
  /** The headers that carry the current access token (read at every attempt). */
  headers(): Record<string, string>;
  /** Gets a new access token; a rejection ends the request with that error. */
  refresh(): Promise<unknown>;
  /** Whether an answer asks for a refreshed token (default: status 401). */
  needsRefresh?(answer: A): boolean | Promise<boolean>;
}

export interface Authorised<A extends { status: number }> {
  /** Sends `attempt` with the token's headers; after a 401, once more with a refreshed token. */
  send(attempt: (headers: Record<string, string>) => Promise<A>): Promise<A>;
}

export function createAuthorised<A extends { status: number }>(options: AuthorisedOptions<A>): Authorised<A> {
  const needsRefresh = options.needsRefresh ?? ((answer: A) => answer.status === 401);
  /** Counts finished refreshes: tells whether a token was replaced since a request went. */
  let generation = 0;
  let refreshing: Promise<void> | null = null;

  function refreshOnce(): Promise<void> {
    refreshing ??= (async () => {
      try {
        await options.refresh();
        generation += 1;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  return {
    async send(attempt) {
      const sentWith = generation;
      const answer = await attempt(options.headers());
      if (!(await needsRefresh(answer))) return answer;
      // Refreshed by another request since this one went: its new token is tried first.
      if (generation === sentWith) await refreshOnce();
      return attempt(options.headers());
    },
  };
}
