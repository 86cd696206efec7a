// Tenant Redis users on a real Redis: each reaches its own key prefix with the commands the POS API
// runs, and is refused (NOPERM) everything else.
import type {} from '@cloudpos/harness/vitest/provided';
// The scripts the POS API really runs: the ACL must allow exactly what they call.
import { COUNT_SCRIPT, GIVE_BACK_SCRIPT } from '@cloudpos/pos-api';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  deleteTenantRedisUser,
  provisionTenantRedisUser,
  tenantRedisUrl,
  type RedisAdmin,
  type TenantRedisUser,
} from './redis.ts';

let admin: RedisAdmin;
let superuser: Redis;
let alpha: TenantRedisUser;
const clients: Redis[] = [];

/** Connects as the POS API does (server.ts), as the tenant's user. */
function connectAs(user: TenantRedisUser): Redis {
  const client = new Redis(tenantRedisUrl(inject('redisUrl'), user), {
    connectionName: 'pos-api',
    enableReadyCheck: false,
    disableClientInfo: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  client.defineCommand('count', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  client.defineCommand('giveBack', { numberOfKeys: 1, lua: GIVE_BACK_SCRIPT });
  clients.push(client);
  return client;
}

type Counting = Redis & {
  count(key: string, windowMs: number): Promise<[number, number]>;
  giveBack(key: string): Promise<number>;
};

beforeAll(async () => {
  admin = { url: inject('redisUrl'), saveAcl: false };
  superuser = new Redis(inject('redisUrl'));
  alpha = await provisionTenantRedisUser(admin, { slug: 'alpha', password: 'alpha-password-0123456789' });
  await provisionTenantRedisUser(admin, { slug: 'beta', password: 'beta-password-0123456789' });
  await superuser.set('cloudpos:t:beta:requests:all', '7');
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await superuser?.quit();
});

describe('a tenant Redis user', () => {
  it('runs the counters on its own prefix, and pings', async () => {
    const client = connectAs(alpha) as Counting;
    expect(await client.ping()).toBe('PONG');
    const [current, ttl] = await client.count('cloudpos:t:alpha:sign-in-device:till-1', 60_000);
    expect(current).toBe(1);
    expect(ttl).toBeGreaterThan(0);
    expect((await client.count('cloudpos:t:alpha:sign-in-device:till-1', 60_000))[0]).toBe(2);
    expect(await client.giveBack('cloudpos:t:alpha:sign-in-device:till-1')).toBe(1);
    expect(await client.get('cloudpos:t:alpha:sign-in-device:till-1')).toBe('1');
    await client.quit();
  });

  it('is refused another tenant’s keys, unprefixed keys and dangerous commands', async () => {
    const client = connectAs(alpha) as Counting;
    const refused = [
      client.get('cloudpos:t:beta:requests:all'),
      client.count('cloudpos:t:beta:requests:all', 60_000),
      client.count('cloudpos:t:alpha-evil:requests:all', 60_000),
      client.get('other'),
      client.set('cloudpos:t:alpha:requests:x', '0'),
      client.del('cloudpos:t:alpha:requests:x'),
      client.keys('cloudpos:t:beta:*'),
      client.keys('*'),
      client.scan('0'),
      client.flushall(),
      client.flushdb(),
      client.config('GET', 'requirepass'),
      client.info(),
      client.call('CLIENT', 'LIST'),
      client.call('CLIENT', 'KILL', 'TYPE', 'normal'),
      client.call('SCRIPT', 'FLUSH'),
      client.call('ACL', 'LIST'),
      client.publish('cloudpos', 'x'),
      client.eval("return redis.call('GET', 'cloudpos:t:beta:requests:all')", 0),
    ];
    for (const [index, attempt] of refused.entries()) {
      await expect(attempt, `attempt ${index}`).rejects.toThrow(
        /NOPERM|user executing the script can't access/,
      );
    }
    expect(await superuser.get('cloudpos:t:beta:requests:all')).toBe('7');
  });

  it('is put back when changed by hand, and keeps working when already right', async () => {
    await superuser.call('ACL', 'SETUSER', 'tenant-alpha', '+flushall', '~*');
    await provisionTenantRedisUser(admin, { slug: 'alpha', password: alpha.password });
    const client = connectAs(alpha);
    await expect(client.flushall()).rejects.toThrow(/NOPERM/);
    await expect(client.get('other')).rejects.toThrow(/NOPERM/);
    const before = await superuser.call('ACL', 'GETUSER', 'tenant-alpha');
    await provisionTenantRedisUser(admin, { slug: 'alpha', password: alpha.password });
    expect(await superuser.call('ACL', 'GETUSER', 'tenant-alpha')).toEqual(before);
    expect(await client.ping()).toBe('PONG');
  });

  it('is gone after the tenant is deleted, with its connections', async () => {
    await provisionTenantRedisUser(admin, { slug: 'gamma', password: 'gamma-password-0123456789' });
    const client = connectAs({ username: 'tenant-gamma', password: 'gamma-password-0123456789' });
    expect(await client.ping()).toBe('PONG');
    await deleteTenantRedisUser(admin, 'gamma');
    await deleteTenantRedisUser(admin, 'gamma');
    await expect(client.ping()).rejects.toThrow();
    expect(await superuser.call('ACL', 'GETUSER', 'tenant-gamma')).toBeNull();
  });

  it('says which user failed, without the admin URL', async () => {
    const wrong = { url: inject('redisUrl').replace(/:[^:@/]+@/, ':wrong-password@'), saveAcl: false };
    const attempt = provisionTenantRedisUser(wrong, { slug: 'delta', password: 'delta-password-0123456789' });
    await expect(attempt).rejects.toThrow(/^while creating Redis user tenant-delta: WRONGPASS/);
    await expect(attempt).rejects.not.toThrow(/wrong-password/);
  });
});
