// The till's span names and limits: fetch spans are named after the API route with ids left out,
// URLs lose their query, and nothing the till records is more than the POS API accepts (it would
// refuse the whole upload).
import { REMOTE_SPAN_LIMITS, REMOTE_SPANS_PATH } from '@cloudpos/telemetry';
import { describe, expect, it } from 'vitest';
import { TRACES_PATH } from './telemetry.ts';
import {
  fetchSpanName,
  TILL_SPAN_LIMITS,
  TILL_SPAN_NAME_LENGTH,
  TILL_SPANS_PER_UPLOAD,
  urlWithoutQuery,
} from './tracing.ts';

describe('a fetch span’s name', () => {
  it.each([
    ['POST', 'http://acme.localhost:8080/v1/sales/batch', 'POST /v1/sales/batch'],
    [
      'GET',
      'http://acme.localhost/v1/sales/2b1f0c3e-9d8a-4c1b-a7f2-0c6e5d4b3a21/receipt?format=html',
      'GET /v1/sales/:id/receipt',
    ],
    ['GET', 'http://acme.localhost/v1/sales/by-receipt/T1-000042', 'GET /v1/sales/by-receipt/:id'],
    ['GET', 'http://acme.localhost/v1/catalog/products?cursor=abc&limit=500', 'GET /v1/catalog/products'],
    [
      'POST',
      'http://acme.localhost/v1/sales/card-payments/pi_3Nq9/cancel',
      'POST /v1/sales/card-payments/:id/cancel',
    ],
    ['GET', '/v1/settings', 'GET /v1/settings'],
  ])('%s %s is “%s”', (method, url, name) => {
    expect(fetchSpanName(method, url)).toBe(name);
  });

  it('is never longer than the till’s limit', () => {
    expect(fetchSpanName('GET', `http://a.localhost/v1/${'x'.repeat(1000)}`)).toHaveLength(
      TILL_SPAN_NAME_LENGTH,
    );
  });
});

it('records URLs without their query', () => {
  expect(urlWithoutQuery('http://acme.localhost/v1/catalog/products?q=secret+search#x')).toBe(
    'http://acme.localhost/v1/catalog/products',
  );
});

it('uploads where the POS API takes them, no more than it accepts', () => {
  expect(TRACES_PATH).toBe(REMOTE_SPANS_PATH);
  expect(TILL_SPAN_LIMITS.attributeValueLengthLimit).toBeLessThanOrEqual(
    REMOTE_SPAN_LIMITS.attributeValueLength,
  );
  expect(TILL_SPAN_LIMITS.attributeCountLimit).toBeLessThanOrEqual(REMOTE_SPAN_LIMITS.attributes);
  expect(TILL_SPAN_LIMITS.eventCountLimit).toBeLessThanOrEqual(REMOTE_SPAN_LIMITS.events);
  expect(TILL_SPAN_LIMITS.attributePerEventCountLimit).toBeLessThanOrEqual(
    REMOTE_SPAN_LIMITS.eventAttributes,
  );
  expect(TILL_SPAN_LIMITS.linkCountLimit).toBeLessThanOrEqual(REMOTE_SPAN_LIMITS.links);
  expect(TILL_SPAN_LIMITS.attributePerLinkCountLimit).toBeLessThanOrEqual(REMOTE_SPAN_LIMITS.eventAttributes);
  expect(TILL_SPAN_NAME_LENGTH).toBeLessThanOrEqual(REMOTE_SPAN_LIMITS.nameLength);
  expect(TILL_SPANS_PER_UPLOAD).toBeLessThanOrEqual(REMOTE_SPAN_LIMITS.spans);
});
