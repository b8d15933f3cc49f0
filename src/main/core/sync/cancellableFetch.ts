/**
 * Wraps fetch for the live event stream so that stopping the engine also cancels the
 * response body reader, not only the request signal. On Node 20 an abort that lands
 * while the stream is being read can reject the read yet leave the body unconsumed;
 * cancelling the reader explicitly is the documented way to let go of it.
 */
export function cancellableFetch(base: typeof fetch, signal: AbortSignal): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (!response.body) return response;
    const reader = response.body.getReader();
    const onAbort = () => void reader.cancel().catch(() => {});
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            signal.removeEventListener('abort', onAbort);
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          signal.removeEventListener('abort', onAbort);
          controller.error(error);
        }
      },
      cancel(reason) {
        signal.removeEventListener('abort', onAbort);
        return reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
