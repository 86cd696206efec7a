import { describe, expect, it } from 'vitest';
import { boundedId, clientAddress, tenantKey, tenantKeyPrefix } from './keys.ts';

describe('Redis keys', () => {
  it.each([
    ['a uuid', 'de300000-0000-4000-8000-0000000000d1', 'de300000-0000-4000-8000-0000000000d1'],
    ['an IPv4 address', '203.0.113.9', '203.0.113.9'],
    ['an IPv6 /64', '2001:db8:1:2::', '2001:db8:1:2::'],
    ['the tenant-wide id', 'all', 'all'],
  ])('keep %s as it is', (_what, id, expected) => {
    expect(boundedId(id)).toBe(expected);
  });

  it.each([
    ['a long id', 'x'.repeat(65)],
    ['a glob', 'cloudpos:t:*'],
    ['a space or newline', 'a b\r\nFLUSHALL'],
    ['an empty id', ''],
  ])('hash %s into 32 hex digits', (_what, id) => {
    expect(boundedId(id)).toMatch(/^h-[0-9a-f]{32}$/);
    expect(boundedId(id)).toBe(boundedId(id));
  });

  it('put every key under the tenant prefix; a name no tenant can have gets one no tenant user matches', () => {
    expect(tenantKey('corner-cafe', 'sign-in-device', 'all')).toBe(
      'cloudpos:t:corner-cafe:sign-in-device:all',
    );
    expect(tenantKeyPrefix('demo')).toBe('cloudpos:t:demo:');
    for (const slug of ['', 'Demo', 'a:b', '*', '-x', 'x'.repeat(41), 'ÿ']) {
      expect(tenantKeyPrefix(slug), slug).toMatch(/^cloudpos:t:_[0-9a-f]{16}:$/);
    }
    expect(tenantKeyPrefix('Demo')).not.toBe(tenantKeyPrefix('a:b'));
  });

  it('count an IPv6 client by its /64 and an IPv4-mapped one by its IPv4 address', () => {
    expect(clientAddress('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::');
    expect(clientAddress('2001:db8:1:2:ffff:4:5:6')).toBe('2001:db8:1:2::');
    expect(clientAddress('::ffff:203.0.113.9')).toBe('203.0.113.9');
  });
});
