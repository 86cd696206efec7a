// `npm run operator` with nothing configured: it uses the local platform's engines (starting them
// when `npm start` is not running), reconciles a Tenant on the real API server to Ready, and stops
// what it started when it is told to stop. Half a configuration is refused with one message.
import { eventually, freePort } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { installTenantCrd, kubectl } from '@cloudpos/operator/test-support';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { portAnswers } from './infra.ts';

const launcher = fileURLToPath(new URL('./operator.ts', import.meta.url));
const homes: string[] = [];

afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

function launch(env: Record<string, string>) {
  const child = spawn(process.execPath, [launcher], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exit };
}

describe('npm run operator', () => {
  it('runs on the local engines when nothing is configured, reconciles, and stops what it started', async () => {
    await installTenantCrd();
    const home = await mkdtemp(join(tmpdir(), 'cloudpos-home-'));
    await chmod(home, 0o755);
    homes.push(home);
    const ports = {
      CLOUDPOS_PG_PORT: String(await freePort()),
      CLOUDPOS_NATS_PORT: String(await freePort()),
      CLOUDPOS_NATS_MONITOR_PORT: String(await freePort()),
      CLOUDPOS_REDIS_PORT: String(await freePort()),
    };
    const namespace = await kubectl(['create', 'namespace', 'local-operator-test']);
    expect(namespace.code).toBe(0);
    const operator = launch({
      CLOUDPOS_HOME: home,
      ...ports,
      KUBECONFIG: inject('kubeconfigPath'),
      LEASE_NAMESPACE: 'local-operator-test',
      METRICS_PORT: String(await freePort()),
      TENANT_LABEL_SELECTOR: 'cloudpos.io/shard=local-operator-test',
      LOG_LEVEL: 'warn',
    });
    const tenant = {
      apiVersion: 'cloudpos.io/v1alpha1',
      kind: 'Tenant',
      metadata: { name: 'launched', labels: { 'cloudpos.io/shard': 'local-operator-test' } },
      spec: {
        slug: 'launched',
        displayName: 'Launched',
        plan: 'starter',
        owner: { name: 'Owner', email: 'owner@example.com' },
        currency: 'EUR',
      },
    };
    const applied = await kubectl(['apply', '-f', '-'], stringify(tenant));
    expect(applied.code).toBe(0);
    await eventually(
      'the tenant to be Ready',
      async () => {
        const phase = await kubectl(['get', 'tenant', 'launched', '-o', 'jsonpath={.status.phase}']);
        return phase.stdout === 'Ready' ? true : undefined;
      },
      90_000,
    );
    expect(operator.output()).toContain("using the local platform's PostgreSQL, NATS");
    expect(operator.output()).toContain('and Redis; configuration in');

    // Its finalizer runs too (Retain: the data stays).
    expect((await kubectl(['delete', 'tenant', 'launched', '--timeout=60s'])).code).toBe(0);

    operator.child.kill('SIGTERM');
    expect(await operator.exit).toBe(0);
    for (const port of Object.values(ports)) expect(await portAnswers(Number(port))).toBe(false);
  });

  it('refuses half a configuration, naming what is missing', async () => {
    const operator = launch({ DATABASE_URL: 'postgres://somewhere/db', NATS_URL: 'nats://somewhere:4222' });
    expect(await operator.exit).toBe(1);
    expect(operator.output()).toContain(
      'DATABASE_URL, NATS_URL are set, but not OPERATOR_CONFIG, NATS_OPERATOR_SEED, NATS_SYSTEM_CREDS_FILE, REDIS_ADMIN_URL.',
    );
    expect(operator.output()).not.toMatch(/^\s+at /m);
  });
});
