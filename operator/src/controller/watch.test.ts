// The watches against a real API server: changes reach the queue, and a watch that stops delivering
// without an error (what a half-dead connection looks like) is found by the watchdog and restarted.
import type {} from '@cloudpos/harness/vitest/provided';
import { eventually } from '@cloudpos/harness';
import { CustomObjectsApi, KubeConfig, KubernetesObjectApi, makeInformer } from '@kubernetes/client-node';
import { createLogger } from '@cloudpos/telemetry';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantManifest } from '../specs/fixtures.ts';
import { FIELD_MANAGER, TENANT_LABEL } from '../specs/metadata.ts';
import { applyTenant, installTenantCrd, kubectl } from '../test-support.ts';
import type { WorkQueue } from './queue.ts';
import { lagging, startWatches, type InformerFactory, type Watches } from './watch.ts';

const object = (name: string, resourceVersion: string, namespace?: string) => ({
  metadata: { name, resourceVersion, ...(namespace ? { namespace } : {}) },
});

describe('lagging', () => {
  it('names what a list has that the cache missed, in both directions', () => {
    expect(lagging([object('a', '1'), object('b', '2')], [object('a', '1'), object('b', '2')])).toEqual([]);
    expect(lagging([object('a', '1')], [object('a', '3'), object('c', '4', 'ns')])).toEqual([
      '/a@3',
      'ns/c@4',
      '/a@1',
    ]);
    expect(lagging([object('gone', '5')], [])).toEqual(['/gone@5']);
  });
});

describe('the watches', () => {
  const queued: string[] = [];
  const restarts: string[] = [];
  const informers: ReturnType<InformerFactory>[] = [];
  let watches: Watches;

  beforeAll(async () => {
    await installTenantCrd();
    const kc = new KubeConfig();
    kc.loadFromFile(inject('kubeconfigPath'));
    watches = await startWatches({
      kc,
      custom: kc.makeApiClient(CustomObjectsApi),
      objects: KubernetesObjectApi.makeApiClient(kc),
      queue: { add: (name: string) => queued.push(name) } as unknown as WorkQueue,
      logger: createLogger({ name: 'watch-test', level: 'silent' }),
      labelSelector: 'cloudpos.io/test-shard=watch',
      watchdogEveryMs: 300,
      onRestart: (watch, reason) => restarts.push(`${watch}:${reason}`),
      makeInformer: (...args: Parameters<InformerFactory>) => {
        const informer = makeInformer(...args);
        informers.push(informer);
        return informer;
      },
    });
  });

  afterAll(async () => {
    await watches?.stop();
  });

  const shardLabels = { 'cloudpos.io/test-shard': 'watch' };

  it('queue each changed Tenant', async () => {
    await applyTenant(tenantManifest('watch-one', {}, { labels: shardLabels }));
    await eventually('the tenant to be queued', async () => queued.includes('watch-one') || undefined);
    expect(restarts).not.toContain('tenants:stalled');
  });

  it('keep each owned object for reconciles, as the server has it without its field managers', async () => {
    const labels = { 'app.kubernetes.io/managed-by': FIELD_MANAGER, [TENANT_LABEL]: 'watch-one' };
    const metadata = { name: 'watch-owned', namespace: 'default' };
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', metadata };
    const manifest = { ...ref, metadata: { ...metadata, labels }, data: { greeting: 'hello' } };
    queued.length = 0;
    expect((await kubectl(['apply', '-f', '-'], JSON.stringify(manifest))).code).toBe(0);
    const cached = await eventually('the ConfigMap in the cache', () => watches.cached(ref));
    expect(cached).toMatchObject({ data: { greeting: 'hello' }, metadata: { ...metadata, labels } });
    expect(cached.metadata?.managedFields).toBeUndefined();
    expect(queued).toContain('watch-one');
    expect((await kubectl(['delete', 'configmap', 'watch-owned', '--namespace', 'default'])).code).toBe(0);
    await eventually(
      'the ConfigMap gone from the cache',
      () => watches.cached(ref) === undefined || undefined,
    );
  });

  it('are restarted by the watchdog when they stall silently, and catch up', async () => {
    // Stop the Tenant informer behind the controller's back: no error, no more events.
    await informers[0]!.stop();
    queued.length = 0;
    restarts.length = 0;
    await applyTenant(tenantManifest('watch-two', {}, { labels: shardLabels }));
    await eventually('the watchdog to restart the stalled watch', async () =>
      restarts.includes('tenants:stalled') ? true : undefined,
    );
    await eventually('the missed tenant to be queued', async () => queued.includes('watch-two') || undefined);
    // Restarted once, by the watchdog: the abort of the stalled request is not mistaken for an error.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(restarts.filter((restart) => restart.startsWith('tenants'))).toEqual(['tenants:stalled']);
  });
});
