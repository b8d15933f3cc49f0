/**
 * Reads a server-sent event stream over fetch, so that it can carry an
 * Authorization header (EventSource cannot) and runs the same in Node and in the
 * browser. Resolves when the stream ends; rejects on a network error or a non-200
 * answer (with the status, so the caller can refresh a session or back off).
 */
export interface SseMessage {
  event: string;
  data: string;
}

export class SseHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`Event stream answered ${status}`);
  }
}

export async function readEventStream(options: {
  url: string;
  headers?: Record<string, string>;
  signal: AbortSignal;
  fetch?: typeof fetch;
  credentials?: RequestCredentials;
  onOpen?: () => void;
  onMessage: (message: SseMessage) => void;
}): Promise<void> {
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const init: RequestInit = {
    headers: { accept: 'text/event-stream', ...options.headers },
    signal: options.signal,
  };
  if (options.credentials) init.credentials = options.credentials;
  const response = await doFetch(options.url, init);
  if (response.status !== 200 || !response.body) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: the status says enough
    }
    throw new SseHttpError(response.status, body);
  }
  options.onOpen?.();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline: number;
    while ((newline = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? 2 : 1));
      if (line === '') {
        if (data.length > 0) options.onMessage({ event, data: data.join('\n') });
        event = 'message';
        data = [];
      } else if (line.startsWith(':')) {
        // comment (heartbeat)
      } else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const raw = colon < 0 ? '' : line.slice(colon + 1);
        const text = raw.startsWith(' ') ? raw.slice(1) : raw;
        if (field === 'event') event = text;
        else if (field === 'data') data.push(text);
      }
    }
  }
}
