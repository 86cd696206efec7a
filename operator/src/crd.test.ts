// The CRD against the real API server: examples are accepted with defaults applied, and every
// kind of bad Tenant is rejected by the API server with a message a platform operator can act on.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantExamplesDir } from './crd.ts';
import { installTenantCrd, kubectl } from './test-support.ts';
import { tenantManifest } from './specs/fixtures.ts';
import type { Tenant } from './generated/tenant.ts';

const valid = (slug: string, spec: Partial<Tenant['spec']> = {}) => tenantManifest(slug, spec);

beforeAll(installTenantCrd);

describe('the Tenant CRD on a real API server', () => {
  it('accepts every example in tenants/ and lists them with the printer columns', async () => {
    const examples = (await readdir(tenantExamplesDir)).filter((file) => file.endsWith('.yaml'));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      const result = await kubectl(['apply', '-f', join(tenantExamplesDir, example)]);
      expect(result.stderr, example).toBe('');
    }
    const listed = await kubectl(['get', 'tenants']);
    expect(listed.stdout.split('\n')[0]).toMatch(/^NAME\s+PLAN\s+PHASE\s+READY\s+URL\s+AGE$/);
    expect(listed.stdout).toMatch(/corner-cafe\s+starter/);
    expect(listed.stdout).toMatch(/northwind-books\s+growth/);
    expect(listed.stdout).toMatch(/sakura-market\s+scale/);
    const short = await kubectl(['get', 'tnt', '-o', 'name']);
    expect(short.stdout).toContain('tenant.cloudpos.io/corner-cafe');
  });

  it('applies the defaults', async () => {
    const result = await kubectl(['create', '-o', 'json', '-f', '-'], stringify(valid('defaults-shop')));
    expect(result.stderr).toBe('');
    const tenant = JSON.parse(result.stdout) as Tenant;
    expect(tenant.spec).toMatchObject({
      timezone: 'UTC',
      locale: 'en-US',
      suspended: false,
      deletionPolicy: 'Retain',
    });
  });

  it.each([
    [
      'a slug that is not a DNS label',
      valid('bad-slug', { slug: 'Bad_Slug' }),
      /spec\.slug: Invalid value: "Bad_Slug"/,
    ],
    [
      'a name that differs from the slug',
      valid('other-name', { slug: 'some-slug' }),
      /metadata\.name must equal spec\.slug/,
    ],
    [
      'an unknown plan',
      valid('bad-plan', { plan: 'gold' as never }),
      /spec\.plan: Unsupported value: "gold"/,
    ],
    [
      'a currency that is not ISO 4217',
      valid('bad-currency', { currency: 'EURO' as never }),
      /spec\.currency: Unsupported value: "EURO"/,
    ],
    [
      'an owner email without a domain',
      valid('bad-email', { owner: { name: 'x', email: 'nobody' } }),
      /spec\.owner\.email: Invalid value: "nobody"/,
    ],
    [
      'a malformed time zone',
      valid('bad-tz', { timezone: 'not a zone' }),
      /spec\.timezone: Invalid value: "not a zone"/,
    ],
    [
      'an unknown deletion policy',
      valid('bad-policy', { deletionPolicy: 'Shred' as never }),
      /spec\.deletionPolicy: Unsupported value: "Shred"/,
    ],
    [
      'an ill-formed feature name',
      valid('bad-feature', { features: { 'Loyalty Points': true } }),
      /feature names are lower-case words/,
    ],
    [
      'duplicate store codes',
      valid('dup-stores', {
        stores: [
          { code: 'A', name: 'A' },
          { code: 'A', name: 'B' },
        ],
      }),
      /spec\.stores\[1\]: Duplicate value/,
    ],
  ])('rejects %s with the rule’s message', async (_what, tenant, message) => {
    const result = await kubectl(['create', '-f', '-'], stringify(tenant));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('rejects a change of slug: it is immutable', async () => {
    await kubectl(['create', '-f', '-'], stringify(valid('fixed-slug')));
    const result = await kubectl(['apply', '-f', '-'], stringify(valid('fixed-slug', { slug: 'new-slug' })));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('slug is immutable');
  });
});
