// A tenant's own NATS account (operator/JWT mode): its limits and JetStream quota by plan, pushed to
// the server's resolver at runtime; a user whose credentials go into the tenant's Secret; and the
// tenant's event stream. Accounts are separate subject spaces: one tenant cannot see another's.
import { encodeAccount, encodeGeneric, encodeUser, fmtCreds, parseCreds } from '@nats-io/jwt';
import { isDeepStrictEqual } from 'node:util';
import { jetstreamManager, type StreamConfig } from '@nats-io/jetstream';
import { createAccount, createUser, fromSeed, type KeyPair } from '@nats-io/nkeys';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { PLANS, type Plan } from '../specs/plans.ts';

export const EVENTS_STREAM = 'EVENTS';
/** Everything a tenant publishes lives below this prefix in its own account. */
export const TENANT_SUBJECTS = 'pos.>';

export interface NatsAdmin {
  url: string;
  /** Signs account JWTs (in production, an operator signing key from a Secret). */
  operatorSeed: string;
  /** A system-account user, allowed to push account claims to the resolver. */
  systemUserCreds: string;
  /**
   * The operator process's one system connection (openSystemConnection), shared by every reconcile.
   * Without it (CLIs, tests) each call connects for itself and closes again.
   */
  system?: SystemConnection;
}

export interface SystemConnection {
  connection(): Promise<NatsConnection>;
  close(): Promise<void>;
}

/**
 * A system-user connection opened on first use and kept: it reconnects by itself, and one that is
 * closed or never came up is opened again on the next use.
 */
export function openSystemConnection(admin: Omit<NatsAdmin, 'system'>): SystemConnection {
  let opening: Promise<NatsConnection> | undefined;
  return {
    connection() {
      if (!opening) {
        opening = connect({
          servers: admin.url,
          authenticator: credsAuthenticator(encode(admin.systemUserCreds)),
          name: 'cloudpos-operator',
          maxReconnectAttempts: -1,
        });
        opening.then(
          (nc) => void nc.closed().then(() => (opening = undefined)),
          () => (opening = undefined),
        );
      }
      return opening;
    },
    async close() {
      const nc = await opening?.catch(() => undefined);
      opening = undefined;
      await nc?.close();
    },
  };
}

export interface TenantMessaging {
  accountPublicKey: string;
  /** Kept in the tenant's Secret so the account keeps its identity across reconciles. */
  accountSeed: string;
  userSeed: string;
  /** The `.creds` file the tenant's workloads connect with. */
  userCreds: string;
  stream: string;
}

export interface AccountOptions {
  slug: string;
  plan: Plan;
  /** Existing identity from the tenant's Secret; generated when the tenant is new. */
  accountSeed?: string;
  userSeed?: string;
  /** The credentials the tenant's workloads have now, kept when they still fit. */
  currentUserCreds?: string;
}

const CONNECTIONS: Record<Plan, number> = { starter: 50, growth: 250, scale: 1000 };
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const encode = (value: string) => new TextEncoder().encode(value);

// Ed25519 in JavaScript (tweetnacl) was the largest part of an unchanged reconcile's CPU, and
// nkeys derives the public key again on every call: key pairs with their public keys and the account
// JWT for unchanged claims are derived once and reused. Bounded: the oldest entries go first.
const MEMO_LIMIT = 5000;
interface Keys {
  pair: KeyPair;
  publicKey: string;
}
const keysBySeed = new Map<string, Keys>();
const accountJwts = new Map<string, string>();
const userClaims = new Map<string, Awaited<ReturnType<typeof parseCreds>>['uc']>();

function remember<T>(memo: Map<string, T>, key: string, value: T): T {
  memo.set(key, value);
  if (memo.size > MEMO_LIMIT) memo.delete(memo.keys().next().value!);
  return value;
}

const keysOf = (pair: KeyPair): Keys => ({ pair, publicKey: pair.getPublicKey() });
const keysFromSeed = (seed: string) =>
  keysBySeed.get(seed) ?? remember(keysBySeed, seed, keysOf(fromSeed(encode(seed))));

/** The account JWT signed for these claims before (by this process), to compare with the stored one. */
async function signedBefore(
  name: string,
  account: Keys,
  claims: Parameters<typeof encodeAccount>[2],
  operator: Keys,
): Promise<string> {
  const key = JSON.stringify([name, account.publicKey, claims, operator.publicKey]);
  return (
    accountJwts.get(key) ??
    remember(accountJwts, key, await encodeAccount(name, account.pair, claims, { signer: operator.pair }))
  );
}

