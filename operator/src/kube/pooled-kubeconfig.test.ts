// The pooled KubeConfig against the real API server: every request goes through one dispatcher,
// and requests still succeed (also many at once).
import { CoreV1Api, HttpMethod, RequestContext } from '@kubernetes/client-node';
import type {} from '@cloudpos/harness/vitest/provided';
import { describe, expect, inject, it } from 'vitest';
import { PooledKubeConfig } from './pooled-kubeconfig.ts';

describe('PooledKubeConfig', () => {
  it('hands every request the same connection pool, and the requests succeed', async () => {
    const kc = new PooledKubeConfig();
    kc.loadFromFile(inject('kubeconfigPath'));
    const contexts = [1, 2, 3].map(
      () => new RequestContext(`${kc.getCurrentCluster()!.server}/api`, HttpMethod.GET),
    );
    for (const context of contexts) await kc.applySecurityAuthentication(context);
    const [first, ...rest] = contexts.map((context) => context.getDispatcher());
    expect(first).toBeDefined();
    for (const dispatcher of rest) expect(dispatcher).toBe(first);

    const core = kc.makeApiClient(CoreV1Api);
    const lists = await Promise.all(Array.from({ length: 20 }, () => core.listNamespace()));
    for (const list of lists)
      expect(list.items.map((namespace) => namespace.metadata?.name)).toContain('default');
  });
});
