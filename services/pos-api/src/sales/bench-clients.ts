// The checkout bench's HTTP clients, on a worker thread of their own: a load generator sharing the
// API's event loop would bill its own request building and response parsing to the API, which no
// till does. Keep-alive connections, one per client, as tills hold them. Posts to the parent the
// sorted latencies (ms) of the sales completed in the measured window, or the first failure.
import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

export interface BenchClients {
  url: string;
  /** One set of headers per register; sale n goes to register n mod length. */
  registers: Record<string, string>[];
  body: string;
  clients: number;
  warmupSeconds: number;
  seconds: number;
}

const { url, registers, body, clients, warmupSeconds, seconds } = workerData as BenchClients;
const agent = new Agent({ keepAlive: true, maxSockets: clients });
let next = 0;

const sell = () =>
  new Promise<void>((done, fail) => {
    const register = registers[next++ % registers.length]!;
    const call = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...register, 'idempotency-key': randomUUID(), 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          response.statusCode === 201
            ? done()
            : fail(new Error(`sale failed: ${response.statusCode} ${text}`)),
        );
      },
    );
    call.on('error', fail);
    call.end(body);
  });

async function load(forSeconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + forSeconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        await sell();
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}

try {
  await load(warmupSeconds);
  parentPort!.postMessage({ latencies: await load(seconds) });
} catch (error) {
  parentPort!.postMessage({ error: String(error) });
} finally {
  agent.destroy();
}
