// End-to-end tests of `npm start`'s runner: the real processes, real ports, a real data directory.
import { eventually, startS3, type ZipkinSpan } from '@cloudpos/harness';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';

const runnerPath = fileURLToPath(new URL('./start.ts', import.meta.url));
const homes: string[] = [];

afterEach(async () => {
  for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
});

interface Runner {
  child: ChildProcess;
  output: () => string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exit: Promise<number | null>;
}

/**
 * A free port below the kernel's ephemeral range. The runner binds its ports seconds after the test
 * picks them, one service after another; a port from the ephemeral range (what binding port 0
 * gives) may meanwhile become the local port of any outgoing connection on the machine, and a
 * service then fails to bind it (CI saw Redis fail so, reported as damaged data).
 */
async function portOutsideEphemeralRange(taken: Set<number>): Promise<number> {
  const [low = 32768] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => ''))
    .trim()
    .split(/\s+/)
    .map(Number);
  const top = Math.min(low, 32768);
  for (;;) {
    const port = randomInt(Math.max(10000, top - 12000), top);
    if (taken.has(port)) continue;
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!free) continue;
    server.close();
    await once(server, 'close');
    taken.add(port);
    return port;
  }
}

async function portsEnv() {
  const taken = new Set<number>();
  const port = async () => String(await portOutsideEphemeralRange(taken));
  return {
    CLOUDPOS_API_PORT: await port(),
    CLOUDPOS_PG_PORT: await port(),
    CLOUDPOS_NATS_PORT: await port(),
    CLOUDPOS_NATS_MONITOR_PORT: await port(),
    CLOUDPOS_REDIS_PORT: await port(),
    CLOUDPOS_WORKER_PORT: await port(),
    CLOUDPOS_PORTAL_PORT: await port(),
    CLOUDPOS_MAILPIT_PORT: await port(),
    CLOUDPOS_SMTP_PORT: await port(),
    CLOUDPOS_ZIPKIN_PORT: await port(),
    // The trace viewer's JVM is left out where a test does not look at traces.
    CLOUDPOS_TRACE_VIEWER: 'off',
  };
}

async function newHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'cloudpos-home-'));
  await chmod(home, 0o755); // as a checkout's .cloudpos is; PostgreSQL runs as another user under root
  homes.push(home);
  return home;
}

function startRunner(env: Record<string, string>): Runner {
  const child = spawn(process.execPath, [runnerPath], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output: () => text,
    exit,
    async waitFor(pattern, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (child.exitCode !== null)
          throw new Error(`runner exited (${child.exitCode}) before ${pattern}:\n${text}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${text}`);
        await sleep(100);
      }
    },
  };
}

const cliPath = fileURLToPath(new URL('./tenant-cli.ts', import.meta.url));

