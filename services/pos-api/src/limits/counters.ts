// Fixed-window counters in Redis, for the request rate limit (@fastify/rate-limit's store) and for
// the budgets of failed sign-in attempts (reserve first, give back on success).
//
// Two Lua scripts are all the API runs against Redis (through EVALSHA, EVAL when the script is not
// cached yet), and they call only INCR, PEXPIRE, PTTL, GET and DECR: the tenant's ACL user is
// granted exactly these (operator/src/provision/redis.ts). Keep the lists in step.
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';

/**
 * Counts one more hit in the key's window (or ARGV[2] hits: the items of a batch); the window starts
 * with the first hit. A key without an expiry (never ours, but a counter must not live forever) gets
 * one. Several hits are several INCRs: the tenant's ACL user is granted INCR, not INCRBY, a batch
 * has at most a few dozen items and a lease at most 100 hits.
 */
export const COUNT_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
for _ = 2, tonumber(ARGV[2] or '1') do current = redis.call('INCR', KEYS[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`;

/** Takes a hit back, never below zero and never reviving a window that has ended. */
export const GIVE_BACK_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current > 0 then return redis.call('DECR', KEYS[1]) end
return 0
`;

interface CounterCommands {
  cloudposCount(key: string, windowMs: number, hits: number): Promise<[number, number]>;
  cloudposGiveBack(key: string): Promise<number>;
}

export interface Count {
  current: number;
  /** Until the window ends. */
  ttlMs: number;
}

/**
 * Charges `hits` more requests to the client's request rate limit (the items of a batch after the
 * first, which its request paid for) and answers how many of them fit.
 */
export type RequestBudget = (request: FastifyRequest, hits: number) => Promise<number>;

export interface Counters {
  /** Counts `hits` (default 1) more hits in the key's window. */
  count(key: string, windowMs: number, hits?: number): Promise<Count>;
  giveBack(key: string): Promise<void>;
  /**
   * A store for @fastify/rate-limit that uses the key generator's key as it is (its own Redis store
   * prefixes every key with a namespace and, for `createRateLimit` limiters, with the route's
   * method and URL, which such limiters do not have: keys read `undefinedundefined-…`), and takes a
   * client's hits from Redis `lease` at a time (see Lease).
   */
  rateLimitStore(options: { max: number; lease: number }): FastifyRateLimitStoreCtor;
}

/** Clients whose lease a process keeps; past this, the expired ones go, then all. */
const LEASES_KEPT = 10_000;

/**
 * Hits of a client's window that this process took from Redis in one call and counts locally. A
 * till's requests mostly reach the process that holds its keep-alive connection, so with a lease
 * of ten, nine requests in ten need no Redis round trip. Redis counts every hit taken, used or
 * not, so no client is ever admitted more than the limit across processes; a client may be refused
 * up to (lease − 1) hits early for each other process holding an unused part of its window.
 */
interface Lease {
  /** Redis's count before this lease. */
  base: number;
  used: number;
  /** Hits of the lease within the limit (fewer than the lease near the limit). */
  granted: number;
  endsAt: number;
}

export function redisCounters(redis: Redis): Counters {
  // defineCommand once per connection: several apps (tests) may share one client.
  if (!('cloudposCount' in redis)) {
    redis.defineCommand('cloudposCount', { numberOfKeys: 1, lua: COUNT_SCRIPT });
    redis.defineCommand('cloudposGiveBack', { numberOfKeys: 1, lua: GIVE_BACK_SCRIPT });
  }
  const commands = redis as unknown as CounterCommands;

  async function count(key: string, windowMs: number, hits = 1): Promise<Count> {
    // Every key is a tenant's (limits/keys.ts); anything else, such as the empty key of a request
    // outside /v1, is never written: such requests are not limited.
    if (!key.startsWith('cloudpos:t:')) return { current: 0, ttlMs: windowMs };
    const [current, ttlMs] = await commands.cloudposCount(key, windowMs, Math.max(1, Math.trunc(hits)));
    return { current, ttlMs: Math.max(0, ttlMs) };
  }

  return {
    count,
    async giveBack(key) {
      await commands.cloudposGiveBack(key);
    },
    rateLimitStore({ max, lease }) {
      const leases = new Map<string, Lease>();
      const store: FastifyRateLimitStore = {
        incr(key, callback, timeWindow) {
          const now = Date.now();
          const held = leases.get(key);
          // Within the lease, or the window is full (refused without asking Redis again).
          if (held && now < held.endsAt && (held.used < held.granted || held.base + held.used >= max)) {
            held.used++;
            callback(null, { current: held.base + held.used, ttl: held.endsAt - now });
            return;
          }
          count(key, timeWindow, lease).then(
            ({ current, ttlMs }) => {
              const base = current - lease;
              if (leases.size >= LEASES_KEPT) {
                for (const [client, { endsAt }] of leases) if (endsAt <= now) leases.delete(client);
                if (leases.size >= LEASES_KEPT) leases.clear();
              }
              const granted = Math.max(0, Math.min(lease, max - base));
              leases.set(key, { base, used: 1, granted, endsAt: Date.now() + ttlMs });
              callback(null, { current: base + 1, ttl: ttlMs });
            },
            (error: Error) => callback(error),
          );
        },
        child: () => store,
      };
      return class {
        constructor() {
          return store;
        }
      } as unknown as FastifyRateLimitStoreCtor;
    },
  };
}
