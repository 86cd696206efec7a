// How long the harness takes to give a test its real dependencies: PostgreSQL from an empty
// directory (initdb + start) and from an existing cluster, NATS with JetStream, Redis.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats } from '../infra/nats.ts';
import { generatePassword, startPostgres } from '../infra/postgres.ts';
import { startRedis } from '../infra/redis.ts';

const RUNS = 5;

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${label} median=${median.toFixed(0)}ms min=${sorted[0]!.toFixed(0)}ms max=${sorted.at(-1)!.toFixed(0)}ms runs=${samples.length}`;
}

export async function infraBenchmark(): Promise<string[]> {
  const root = await mkdtemp(join(tmpdir(), 'cloudpos-bench-'));
  await chmod(root, 0o755); // PostgreSQL runs as its own user when we are root
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    const nats: number[] = [];
    const redis: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const dir = join(root, `pg-${run}`);
      const password = generatePassword();
      // Cold: initdb into an empty directory, then start. Warm: start the existing cluster.
      cold.push(
        await timed(async () => {
          await (await startPostgres({ dir, password, durable: false })).stop();
        }),
      );
      let server: Awaited<ReturnType<typeof startPostgres>> | undefined;
      warm.push(
        await timed(async () => {
          server = await startPostgres({ dir, password, durable: false });
        }),
      );
      await server?.stop();
      nats.push(
        await timed(async () => {
          const instance = await startNats({ dir: join(root, `nats-${run}`) });
          await instance.stop();
        }),
      );
      redis.push(
        await timed(async () => {
          const instance = await startRedis({ dir: join(root, `redis-${run}`), durable: false });
          await instance.stop();
        }),
      );
    }
    return [
      summary('postgres_cold_start_and_stop', cold),
      summary('postgres_warm_start', warm),
      summary('nats_start_and_stop', nats),
      summary('redis_start_and_stop', redis),
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
