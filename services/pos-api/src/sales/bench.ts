// `npm run bench -- checkout`: committed 5-line sales with tax per second and their latency, from
// BENCH_CLIENTS (16) concurrent clients over HTTP on BENCH_REGISTERS (8) registers (tills) of one
// store, each numbering its receipts, for BENCH_SECONDS (12), against a raw-SQL ceiling
// measured in the same run, the two taking turns (BENCH_ROUNDS, 6: turns of 2 s): the same
// transaction shape (the idempotency key, the store and catalog reads, the register's counter, the
// sale in one statement, the outbox, then the stored answer and the stock sent together, as the
// API's pipelined connections send them) with the same data (copied from a sale made through the
// API), issued with pg directly (no HTTP, no validation, no pricing, no ORM), on as many
// connections as the API's pool (BENCH_POOL, 4). One machine-readable line per figure:
//
//   <n> sales/s p50=…ms p99=…ms clients=16 registers=8 pool=4 cores=… ceiling=<m> sales/s ratio=<n/m> turns=6x2s turn_ratios=<lo>-<hi>
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
const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const POOL = Number(process.env.BENCH_POOL ?? 4);
// Short turns: this machine's speed drifts by a third within a minute. For the same code, 2 turns of
// 5 s gave ratios of 0.61–0.78 in four runs, and 6 turns of 2 s gave 0.71–0.78 (ADR 0016).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
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

  // The ceiling: the same rows, in one transaction per sale, from the same number of clients. It
  // stores what the product stores for this sale (its request, lines, taxes, payment, outbox
  // payload and answer, copied from one sale made through the API), so PostgreSQL writes as much
  // for either.
  const template = await fetch(`${base}/v1/sales`, {
    method: 'POST',
    headers: { ...headers, 'idempotency-key': randomUUID() },
    body,
  });
  if (template.status !== 201) throw new Error(`the template sale failed: ${await template.text()}`);
  const templateId = ((await template.json()) as { id: string }).id;
  const one = async <Row extends pg.QueryResultRow>(text: string) =>
    (await sql.query<Row>(text, [templateId])).rows;
  const [sold] = await one<Record<string, unknown>>(
    `select s.*, s.request::text as request_text, k.response::text as response_text
     from "${schema}".sale s join "${schema}".idempotency_key k on k.response ->> 'id' = s.id::text where s.id = $1`,
  );
  const soldLines = await one<Record<string, unknown>>(
    `select *, taxes::text as taxes_text from "${schema}".sale_line where sale_id = $1 order by position`,
  );
  const soldTaxes = await one<Record<string, unknown>>(
    `select * from "${schema}".sale_tax where sale_id = $1`,
  );
  const [soldPayment] = await one<Record<string, unknown>>(
    `select * from "${schema}".payment where sale_id = $1`,
  );
  const [soldEvent] = await one<{ payload: string }>(
    `select payload::text as payload from "${schema}".outbox_event where payload ->> 'saleId' = $1::text`,
  );
  const lineColumn = (name: string) => soldLines.map((line) => line[name]);
  const taxColumn = (name: string) => soldTaxes.map((tax) => tax[name]);
  const skus = [...new Set(lines.flatMap((line) => (line.sku ? [line.sku] : [])))];
  const barcodes = [...new Set(lines.flatMap((line) => (line.barcode ? [line.barcode] : [])))];
  const store = tenant.storeId;
  let nextRaw = 0;
  // Pipelined, as the API's pool is: the stored answer and the stock go out together.
  const ceilingPool = new pg.Pool({
    connectionString: databaseUrl,
    max: config.DATABASE_POOL_MAX,
    pipeline: true,
  });
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
      // settings, then the lines' variants with their prices (the store's, else all stores') and
      // tax rates, the keys as literal lists as the product sends them.
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
        `with st as (select s.id, s.currency from "${schema}".store s
                     where s.id = (select d.store_id from "${schema}".till_device d where d.id = $1)),
         cur as (select coalesce((select currency from st), 'EUR') as code)
         select (select row_to_json(st) from st) as store,
           (select json_agg(t) from "${schema}".tax_rate t where t.active) as tax_rates,
           (select json_agg(json_build_object('variantId', v.id, 'sku', v.sku, 'barcode', v.barcode,
                   'name', p.name, 'unitPrice', pr.amount, 'taxRateIds', tc.tax_rate_ids))
            from "${schema}".variant v join "${schema}".product p on p.id = v.product_id
            join "${schema}".tax_category tc on tc.id = p.tax_category_id
            left join lateral (select amount from "${schema}".price pr
                               where pr.variant_id = v.id and pr.currency = (select code from cur)
                                 and (pr.store_id = (select id from st) or pr.store_id is null)
                               order by pr.store_id nulls last limit 1) pr on true
            where v.sku in (${skus.map((_, index) => `$${index + 2}`).join(', ')})
               or v.barcode in (${barcodes.map((_, index) => `$${index + 2 + skus.length}`).join(', ')})) as items`,
        [deviceId, ...skus, ...barcodes],
      );
      // The register's counter, locked until commit, as checkout does.
      const receipt = await prepared<{ last: string }>(
        client,
        `insert into "${schema}".register_counter (device_id, last) values ($1, 1)
         on conflict (device_id) do update set last = "${schema}".register_counter.last + 1 returning last`,
        [deviceId],
      );
      // The sale with its lines, taxes and payment in one statement, as checkout writes them.
      const ids = soldLines.map(() => randomUUID());
      await prepared(
        client,
        `with sale as (
           insert into "${schema}".sale (id, kind, status, store_id, receipt_number, device_id, staff_id, register_code,
             receipt_label, currency, rounding_mode, rounding_level, subtotal, discount_total, tax_total,
             inclusive_tax_total, total, cash_rounding, request, created_at, completed_at, version)
           values ($1, 'sale', 'completed', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             now(), now(), 1)
           returning id),
         lines as (
           insert into "${schema}".sale_line (id, sale_id, position, variant_id, sku, name, quantity, unit_price, gross,
             discount_total, net, tax_total, total, taxes)
           select l.id, sale.id, l.position, l.variant_id, l.sku, l.name, l.quantity, l.unit_price, l.gross,
                  l.discount_total, l.net, l.tax_total, l.total, l.taxes
             from sale, unnest($18::uuid[], $19::int[], $20::uuid[], $21::text[], $22::text[], $23::numeric[],
               $24::bigint[], $25::bigint[], $26::bigint[], $27::bigint[], $28::bigint[], $29::bigint[], $30::jsonb[])
             as l(id, position, variant_id, sku, name, quantity, unit_price, gross, discount_total, net, tax_total,
                  total, taxes)),
         taxes as (
           insert into "${schema}".sale_tax (sale_id, tax_rate_id, code, name, rate, inclusive, base, amount)
           select sale.id, t.* from sale, unnest($31::uuid[], $32::text[], $33::text[], $34::numeric[], $35::bool[],
             $36::bigint[], $37::bigint[]) as t)
         insert into "${schema}".payment (position, id, sale_id, method, status, amount, tendered, change)
         select 0, $38, sale.id, $39, 'succeeded', $40, $41, $42 from sale`,
        [
          saleId,
          store,
          receipt.rows[0]!.last,
          deviceId,
          sold!.staff_id,
          sold!.register_code,
          `RAW-${deviceId}-${receipt.rows[0]!.last}`,
          sold!.currency,
          sold!.rounding_mode,
          sold!.rounding_level,
          sold!.subtotal,
          sold!.discount_total,
          sold!.tax_total,
          sold!.inclusive_tax_total,
          sold!.total,
          sold!.cash_rounding,
          sold!.request_text,
          ids,
          lineColumn('position'),
          lineColumn('variant_id'),
          lineColumn('sku'),
          lineColumn('name'),
          lineColumn('quantity'),
          lineColumn('unit_price'),
          lineColumn('gross'),
          lineColumn('discount_total'),
          lineColumn('net'),
          lineColumn('tax_total'),
          lineColumn('total'),
          lineColumn('taxes_text'),
          taxColumn('tax_rate_id'),
          taxColumn('code'),
          taxColumn('name'),
          taxColumn('rate'),
          taxColumn('inclusive'),
          taxColumn('base'),
          taxColumn('amount'),
          randomUUID(),
          soldPayment!.method,
          soldPayment!.amount,
          soldPayment!.tendered,
          soldPayment!.change,
        ],
      );
      await prepared(
        client,
        `insert into "${schema}".outbox_event (subject, payload) values ('pos.events.sale.completed', $1)`,
        [soldEvent!.payload],
      );
      // The stored answer, then the stock (the ledger and the levels in one statement), sent
      // together as checkout sends them: the stock rows stay locked for the commit alone.
      await Promise.all([
        prepared(
          client,
          `update "${schema}".idempotency_key set status_code = 201, response = $2 where key = $1`,
          [key, sold!.response_text],
        ),
        prepared(
          client,
          `with moves as (select v, -q as q from unnest($2::uuid[], $4::numeric[]) as m(v, q)),
           ledger as (
             insert into "${schema}".stock_movement (store_id, variant_id, quantity, reason, sale_id, occurred_at)
             select $1, v, q, 'sale', $3, now() from moves)
           insert into "${schema}".stock_level as level (store_id, variant_id, on_hand)
           select $1, v, sum(q) from moves group by v order by v
           on conflict (store_id, variant_id) do update set on_hand = level.on_hand + excluded.on_hand, updated_at = now()`,
          [store, lineColumn('variant_id'), saleId, lineColumn('quantity')],
        ),
      ]);
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
      // How far single turns strayed (the lowest and highest of the turns' own ratios): the
      // machine's noise, next to the ratio it averages out.
      turns: (() => {
        const ratios = apiWindows.map(
          (window, round) => window.latencies.length / Math.max(1, ceilingWindows[round]!.latencies.length),
        );
        return `turns=${ROUNDS}x${Number((SECONDS / ROUNDS).toFixed(1))}s turn_ratios=${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
      })(),
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
  process.stdout.write(`${split.figures} ratio=${split.ratio} ${split.turns}\n`);
  process.stdout.write(`ceiling: ${split.ceiling}\n`);
  process.stdout.write(`cpu ms/sale: ${split.cpu}\n`);
  if (splitCores !== 'shared') {
    const shared = await measure(tenant.useCores('shared'));
    process.stdout.write(`shared cores: ${shared.figures} shared_ratio=${shared.ratio} ${shared.turns}\n`);
    process.stdout.write(`shared cores ceiling: ${shared.ceiling}\n`);
    process.stdout.write(`shared cores cpu ms/sale: ${shared.cpu}\n`);
  }
  await ceilingPool.end();
} finally {
  await tenant.close();
}
