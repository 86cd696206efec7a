// GET /v1/sales/events through the HTTP API, where the app has no way to the tenants' NATS
// accounts: the permission matrix decides first (reports.read: a cashier is refused), then the
// route says plainly that events cannot be reached (503 events_unavailable), never a stream that
// stays silent. The stream itself, read from a tenant's own NATS account, is tested end to end in
// portal/src/live-sales.test.ts (the portal's live figure through the pooled API).
import type {} from '@cloudpos/harness/vitest/provided';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, signIn, sellingWorld, type SellingWorld } from '../test-support.ts';

let world: SellingWorld;

beforeAll(async () => {
  world = await sellingWorld('events', { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
});
afterAll(async () => {
  await world?.close();
});

const watch = (headers: Record<string, string>) =>
  world.app.inject({
    method: 'GET',
    url: '/v1/sales/events',
    headers: { host: world.tenant.host, accept: 'text/event-stream', ...headers },
  });

describe('GET /v1/sales/events', () => {
  it('is for reports.read: a cashier is refused, nobody unsigned gets in', async () => {
    const { tenant, app } = world;
    const cashier = await signIn(app, tenant, tenant.cashier.code, tenant.cashier.pin);
    const refused = await watch(bearer(cashier.accessToken));
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'forbidden' });
    expect((await watch({})).json()).toMatchObject({ code: 'unauthenticated' });
  });

  it('says when this server cannot reach the tenant’s events, as problem+json', async () => {
    const { tenant, app } = world;
    const manager = await signIn(app, tenant, tenant.manager.code, tenant.manager.pin);
    const answer = await watch(bearer(manager.accessToken));
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.json()).toMatchObject({ code: 'events_unavailable' });
  });
});