/** `npm run tenant -- <args>`, as a process. */
async function runTenantCli(env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** An HTTP call with a Host header of our choosing (fetch does not let us set it). */
/** GET /v1/sales/events, read in the background: what it has sent so far, and the way to stop. */
function watchEvents(
  port: string,
  host: string,
  token: string,
): Promise<{ status: number; text(): string; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: Number(port),
        path: '/v1/sales/events',
        headers: { host, authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('error', () => {});
        resolve({ status: res.statusCode ?? 0, text: () => text, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function call(
  port: string,
  host: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: Number(port),
        method,
        path,
        headers: {
          host,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...extraHeaders,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            // 204 No Content has no body.
            json: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The process listening on a local TCP port (from /proc: the socket's inode, then its owner). */
async function pidListeningOn(port: number): Promise<number | undefined> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is <ip>:<port>; state 0A is LISTEN.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && inodes.has(inode)) return Number(pid);
    }
  }
  return undefined;
}

describe('npm start (local mode)', () => {
  it('runs the platform, stops cleanly on Ctrl-C, and keeps its data across a restart', async () => {
    const env = { CLOUDPOS_HOME: await newHome(), ...(await portsEnv()), CLOUDPOS_TRACE_VIEWER: 'on' };
    const api = `http://127.0.0.1:${env.CLOUDPOS_API_PORT}`;

    const first = startRunner(env);
    await first.waitFor(/Press Ctrl-C to stop/);
    expect(first.output()).toContain(
      `Demo tenant  http://demo.localhost:${env.CLOUDPOS_API_PORT} (schema tenant_demo: Ready, 1 store(s))`,
    );
    expect(first.output()).toContain('Demo catalog 5 products');
    // The demo tenant's first scheduled backup is taken at start (its plan: every 24 h, keep 7).
    await first.waitFor(/Backup {7}demo: Schema tenant_demo backed up to \S+\.dump \(\d+ tables, verified\)/);
    const demoManifest = parse(await readFile(join(env.CLOUDPOS_HOME, 'tenants', 'demo.yaml'), 'utf8')) as {
      status: { lastBackup?: { file: string } };
    };
    expect(await readdir(join(env.CLOUDPOS_HOME, 'backups'))).toContain(demoManifest.status.lastBackup?.file);
    // The till, built by the runner and served by the API on every host.
    expect(first.output()).toContain(`Till app     http://demo.localhost:${env.CLOUDPOS_API_PORT}/till/`);
    const tillPage = await fetch(`${api}/till/`);
    expect(tillPage.status).toBe(200);
    expect(await tillPage.text()).toContain('<title>CloudPOS Till</title>');
    // The merchant portal and the mailbox it writes to.
    const portalUrl = `http://127.0.0.1:${env.CLOUDPOS_PORTAL_PORT}`;
    expect(first.output()).toContain(`Portal       ${portalUrl}`);
    expect(first.output()).toContain(`Mailbox      http://127.0.0.1:${env.CLOUDPOS_MAILPIT_PORT}`);
    expect(await (await fetch(`${portalUrl}/signup`)).text()).toContain('Create your CloudPOS account');
    expect(await (await fetch(`http://127.0.0.1:${env.CLOUDPOS_MAILPIT_PORT}/`)).text()).toContain('Mailpit');
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${api}/readyz`)).json()).toMatchObject({ status: 'ready' });
    expect((await fetch(`${api}/docs/json`)).status).toBe(200);
    expect(await (await fetch(`${api}/metrics`)).text()).toMatch(/http_server_request_duration_seconds/);

    // The demo staff sign in on the demo till through the pooled API, by host name.
    expect(first.output()).toContain(
      'Demo staff   owner 1000 PIN 1111, manager 2000 PIN 2222, cashier 3000 PIN 3333',
    );
    const till = /Demo till {4}device (\S+) secret (\S+) \(demo only\)/.exec(first.output());
    expect(till).not.toBeNull();
    const demoHost = `demo.localhost:${env.CLOUDPOS_API_PORT}`;
    const signInOnDemoTill = async (staffCode: string, pin: string) => {
      const answer = await call(env.CLOUDPOS_API_PORT, demoHost, 'POST', '/v1/auth/sign-in', {
        deviceId: till![1],
        deviceSecret: till![2],
        staffCode,
        pin,
      });
      expect(answer.status).toBe(200);
      return answer;
    };
    const signedIn = await signInOnDemoTill('3000', '3333');
    const me = await call(
      env.CLOUDPOS_API_PORT,
      demoHost,
      'GET',
      '/v1/auth/me',
      undefined,
      String(signedIn.json.accessToken),
    );
    expect(me.json).toMatchObject({ role: 'cashier', tenant: { slug: 'demo', currency: 'EUR' } });

    // A manager watches the demo tenant's sales (the portal's live figure reads the same stream).
    const manager = await signInOnDemoTill('2000', '2222');
    const watched = await watchEvents(env.CLOUDPOS_API_PORT, demoHost, String(manager.json.accessToken));
    expect(watched.status).toBe(200);

    // The cashier sells a latte from the demo catalog; the worker relays the sale's event into the
    // demo tenant's own NATS account, where its credentials can read it. The request carries the
    // traceparent of a till's fetch span, as the till sends it (the till's spans follow below).
    const tillTraceId = randomBytes(16).toString('hex');
    const tillSpanId = randomBytes(8).toString('hex');
    const sale = await call(
      env.CLOUDPOS_API_PORT,
      demoHost,
      'POST',
      '/v1/sales',
      { lines: [{ sku: 'LATTE', quantity: 1 }], tenders: [{ method: 'cash', amount: 350, tendered: 500 }] },
      String(signedIn.json.accessToken),
      { 'idempotency-key': randomUUID(), traceparent: `00-${tillTraceId}-${tillSpanId}-01` },
    );
    expect(sale.status, JSON.stringify(sale.json)).toBe(201);
    expect(sale.json).toMatchObject({
      total: 350,
      change: 150,
      taxTotal: 23,
      receiptNumber: 'MAIN-T1-000001',
    });
    const nc = await connect({
      servers: `nats://127.0.0.1:${env.CLOUDPOS_NATS_PORT}`,
      authenticator: credsAuthenticator(
        await readFile(join(env.CLOUDPOS_HOME, 'tenants', 'demo.nats.creds')),
      ),
    });
    const jsm = await jetstreamManager(nc);
    // The demo catalog's events came first; the sale's is the last on its subject.
    const relayed = await eventually('the sale event in the demo stream', async () =>
      jsm.streams
        .getMessage('EVENTS', { last_by_subj: 'pos.events.sale.completed' })
        .then((message) => message ?? undefined)
        .catch(() => undefined),
    );
    expect(relayed?.subject).toBe('pos.events.sale.completed');
    expect(relayed?.json()).toMatchObject({ saleId: sale.json.id, total: 350 });
    await nc.close();
    // And the pooled API read it back from the demo tenant's stream for the manager watching.
    await eventually('the sale on the manager’s event stream', () =>
      watched.text().includes(String(sale.json.id)),
    );
    expect(watched.text()).toContain('event: sale.completed');
    watched.close();

    // The till uploads its fetch span of that sale (OTLP/HTTP JSON, as its exporter writes it).
    const nanos = BigInt(Date.now()) * 1_000_000n;
    const uploaded = await call(
      env.CLOUDPOS_API_PORT,
      demoHost,
      'POST',
      '/v1/traces',
      {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'till' } }] },
            scopeSpans: [
              {
                scope: { name: '@opentelemetry/instrumentation-fetch' },
                spans: [
                  {
                    traceId: tillTraceId,
                    spanId: tillSpanId,
                    name: 'POST /v1/sales',
                    kind: 3,
                    startTimeUnixNano: String(nanos - 300_000_000n),
                    endTimeUnixNano: String(nanos),
                    attributes: [{ key: 'http.request.method', value: { stringValue: 'POST' } }],
                  },
                ],
              },
            ],
          },
        ],
      },
      String(signedIn.json.accessToken),
    );
    expect(uploaded.status, JSON.stringify(uploaded.json)).toBe(204);

    // An SRE opens that sale's trace in the trace viewer `npm start` runs: the id comes from the
    // response's traceresponse header, the spans from Zipkin's own API. One trace holds the till's
    // fetch, the POS API's request, its PostgreSQL queries, and the worker's outbox relay
    // publishing to NATS.
    const viewer = `http://127.0.0.1:${env.CLOUDPOS_ZIPKIN_PORT}`;
    expect(first.output()).toContain(`Traces       ${viewer}/zipkin/`);
    const traceresponse = String(sale.headers.traceresponse);
    const traceId = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceresponse)?.[1];
    expect(traceId, `traceresponse ${traceresponse}`).toBe(tillTraceId);
    // Each process exports in batches on its own schedule: the POS API's request span ends after
    // its queries and may come in a later batch than the worker's publish.
    const of = (found: ZipkinSpan[], service: string) =>
      found.filter((span) => span.localEndpoint?.serviceName === service);
    const isRequest = (span: ZipkinSpan) => span.kind === 'SERVER' && /post/i.test(span.name);
    const isPublish = (span: ZipkinSpan) => span.name === 'publish pos.events.sale.completed';
    const spans = await eventually(
      'the sale trace with the till’s fetch, the request and the relay publish in Zipkin',
      async () => {
        const response = await fetch(`${viewer}/api/v2/trace/${traceId}`);
        if (!response.ok) return undefined;
        const found = (await response.json()) as ZipkinSpan[];
        return of(found, 'till').length > 0 &&
          of(found, 'pos-api').some(isRequest) &&
          of(found, 'worker').some(isPublish)
          ? found
          : undefined;
      },
    );
    // The till's span, under the server's resource, is the parent of the POS API's request.
    const tillFetch = of(spans, 'till').find((span) => span.id === tillSpanId);
    expect(tillFetch?.kind).toBe('CLIENT');
    expect(tillFetch?.name.toLowerCase()).toBe('post /v1/sales');
    expect(tillFetch?.tags).toMatchObject({ 'cloudpos.tenant': 'demo', 'service.name': 'till' });
    expect(
      of(spans, 'pos-api').filter((span) => isRequest(span) && span.parentId === tillSpanId),
    ).toHaveLength(1);
    const queries = of(spans, 'pos-api').filter((span) => span.tags?.['db.system.name'] === 'postgresql');
    // The sale's own transaction writes its outbox row, which the worker's publish continues from.
    expect(queries.map((span) => span.tags?.['db.query.text'] ?? span.name).join('\n')).toMatch(
      /insert into .*outbox_event/i,
    );
    const publish = of(spans, 'worker').find(isPublish);
    expect(publish?.kind).toBe('PRODUCER');
    expect(publish?.tags).toMatchObject({ 'messaging.system': 'nats', 'cloudpos.tenant': 'demo' });
    // The UI a person opens serves that trace's page.
    expect((await fetch(`${viewer}/zipkin/traces/${traceId}`)).status).toBe(200);

    // Without Stripe keys, card tenders go to Stripe's simulated reader on the local fake: the till
    // finds the demo tenant's reader, the payment goes to it, a test card pays, and the sale is
    // stored with its card payment.
    expect(first.output()).toMatch(
      /Card reader {2}simulated, no real money \(Stripe test fake on http:\/\/127\.0\.0\.1:\d+\)/,
    );
    const asCashier = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      call(env.CLOUDPOS_API_PORT, demoHost, method, path, body, String(signedIn.json.accessToken), headers);
    const readers = await asCashier('GET', '/v1/sales/card-readers');
    expect(readers.json).toMatchObject({ available: true, simulated: true, readers: [{ simulated: true }] });
    const readerId = (readers.json.readers as { id: string }[])[0]!.id;
    const saleKey = randomUUID();
    const started = await asCashier('POST', '/v1/sales/card-payments', {
      saleKey,
      paymentId: randomUUID(),
      amount: 350,
      readerId,
    });
    expect(started.status, JSON.stringify(started.json)).toBe(201);
    const providerRef = String(started.json.providerRef);
    const declined = await asCashier('POST', `/v1/sales/card-readers/${readerId}/test-card`, {
      testCard: '4000000000000002',
    });
    expect(declined.status).toBe(204);
    expect((await asCashier('GET', `/v1/sales/card-payments/${providerRef}`)).json).toMatchObject({
      status: 'failed',
      failure: { code: 'card_declined' },
    });
    // The declined payment waits for another card: handed to the reader again, a good one pays it.
    const again = await asCashier('POST', '/v1/sales/card-payments', {
      saleKey,
      paymentId: randomUUID(),
      amount: 350,
      readerId,
    });
    const paidRef = String(again.json.providerRef);
    await asCashier('POST', `/v1/sales/card-readers/${readerId}/test-card`, { testCard: '4242424242424242' });
    expect((await asCashier('GET', `/v1/sales/card-payments/${paidRef}`)).json).toMatchObject({
      status: 'succeeded',
    });
    const cardSale = await asCashier(
      'POST',
      '/v1/sales',
      {
        lines: [{ sku: 'LATTE', quantity: 1 }],
        tenders: [{ method: 'card', amount: 350, providerRef: paidRef }],
      },
      { 'idempotency-key': saleKey },
    );
    expect(cardSale.status, JSON.stringify(cardSale.json)).toBe(201);
    expect(cardSale.json).toMatchObject({
      payments: [{ method: 'card', amount: 350, providerRef: paidRef }],
    });

    // Something written while running must be there after a restart.
    const { postgresPassword, redisPassword } = JSON.parse(
      await readFile(join(env.CLOUDPOS_HOME, 'secrets.json'), 'utf8'),
    ) as {
      postgresPassword: string;
      redisPassword: string;
    };
    expect(first.output()).not.toContain(postgresPassword);
    expect(redisPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(first.output()).not.toContain(redisPassword);
    expect(first.output()).toContain(`redis://default:***@127.0.0.1:${env.CLOUDPOS_REDIS_PORT}`);
    const url = `postgres://postgres:${encodeURIComponent(postgresPassword)}@127.0.0.1:${env.CLOUDPOS_PG_PORT}/cloudpos`;
    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    await writer.query(
      `insert into tenant_demo.setting (key, value) values ('receipt.footer', '"Thank you!"')`,
    );
    await writer.end();

    // A tenant created while the platform runs uses its engines (nothing else is started).
    const created = await runTenantCli(env, ['create', 'corner', '--plan', 'growth', '--store', 'MAIN=Main']);
    expect(created.output).toContain('tenant corner created: Ready');
    expect(created.code).toBe(0);
    // It prints the one-time setup code of the first owner, and the call that uses it.
    const printedCode = /one-time code (\S+)/.exec(created.output)?.[1];
    expect(created.output).toContain(`/v1/setup -d '{"setupCode":"${printedCode}"`);

    first.child.kill('SIGINT');
    expect(await first.exit).toBe(0);
    expect(first.output()).toContain('CloudPOS stopped.');
    for (const port of Object.values(env).filter((value) => /^\d+$/.test(value))) {
      expect(await portIsFree(Number(port)), `port ${port} released`).toBe(true);
    }

    // The restart checks the data; the trace viewer (in memory only) stays off this time.
    const second = startRunner({ ...env, CLOUDPOS_TRACE_VIEWER: 'off' });
    await second.waitFor(/Press Ctrl-C to stop/);
    expect(second.output()).toContain('(schema tenant_demo: Ready, 1 store(s))');
    expect(second.output()).toContain(
      `Tenant       http://corner.localhost:${env.CLOUDPOS_API_PORT} (schema tenant_corner: Ready)`,
    );
    // A tenant without staff gets its first owner with the setup code the banner shows.
    const setupCode = /tenant_corner: Ready\), first owner with setup code (\S+)/.exec(second.output())?.[1];
    expect(setupCode).toMatch(/^([A-Z2-9]{4}-){5}[A-Z2-9]{4}$/);
    expect(printedCode).toBe(setupCode);
    const setup = await call(
      env.CLOUDPOS_API_PORT,
      `corner.localhost:${env.CLOUDPOS_API_PORT}`,
      'POST',
      '/v1/setup',
      {
        setupCode,
        owner: { code: '1', displayName: 'Corner Owner', pin: '4321' },
        device: { name: 'Till' },
      },
    );
    expect(setup.status).toBe(201);
    // A till signed in before the restart stays signed in: the signing key is kept in the data folder.
    const stillSignedIn = await call(
      env.CLOUDPOS_API_PORT,
      demoHost,
      'GET',
      '/v1/auth/me',
      undefined,
      String(signedIn.json.accessToken),
    );
    expect(stillSignedIn.status).toBe(200);
    expect(second.output()).not.toContain(
      (await readFile(join(env.CLOUDPOS_HOME, 'auth-secret'), 'utf8')).trim(),
    );
    // The PIN pepper stays out of the database, the output and other users' reach.
    const pepperFile = join(env.CLOUDPOS_HOME, 'pin-peppers');
    expect((await stat(pepperFile)).mode & 0o777).toBe(0o600);
    expect(second.output()).not.toContain((await readFile(pepperFile, 'utf8')).trim().slice(3));
    const reader = new pg.Client({ connectionString: url });
    await reader.connect();
    const { rows } = await reader.query<{ value: string }>(
      `select value from tenant_demo.setting where key = 'receipt.footer'`,
    );
    await reader.end();
    expect(rows).toEqual([{ value: 'Thank you!' }]);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  });

  it('starts every process again when it dies, while a till keeps selling, and loses no sale', async () => {
    const env = { CLOUDPOS_HOME: await newHome(), ...(await portsEnv()) };
    const runner = startRunner(env);
    await runner.waitFor(/Press Ctrl-C to stop/);
    const till = /Demo till {4}device (\S+) secret (\S+) \(demo only\)/.exec(runner.output())!;
    const demoHost = `demo.localhost:${env.CLOUDPOS_API_PORT}`;
    const signedIn = await call(env.CLOUDPOS_API_PORT, demoHost, 'POST', '/v1/auth/sign-in', {
      deviceId: till[1],
      deviceSecret: till[2],
      staffCode: '3000',
      pin: '3333',
    });
    const token = String(signedIn.json.accessToken);

    // A till selling all along: each sale is retried with its own key until the API confirms it.
    const confirmed: string[] = [];
    let selling = true;
    let lastRefusal = '';
    const sell = (async () => {
      while (selling) {
        const key = randomUUID();
        for (;;) {
          const sale = await call(
            env.CLOUDPOS_API_PORT,
            demoHost,
            'POST',
            '/v1/sales',
            { lines: [{ sku: 'ESPRESSO', quantity: 1 }], tenders: [{ method: 'cash', amount: 220 }] },
            token,
            { 'idempotency-key': key },
          ).catch((error: Error): { status: number; json: Record<string, unknown> } => ({
            status: 0,
            json: { error: error.message },
          }));
          if (sale.status === 201) {
            confirmed.push(String(sale.json.id));
            break;
          }
          lastRefusal = `${sale.status} ${JSON.stringify(sale.json)}`;
          await sleep(200);
        }
        await sleep(50);
      }
    })();

    const children: [string, string][] = [
      ['POS API', env.CLOUDPOS_API_PORT],
      ['worker', env.CLOUDPOS_WORKER_PORT],
      ['portal', env.CLOUDPOS_PORTAL_PORT],
      ['Mailpit', env.CLOUDPOS_MAILPIT_PORT],
      ['Redis', env.CLOUDPOS_REDIS_PORT],
      ['NATS', env.CLOUDPOS_NATS_PORT],
      ['PostgreSQL', env.CLOUDPOS_PG_PORT],
    ];
    for (const [name, port] of children) {
      const before = confirmed.length;
      const pid = await pidListeningOn(Number(port));
      expect(pid, `${name} listens on ${port}`).toBeDefined();
      process.kill(pid!, 'SIGKILL');
      await runner.waitFor(new RegExp(`${name} stopped unexpectedly \\(signal SIGKILL\\)`));
      await runner.waitFor(new RegExp(`${name} is running again\\.`));
      const again = await pidListeningOn(Number(port));
      expect(again, `${name} listens again`).toBeDefined();
      expect(again).not.toBe(pid);
      // The till sells again after each restart.
      await eventually(`a sale after ${name} restarted`, () => {
        if (confirmed.length > before + 1) return true;
        throw new Error(`the last answer: ${lastRefusal}`);
      });
    }
    selling = false;
    await sell;
    expect(runner.output()).not.toContain('it stays stopped');

    // Every confirmed sale is stored once, and nothing else is.
    const { postgresPassword } = JSON.parse(
      await readFile(join(env.CLOUDPOS_HOME, 'secrets.json'), 'utf8'),
    ) as {
      postgresPassword: string;
    };
    const reader = new pg.Client({
      connectionString: `postgres://postgres:${encodeURIComponent(postgresPassword)}@127.0.0.1:${env.CLOUDPOS_PG_PORT}/cloudpos`,
    });
    await reader.connect();
    const { rows } = await reader.query<{ id: string }>(
      `select id from tenant_demo.sale where kind = 'sale'`,
    );
    await reader.end();
    expect(rows.map((row) => row.id).sort()).toEqual([...confirmed].sort());

    runner.child.kill('SIGINT');
    expect(await runner.exit).toBe(0);
    for (const port of Object.values(env).filter((value) => /^\d+$/.test(value))) {
      expect(await portIsFree(Number(port)), `port ${port} released`).toBe(true);
    }
  });

  it('refuses a taken port with one clear message and no stack trace', async () => {
    const env = { CLOUDPOS_HOME: await newHome(), ...(await portsEnv()) };
    const blocker = createServer().listen(Number(env.CLOUDPOS_API_PORT), '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const runner = startRunner(env);
      expect(await runner.exit).toBe(1);
      expect(runner.output()).toContain(`Port ${env.CLOUDPOS_API_PORT} for the POS API is already in use.`);
      expect(runner.output()).toContain('CLOUDPOS_API_PORT=<port> npm start');
      expect(runner.output()).not.toMatch(/^\s+at /m);
    } finally {
      blocker.close();
    }
  });

  it('refuses a corrupt data directory without touching it', async () => {
    const env = { CLOUDPOS_HOME: await newHome(), ...(await portsEnv()) };
    const pgData = join(env.CLOUDPOS_HOME, 'data', 'postgres', 'data');
    await mkdir(pgData, { recursive: true });
    await writeFile(join(pgData, 'leftover'), 'do not delete');
    const runner = startRunner(env);
    expect(await runner.exit).toBe(1);
    expect(runner.output()).toContain(
      `The PostgreSQL data directory ${pgData} is not empty but holds no cluster`,
    );
    expect(runner.output()).toContain(`mv ${pgData} ${pgData}.broken`);
    expect(runner.output()).not.toMatch(/^\s+at /m);
    expect(await readFile(join(pgData, 'leftover'), 'utf8')).toBe('do not delete');
  });

  it('names a missing binary and the command that installs it', async () => {
    const env = {
      CLOUDPOS_HOME: await newHome(),
      ...(await portsEnv()),
      PATH: '/nonexistent',
      CLOUDPOS_CACHE_DIR: await newHome(),
    };
    const runner = startRunner(env);
    expect(await runner.exit).toBe(1);
    expect(runner.output()).toContain('nats-server was not found.');
    expect(runner.output()).toContain('npm run ensure-tools');
    expect(runner.output()).not.toMatch(/^\s+at /m);
    // What had started (PostgreSQL) was stopped again.
    expect(await portIsFree(Number(env.CLOUDPOS_PG_PORT))).toBe(true);
  });

  it('manages tenants with npm run tenant, starting the engines it needs when nothing runs', async () => {
    const env = { CLOUDPOS_HOME: await newHome(), ...(await portsEnv()) };
    const tenantsDir = fileURLToPath(new URL('../../../tenants/', import.meta.url));

    const created = await runTenantCli(env, [
      'create',
      'bakery',
      '--name',
      'The Bakery',
      '--currency',
      'CHF',
      // The largest plan reserves 100 GiB of stream: the local NATS must accept it on any disk.
      '--plan',
      'scale',
    ]);
    expect(created.output).toContain('tenant bakery created: Ready');
    expect(created.output).toContain(`till     http://bakery.localhost:${env.CLOUDPOS_API_PORT}`);
    expect(created.code).toBe(0);

    const applied = await runTenantCli(env, ['apply', '-f', join(tenantsDir, 'corner-cafe.yaml')]);
    expect(applied.output).toContain('tenant corner-cafe created: Ready');
    const again = await runTenantCli(env, ['apply', '-f', join(tenantsDir, 'corner-cafe.yaml')]);
    expect(again.output).toContain('tenant corner-cafe configured: Ready');

    const listed = await runTenantCli(env, ['list']);
    expect(listed.output).toMatch(/^NAME\s+PLAN\s+PHASE\s+READY\s+URL$/m);
    expect(listed.output).toMatch(/^bakery\s+scale\s+Ready\s+True\s+http:\/\/bakery\.localhost:\d+$/m);
    expect(listed.output).toMatch(/^corner-cafe\s+starter\s+Ready\s+True/m);

    // Mistakes get one message that says what is wrong, and change nothing.
    const duplicate = await runTenantCli(env, ['create', 'bakery']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.output).toContain('Tenant bakery already exists.');
    const invalid = await runTenantCli(env, ['create', 'Bad_Slug', '--plan', 'gold']);
    expect(invalid.code).toBe(1);
    expect(invalid.output).toContain('/spec/slug must match pattern');
    expect(invalid.output).toContain('/spec/plan must be equal to one of the allowed values');
    expect(invalid.output).not.toMatch(/^\s+at /m);

    // Backups: made and verified, listed, restored (the data as it was is kept aside).
    const backedUp = await runTenantCli(env, ['backup', 'corner-cafe', '--keep', '1']);
    expect(backedUp.output, backedUp.output).toMatch(
      /backup of corner-cafe: \S+tenant_corner_cafe-\S+\.dump \(\d+ tables, verified\)/,
    );
    const listedBackups = await runTenantCli(env, ['backups', 'corner-cafe']);
    expect(listedBackups.output.trim().split('\n')).toHaveLength(1);
    const noSource = await runTenantCli(env, ['restore', 'corner-cafe']);
    expect(noSource.code).toBe(1);
    expect(noSource.output).toContain('"restore" needs a backup: --from <file> or --from latest.');
    const restored = await runTenantCli(env, ['restore', 'corner-cafe', '--from', 'latest']);
    expect(restored.output, restored.output).toContain('tenant corner-cafe restored from');
    expect(restored.output).toMatch(/kept in schema tenant_corner_cafe_replaced_\d{17}/);
    expect(restored.code).toBe(0);
    const beside = await runTenantCli(env, [
      'restore',
      'corner-cafe',
      '--from',
      'latest',
      '--into',
      'cafe_past',
    ]);
    expect(beside.output, beside.output).toContain('restored into schema cafe_past');
    expect(beside.output).toContain('corner-cafe itself is unchanged');
    expect(beside.code).toBe(0);

    // With a bucket, each backup is copied there too, and a restore finds the copy after the disk
    // lost the dump.
    const s3 = await startS3({ dir: join(env.CLOUDPOS_HOME, 's3'), buckets: ['local-backups'] });
    try {
      const withBucket = {
        ...env,
        CLOUDPOS_BACKUP_BUCKET: 's3://local-backups/dev',
        CLOUDPOS_BACKUP_BUCKET_ENDPOINT: s3.url,
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      };
      const copied = await runTenantCli(withBucket, ['backup', 'corner-cafe', '--keep', '1']);
      expect(copied.output, copied.output).toMatch(
        /copied to s3:\/\/local-backups\/dev\/tenant_corner_cafe-\S+\.dump/,
      );
      await rm(join(env.CLOUDPOS_HOME, 'backups'), { recursive: true });
      const listedCopies = await runTenantCli(withBucket, ['backups', 'corner-cafe']);
      expect(listedCopies.output).toMatch(/KiB {2}s3:\/\/local-backups\/dev\/tenant_corner_cafe-/);
      const fromBucket = await runTenantCli(withBucket, ['restore', 'corner-cafe', '--from', 'latest']);
      expect(fromBucket.output, fromBucket.output).toMatch(
        /fetching s3:\/\/local-backups\/dev\/tenant_corner_cafe-\S+\.dump/,
      );
      expect(fromBucket.output).toContain('tenant corner-cafe restored from');
      expect(fromBucket.code).toBe(0);
    } finally {
      await s3.stop();
    }

    const deleted = await runTenantCli(env, ['delete', 'bakery']);
    expect(deleted.output).toContain(
      'Policy Retain: schema tenant_bakery, its role and NATS account are kept.',
    );
    expect((await runTenantCli(env, ['list'])).output).not.toContain('bakery ');

    // The engines it started for each command were stopped again.
    for (const port of [env.CLOUDPOS_PG_PORT, env.CLOUDPOS_NATS_PORT, env.CLOUDPOS_NATS_MONITOR_PORT]) {
      expect(await portIsFree(Number(port)), `port ${port} released`).toBe(true);
    }
  });
});
