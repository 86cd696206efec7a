import { OtlpReceiver } from '@cloudpos/harness';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const receiver = new OtlpReceiver();

beforeAll(async () => {
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
});

describe('a process started with --import @cloudpos/telemetry/register', () => {
  it('exports Postgres and Redis client spans over OTLP, children of the active span, and logs its trace id', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        fileURLToPath(new URL('./register.ts', import.meta.url)),
        fileURLToPath(new URL('./fixtures/instrumented-process.ts', import.meta.url)),
      ],
      {
        env: {
          ...process.env,
          OTEL_SERVICE_NAME: 'fixture-service',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          DATABASE_URL: inject('postgresUrl'),
          REDIS_URL: inject('redisUrl'),
        },
      },
    );
    const root = await receiver.waitForSpan((span) => span.name === 'fixture-work');
    const query = await receiver.waitForSpan(
      (span) =>
        span.attributes['db.system'] === 'postgresql' || span.attributes['db.system.name'] === 'postgresql',
    );
    const redisCall = await receiver.waitForSpan(
      (span) => span.attributes['db.system'] === 'redis' || span.attributes['db.system.name'] === 'redis',
    );
    expect(root.serviceName).toBe('fixture-service');
    expect(query.traceId).toBe(root.traceId);
    expect(query.parentSpanId).toBe(root.spanId);
    expect(redisCall.traceId).toBe(root.traceId);
    const logLine = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === 'fixture done');
    expect(logLine?.trace_id).toBe(root.traceId);
  });
});
