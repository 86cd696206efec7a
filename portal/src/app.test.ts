import type {} from '@cloudpos/harness/vitest/provided';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactTokens } from './app.ts';
import { startTestPortal, type TestPortal } from './testing/portal.ts';

describe('request logs', () => {
  it('never carry the one-time token of an e-mail link', () => {
    expect(redactTokens('/verify-email?token=abc_DEF-123')).toBe('/verify-email?token=***');
    expect(redactTokens('/x?a=1&token=secret&b=2')).toBe('/x?a=1&token=***&b=2');
    expect(redactTokens('/plans')).toBe('/plans');
  });
});

describe('metrics', () => {
  let portal: TestPortal;
  beforeAll(async () => {
    portal = await startTestPortal('metrics');
  });
  afterAll(async () => {
    await portal?.stop();
  });

  it('are served at /metrics: RED per route (pages under the router, never raw URLs) and Node defaults', async () => {
    expect((await fetch(`${portal.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${portal.url}/signup?token=secret-looking`)).status).toBe(200);
    const scraped = await fetch(`${portal.url}/metrics`);
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{service="cloudpos-portal",method="GET",route="\/healthz",status_code="200"\} 1/,
    );
    expect(text).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\*",status_code="200"\} 1/);
    expect(text).not.toContain('secret-looking');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
