// A tenant's own Redis ACL user: it may touch only keys under its tenant's prefix and run only the
// commands the POS API needs, so one tenant's pods can neither read nor reset another tenant's
// counters, nor flush, reconfigure or list the server.
//
// The key layout and the command list belong to the POS API (services/pos-api/src/limits/keys.ts
// and counters.ts); they are repeated here because the operator must not import the API. Keep them
// in step: the test in redis.test.ts runs the API's scripts as a tenant user.
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';

export interface RedisAdmin {
  /** A user allowed ACL SETUSER/DELUSER (the default user of a self-hosted Redis, say). */
  url: string;
  /** Run ACL SAVE after each change: the server keeps its users in an aclfile. */
  saveAcl: boolean;
  /**
   * The operator process's one admin connection (openRedisAdmin), shared by every reconcile.
   * Without it (CLIs, tests) each call connects for itself and disconnects again.
   */
  client?: Redis;
}

/**
 * A shared admin connection: it connects on first use and reconnects by itself; a command fails
 * (after one retry) rather than waiting while Redis is away. `onError` hears connection errors.
 */
export function openRedisAdmin(admin: RedisAdmin, onError: (error: Error) => void): RedisAdmin {
  const client = new Redis(admin.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectionName: 'cloudpos-operator',
  });
  client.on('error', onError);
  return { ...admin, client };
}

export interface TenantRedisUser {
  username: string;
  password: string;
}

/**
 * What a tenant's pods run: the handshake ioredis sends (HELLO with AUTH, CLIENT SETNAME), PING
 * for readiness, QUIT at shutdown, and the counters' two Lua scripts (EVALSHA, EVAL the first time
 * on a connection), which call INCR, PEXPIRE, PTTL, GET and DECR. Scripts run with the caller's
 * permissions, so these must be granted too. Not INFO, CLIENT LIST/KILL, KEYS, SCAN, CONFIG,
 * FLUSHALL, SCRIPT FLUSH, pub/sub, or any command on another prefix.
 */
export const TENANT_REDIS_COMMANDS = [
  'hello',
  'auth',
  'client|setname',
  'ping',
  'quit',
  'eval',
  'evalsha',
  'incr',
  'pexpire',
  'pttl',
  'get',
  'decr',
] as const;

export const tenantRedisUsername = (slug: string) => `tenant-${slug}`;
/** Every key of the tenant: cloudpos:t:<slug>:<purpose>:<id>. */
export const tenantKeyPattern = (slug: string) => `cloudpos:t:${slug}:*`;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * ACL SETUSER's rules, from nothing (`reset`), so a user tampered with is put back exactly. The
 * password goes as its SHA-256 (`#…`): Redis never sees it in clear, and neither do MONITOR or the
 * slow log.
 */
export function tenantAclRules(slug: string, password: string): string[] {
  return [
    'reset',
    'on',
    `#${sha256(password)}`,
    `~${tenantKeyPattern(slug)}`,
    'resetchannels',
    '-@all',
    ...TENANT_REDIS_COMMANDS.map((command) => `+${command}`),
  ];
}

/** The tenant's Redis URL for its pods: the shared server's address with the tenant's user. */
export function tenantRedisUrl(serverUrl: string, user: TenantRedisUser): string {
  const url = new URL(serverUrl);
  url.username = encodeURIComponent(user.username);
  url.password = encodeURIComponent(user.password);
  return url.toString();
}

async function withAdmin<T>(admin: RedisAdmin, what: string, run: (redis: Redis) => Promise<T>): Promise<T> {
  if (admin.client) {
    try {
      return await run(admin.client);
    } catch (error) {
      throw new Error(`while ${what}: ${(error as Error).message}`, { cause: error });
    }
  }
  const redis = new Redis(admin.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: () => null,
    connectionName: 'cloudpos-operator',
  });
  // The connection's own error (WRONGPASS, ECONNREFUSED) says more than the "Connection is closed"
  // the command then fails with. Neither carries the URL, whose password must never be printed.
  let connectionError: Error | undefined;
  redis.on('error', (error: Error) => {
    connectionError = error;
  });
  try {
    await redis.connect();
    return await run(redis);
  } catch (error) {
    const reason = connectionError ?? (error as Error);
    throw new Error(`while ${what}: ${reason.message}`, { cause: error });
  } finally {
    redis.disconnect();
  }
}

/** Creates the tenant's user, or puts it back as it should be; writes nothing when it already is. */
export async function provisionTenantRedisUser(
  admin: RedisAdmin,
  options: { slug: string; password: string },
): Promise<TenantRedisUser> {
  const username = tenantRedisUsername(options.slug);
  const rules = tenantAclRules(options.slug, options.password);
  await withAdmin(admin, `creating Redis user ${username}`, async (redis) => {
    if (matches(await redis.call('ACL', 'GETUSER', username), options)) return;
    await redis.call('ACL', 'SETUSER', username, ...rules);
    if (admin.saveAcl) await redis.call('ACL', 'SAVE');
  });
  return { username, password: options.password };
}

/** Deletes the tenant's user (its open connections are closed by Redis). Its counters expire alone. */
export async function deleteTenantRedisUser(admin: RedisAdmin, slug: string): Promise<void> {
  const username = tenantRedisUsername(slug);
  await withAdmin(admin, `deleting Redis user ${username}`, async (redis) => {
    const deleted = await redis.call('ACL', 'DELUSER', username);
    if (deleted !== 0 && admin.saveAcl) await redis.call('ACL', 'SAVE');
  });
}

/** ACL GETUSER's answer (RESP2 flat list or RESP3 map) against what the user should be. */
function matches(reply: unknown, options: { slug: string; password: string }): boolean {
  if (reply === null || reply === undefined) return false;
  const user: Record<string, unknown> = Array.isArray(reply)
    ? Object.fromEntries(
        Array.from({ length: reply.length / 2 }, (_, i): [string, unknown] => [
          String(reply[2 * i]),
          reply[2 * i + 1],
        ]),
      )
    : reply instanceof Map
      ? (Object.fromEntries(reply) as Record<string, unknown>)
      : (reply as Record<string, unknown>);
  const flags = (user.flags as string[] | undefined) ?? [];
  const passwords = (user.passwords as string[] | undefined) ?? [];
  const commands = new Set((typeof user.commands === 'string' ? user.commands : '').split(' '));
  const expected = new Set(['-@all', ...TENANT_REDIS_COMMANDS.map((command) => `+${command}`)]);
  return (
    flags.includes('on') &&
    passwords.length === 1 &&
    passwords[0] === sha256(options.password) &&
    user.keys === `~${tenantKeyPattern(options.slug)}` &&
    (user.channels ?? '') === '' &&
    ((user.selectors as unknown[] | undefined) ?? []).length === 0 &&
    commands.size === expected.size &&
    [...expected].every((command) => commands.has(command))
  );
}
