// Reads a Server-Sent Events answer in a test as EventSource would: events by name with their JSON
// data, waited for with a deadline.
export interface StreamedEvent {
  event: string;
  data: unknown;
}

export class EventStreamReader {
  readonly events: StreamedEvent[] = [];
  private buffer = '';
  private readonly waiters = new Set<() => void>();
  private done = false;

  constructor(response: Response) {
    void this.pump(response.body!.pipeThrough(new TextDecoderStream()).getReader());
  }

  private async pump(reader: ReadableStreamDefaultReader<string>) {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.buffer += value;
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, end);
          this.buffer = this.buffer.slice(end + 2);
          const fields = block.split('\n').filter((line) => !line.startsWith(':'));
          const event = fields.find((line) => line.startsWith('event: '))?.slice(7);
          const data = fields.find((line) => line.startsWith('data: '))?.slice(6);
          if (event && data !== undefined) this.events.push({ event, data: JSON.parse(data) });
        }
        for (const wake of this.waiters) wake();
      }
    } catch {
      // Aborted by the test.
    } finally {
      this.done = true;
      for (const wake of this.waiters) wake();
    }
  }

  /** The first event named `event` after the first `after` events that `matches`. */
  async next<T>(
    event: string,
    options: { after?: number; matches?: (data: T) => boolean; timeoutMs?: number } = {},
  ): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const found = this.events
        .slice(options.after ?? 0)
        .find((candidate) => candidate.event === event && (options.matches?.(candidate.data as T) ?? true));
      if (found) return found.data as T;
      if (this.done) throw new Error(`the stream ended without a ${event} event`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${event} event within the time (got ${JSON.stringify(this.events)})`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  count(event: string): number {
    return this.events.filter((candidate) => candidate.event === event).length;
  }
}
