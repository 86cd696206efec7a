import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { ActionableError } from '../tools/errors.ts';
import { assertPortFree } from './process.ts';
import { startNats } from './nats.ts';
import { generatePassword, startPostgres } from './postgres.ts';

/** The local addresses listening on a TCP port, read from the kernel's socket tables (IPv4 and IPv6). */
async function listeningAddresses(port: number): Promise<string[]> {
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A: LISTEN
      const [hexAddress, hexPort] = local.split(':');
      if (Number.parseInt(hexPort!, 16) !== port) continue;
      addresses.push(
        hexAddress!.length === 8
          ? (hexAddress!.match(/../g) ?? [])
              .map((byte) => Number.parseInt(byte, 16))
              .reverse()
              .join('.')
          : `ipv6:${hexAddress}`,
      );
    }
  }
  return addresses;
}

describe('the toolchain', () => {
  it('runs on the Node 24 the repository pins', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});

describe('real dependencies started by the harness', () => {
  it('PostgreSQL answers queries and is version 18', async () => {
    const client = new pg.Client({ connectionString: inject('postgresUrl') });
    await client.connect();
    try {
      const { rows } = await client.query<{ sum: number }>('select 40 + 2 as sum');
      expect(rows[0]?.sum).toBe(42);
      expect(inject('postgresVersion')).toMatch(/^18\./);
    } finally {
      await client.end();
    }
  });

  it('NATS has JetStream: a stream stores and returns a message', async () => {
    const nc = await connect({ servers: inject('natsUrl') });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'HARNESS', subjects: ['harness.>'] });
      const ack = await jetstream(nc).publish('harness.hello', 'hi');
      expect(ack.seq).toBe(1);
      const stored = await jsm.streams.getMessage('HARNESS', { seq: 1 });
      expect(stored?.string()).toBe('hi');
    } finally {
      await nc.close();
    }
  });

  it('NATS serves its monitoring endpoint (every account’s connections, no credentials) on loopback only', async () => {
    for (const operatorMode of [false, true]) {
      const dir = await mkdtemp(join(tmpdir(), 'cloudpos-nats-monitor-'));
      const nats = await startNats({ dir, operatorMode });
      try {
        const port = Number(new URL(nats.monitorUrl).port);
        expect(await listeningAddresses(port), `operatorMode=${operatorMode}`).toEqual(['127.0.0.1']);
        expect(await listeningAddresses(Number(new URL(nats.url).port))).toEqual(['127.0.0.1']);
      } finally {
        await nats.stop();
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it('Redis stores and returns a value, for clients with its password only', async () => {
    const redis = new Redis(inject('redisUrl'));
    const url = new URL(inject('redisUrl'));
    const stranger = new Redis({ host: url.hostname, port: Number(url.port), lazyConnect: true });
    stranger.on('error', () => {});
    try {
      await redis.set('cloudpos:t:harness:test:ok', 'ok');
      expect(await redis.get('cloudpos:t:harness:test:ok')).toBe('ok');
      await stranger.connect().catch(() => {});
      await expect(stranger.get('cloudpos:t:harness:test:ok')).rejects.toThrow(/NOAUTH/);
    } finally {
      redis.disconnect();
      stranger.disconnect();
    }
  });
});

describe('clear failures', () => {
  it('reports a taken port with what to do', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    try {
      const error = await assertPortFree(port, 'the POS API', 'CLOUDPOS_API_PORT').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ActionableError);
      expect((error as ActionableError).message).toBe(`Port ${port} for the POS API is already in use.`);
      expect((error as ActionableError).hint).toContain('CLOUDPOS_API_PORT=<port>');
    } finally {
      server.close();
    }
  });

  it('refuses a data directory that holds files but no cluster, and does not touch them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cloudpos-corrupt-'));
    try {
      await mkdir(join(dir, 'data'));
      await writeFile(join(dir, 'data', 'something'), 'precious');
      const error = await startPostgres({ dir, password: generatePassword(), durable: false }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ActionableError);
      expect((error as ActionableError).message).toContain('PG_VERSION is missing');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('surfaces the server log when PostgreSQL cannot start on a damaged cluster', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cloudpos-damaged-'));
    try {
      const first = await startPostgres({ dir, password: generatePassword(), durable: false });
      await first.stop();
      // A cluster whose control file is gone cannot start; the error must carry the server's words.
      await rm(join(dir, 'data', 'global', 'pg_control'));
      const error = await startPostgres({ dir, password: generatePassword(), durable: false }).catch(
        (e: unknown) => e,
      );
      expect(String(error)).toMatch(/postgres exited during start-up/);
      expect(String(error)).toMatch(/pg_control/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
