// `npm run bench -- checkout`: committed 5-line sales with tax per second and their latency, from
// BENCH_CLIENTS (16) concurrent clients over HTTP on BENCH_REGISTERS (8) registers (tills) of one
// store, each numbering its receipts, for BENCH_SECONDS (10), against a raw-SQL ceiling
// measured in the same run, the two taking turns (BENCH_ROUNDS, 2): the same transaction shape
// (the idempotency key, the store and catalog reads, the register's counter, the sale in one
// statement, the outbox, the stored answer, then the stock), issued with pg directly (no HTTP, no
// validation, no pricing, no ORM), on as many connections as the API's pool (BENCH_POOL, 4). One
// machine-readable line per figure:
//
//   <n> sales/s p50=…ms p99=…ms clients=16 registers=8 pool=4 cores=… ceiling=<m> sales/s ratio=<n/m>
//   cpu ms/sale: api_thread=… api_process=… clients=… postgres=… ceiling_thread=… ceiling_postgres=…
//
// PostgreSQL runs on a core of its own and the API (with its load generator and Redis) on the
// others, as a deployment runs them on different machines (`cores=postgres:1,api:0`). Then the
// same again on shared cores, printed as `shared cores: … shared_ratio=…`: there the ceiling's
// PostgreSQL gets both cores, as its client is cheap, while the API's shares them with the API.
//
// The CPU line says where each sale's CPU time went on each side: the API's event loop, the rest of
// its process (garbage collection), the load generator, and PostgreSQL (all its processes).
//
// Run by test/src/bench/run.ts as a process of its own (by path): the harness must not depend on
// the API. Telemetry is not loaded (as in a test); Redis backs the rate limiter, set out of reach.
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { startBenchTenant } from '../bench-support.ts';
import { load, type BenchClients } from './bench-clients.ts';
import { seedTestCatalog } from './test-catalog.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const REGISTERS = Number(process.env.BENCH_REGISTERS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const POOL = Number(process.env.BENCH_POOL ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SLUG = 'bench';
const progress = (line: string) => process.stderr.write(`checkout bench: ${line}\n`);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU time (ms) of the PostgreSQL server's processes so far, by process id (Linux /proc). */
async function postgresCpu(sql: pg.Pool): Promise<Map<number, number>> {
  const { rows } = await sql.query<{ pid: number }>('select pid from pg_stat_activity');
  const used = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      used.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
    } catch {
      // ended since
    }
  }
  return used;
}

interface Window {
  /** Sorted, ms. */
  latencies: number[];
  used: { thread: number; process: number; postgres: number };
  /** The load generator's thread (0 for the ceiling, whose loop runs on the main thread). */
  clientsMs: number;
}

/** Starts counting; what it returns answers the CPU time (ms) of this thread, this process and PostgreSQL since. */
async function cpuMeter(sql: pg.Pool) {
  const thread = process.threadCpuUsage();
  const whole = process.cpuUsage();
  const postgres = await postgresCpu(sql);
  return async () => {
    const ms = ({ user, system }: NodeJS.CpuUsage) => (user + system) / 1000;
    const after = await postgresCpu(sql);
    let postgresMs = 0;
    for (const [pid, used] of after) postgresMs += used - (postgres.get(pid) ?? 0);
    return {
      thread: ms(process.threadCpuUsage(thread)),
      process: ms(process.cpuUsage(whole)),
      postgres: postgresMs,
    };
  };
}

