// PIN hashes at rest, against real PostgreSQL: they never reach the server's log (not in the text of
// a statement that fails, not in the row an error describes), and a hash read from the database is
// useless without the pepper, which rotates on sign-in.
import { createTestDatabase, eventually, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { tenantOrmConfig, tenantSchemaName } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { randomBytes, scryptSync } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { PosApi } from '../app.ts';
import {
  bearer,
  createTenantSchema,
  PINS,
  setUpTenant,
  signIn,
  TEST_PIN_PEPPERS,
  testApp,
  uniqueSlug,
  type TestTenant,
} from '../test-support.ts';
import { newPinPepper, parsePinPeppers } from './pin-peppers.ts';
import { pinHasher } from './secrets.ts';

let db: TestDatabase;
let redis: Redis;
let admin: MikroORM;
let sql: pg.Pool;
let app: PosApi;
let tenant: TestTenant;
let schema: string;

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'pins');
  redis = new Redis(inject('redisUrl'));
  sql = new pg.Pool({ connectionString: db.url, max: 1 });
  // This database logs like a server left at PostgreSQL's defaults (failing statements with their
  // text, errors with their DETAIL): what the API sends must be safe even there.
  await sql.query(
    `alter database "${db.name}" set log_min_error_statement = error; alter database "${db.name}" set log_error_verbosity = default`,
  );
  admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 1 }));
  const slug = uniqueSlug('pins');
  schema = tenantSchemaName(slug);
  await createTenantSchema(admin, slug);
  app = await appWith(TEST_PIN_PEPPERS);
  tenant = await setUpTenant(app, slug);
});

afterAll(async () => {
  await app?.close();
  await admin?.close();
  await sql?.end();
  redis?.disconnect();
  await db?.drop();
});

/** An app on this file's database with the given PIN_PEPPERS (sign-in limits out of the way). */
const appWith = (pinPeppers: string) =>
  testApp({
    databaseUrl: db.url,
    redis,
    mode: 'pooled',
    env: { PIN_PEPPERS: pinPeppers, SIGN_IN_LIMIT_PER_DEVICE: '1000', SIGN_IN_LIMIT_PER_TENANT: '1000' },
  });

/** Whether `pin` signs `code` in on `on` (a wrong PIN counts as an attempt, as on a till). */
async function signsIn(on: PosApi, code: string, pin: string): Promise<boolean> {
  const response = await on.inject({
    method: 'POST',
    url: '/v1/auth/sign-in',
    headers: { host: tenant.host },
    payload: { deviceId: tenant.deviceId, deviceSecret: tenant.deviceSecret, staffCode: code, pin },
  });
  return response.statusCode === 200;
}

async function storedHash(staffId: string): Promise<string> {
  const { rows } = await sql.query<{ pin_hash: string }>(
    `select pin_hash from "${schema}".staff_member where id = $1`,
    [staffId],
  );
  return rows[0]!.pin_hash;
}

const logFile = () => inject('postgresLogFile');

/** The server's log from `offset` on, once it holds every line `until` asks for (it is written by a pipe). */
async function serverLogAfter(offset: number, until: RegExp[]): Promise<string> {
  return eventually('the server to log the failures', async () => {
    const log = (await readFile(logFile(), 'utf8')).slice(offset);
    return until.every((pattern) => pattern.test(log)) && log;
  });
}

/** A stored hash and the parts of it worth searching for. */
const partsOf = (stored: string) => [stored, ...stored.split('$').slice(-2), 'scrypt'];

