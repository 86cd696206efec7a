import { describe, expect, it } from 'vitest';
import { tenantSlugFromHost } from './host.ts';

describe('tenantSlugFromHost', () => {
  it.each([
    ['acme.localhost', undefined, 'acme'],
    ['acme.localhost:8080', undefined, 'acme'],
    ['ACME.LocalHost:8080', undefined, 'acme'],
    ['corner-shop.pos.example.com', 'pos.example.com', 'corner-shop'],
    ['corner-shop.pos.example.com.', 'pos.example.com', 'corner-shop'],
    ['corner-shop.pos.example.com:443', 'pos.example.com', 'corner-shop'],
  ])('%s (base %s) names %s', (host, base, slug) => {
    expect(tenantSlugFromHost(host, base)).toBe(slug);
  });

  it.each([
    [undefined, undefined],
    ['localhost:8080', undefined],
    ['127.0.0.1:8080', undefined],
    ['[::1]:8080', undefined],
    ['pos-api.tenant-acme.svc.cluster.local', 'pos.example.com'],
    ['a.b.localhost', undefined],
    ['a.b.pos.example.com', 'pos.example.com'],
    ['acme.pos.example.com', undefined], // no base domain configured
    ['acme.evilpos.example.com', 'pos.example.com'],
  ])('%s (base %s) names no tenant', (host, base) => {
    expect(tenantSlugFromHost(host, base)).toBeUndefined();
  });
});