const tenant = await startBenchTenant('checkout', SLUG, { databasePoolMax: POOL });
try {
  const { app, base, config, sql, schema, ownerToken, databaseUrl } = tenant;
  await seedTestCatalog(sql, schema);
  // Stock on the shelves, as a store has (selling from an empty shelf also stores the sale's
  // negative-stock warnings: one more statement per sale).
  await sql.query(
    `insert into "${schema}".stock_level (store_id, variant_id, on_hand)
     select $1, id, 1000000000 from "${schema}".variant`,
    [tenant.storeId],
  );
  const json = { 'content-type': 'application/json' };
  // REGISTERS tills, each signed in: a sale is numbered on the till it is made on.
  const registers: { deviceId: string; headers: Record<string, string> }[] = [];
  for (let index = 0; index < REGISTERS; index++) {
    const device = (
      await app.inject({
        method: 'POST',
        url: '/v1/devices',
        headers: { host: `${SLUG}.localhost`, authorization: `Bearer ${ownerToken}` },
        payload: { name: `Till ${index + 1}` },
      })
    ).json<{ id: string; secret: string }>();
    const session = await app.inject({
      method: 'POST',
      url: '/v1/auth/sign-in',
      headers: { host: `${SLUG}.localhost` },
      payload: { deviceId: device.id, deviceSecret: device.secret, staffCode: '1000', pin: '1111' },
    });
    if (session.statusCode !== 200) throw new Error(`sign-in failed: ${session.body}`);
    const token = session.json<{ accessToken: string }>().accessToken;
    registers.push({ deviceId: device.id, headers: { ...json, authorization: `Bearer ${token}` } });
  }
  const headers = registers[0]!.headers;

  // Five lines, two VAT rates, a line discount: what a till sends.
  const lines = [
    { sku: 'MUG', quantity: 2 },
    { sku: 'BREAD', quantity: 1 },
    { sku: 'PEN', quantity: 3, discount: { percent: '5' } },
    { barcode: '4006381333931', quantity: 1 },
    { sku: 'BREAD', quantity: '2' },
  ];
  const preview = (await (
    await fetch(`${base}/v1/sales/calculate`, { method: 'POST', headers, body: JSON.stringify({ lines }) })
  ).json()) as { total: number };
  const body = JSON.stringify({ lines, tenders: [{ method: 'cash', amount: preview.total }] });

  /** One window of sales over HTTP from the load generator's thread, after `warmupSeconds`. */
  const apiWindow = (seconds: number, warmupSeconds: number) =>
    new Promise<Window>((done, fail) => {
      let meter: ReturnType<typeof cpuMeter> | undefined;
      const workerData: BenchClients = {
        url: `${base}/v1/sales`,
        registers: registers.map((register) => register.headers),
        body,
        clients: CLIENTS,
        warmupSeconds,
        seconds,
      };
      const clients = new Worker(new URL('./bench-clients.ts', import.meta.url), { workerData });
      clients.once('error', fail);
      clients.on(
        'message',
        (result: 'measuring' | { latencies?: number[]; cpuMs?: number; error?: string }) => {
          if (result === 'measuring') meter = cpuMeter(sql);
          else if (result.latencies) {
            const { latencies, cpuMs } = result;
            void meter!
              .then((stop) => stop())
              .then((used) => done({ latencies, used, clientsMs: cpuMs! }), fail);
          } else fail(new Error(result.error));
        },
      );
    });

  // The ceiling: the same rows, in one transaction per sale, from the same number of clients.
  const store = (await sql.query<{ id: string }>(`select id from "${schema}".store`)).rows[0]!.id;
  let nextRaw = 0;
  const variants = (
    await sql.query<{ id: string; sku: string }>(`select id, sku from "${schema}".variant order by sku`)
  ).rows;
  const ceilingPool = new pg.Pool({ connectionString: databaseUrl, max: config.DATABASE_POOL_MAX });
  // Named statements, prepared once per connection, as the API's driver sends them.
  const prepared = <Row extends pg.QueryResultRow = pg.QueryResultRow>(
    client: pg.PoolClient,
    text: string,
    values: unknown[],
  ) => client.query<Row>({ name: `ceiling-${createHash('sha1').update(text).digest('hex')}`, text, values });
  const raw = async () => {
    const client = await ceilingPool.connect();
    try {
      const saleId = randomUUID();
      const key = randomUUID();
      await client.query('begin');
      await prepared(
        client,
        `insert into "${schema}".idempotency_key (key, operation, request_hash, status_code, response)
         values ($1, 'raw', 'x', 0, 'null') on conflict (key) do nothing`,
        [key],
      );
      const deviceId = registers[nextRaw++ % REGISTERS]!.deviceId;
      // The reads checkout makes inside its transaction: the till's store with the tenant's
      // settings, then the lines' variants with their prices and tax rates.
      await prepared(
        client,
        `select s.id, s.code, (select json_object_agg(key, value) from "${schema}".setting
                               where key in ('pricing', 'sales')) as settings
         from "${schema}".store s where s.id = (select store_id from "${schema}".till_device where id = $1)
            or s.closed_at is null order by s.created_at limit 2`,
        [deviceId],
      );
      await prepared(
        client,
        `select json_agg(json_build_object('variantId', v.id, 'sku', v.sku, 'name', p.name,
                  'unitPrice', pr.amount, 'taxRateIds', tc.tax_rate_ids)) as items,
                (select json_agg(t) from "${schema}".tax_rate t where t.active) as tax_rates
         from "${schema}".variant v join "${schema}".product p on p.id = v.product_id
         join "${schema}".tax_category tc on tc.id = p.tax_category_id
         left join lateral (select amount from "${schema}".price pr where pr.variant_id = v.id and pr.currency = 'EUR'
                            order by pr.store_id nulls last limit 1) pr on true
         where v.sku = any($1::text[]) or v.barcode = any($2::text[])`,
        [['MUG', 'BREAD', 'PEN'], ['4006381333931']],
      );
      // The register's counter, locked until commit, as checkout does.
      const receipt = await prepared<{ last: string }>(
        client,
        `insert into "${schema}".register_counter (device_id, last) values ($1, 1)
         on conflict (device_id) do update set last = "${schema}".register_counter.last + 1 returning last`,
        [deviceId],
      );
      // The sale with its lines, taxes and payment in one statement, as checkout writes them.
      const ids = lines.map(() => randomUUID());
      const line = (index: number) => variants[index % variants.length]!;
      const variantIds = ids.map((_, index) => line(index).id);
      await prepared(
        client,
        `with sale as (
           insert into "${schema}".sale (id, kind, status, store_id, receipt_number, device_id, register_code, receipt_label,
             currency, rounding_mode, rounding_level, subtotal, discount_total, tax_total, inclusive_tax_total, total,
             cash_rounding, request, created_at, completed_at, version)
           values ($1, 'sale', 'completed', $2, $3, $4, 'R', $5, 'EUR', 'half-even', 'line', 1, 0, 1, 1, 1, 0, '{}', now(), now(), 1)
           returning id),
         lines as (
           insert into "${schema}".sale_line (id, sale_id, position, variant_id, sku, name, quantity, unit_price, gross,
             discount_total, net, tax_total, total, taxes)
           select l.id, sale.id, l.position, l.variant_id, l.sku, 'Item', 1, 100, 100, 0, 84, 16, 100, '[]'
             from sale, unnest($6::uuid[], $7::int[], $8::uuid[], $9::text[]) as l(id, position, variant_id, sku)),
         taxes as (
           insert into "${schema}".sale_tax (sale_id, tax_rate_id, code, name, rate, inclusive, base, amount)
           select sale.id, t.* from sale, (values
             ('00000000-0000-4000-8000-000000000019'::uuid, 'VAT19', 'VAT', 19, true, 84, 16),
             ('00000000-0000-4000-8000-000000000007'::uuid, 'VAT7', 'VAT', 7, true, 93, 7)) as t)
         insert into "${schema}".payment (id, sale_id, method, status, amount)
         select $10, sale.id, 'cash', 'succeeded', 500 from sale`,
        [
          saleId,
          store,
          receipt.rows[0]!.last,
          deviceId,
          `RAW-${deviceId}-${receipt.rows[0]!.last}`,
          ids,
          ids.map((_, index) => index),
          variantIds,
          ids.map((_, index) => line(index).sku),
          randomUUID(),
        ],
      );
      await prepared(
        client,
        `insert into "${schema}".outbox_event (subject, payload) values ('pos.events.sale.completed', $1)`,
        [JSON.stringify({ saleId })],
      );
      await prepared(
        client,
        `update "${schema}".idempotency_key set status_code = 201, response = $2 where key = $1`,
        [key, JSON.stringify({ id: saleId })],
      );
      // Stock last, after the stored answer, as checkout moves it: the ledger and the levels in one
      // statement.
      await prepared(
        client,
        `with ledger as (
           insert into "${schema}".stock_movement (store_id, variant_id, quantity, reason, sale_id, occurred_at)
           select $1, v, -1, 'sale', $3, now() from unnest($2::uuid[]) as v)
         insert into "${schema}".stock_level as level (store_id, variant_id, on_hand)
         select $1, v, sum(-1) from unnest($2::uuid[]) as v group by v order by v
         on conflict (store_id, variant_id) do update set on_hand = level.on_hand + excluded.on_hand, updated_at = now()`,
        [store, variantIds, saleId],
      );
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
  };
  /** One window of the ceiling, after `warmupSeconds`. */
  const ceilingWindow = async (seconds: number, warmupSeconds: number): Promise<Window> => {
    await load(CLIENTS, warmupSeconds, raw);
    const meter = await cpuMeter(sql);
    const latencies = await load(CLIENTS, seconds, raw);
    return { latencies, used: await meter(), clientsMs: 0 };
  };

  /**
   * The API and the ceiling in turns, so that both meet the machine as it is (on a shared VM the
   * same code runs a third faster or slower from one minute to the next); answers the figures.
   */
  const measure = async (cores: string) => {
    progress(
      `${CLIENTS} clients on ${REGISTERS} registers, cores ${cores}: ${ROUNDS} turns of ${SECONDS / ROUNDS}s over HTTP, then as raw SQL`,
    );
    const apiWindows: Window[] = [];
    const ceilingWindows: Window[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      apiWindows.push(await apiWindow(SECONDS / ROUNDS, round === 0 ? 2 : 1));
      ceilingWindows.push(await ceilingWindow(SECONDS / ROUNDS, round === 0 ? 2 : 1));
    }
    const api = apiWindows.flatMap((window) => window.latencies).sort((a, b) => a - b);
    const ceiling = ceilingWindows.flatMap((window) => window.latencies).sort((a, b) => a - b);
    const sum = (windows: Window[], of: (window: Window) => number) =>
      windows.reduce((total, window) => total + of(window), 0);
    const rate = (latencies: number[]) => latencies.length / SECONDS;
    const ms = (value: number) => `${value.toFixed(1)}ms`;
    // The main thread is the API's event loop in the API's windows (the clients have a thread of
    // their own) and the ceiling's pg client in the ceiling's.
    const perSale = (windows: Window[], of: (window: Window) => number, sales: number[]) =>
      (sum(windows, of) / sales.length).toFixed(2);
    return {
      figures: `${rate(api).toFixed(0)} sales/s p50=${ms(percentile(api, 50))} p99=${ms(percentile(api, 99))} clients=${CLIENTS} registers=${REGISTERS} pool=${config.DATABASE_POOL_MAX} cores=${cores} ceiling=${rate(ceiling).toFixed(0)} sales/s`,
      ratio: (rate(api) / rate(ceiling)).toFixed(2),
      ceiling: `${rate(ceiling).toFixed(0)} sales/s p50=${ms(percentile(ceiling, 50))} p99=${ms(percentile(ceiling, 99))} clients=${CLIENTS}`,
      cpu: [
        `api_thread=${perSale(apiWindows, (window) => window.used.thread, api)}`,
        `api_process=${perSale(apiWindows, (window) => window.used.process - window.clientsMs, api)}`,
        `clients=${perSale(apiWindows, (window) => window.clientsMs, api)}`,
        `postgres=${perSale(apiWindows, (window) => window.used.postgres, api)}`,
        `ceiling_thread=${perSale(ceilingWindows, (window) => window.used.thread, ceiling)}`,
        `ceiling_postgres=${perSale(ceilingWindows, (window) => window.used.postgres, ceiling)}`,
      ].join(' '),
    };
  };

  // PostgreSQL on a core of its own, as deployed; then on every core, where the ceiling gets
  // PostgreSQL both cores and the API shares them with PostgreSQL.
  const splitCores = tenant.useCores('split');
  const split = await measure(splitCores);
  process.stdout.write(`${split.figures} ratio=${split.ratio}\n`);
  process.stdout.write(`ceiling: ${split.ceiling}\n`);
  process.stdout.write(`cpu ms/sale: ${split.cpu}\n`);
  if (splitCores !== 'shared') {
    const shared = await measure(tenant.useCores('shared'));
    process.stdout.write(`shared cores: ${shared.figures} shared_ratio=${shared.ratio}\n`);
    process.stdout.write(`shared cores ceiling: ${shared.ceiling}\n`);
    process.stdout.write(`shared cores cpu ms/sale: ${shared.cpu}\n`);
  }
  await ceilingPool.end();
} finally {
  await tenant.close();
}
