// The outbox relay against real PostgreSQL (a migrated tenant schema) and a real NATS JetStream that
// the test stops and starts again: order, Nats-Msg-Id deduplication, trace context, and an outage.
import {
  createTestDatabase,
  eventually,
  freePort,
  startNats,
  type NatsServer,
  type TestDatabase,
} from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { createLogger } from '@cloudpos/telemetry';
import { migrateTenant, provisionTenantRole, tenantOrmConfig } from '@cloudpos/tenant-db';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MikroORM } from '@mikro-orm/postgresql';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { relayMetrics, relayOnce, startRelay } from './relay.ts';

const SCHEMA = 'tenant_relay_shop';
let db: TestDatabase;
let pool: pg.Pool;
let dir: string;
let port: number;
let nats: NatsServer;
let nc: NatsConnection;
let js: JetStreamClient;

async function startOurNats() {
  nats = await startNats({ dir, port, monitorPort: await freePort() });
}

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'relay');
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url }));
  await migrateTenant(orm, SCHEMA);
  await orm.close();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-relay-nats-'));
  port = await freePort();
  await startOurNats();
  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  await (
    await jetstreamManager(nc)
  ).streams.add({ name: 'EVENTS', subjects: ['pos.events.>'], duplicate_window: 120 * 1e9 });
  js = jetstream(nc);
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
  await pool?.end();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

async function writeEvents(count: number, subject = 'pos.events.sale.completed') {
  for (let index = 0; index < count; index++) {
    await pool.query(
      `insert into "${SCHEMA}".outbox_event (subject, payload, traceparent) values ($1, $2, $3)`,
      [subject, { n: index }, `00-${TRACE_ID}-00f067aa0ba902b7-01`],
    );
  }
}

async function streamMessages(): Promise<
  { seq: number; id: string; payload: unknown; traceparent: string }[]
> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info('EVENTS');
  const messages = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const message = await jsm.streams.getMessage('EVENTS', { seq });
    if (!message) continue;
    messages.push({
      seq,
      id: message.header.get('Nats-Msg-Id'),
      payload: message.json(),
      traceparent: message.header.get('traceparent'),
    });
  }
  return messages;
}

const unpublished = async () =>
  (
    await pool.query<{ n: number }>(
      `select count(*)::int as n from "${SCHEMA}".outbox_event where published_at is null`,
    )
  ).rows[0]!.n;

describe('the outbox relay', () => {
  it('publishes waiting events in order, with Nats-Msg-Id = outbox id and the writer’s trace', async () => {
    await writeEvents(3);
    const target = { tenant: 'relay-shop', schema: SCHEMA, pool, js };
    expect(await relayOnce(target)).toBe(3);
    expect(await unpublished()).toBe(0);
    const messages = await streamMessages();
    expect(messages.map((message) => message.payload)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    const ids = (
      await pool.query<{ id: string }>(`select id::text from "${SCHEMA}".outbox_event order by id`)
    ).rows;
    expect(messages.map((message) => message.id)).toEqual(ids.map((row) => row.id));
    // The publish span is a child in the writer's trace.
    expect(messages[0]!.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-0[01]$`));
    expect(await relayOnce(target)).toBe(0);
  });

  it('publishes an event twice only once: a crash between publish and mark is absorbed by the stream', async () => {
    const before = (await streamMessages()).length;
    await writeEvents(2);
    const target = { tenant: 'relay-shop', schema: SCHEMA, pool, js };
    expect(await relayOnce(target)).toBe(2);
    // As if the worker died after publishing and before its transaction committed.
    await pool.query(
      `update "${SCHEMA}".outbox_event set published_at = null
        where id in (select id from "${SCHEMA}".outbox_event order by id desc limit 2)`,
    );
    expect(await relayOnce(target)).toBe(2);
    expect((await streamMessages()).length).toBe(before + 2);
  });

  it('works with only the tenant’s own role, and one relay at a time holds the tenant’s row lock', async () => {
    // As in a cluster: the worker has the tenant's credentials, which cannot take advisory locks.
    const { role, password } = await provisionTenantRole(pool, { schema: SCHEMA, connectionLimit: 5 });
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    const tenantPool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    const other = await tenantPool.connect();
    try {
      await writeEvents(2);
      const target = { tenant: 'relay-shop', schema: SCHEMA, pool: tenantPool, js };
      await other.query('begin');
      await other.query(`select name from tenant_lock where name = 'outbox.relay' for update`);
      expect(await relayOnce(target)).toBe(0);
      await other.query('rollback');
      expect(await relayOnce(target)).toBe(2);
    } finally {
      other.release();
      await tenantPool.end();
    }
  });

  it('keeps events while NATS is down and drains them when it is back', async () => {
    const registry = new Registry();
    const metrics = relayMetrics(registry);
    const logger = createLogger({ name: 'relay-test', level: 'silent' });
    const before = (await streamMessages()).length;
    await nats.stop();
    await writeEvents(5, 'pos.events.sale.refunded');
    const relay = startRelay(
      { tenant: 'relay-shop', schema: SCHEMA, pool, js },
      { logger, metrics, intervalMs: 50 },
    );
    await eventually(
      'a failed pass',
      async () => ((await metrics.failures.get()).values[0]?.value ?? 0) > 0 || undefined,
    );
    expect(await unpublished()).toBe(5);

    await startOurNats();
    await eventually(
      'the outbox to drain',
      async () => ((await unpublished()) === 0 ? true : undefined),
      30_000,
    );
    await relay.stop();
    const messages = await streamMessages();
    expect(messages.length).toBe(before + 5);
    expect(messages.slice(-5).map((message) => message.payload)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
    expect((await metrics.published.get()).values[0]?.value).toBe(5);
  });
});
