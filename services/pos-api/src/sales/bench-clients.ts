// The checkout bench's HTTP clients, on a worker thread of their own: a load generator sharing the
// API's event loop would bill its own request building and response parsing to the API, which no
// till does. One keep-alive connection per client, as tills hold them, speaking just enough
// HTTP/1.1 to post a sale and read its answer: node:http's client cost a third of a millisecond of
// CPU per sale, on the cores the API and PostgreSQL are measured on. Posts to the parent the sorted
// latencies (ms) of the sales completed in the measured window and the CPU time its own thread used
// then, or the first failure; says `measuring` when that window opens.
// `load` is also the bench's loop for its raw-SQL ceiling.
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export interface BenchClients {
  url: string;
  /** One set of headers per register; sale n goes to register n mod length. */
  registers: Record<string, string>[];
  body: string;
  clients: number;
  warmupSeconds: number;
  seconds: number;
}

/** Runs `once` from `clients` loops for `seconds`; returns the latencies of the completed ones. */
export async function load(clients: number, seconds: number, once: () => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        await once();
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}

/**
 * A keep-alive HTTP/1.1 connection that posts one request at a time and answers the status and
 * body of its response (fastify answers with Content-Length, never chunked).
 */
class Connection {
  readonly #socket: Socket;
  #received: Buffer[] = [];
  #waiting?: { done: (answer: { status: number; body: string }) => void; fail: (error: Error) => void };

  constructor(url: URL) {
    this.#socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    this.#socket.on('data', (chunk: Buffer) => {
      this.#received.push(chunk);
      this.#answer();
    });
    this.#socket.on('error', (error) => this.#waiting?.fail(error));
    this.#socket.on('close', () => this.#waiting?.fail(new Error('the API closed the connection')));
  }

  send(request: string): Promise<{ status: number; body: string }> {
    return new Promise((done, fail) => {
      this.#waiting = { done, fail };
      this.#socket.write(request);
    });
  }

  #answer() {
    const received = this.#received.length === 1 ? this.#received[0]! : Buffer.concat(this.#received);
    this.#received = [received];
    const headersEnd = received.indexOf('\r\n\r\n');
    if (headersEnd < 0) return;
    const head = received.toString('latin1', 0, headersEnd);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? Number.NaN);
    if (Number.isNaN(length))
      return this.#waiting?.fail(new Error(`an answer without Content-Length: ${head}`));
    if (received.length < headersEnd + 4 + length) return;
    this.#received = [];
    const waiting = this.#waiting!;
    this.#waiting = undefined;
    waiting.done({
      status: Number(head.slice(9, 12)),
      body: received.toString('utf8', headersEnd + 4, headersEnd + 4 + length),
    });
  }

  close() {
    this.#socket.destroy();
  }
}

async function sellFromThisThread({ url, registers, body, clients, warmupSeconds, seconds }: BenchClients) {
  const target = new URL(url);
  const connections = Array.from({ length: clients }, () => new Connection(target));
  const free = [...connections];
  // Each register's request head up to its idempotency key, built once.
  const heads = registers.map(
    (headers) =>
      `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      `content-length: ${Buffer.byteLength(body)}\r\nidempotency-key: `,
  );
  let next = 0;
  const sell = async () => {
    const connection = free.pop()!;
    try {
      const answer = await connection.send(`${heads[next++ % heads.length]}${randomUUID()}\r\n\r\n${body}`);
      if (answer.status !== 201) throw new Error(`sale failed: ${answer.status} ${answer.body}`);
    } finally {
      free.push(connection);
    }
  };
  try {
    await load(clients, warmupSeconds, sell);
    parentPort!.postMessage('measuring');
    const before = process.threadCpuUsage();
    const latencies = await load(clients, seconds, sell);
    const { user, system } = process.threadCpuUsage(before);
    parentPort!.postMessage({ latencies, cpuMs: (user + system) / 1000 });
  } catch (error) {
    parentPort!.postMessage({ error: String(error) });
  } finally {
    for (const connection of connections) connection.close();
  }
}

if (!isMainThread) await sellFromThisThread(workerData as BenchClients);