/**
 * A JWT's claims, signature unchecked: only for JWTs the operator signed or the resolver verified
 * when it stored them (checking an Ed25519 signature in JavaScript costs milliseconds).
 */
function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function provisionTenantAccount(
  admin: NatsAdmin,
  options: AccountOptions,
): Promise<TenantMessaging> {
  const operator = keysFromSeed(admin.operatorSeed);
  const account = options.accountSeed ? keysFromSeed(options.accountSeed) : keysOf(createAccount());
  const user = options.userSeed ? keysFromSeed(options.userSeed) : keysOf(createUser());
  const { stream } = PLANS[options.plan];

  // Every limit explicit: an account JWT without them rejects every connection.
  const name = `tenant-${options.slug}`;
  const claims = {
    limits: {
      conn: CONNECTIONS[options.plan],
      leaf: 0,
      subs: 10_000,
      data: -1,
      payload: 1024 * 1024,
      imports: 0,
      exports: 0,
      wildcards: true,
      disallow_bearer: true,
      // Tenants keep their events on disk only. A memory reservation per account adds up: with
      // 64 MiB each, a 24 GiB server refused JetStream to every tenant after about 290 (found by
      // the operator benchmark).
      mem_storage: 0,
      disk_storage: stream.maxBytes,
      streams: 4,
      consumer: 32,
      max_bytes_required: true,
    },
  };
  await withSystemConnection(admin, async (nc) => {
    // The resolver writes every push to disk and tells every server: an unchanged account (every
    // resync of every tenant) is looked up instead.
    const stored = await storedAccountJwt(nc, account.publicKey);
    if (stored && sameAccountClaims(stored, await signedBefore(name, account, claims, operator))) return;
    // A fresh JWT for a push: the resolver refuses one issued before the JWT it holds.
    const jwt = await encodeAccount(name, account.pair, claims, { signer: operator.pair });
    await pushClaims(nc, '$SYS.REQ.CLAIMS.UPDATE', jwt, options.slug);
  });

  const userName = `${options.slug}-pos`;
  const permissions = {
    pub: { allow: [TENANT_SUBJECTS, '$JS.API.>', '$JS.ACK.>', '_INBOX.>'] },
    sub: { allow: [TENANT_SUBJECTS, '_INBOX.>'] },
  };
  // A JWT carries its issue time: re-issuing an unchanged user on every reconcile would rewrite the
  // tenant's Secret (and restart its pods) for nothing, so the current one is kept while it fits.
  const current = options.currentUserCreds
    ? await reusableCreds(options.currentUserCreds, {
        name: userName,
        user: user.publicKey,
        account: account.publicKey,
        permissions,
      })
    : undefined;
  const userCreds =
    current ?? text(fmtCreds(await encodeUser(userName, user.pair, account.pair, permissions), user.pair));
  // The system account sees the stream (JSZ): an unchanged one needs no connection as the tenant.
  const config = streamConfig(options.plan);
  const reported = admin.system
    ? await reportedStream(await admin.system.connection(), account.publicKey).catch(() => undefined)
    : undefined;
  if (!reported || !streamFits(reported, config))
    await ensureStream(admin.url, userCreds, options.slug, options.plan, config);

  return {
    accountPublicKey: account.publicKey,
    accountSeed: text(account.pair.getSeed()),
    userSeed: text(user.pair.getSeed()),
    userCreds,
    stream: EVENTS_STREAM,
  };
}

