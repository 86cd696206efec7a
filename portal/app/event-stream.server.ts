// Server-Sent Events from a resource route's loader: a `text/event-stream` Response whose events a
// page reads with EventSource. The stream ends when the client leaves (the request's signal), when
// the portal shuts down, or after `maxAgeMs`: the browser then reconnects by itself, through the
// route's guards again (a session ended meanwhile is not streamed to for long).

export interface EventSink {
  /** Sends one event; `data` goes out as JSON. Does nothing once the stream has ended. */
  send: (event: string, data: unknown) => void;
  readonly signal: AbortSignal;
}

export interface EventStreamOptions {
  request: Request;
  /** The portal's shutdown. */
  closing: AbortSignal;
  /** How long one connection lasts at most. */
  maxAgeMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  keepAliveMs?: number;
  /** Milliseconds the browser waits before reconnecting. */
  retryMs?: number;
}

/** Runs `start` when the stream opens; what it returns runs when the stream ends. */
export function eventStream(
  options: EventStreamOptions,
  start: (sink: EventSink) => Promise<() => void> | (() => void),
): Response {
  const encoder = new TextEncoder();
  const ended = new AbortController();
  const signal = AbortSignal.any([
    options.request.signal,
    options.closing,
    ended.signal,
    AbortSignal.timeout(options.maxAgeMs ?? 10 * 60_000),
  ]);
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const write = (text: string) => {
        if (!signal.aborted) controller.enqueue(encoder.encode(text));
      };
      const keepAlive = setInterval(() => write(': keep-alive\n\n'), options.keepAliveMs ?? 20_000);
      write(`retry: ${options.retryMs ?? 3000}\n\n`);
      let stop: () => void = () => {};
      const finish = () => {
        clearInterval(keepAlive);
        stop();
        try {
          controller.close();
        } catch {
          // Already closed by the client's cancel.
        }
      };
      signal.addEventListener('abort', finish, { once: true });
      try {
        stop = await start({
          send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
          signal,
        });
      } catch (error) {
        ended.abort();
        throw error;
      }
      if (signal.aborted) stop();
    },
    cancel() {
      ended.abort();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Proxies that buffer (nginx) pass each event on at once.
      'x-accel-buffering': 'no',
    },
  });
}
