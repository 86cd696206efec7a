// The worker's outbox relay for one tenant of a test portal, as the pooled worker of `npm start`
// runs it: the tenant's schema, published to its own stream with its own NATS credentials (the
// `<slug>.nats.creds` the operator's local mode wrote into TENANTS_DIR).
import { jetstream } from '@nats-io/jetstream';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { createLogger } from '@cloudpos/telemetry';
import { tenantSchemaName } from '@cloudpos/tenant-db';
import { startRelay } from '@cloudpos/worker';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { TestPortal } from './portal.ts';

/** Starts relaying the tenant's outbox; resolves to the way to stop it. */
export async function relayOutbox(portal: TestPortal, slug: string): Promise<() => Promise<void>> {
  const creds = await readFile(join(portal.config.TENANTS_DIR!, `${slug}.nats.creds`));
  const nc = await connect({
    servers: portal.config.NATS_URL!,
    authenticator: credsAuthenticator(creds),
    name: `test-worker:${slug}`,
  });
  const pool = new pg.Pool({ connectionString: portal.databaseUrl, max: 1 });
  const relay = startRelay(
    { tenant: slug, schema: tenantSchemaName(slug), pool, js: jetstream(nc) },
    { logger: createLogger({ name: 'test-relay', level: 'silent' }), intervalMs: 100 },
  );
  return async () => {
    await relay.stop();
    await nc.close();
    await pool.end();
  };
}