async function reusableCreds(
  creds: string,
  expected: { name: string; user: string; account: string; permissions: object },
): Promise<string | undefined> {
  try {
    // Verified once per process: the same credentials come back on every reconcile.
    const uc = userClaims.get(creds) ?? remember(userClaims, creds, (await parseCreds(encode(creds))).uc);
    const fits =
      uc.name === expected.name &&
      uc.sub === expected.user &&
      uc.iss === expected.account &&
      JSON.stringify({ pub: uc.nats.pub, sub: uc.nats.sub }) === JSON.stringify(expected.permissions) &&
      (uc.exp === undefined || uc.exp * 1000 > Date.now());
    return fits ? creds : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the account from the resolver; its users can no longer connect. Idempotent. */
export async function deleteTenantAccount(admin: NatsAdmin, accountPublicKey: string): Promise<void> {
  const operator = fromSeed(encode(admin.operatorSeed));
  const claim = await encodeGeneric(
    'delete-accounts',
    operator,
    'generic',
    { accounts: [accountPublicKey] },
    {
      signer: operator,
    },
  );
  await withSystemConnection(admin, (nc) =>
    pushClaims(nc, '$SYS.REQ.CLAIMS.DELETE', claim, accountPublicKey, true),
  );
}

type EventsStreamConfig = Partial<StreamConfig> & { name: string };

function streamConfig(plan: Plan): EventsStreamConfig {
  const { stream } = PLANS[plan];
  return {
    name: EVENTS_STREAM,
    subjects: ['pos.events.>'],
    max_bytes: stream.maxBytes,
    max_age: stream.maxAgeDays * 24 * 60 * 60 * 1e9,
    duplicate_window: 2 * 60 * 1e9,
    num_replicas: 1,
  };
}

/** The plan's limits are the stream's: nothing to update. */
function streamFits(existing: Partial<StreamConfig>, config: EventsStreamConfig): boolean {
  return (
    existing.max_bytes === config.max_bytes &&
    existing.max_age === config.max_age &&
    existing.duplicate_window === config.duplicate_window &&
    isDeepStrictEqual(existing.subjects, config.subjects)
  );
}

/**
 * The tenant's stream as its server reports it to the system account ($SYS.REQ.ACCOUNT.<id>.JSZ);
 * undefined when that server does not report it (in a cluster, another server may hold it).
 */
async function reportedStream(
  nc: NatsConnection,
  accountPublicKey: string,
): Promise<Partial<StreamConfig> | undefined> {
  const reply = await nc.request(
    `$SYS.REQ.ACCOUNT.${accountPublicKey}.JSZ`,
    JSON.stringify({ streams: true, config: true }),
    { timeout: 5000 },
  );
  // For one account the answer's data is that account's detail.
  const answer = reply.json<{
    data?: { stream_detail?: { name: string; config?: Partial<StreamConfig> }[] } | null;
  }>();
  return answer.data?.stream_detail?.find((stream) => stream.name === EVENTS_STREAM)?.config;
}

async function ensureStream(
  url: string,
  creds: string,
  slug: string,
  plan: Plan,
  config: EventsStreamConfig,
): Promise<void> {
  const { stream } = PLANS[plan];
  const nc = await connect({
    servers: url,
    authenticator: credsAuthenticator(encode(creds)),
    name: `operator:${slug}`,
  });
  try {
    const jsm = await jetstreamManager(nc);
    const existing = await jsm.streams.info(EVENTS_STREAM).catch((error: unknown) => {
      if (/jetstream is not enabled/i.test((error as Error).message)) {
        throw new Error(
          `the NATS server did not enable JetStream for tenant ${slug}'s account: it has no room left for the plan's reservation of ${stream.maxBytes} bytes on disk (see the server's max_file_store)`,
          { cause: error },
        );
      }
      return undefined;
    });
    if (!existing) await jsm.streams.add(config);
    // Updated only when the plan's limits differ: an unchanged stream is not rewritten.
    else if (!streamFits(existing.config, config)) await jsm.streams.update(EVENTS_STREAM, config);
  } finally {
    await nc.close();
  }
}

async function withSystemConnection<T>(
  admin: NatsAdmin,
  run: (nc: NatsConnection) => Promise<T>,
): Promise<T> {
  if (admin.system) return run(await admin.system.connection());
  const nc = await connect({
    servers: admin.url,
    authenticator: credsAuthenticator(encode(admin.systemUserCreds)),
    name: 'cloudpos-operator',
  });
  try {
    return await run(nc);
  } finally {
    await nc.close();
  }
}

/** The account's JWT as the server's resolver has it; undefined when it has none. */
async function storedAccountJwt(nc: NatsConnection, accountPublicKey: string): Promise<string | undefined> {
  const reply = await nc.request(`$SYS.REQ.ACCOUNT.${accountPublicKey}.CLAIMS.LOOKUP`, '', { timeout: 5000 });
  return reply.string() || undefined;
}

/** Same account, issuer, name and limits (a JWT's issue time and id differ on every encoding). */
export function sameAccountClaims(a: string, b: string): boolean {
  const claims = (jwt: string) => {
    const { sub, iss, name, nats } = claimsOf(jwt);
    return { sub, iss, name, nats };
  };
  try {
    return isDeepStrictEqual(claims(a), claims(b));
  } catch {
    return false;
  }
}

async function pushClaims(
  nc: NatsConnection,
  subject: string,
  jwt: string,
  what: string,
  tolerateMissing = false,
): Promise<void> {
  const reply = await nc.request(subject, jwt, { timeout: 5000 });
  const answer = reply.json<{
    data?: { code?: number; message?: string };
    error?: { code?: number; description?: string };
  }>();
  if (answer.error && !(tolerateMissing && answer.error.code === 404)) {
    throw new Error(
      `NATS refused the account claims for ${what}: ${answer.error.description ?? JSON.stringify(answer.error)}`,
    );
  }
}
