// Tenant NATS accounts on a real nats-server in operator (JWT) mode.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type {} from '@cloudpos/harness/vitest/provided';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PLANS } from '../specs/plans.ts';
import {
  EVENTS_STREAM,
  deleteTenantAccount,
  openSystemConnection,
  provisionTenantAccount,
  sameAccountClaims,
  type NatsAdmin,
  type TenantMessaging,
} from './nats.ts';

let admin: NatsAdmin;
let alpha: TenantMessaging;
let beta: TenantMessaging;
const open: NatsConnection[] = [];

const connectAs = async (tenant: TenantMessaging) => {
  const nc = await connect({
    servers: inject('natsOperatorUrl'),
    authenticator: credsAuthenticator(new TextEncoder().encode(tenant.userCreds)),
  });
  open.push(nc);
  return nc;
};

beforeAll(async () => {
  admin = {
    url: inject('natsOperatorUrl'),
    operatorSeed: inject('natsOperatorSeed'),
    systemUserCreds: inject('natsSystemUserCreds'),
  };
  alpha = await provisionTenantAccount(admin, { slug: 'alpha', plan: 'starter' });
  beta = await provisionTenantAccount(admin, { slug: 'beta', plan: 'growth' });
});

afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close()));
});

describe('a tenant NATS account', () => {
  it('has its own event stream with the plan’s JetStream quota', async () => {
    const jsm = await jetstreamManager(await connectAs(alpha));
    const info = await jsm.getAccountInfo();
    expect(info.limits.max_storage).toBe(PLANS.starter.stream.maxBytes);
    const stream = await jsm.streams.info(EVENTS_STREAM);
    expect(stream.config.max_bytes).toBe(PLANS.starter.stream.maxBytes);
    expect(stream.config.subjects).toEqual(['pos.events.>']);
  });

  it('keeps tenants apart: the same subject in two accounts never crosses over', async () => {
    const a = await connectAs(alpha);
    const b = await connectAs(beta);
    const received: string[] = [];
    const sub = b.subscribe('pos.events.sale');
    void (async () => {
      for await (const message of sub) received.push(message.string());
    })();
    await b.flush();
    const ack = await jetstream(a).publish('pos.events.sale', 'alpha sold something');
    expect(ack.stream).toBe(EVENTS_STREAM);
    await a.flush();
    await sleep(300);
    expect(received).toEqual([]);
    const betaStream = await (await jetstreamManager(b)).streams.info(EVENTS_STREAM);
    expect(betaStream.state.messages).toBe(0);
    const alphaStream = await (await jetstreamManager(a)).streams.info(EVENTS_STREAM);
    expect(alphaStream.state.messages).toBe(1);
    sub.unsubscribe();
  });

  it('cannot subscribe outside its subject space', async () => {
    const a = await connectAs(alpha);
    const sub = a.subscribe('platform.>');
    await expect(
      (async () => {
        for await (const _ of sub) {
          // no message is expected: the server refuses the subscription
        }
      })(),
    ).rejects.toThrow(/Permissions Violation/i);
  });

  it('keeps its identity when provisioned again with the stored seeds, and follows a plan change', async () => {
    const again = await provisionTenantAccount(admin, {
      slug: 'alpha',
      plan: 'growth',
      accountSeed: alpha.accountSeed,
      userSeed: alpha.userSeed,
    });
    expect(again.accountPublicKey).toBe(alpha.accountPublicKey);
    const jsm = await jetstreamManager(await connectAs(again));
    const stream = await jsm.streams.info(EVENTS_STREAM);
    expect(stream.config.max_bytes).toBe(PLANS.growth.stream.maxBytes);
    expect(stream.state.messages).toBe(1);
  });

  it('is pushed to the resolver only when its claims changed (a resync of an unchanged tenant reads)', async () => {
    const system = await connect({
      servers: inject('natsOperatorUrl'),
      authenticator: credsAuthenticator(new TextEncoder().encode(inject('natsSystemUserCreds'))),
    });
    open.push(system);
    const pushes: string[] = [];
    system.subscribe('$SYS.REQ.CLAIMS.UPDATE', {
      callback: (_error, message) => {
        pushes.push(message.string());
      },
    });
    await system.flush();
    const seeds = { accountSeed: beta.accountSeed, userSeed: beta.userSeed };
    await provisionTenantAccount(admin, { slug: 'beta', plan: 'growth', ...seeds });
    await provisionTenantAccount(admin, { slug: 'beta', plan: 'growth', ...seeds });
    await system.flush();
    expect(pushes).toEqual([]);
    await provisionTenantAccount(admin, { slug: 'beta', plan: 'scale', ...seeds });
    await system.flush();
    expect(pushes).toHaveLength(1);
    expect(sameAccountClaims(pushes[0]!, pushes[0]!)).toBe(true);
    await provisionTenantAccount(admin, { slug: 'beta', plan: 'growth', ...seeds });
    await system.flush();
    expect(pushes).toHaveLength(2);
    expect(sameAccountClaims(pushes[0]!, pushes[1]!)).toBe(false);
  });

  it('through one shared system connection, checks an unchanged stream without connecting as the tenant', async () => {
    const shared = { ...admin, system: openSystemConnection(admin) };
    try {
      const gamma = await provisionTenantAccount(shared, { slug: 'gamma', plan: 'starter' });
      const seeds = { accountSeed: gamma.accountSeed, userSeed: gamma.userSeed };
      const system = await shared.system.connection();
      // The server announces every connection in the tenant's account to the system account.
      const connects: string[] = [];
      system.subscribe(`$SYS.ACCOUNT.${gamma.accountPublicKey}.CONNECT`, {
        callback: (_error, message) => {
          connects.push(message.string());
        },
      });
      await system.flush();
      await provisionTenantAccount(shared, { slug: 'gamma', plan: 'starter', ...seeds });
      await provisionTenantAccount(shared, { slug: 'gamma', plan: 'starter', ...seeds });
      await system.flush();
      await sleep(200);
      expect(connects).toEqual([]);

      // A plan change, and a stream deleted behind the operator's back: both are put right.
      await provisionTenantAccount(shared, { slug: 'gamma', plan: 'growth', ...seeds });
      const jsm = await jetstreamManager(await connectAs(gamma));
      expect((await jsm.streams.info(EVENTS_STREAM)).config.max_bytes).toBe(PLANS.growth.stream.maxBytes);
      await jsm.streams.delete(EVENTS_STREAM);
      await provisionTenantAccount(shared, { slug: 'gamma', plan: 'growth', ...seeds });
      expect((await jsm.streams.info(EVENTS_STREAM)).config.max_bytes).toBe(PLANS.growth.stream.maxBytes);
      expect(connects.length).toBeGreaterThan(0);
    } finally {
      await shared.system.close();
    }
  });

  it('is gone after deletion: its users can no longer connect', async () => {
    const doomed = await provisionTenantAccount(admin, { slug: 'doomed', plan: 'starter' });
    await (await connectAs(doomed)).close();
    await deleteTenantAccount(admin, doomed.accountPublicKey);
    await expect(connectAs(doomed)).rejects.toThrow(/Authorization Violation/i);
  });
});
