// The worker process's liveness: /healthz is 200 while each tenant's relay finishes its passes,
// and 503 naming the tenant when a pass never ends (here: a database address that accepts the
// connection and never answers, as a network black hole does), so the probe restarts the process.
import {
  createTestDatabase,
  eventually,
  freePort,
  ManagedProcess,
  startNats,
  type NatsServer,
  type TestDatabase,
} from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { migrateTenant, tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let db: TestDatabase;
let dir: string;
let nats: NatsServer;
let blackHole: Server;
const sockets: Socket[] = [];
const workers: ManagedProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'workermain');
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url }));
  await migrateTenant(orm, 'tenant_live');
  await orm.close();
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-worker-main-'));
  nats = await startNats({ dir: join(dir, 'nats'), port: await freePort(), monitorPort: await freePort() });
  blackHole = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  for (const socket of sockets) socket.destroy();
  blackHole?.close();
  await nats?.stop();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function startWorker(slug: string, databaseUrl: string) {
  const port = await freePort();
  const worker = new ManagedProcess({
    name: `worker ${slug}`,
    command: process.execPath,
    args: [fileURLToPath(new URL('./main.ts', import.meta.url))],
    logFile: join(dir, `${slug}.log`),
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TENANT_SLUG: slug,
      NATS_URL: nats.url,
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(port),
      WORKER_STALL_SECONDS: '1',
    },
  });
  workers.push(worker);
  const health = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  await worker.waitUntilReady(async () => (await health()).status > 0);
  return health;
}

describe('the worker process', () => {
  it('stays healthy while its relay passes, and says stalled when a pass never ends', async () => {
    const live = await startWorker('live', db.url);
    const address = blackHole.address() as { port: number };
    const wedged = await startWorker('wedged', `postgres://nobody:secret@127.0.0.1:${address.port}/none`);

    // Past the stall limit (1 s), the relay that passes every 250 ms is still healthy...
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await live()).toEqual({ status: 200, body: { status: 'ok', tenants: 1 } });
    // ...and the one waiting for a database that never answers is not.
    const stalled = await eventually('the wedged worker reports a stall', async () => {
      const answer = await wedged();
      return answer.status === 503 ? answer : undefined;
    });
    expect(stalled.body).toEqual({ status: 'stalled', tenants: 1, stalled: ['wedged'] });
    // The database's password never reaches the answer.
    expect(JSON.stringify(stalled.body)).not.toContain('secret');
  });
});
