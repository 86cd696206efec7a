// The checkout bench's HTTP clients, on a worker thread of their own: a load generator sharing the
// API's event loop would bill its own request building and response parsing to the API, which no
// till does. Keep-alive connections, one per client, as tills hold them. Posts to the parent the
// sorted latencies (ms) of the sales completed in the measured window and the CPU time its own
// thread used then, or the first failure; says `measuring` when that window opens.
// `load` is also the bench's loop for its raw-SQL ceiling.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
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

async function sellFromThisThread({ url, registers, body, clients, warmupSeconds, seconds }: BenchClients) {
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
          headers: {
            ...register,
            'idempotency-key': randomUUID(),
            'content-length': Buffer.byteLength(body),
          },
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
    agent.destroy();
  }
}

if (!isMainThread) await sellFromThisThread(workerData as BenchClients);