describe('PIN hashes never reach the server log', () => {
  it('as the API sends them as bind parameters: the text of a failing statement holds none', async () => {
    const offset = (await stat(logFile())).size;
    // A staff member whose code is taken: the insert of the new member fails.
    const taken = await app.inject({
      method: 'POST',
      url: '/v1/staff',
      headers: { host: tenant.host, ...bearer(tenant.owner.accessToken) },
      payload: { code: tenant.cashier.code, displayName: 'Twin', role: 'cashier', pin: '4444' },
    });
    expect(taken.json()).toMatchObject({ code: 'staff_code_taken' });

    const log = await serverLogAfter(offset, [
      /duplicate key value violates unique constraint "staff_member_code_unique"/,
      new RegExp(`STATEMENT: {2}insert into "${schema}"\\."staff_member"`),
    ]);
    expect(log).not.toContain('scrypt');
  });

  it("as the server's settings keep statements, parameters and failing rows out of it", async () => {
    const offset = (await stat(logFile())).size;
    const known = await storedHash(tenant.manager.id);
    // The harness's server settings (as in production), on a database without this file's override.
    const client = new pg.Client({ connectionString: inject('postgresUrl') });
    await client.connect();
    try {
      await client.query('create temporary table leak (secret text, n int check (n > 0))');
      // Inlined into the text, sent as a parameter, and quoted by the DETAIL of a failing row.
      await expect(client.query(`insert into leak values ('${known}', 0)`)).rejects.toThrow(/leak_n_check/);
      await expect(client.query('insert into leak values ($1, 0)', [known])).rejects.toThrow(/leak_n_check/);
    } finally {
      await client.end();
    }
    const log = await serverLogAfter(offset, [/violates check constraint "leak_n_check"[\s\S]*leak_n_check/]);
    expect(log).not.toMatch(/STATEMENT|DETAIL|parameters:/);
    for (const secret of partsOf(known)) expect(log).not.toContain(secret);
  });

  it('from any test of this project', async () => {
    const known = await storedHash(tenant.manager.id);
    const log = await readFile(logFile(), 'utf8');
    for (const secret of partsOf(known)) expect(log).not.toContain(secret);
  });
});

describe('PIN hashes are peppered', () => {
  it('so that a hash read from the database verifies only with the key kept outside it', async () => {
    const stored = await storedHash(tenant.manager.id);
    expect(stored).toMatch(/^scrypt-hmac\$v1\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    const withPepper = pinHasher(parsePinPeppers(TEST_PIN_PEPPERS));
    expect(await withPepper.verify(PINS.manager, stored)).toBe('valid');
    // Another key under the same version, and an offline search with scrypt alone, both miss.
    const otherKey = pinHasher(parsePinPeppers(newPinPepper('v1')));
    expect(await otherKey.verify(PINS.manager, stored)).toBe('invalid');
    const [, , n, r, p, salt, hash] = stored.split('$');
    const unpeppered = scryptSync(PINS.manager, Buffer.from(salt!, 'base64url'), 32, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
    });
    expect(unpeppered.toString('base64url')).not.toBe(hash);
  });

  it('and rotate: a sign-in with an older pepper stores the hash again with the current one', async () => {
    const { code, pin, id } = tenant.cashier;
    expect((await storedHash(id)).startsWith('scrypt-hmac$v1$')).toBe(true);
    const v2 = newPinPepper('v2');
    const rotated = await appWith(`${v2},${TEST_PIN_PEPPERS}`);
    try {
      expect(await signsIn(rotated, code, pin)).toBe(true);
      expect((await storedHash(id)).startsWith('scrypt-hmac$v2$')).toBe(true);
      expect(await signsIn(rotated, code, pin)).toBe(true);
    } finally {
      await rotated.close();
    }
    // Once moved, v1 may be dropped; an API that only knows v1 no longer matches the new hash.
    const v2Only = await appWith(v2);
    try {
      expect(await signsIn(v2Only, code, pin)).toBe(true);
    } finally {
      await v2Only.close();
    }
    expect(await signsIn(app, code, pin)).toBe(false);
  });

  it('and a hash from before the pepper is verified once, then stored peppered', async () => {
    const owner = await signIn(app, tenant, '1000', PINS.owner);
    const created = await app.inject({
      method: 'POST',
      url: '/v1/staff',
      headers: { host: tenant.host, ...bearer(owner.accessToken) },
      payload: { code: '6000', displayName: 'Old Timer', role: 'cashier', pin: '6666' },
    });
    const id = created.json<{ id: string }>().id;
    const salt = randomBytes(16);
    const legacy = ['scrypt', 16384, 8, 1, salt.toString('base64url')]
      .concat(scryptSync('6666', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url'))
      .join('$');
    await sql.query(`update "${schema}".staff_member set pin_hash = $1 where id = $2`, [legacy, id]);

    expect(await signsIn(app, '6000', '6667')).toBe(false);
    expect(await storedHash(id)).toBe(legacy);
    expect(await signsIn(app, '6000', '6666')).toBe(true);
    expect((await storedHash(id)).startsWith('scrypt-hmac$v1$')).toBe(true);
    expect(await signsIn(app, '6000', '6666')).toBe(true);
  });
});
